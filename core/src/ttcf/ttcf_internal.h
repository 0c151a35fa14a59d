/* Internal helpers of the ttcf module (not installed). CBLAS stays inside core/src/ttcf/:
 * nothing here exposes a BLAS type. */
#ifndef ECM_TTCF_INTERNAL_H
#define ECM_TTCF_INTERNAL_H

#include <stddef.h>

#include "ecm/ttcf.h"

/* Run OpenBLAS's plain C = alpha A A^T (upper triangle, row-major, single precision) on
 * A[n x k] into C[n x n] with `threads` BLAS threads (0 = leave OpenBLAS's setting),
 * restoring the previous thread count afterwards. The bare kernel of ecm_ttcf_compute:
 * the baseline bench/bench_ttcf.c compares the whole TTCF against. */
void ecm__ttcf_ssyrk(const float *A, size_t n, size_t k, float alpha, float *C, int threads);

/* Name of the BLAS library's build configuration (openblas_get_config()), for reports. */
const char *ecm__ttcf_blas_config(void);

#endif
