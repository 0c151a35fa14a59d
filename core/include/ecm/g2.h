/* ecm/g2.h — intensity autocorrelation g2 per pixel, over a ROI, and on log-spaced lags.
 *
 * Definition (Zhang et al. 2018, Eq. 4; DESIGN.md §4): for one pixel's series I(0..N-1),
 *   g2(p) = (N-p) sum_{i<N-p} I(i) I(i+p) / ( [sum_{i<N-p} I(i)] [sum_{i<N-p} I(i+p)] ),
 * lag p in frames, delay t = p * dt. Every method here evaluates it through the equivalent,
 * better-conditioned form (delta = I - mean of the whole series):
 *   g2(p) - 1 = ( (N-p) C(p) - H(p) T(p) ) / ( S_head(p) S_tail(p) ),
 *   C(p) = sum_{i<N-p} delta(i) delta(i+p),  H = sum_{i<N-p} delta(i),  T = sum_{i>=p} delta(i),
 * which is algebraically identical and keeps rounding small when g2 - 1 is small.
 *
 * Methods (docs/g2.md):
 *   ECM_G2_FFT       every lag 0..max_lag exactly, by a zero-padded FFT (no wrap-around:
 *                    length >= N + max_lag), single-precision transforms, sums in double;
 *                    log bins then average g2 over the lags of each bin.
 *   ECM_G2_DIRECT    exact direct sums in double at one lag per bin (the integer lag nearest
 *                    the bin's mean lag): the fast path for maps, O(N * bins) per pixel.
 *   ECM_G2_MULTITAU  a multi-tau correlator (channels per level, intensities averaged in
 *                    pairs between levels), O(N m) per pixel: for very long series. Level 0 holds
 *                    lags 1..m-1 exactly; level l >= 1 evaluates Eq. 4 on the series averaged
 *                    over blocks of 2^l frames at lags q 2^l, q = m/2..m-1 (a triangular
 *                    average of the exact g2 around that lag).
 * Log bins: edges at 10^(k/ppd) frames, lag 1 in its own bin, t at the mean lag of a bin. */
#ifndef ECM_G2_H
#define ECM_G2_H

#include <stddef.h>
#include <stdint.h>

#include "ecm/stack.h"
#include "ecm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Status of one pixel's g2; numbers never change (shared with maps and JSON). */
typedef enum ecm_g2_state {
  ECM_G2_OK = 0,
  ECM_G2_ZERO = 1,     /* the pixel's intensity is zero (or its sums are <= 0): g2 NaN */
  ECM_G2_CONSTANT = 2, /* the pixel never fluctuates: g2 - 1 is 0/0 in spirit; NaN */
  ECM_G2_NONFINITE = 3,/* a NaN or infinity in the series: g2 NaN */
  ECM_G2_MASKED = 4    /* outside the mask */
} ecm_g2_state;

const char *ecm_g2_state_name(ecm_g2_state s);

/* ---- log-spaced lag bins ------------------------------------------------------------ */

typedef struct ecm_g2_bins {
  size_t nbins;
  size_t *edges;    /* nbins + 1 lags: bin b holds lags edges[b] <= p < edges[b+1]; owned */
  double *lag_mean; /* mean lag of each bin, frames (what t is reported at); owned */
  size_t *lag_rep;  /* the one lag the DIRECT method evaluates: nearest integer to lag_mean */
  size_t max_lag;   /* largest lag covered (edges[nbins] - 1) */
} ecm_g2_bins;

/* Bins over lags 1..max_lag with `ppd` points per decade (edges at 10^(k/ppd) frames,
 * rounded up to integers; lag 1 alone in the first bin; empty bins dropped).
 * ECM_EINVAL: max_lag == 0, ppd not in [1, 1000]. */
ecm_status ecm_g2_bins_create(size_t max_lag, double ppd, ecm_g2_bins **out);
void ecm_g2_bins_destroy(ecm_g2_bins *b);

