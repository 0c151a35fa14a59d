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
