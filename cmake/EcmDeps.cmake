# Third-party dependencies, all from Debian 12 packages (see scripts/setup.sh).
find_package(PkgConfig REQUIRED)
find_package(GSL REQUIRED)
find_package(TIFF REQUIRED)
pkg_check_modules(FFTW3 REQUIRED IMPORTED_TARGET fftw3 fftw3f)
find_library(FFTW3F_LIB NAMES fftw3f REQUIRED)
find_library(FFTW3_LIB NAMES fftw3 REQUIRED)
if(ECM_OPENMP)
  find_package(OpenMP REQUIRED COMPONENTS C)
endif()
find_library(M_LIB m)
# CBLAS from OpenBLAS (OpenMP build, so that BLAS threads do not oversubscribe our own
# OpenMP loops); used by the two-time correlation module.
pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas)

# ecm_find_static_archive(<var> <archive> <debian-package> [HINTS <dir>...]): the full path
# of a static archive (e.g. libgsl.a) in the cache variable <var>, or a configure error that
# names the Debian package providing it. Used by jni/ (ECM_FIJI_STATIC_DEPS).
function(ecm_find_static_archive var archive package)
  cmake_parse_arguments(PARSE_ARGV 3 arg "" "" "HINTS")
  find_library(${var} NAMES ${archive} HINTS ${arg_HINTS}
               DOC "Static archive ${archive} (Debian package ${package})")
  if(NOT ${var})
    message(FATAL_ERROR
      "ECM_FIJI_STATIC_DEPS: the static archive ${archive} was not found. Install the Debian "
      "package ${package} (./scripts/setup.sh installs it), or set ${var}=/path/to/${archive}, "
      "or configure with -DECM_FIJI_STATIC_DEPS=OFF to link the dependencies dynamically.")
  endif()
endfunction()
