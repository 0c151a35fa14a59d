/* Internal pieces of the g2 module shared by its files (not installed). */
#ifndef ECM_G2_INTERNAL_H
#define ECM_G2_INTERNAL_H

#include <stddef.h>

#include "ecm/g2.h"
#include "fft/fft_internal.h"

/* Read x[i*stride] into delta = x - mean (double) and prefix[i] = sum_{j<i} delta[j]
 * (prefix has n + 1 entries). Returns the series' state; *mean is set when finite. */
ecm_g2_state ecm__g2_prepare(const float *x, size_t stride, size_t n, double *delta,
                             double *prefix, double *mean);

/* g2(p) from C(p) = sum_{i<n-p} delta(i) delta(i+p), the prefix sums of delta and the mean
 * (see ecm/g2.h); NaN when a denominator sum is not positive. */
double ecm__g2_from_sums(size_t n, size_t p, double c, const double *prefix, double mean);

/* Per-thread scratch of the FFT method. */
typedef struct ecm__g2_fft_scratch {
  const ecm__fft_plan *fwd, *bwd;
  size_t len;     /* transform length >= n + max_lag */
  float *real;    /* len */
  float *spec;    /* (len/2 + 1) complex */
  double *delta;  /* n */
  double *prefix; /* n + 1 */
} ecm__g2_fft_scratch;

ecm_status ecm__g2_fft_scratch_init(ecm__g2_fft_scratch *s, size_t n, size_t max_lag);
void ecm__g2_fft_scratch_free(ecm__g2_fft_scratch *s);
/* All lags 0..max_lag of one series into g2 (NaN unless ECM_G2_OK). */
ecm_g2_state ecm__g2_fft_lags(ecm__g2_fft_scratch *s, const float *x, size_t stride, size_t n,
                              size_t max_lag, double *g2);

#endif
