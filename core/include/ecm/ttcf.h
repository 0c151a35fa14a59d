/* ecm/ttcf.h — two-time correlation G(t1, t2), the one-time g(t) taken from it, and the
 * width of its diagonal band versus age (stationarity / aging check).
 *
 * Definition (Huang & Voyles Eq. 5; Nakazawa et al. Eq. 1; DESIGN.md §4), frames of the
 * (optionally time-binned) series i, j = 0..N-1, pixels k of a set of K >= 2 pixels:
 *   G(i, j) = <I(i) I(j)>_k / (<I(i)>_k <I(j)>_k),
 * evaluated as G - 1 = Y Y^T, Y(i, k) = (I(i, k) - <I(i)>_k) / (<I(i)>_k sqrt(K)), one
 * OpenBLAS single-precision SYRK on the N x K matrix Y (algebraically identical, and
 * accurate when G - 1 is small). A single pixel's G is identically 1 under this definition,
 * so sets of one pixel are refused. With blocks (block_px >= 2) the result is the mean of the
 * blocks' own G over the blocks (each block of block_px x block_px pixels is one set, like
 * the k pixels of one probe position in Huang & Voyles Fig. 7b), still one SYRK.
 * docs/ttcf.md gives the derivations, the band definition, the verdict and the options. */
#ifndef ECM_TTCF_H
#define ECM_TTCF_H

#include <stddef.h>

#include "ecm/kww.h"
#include "ecm/stack.h"
#include "ecm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which value of G - 1 the band edge is measured against (see ecm_ttcf_params). */
typedef enum ecm_ttcf_band_ref {
  ECM_TTCF_REF_FIT = 0,     /* A of the one-time KWW fit (its lag -> 0 limit, diagonal
                               excluded); falls back to ECM_TTCF_REF_LAG1 when the fit
                               did not converge */
  ECM_TTCF_REF_LAG1 = 1,    /* G - 1 at the first off-diagonal lag (1 frame), locally */
  ECM_TTCF_REF_DIAGONAL = 2 /* G(t1, t1) - 1, locally: Huang & Voyles Fig. 7 literally
                               (counting noise inflates it) */
} ecm_ttcf_band_ref;

/* Stationarity verdict of the band width versus age; numbers never change. */
typedef enum ecm_ttcf_verdict {
  ECM_TTCF_STATIONARY = 0,   /* slope of ln tau_band vs age within 2 sigma of zero, or the
                                fitted change over the series below change_factor */
  ECM_TTCF_AGING = 1,        /* the band widens (tau grows with age) */
  ECM_TTCF_ACCELERATING = 2, /* the band narrows (tau shrinks with age: rejuvenation) */
  ECM_TTCF_UNDETERMINED = 3  /* fewer than 3 ages with a measurable band */
} ecm_ttcf_verdict;

/* "stationary", "aging", "accelerating", "undetermined"; never NULL. */
const char *ecm_ttcf_verdict_name(ecm_ttcf_verdict v);

typedef struct ecm_ttcf_params {
  /* --- the correlation (ecm_ttcf_compute) --- */
  size_t bin_time;      /* frames summed into one time bin, >= 1; an incomplete trailing
                           bin is dropped (default 1) */
  size_t block_px;      /* 0: one set, all pixels inside the mask; >= 2: the mean of the G
                           of every block_px x block_px block (tiles from pixel 0,0; edge
                           tiles may be smaller; blocks with < 2 pixels inside the mask are
                           skipped); 1 is refused (a pixel's G is 1) (default 0) */
  int normalize_pixels; /* non-zero: divide each pixel's series by its own time mean first
                           (removes static contrast between pixels, which otherwise raises
                           the baseline G - 1 by the spatial variance of the mean image);
                           pixels with a time mean <= 0 are then left out (default 0) */
  /* --- the analysis (ecm_ttcf_analysis_create) --- */
  int include_diagonal;       /* 0: G(t1, t1) (spiked by counting noise) is left out of g(t), the
                                 fit and the band; non-zero: g(t) gains a lag-0 point and the band
                                 reference becomes the diagonal (default 0) */
  double points_per_decade;   /* log lag bins of g(t), [1, 1000] (default 10) */
  size_t max_lag;             /* largest lag of g(t) in (binned) frames; 0 = N/2; <= N-2 */
  ecm_ttcf_band_ref band_ref; /* band reference (default ECM_TTCF_REF_FIT; forced to
                                 ECM_TTCF_REF_DIAGONAL by include_diagonal) */
  double band_level;          /* band edge: G - 1 = band_level x reference, in (0, 1)
                                 (default exp(-2): for KWW with the fit reference the band width
                                 in t2 - t1 is then tau itself) */
  size_t band_window;         /* ages are windows of this many (binned) frames, averaged along
                                 the anti-diagonals; 0 = auto, max(8, N/16) (default 0) */
  double change_factor;       /* verdict: stationary when the fitted band change over the series,
                                 exp(|slope| x age span), is below this, > 1 (default 1.25) */
  ecm_kww_params kww;         /* fit of g(t) (default ecm_kww_default_params()) */
} ecm_ttcf_params;

ecm_ttcf_params ecm_ttcf_default_params(void);

/* ECM_EINVAL with a detail naming the field and its legal range. */
ecm_status ecm_ttcf_check_params(const ecm_ttcf_params *p);