/* ---- parameters ------------------------------------------------------------------- */

typedef enum ecm_g2_method { ECM_G2_FFT = 0, ECM_G2_DIRECT = 1, ECM_G2_MULTITAU = 2 } ecm_g2_method;

typedef struct ecm_g2_params {
  ecm_g2_method method;  /* default ECM_G2_FFT */
  double points_per_decade; /* log bins per decade of lag (default 10) */
  size_t max_lag;        /* largest lag in frames; 0 = N/2 (default 0) */
  size_t multitau_m;     /* multi-tau channels per level, even, >= 4 (default 16) */
} ecm_g2_params;

ecm_g2_params ecm_g2_default_params(void);

/* Resolve max_lag for a series of n frames (0 -> n/2) and check it: ECM_EINVAL (with a
 * detail naming the numbers) when n < 3 or max_lag > n - 2. */
ecm_status ecm_g2_resolve_max_lag(const ecm_g2_params *p, size_t n, size_t *max_lag);

/* ---- one series ------------------------------------------------------------------- */

/* All lags 0..max_lag of one series x[i * stride], i < n, by the exact double-precision
 * O(n * max_lag) sums: g2[max_lag + 1] out. The reference every method is tested against.
 * Returns ECM_OK and sets *state (NaN curve unless ECM_G2_OK). */
ecm_status ecm_g2_series_direct(const float *x, size_t stride, size_t n, size_t max_lag,
                                 double *g2, ecm_g2_state *state);

/* All lags 0..max_lag by zero-padded FFT (see ECM_G2_FFT). Thread-safe; allocates scratch. */
ecm_status ecm_g2_series_fft(const float *x, size_t stride, size_t n, size_t max_lag,
                             double *g2, ecm_g2_state *state);

/* Average a per-lag curve g2[0..bins->max_lag] into bins: out[nbins]. */
void ecm_g2_bin_curve(const ecm_g2_bins *bins, const double *g2_lags, double *out);

/* Multi-tau g2 of one series: lags and values written to lag[cap], g2[cap]; *count set.
 * Lags are in frames (mean lag of the coarse channel), up to max_lag. */
ecm_status ecm_g2_series_multitau(const float *x, size_t stride, size_t n, size_t max_lag,
                                  size_t m, double *lag, double *g2, size_t cap, size_t *count,
                                  ecm_g2_state *state);

/* ---- many pixels ------------------------------------------------------------------ */

/* g2 of every pixel of a stack on the log bins of `bins` (whose max_lag must be < nt - 1).
 * out: ny*nx rows of bins->nbins floats (row = y * nx + x); states: ny*nx (may be NULL).
 * Pixels outside `mask` (may be NULL) get NaN and ECM_G2_MASKED. Method FFT or DIRECT
 * (MULTITAU: ECM_EUNSUPPORTED here). Parallel over pixels; results do not depend on the
 * thread count. Progress stage "g2". Errors: ECM_EINVAL, ECM_ESIZE (mask), ECM_ENOMEM
 * (memory budget), ECM_ECANCELED. */
ecm_status ecm_g2_map(const ecm_view *stack, const ecm_mask *mask, const ecm_g2_params *p,
                      const ecm_g2_bins *bins, const ecm_run *run, float *out,
                      uint8_t *states);

/* Ensemble g2 over the pixels of a mask (NULL = all): the mean of the pixels' binned g2
 * curves and its standard error (sd across valid pixels / sqrt(count)); t in frames at
 * bins->lag_mean. *n_valid: pixels that contributed. Errors as ecm_g2_map, plus
 * ECM_ENODATA when no pixel has a valid g2. */
ecm_status ecm_g2_ensemble(const ecm_view *stack, const ecm_mask *mask, const ecm_g2_params *p,
                           const ecm_g2_bins *bins, const ecm_run *run, double *g2,
                           double *sem, size_t *n_valid);

#ifdef __cplusplus
}
#endif
#endif
