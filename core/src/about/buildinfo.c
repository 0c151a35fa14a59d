/* ecm_build_info (declared in ecm/status.h): the numerical libraries this libecm was built
 * and linked with, for `ecm --version` and the Fiji About / Self-test report. A module of its
 * own because it reaches into FFTW and the BLAS, which the status module must not need. */
#include <fftw3.h>
#include <gsl/gsl_version.h>
#include <stdio.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "../ttcf/ttcf_internal.h"
#include "ecm/status.h"

const char *ecm_build_info(void) {
  static _Thread_local char buf[512];
#ifdef _OPENMP
  char omp[64];
  snprintf(omp, sizeof omp, "OpenMP %d (%d threads)", (int)_OPENMP, omp_get_max_threads());
#else
  const char *omp = "no OpenMP (1 thread)";
#endif
  snprintf(buf, sizeof buf, "GSL %s (runtime %s); %s; %s; %s", GSL_VERSION,
           gsl_version, fftw_version, ecm__ttcf_blas_config(), omp);
  return buf;
}