/* What ecm_ttcf_compute used. */
typedef struct ecm_ttcf_info {
  size_t n;              /* side of G: binned frames */
  size_t pixels;         /* pixels used (inside the mask, in kept blocks, not dropped) */
  size_t pixels_dropped; /* pixels left out by normalize_pixels (time mean <= 0) */
  size_t sets;           /* pixel sets averaged: 1, or the number of blocks kept */
  size_t sets_skipped;   /* blocks with fewer than 2 pixels inside the mask */
  size_t empty_cells;    /* (set, frame) pairs whose mean intensity is <= 0: left out of
                            the average; a frame with no valid set has a NaN row/column */
  double dt_s;           /* binned frame interval, s (0 when the stack is uncalibrated) */
} ecm_ttcf_info;

/* Size of G for `stack` under `p` (*n = floor(nt / bin_time)) and the working memory
 * ecm_ttcf_compute checks against the budget (*bytes, output included: 4 N^2 + 4 N K +
 * 8 N sets). Either pointer may be NULL. ECM_EINVAL (params), ECM_EOVERFLOW. */
ecm_status ecm_ttcf_size(const ecm_view *stack, const ecm_ttcf_params *p, size_t *n, size_t *bytes);

/* The two-time correlation of `stack` (t x y x x) over the pixels inside `mask` (NULL =
 * all), written to G[n * n] (caller-owned, row-major, symmetric, float; n from
 * ecm_ttcf_size). info may be NULL. Threads: the SYRK runs on OpenBLAS's OpenMP threads,
 * set to ecm_run.threads for the call and restored after (openblas_set_num_threads is
 * process-wide: do not run two TTCFs with different thread counts at once). Progress stages
 * "ttcf-pack", "ttcf-syrk", "ttcf-finish"; cancellation is honoured between stages (the SYRK
 * itself runs to its end). Errors: ECM_EINVAL (NULL, params, a non-finite value in the set,
 * n_cap < n * n, fewer than 3 binned frames, block_px = 1), ECM_ESIZE (mask size),
 * ECM_ENODATA (empty mask; fewer than 2 pixels in every set), ECM_ENOMEM (allocation or
 * the budget), ECM_ECANCELED (G then holds nothing useful). */
ecm_status ecm_ttcf_compute(const ecm_view *stack, const ecm_mask *mask, const ecm_ttcf_params *p,
                            const ecm_run *run, float *G, size_t n_cap, ecm_ttcf_info *info);

/* Analysis of a TTCF: one-time g, its KWW fit, band width versus age, verdict.
 * Times are in seconds when dt_s > 0, else in frames. Arrays are owned by the struct. */
typedef struct ecm_ttcf_analysis {
  size_t n;  /* side of G */
  double dt; /* time unit per frame: dt_s, or 1 (frames) */
  /* one-time g(t) = <G(t1, t1 + t)>_t1 on log lag bins (DESIGN.md §5 bins) */
  size_t n_g;
  double *g_t;        /* mean lag of each bin (lag 0 first when include_diagonal) */
  double *g;          /* mean of G over every pair (t1, t1 + p) with p in the bin */
  double *g_sem;      /* batch-means standard error (up to 32 batches of t1, each at least
                         the bin's largest lag long); NaN with fewer than 2 batches */
  ecm_kww_result fit; /* unweighted KWW fit of g(t) (lags > 0); tau in the time unit */
  /* band width versus age */
  size_t n_band;
  double *band_age;           /* centre of each age window (time unit, from frame 0) */
  double *band_tau;           /* lag where the window-averaged G - 1 along the anti-diagonals first
                                 falls to band_level x reference (linear interpolation); NaN when it
                                 never does within the series */
  double *band_err;           /* its standard error (delta method, docs/ttcf.md); NaN if unknown */
  double *band_ref;           /* the reference value of G - 1 used in each window */
  ecm_ttcf_band_ref ref_used; /* the reference actually used */
  size_t band_window;         /* frames per age window */
  /* verdict */
  double slope;     /* d ln(tau_band) / d age, per time unit (OLS over finite ages) */
  double slope_err; /* its standard error (from the residuals) */
  double intercept; /* c of the same line ln(tau_band) = c + slope x age (NaN without one):
                       lets a caller draw the fitted line */
  double change;    /* exp(slope x (last age - first age)): fitted change over the series */
  ecm_ttcf_verdict verdict;
} ecm_ttcf_analysis;

/* Analyse G[n * n] (as written by ecm_ttcf_compute; NaN rows are skipped) with frame
 * interval dt_s (s; 0 = uncalibrated, results in frames). Progress stages "ttcf-g",
 * "ttcf-band". Errors: ECM_EINVAL (NULL, params, n < 3, max_lag > n - 2), ECM_ENOMEM,
 * ECM_ECANCELED. A failed fit or an immeasurable band is not an error (fit.state, NaN,
 * ECM_TTCF_UNDETERMINED). *out is freed with ecm_ttcf_analysis_destroy. */
ecm_status ecm_ttcf_analysis_create(const float *G, size_t n, double dt_s, const ecm_ttcf_params *p,
                                    const ecm_run *run, ecm_ttcf_analysis **out);

/* Release an analysis; accepts NULL. */
void ecm_ttcf_analysis_destroy(ecm_ttcf_analysis *a);

#ifdef __cplusplus
}
#endif
#endif
