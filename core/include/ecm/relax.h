/* ecm/relax.h — relaxation maps: per-pixel g2 (Zhang et al. 2018, Eq. 4) on log lags, a KWW
 * fit per pixel (Eq. 2), and the statistics of the maps — the headline of dark-field ECM.
 *
 * One pass over the stack: for each pixel, g2 at every lag by zero-padded FFT, averaged in
 * log bins, standard errors per bin from the curve itself (ecm_kww_g2_sigma), and a
 * weighted Levenberg–Marquardt fit. Memory beyond the stack: the maps plus the binned g2 of
 * every pixel (nbins floats each), kept for the ensemble and for inspection. */
#ifndef ECM_RELAX_H
#define ECM_RELAX_H

#include <stddef.h>
#include <stdint.h>

#include "ecm/g2.h"
#include "ecm/kww.h"
#include "ecm/stack.h"
#include "ecm/stats.h"
#include "ecm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Status of a map pixel. 0..5 are the KWW fit states (ecm_kww_state, same numbers);
 * 6..8 say why a pixel had no g2; 9 (appended) marks a converged fit whose tau lies below
 * the time resolution. Never renumbered: written into *_status.tif. */
typedef enum ecm_relax_status {
  ECM_RELAX_CONVERGED = 0,
  ECM_RELAX_MAX_ITER = 1,
  ECM_RELAX_SINGULAR = 2,
  ECM_RELAX_BAD_FIT_INPUT = 3,
  ECM_RELAX_MASKED = 4,
  ECM_RELAX_NO_DECAY = 5,   /* never decorrelates within the series (static, crystalline):
                               the fitted model keeps its correlation (kww.min_decay; tau a
                               lower limit) or the curve is flat within its errors
                               (no_decay_dchi2; tau NaN) */
  ECM_RELAX_DARK = 6,       /* zero (or non-positive) mean intensity */
  ECM_RELAX_CONSTANT = 7,   /* intensity never changes */
  ECM_RELAX_NONFINITE = 8,  /* NaN or infinity in the series */
  ECM_RELAX_UNRESOLVED = 9  /* the fit converged, but with tau below unresolved_frac times the
                               first fitted delay: the whole decay is an extrapolation below
                               the first measured lag, driven by noise (tiny beta bending a
                               flat-ish curve; docs/map.md, "Unresolved pixels"). tau, beta,
                               A NaN; the pixel's g2 is kept (it enters the ensemble) */
} ecm_relax_status;

#define ECM_RELAX_NSTATUS 10

/* Short name of a status ("converged", ..., "non-finite", "unresolved"). */
const char *ecm_relax_status_name(ecm_relax_status s);

typedef struct ecm_relax_params {
  double points_per_decade; /* log lag bins per decade (default 10) */
  size_t max_lag;           /* largest lag, frames; 0 = half the series (default 0) */
  int weighted;             /* weight fits by the per-bin standard errors (default 1) */
  ecm_kww_params kww;       /* fit settings; times in seconds (frames when uncalibrated) */
  double no_decay_dchi2;    /* flatness test (docs/map.md, "No-decay pixels"): a pixel whose
                               fit improves chi2 over the best constant g2 by less than this,
                               with the ecm_kww_g2_sigma errors in the window, is
                               ECM_RELAX_NO_DECAY (tau NaN): no significant decorrelation.
                               >= 0, 0 disables (default 6, the 95 % point of chi2 with
                               2 degrees of freedom) */
  int bias_correction;      /* non-zero: correct each converged fit for the finite-length
                               bias of Eq. 4 (docs/map.md, "Finite-length bias
                               correction"): the expected bias of the binned g2 under the
                               fitted model is added back and the fit repeated once from
                               its solution (skipped for fits with A > 1 or tau below
                               twice the first fitted delay; a pixel whose refit does not
                               converge keeps its uncorrected fit). ecm_relax_summarize
                               corrects the ensemble fit likewise. The stored g2 (maps.g2)
                               and ens_g2 stay the plain Eq. 4 curves. 0 = off (default 1) */
  double unresolved_frac;   /* a converged fit (after the bias correction) with tau below
                               unresolved_frac times the first delay of the fit window
                               becomes ECM_RELAX_UNRESOLVED (tau, beta, A NaN): tau is not
                               resolved by the sampling. Finite, >= 0; 0 disables (default
                               0.1: the fitted decay ends a decade before the first lag;
                               docs/map.md, "Unresolved pixels") */
} ecm_relax_params;

ecm_relax_params ecm_relax_default_params(void);

/* Maps and the per-pixel binned g2, all ny*nx row-major, owned by the result. Values are
 * NaN where the status is not CONVERGED (NO_DECAY keeps its tau as a lower limit in
 * tau_s but NaN elsewhere). Times in seconds when the stack is calibrated, else frames
 * (time_unit says which). */
typedef struct ecm_relax_maps {
  size_t ny, nx, nt;
  float *tau, *beta, *A, *chi2, *tau_err, *beta_err, *A_err;
  uint8_t *status;
  float *g2;        /* ny*nx rows of nbins binned g2 values */
  size_t nbins;
  double *t;        /* nbins delays at the bins' mean lags (time unit) */
  size_t *edges;    /* nbins + 1 lag edges, frames */
  double dt;        /* frame interval in the time unit (1 when uncalibrated) */
  char time_unit[8];/* "s" or "frame" */
  ecm_calib calib;  /* the stack's calibration */
  size_t count[ECM_RELAX_NSTATUS]; /* pixels per status */
} ecm_relax_maps;

/* Compute the maps of `stack` inside `mask` (NULL = everything). Parallel over pixels
 * (results independent of the thread count), progress stage "map", cancellable, memory
 * checked against run->memory_budget. Errors: ECM_EINVAL, ECM_ENODATA (fewer than 3
 * frames), ECM_ESIZE (mask), ECM_ENOMEM, ECM_ECANCELED. */
ecm_status ecm_relax_map(const ecm_view *stack, const ecm_mask *mask,
                         const ecm_relax_params *p, const ecm_run *run, ecm_relax_maps **out);
void ecm_relax_maps_free(ecm_relax_maps *m);

/* Summary of maps inside a region (NULL = all non-masked pixels): statistics of tau and
 * beta over converged pixels, the log-normal fit of tau, the ensemble g2 (mean of the
 * pixels' binned curves, sem across pixels) and its KWW fit, and the sampling check. */
typedef struct ecm_relax_summary {
  size_t n_pixels, n_converged;
  double converged_fraction;
  ecm_summary tau, beta, A;
  ecm_lognormal lognormal;
  int has_lognormal;
  double *ens_g2, *ens_sem;  /* nbins, owned */
  ecm_kww_result ens_fit;
  double series_over_tau;    /* series length / tau_med (Zhang: >= 20 sufficed; 40 safer) */
  double dt_over_tau;        /* frame interval / tau_med (should be <= 0.1) */
  double tau_med_frames;
} ecm_relax_summary;

ecm_status ecm_relax_summarize(const ecm_relax_maps *m, const uint8_t *region,
                               const ecm_relax_params *p, ecm_relax_summary *out);
void ecm_relax_summary_clear(ecm_relax_summary *s);

/* ---- time-windowed maps ---- */
/* Maps of parts of the series: the first and second half (do domains persist?), sliding
 * windows (how do they evolve? Zhang et al. 2018, Supp. Movie 3) and the beta-tau scatter.
 * Every map here is exactly ecm_relax_map of a frame-range sub-view (ecm_view_sub), so a
 * window's values carry the finite-length bias of its own length (docs/map.md): compare
 * windows of equal length only. Equations: docs/map.md, "Time evolution". */

/* Comparison of two tau maps of the same field of view (e.g. the two halves), over the pixels
 * converged in both (and inside the region). With d = ln tau2 - ln tau1 per pixel: */
typedef struct ecm_relax_compare_stats {
  size_t n_both;              /* pixels converged in both maps (inside the region) */
  double pearson_lntau;       /* Pearson r of (ln tau1, ln tau2); NaN when n_both < 3 or a map
                                 is uniform */
  double pearson_lo;          /* 95 % interval of r by Fisher's z: */
  double pearson_hi;          /* tanh(atanh r -+ 1.96 / sqrt(n_both - 3)) */
  double pearson_null_sd;     /* 1/sqrt(n_both - 1): the scatter of r between two maps that share
                                 nothing, for independent pixels (spatially correlated maps
                                 scatter more) */
  double spearman_tau;        /* Spearman rank correlation of tau1 and tau2 (ties: mean ranks) */
  double pearson_beta;        /* Pearson r of (beta1, beta2) */
  double ratio_median;        /* median of tau2 / tau1 */
  double lnratio_sd;          /* sd of d (n - 1), the observed scatter of ln(tau2/tau1) */
  double lnratio_sd_robust;   /* 1.4826 * median |d - median d|: the same for a normal d,
                                 insensitive to the few wild fits */
  double lnratio_sd_expected; /* scatter of d expected from the fits' own standard errors
                                 for the typical pixel: sqrt(median over pixels of
                                 (tau_err1/tau1)^2 + (tau_err2/tau2)^2); NaN when no pixel
                                 has both errors */
  double lntau_sd[2];         /* spatial sd of ln tau in each map over the same pixels */
  double tau_med[2];          /* exp(mean ln tau) of each map over the same pixels */
} ecm_relax_compare_stats;

/* Compare the tau (and beta) maps a and b pixel by pixel (equations in docs/map.md).
 * `region` (ny*nx flags, NULL = all) restricts the pixels. Statistics that cannot be formed
 * (too few pixels) are NaN; that is not an error. Reentrant. Errors: ECM_EINVAL (NULL a, b or
 * out), ECM_ESIZE (a and b differ in size), ECM_ENOMEM. */
ecm_status ecm_relax_compare(const ecm_relax_maps *a, const ecm_relax_maps *b,
                             const uint8_t *region, ecm_relax_compare_stats *out);

/* Maps of the first and the second half of a series of N frames: frames [0, h) and [h, 2h)
 * with h = floor(N/2) (an odd last frame is dropped, so both halves have the same length and
 * the same bias), and their comparison. */
typedef struct ecm_relax_halves {
  ecm_relax_maps *half[2];       /* owned; as ecm_relax_map of each half */
  size_t first[2];               /* first frame of each half, 0-based in the input view */
  size_t nt;                     /* frames per half (h) */
  ecm_relax_compare_stats stats; /* ecm_relax_compare(half[0], half[1], NULL) */
} ecm_relax_halves;

/* Compute both halves' maps (ecm_relax_map with `mask` and `p`) and their comparison.
 * Progress stage "split": the first half runs from 0 to 0.5, the second from 0.5 to 1.
 * Cancellable (ECM_ECANCELED, *out NULL, nothing leaked); run->memory_budget covers both
 * halves together. Errors: those of ecm_relax_map (detail prefixed by the half), ECM_ENODATA
 * when N < 6 (a half needs 3 frames). *out is NULL on any error; free with
 * ecm_relax_halves_free (accepts NULL). */
ecm_status ecm_relax_split(const ecm_view *stack, const ecm_mask *mask, const ecm_relax_params *p,
                           const ecm_run *run, ecm_relax_halves **out);
void ecm_relax_halves_free(ecm_relax_halves *h);

/* Per-window summary over the non-masked pixels of that window's maps. */
typedef struct ecm_relax_window_summary {
  size_t n_pixels, n_converged;    /* non-masked pixels; converged ones among them */
  double converged_fraction;       /* n_converged / n_pixels (NaN when n_pixels = 0) */
  double tau_med;                  /* log-normal median exp(mean ln tau) of converged pixels
                                      (time unit; the single value when 1, NaN when none) */
  double tau_sigma;                /* sd of ln tau (ML, as ecm_stats_lognormal_fit; NaN < 2) */
  double beta_mean;                /* mean beta of converged pixels (NaN when none) */
  size_t count[ECM_RELAX_NSTATUS]; /* pixels per status */
} ecm_relax_window_summary;

/* Sliding-window maps: window w covers frames [w S, w S + W) of the input view,
 * w = 0 .. n_windows - 1 with n_windows = floor((N - W) / S) + 1 (trailing frames that do not
 * fill a window are not analysed). Planes are frame-major like a stack: value (w, y, x) is at
 * [(w * ny + y) * nx + x]. */
typedef struct ecm_relax_window_maps {
  size_t n_windows, ny, nx;
  size_t length, step;   /* W and S, frames */
  float *tau, *beta, *A; /* n_windows * ny * nx, owned; as ecm_relax_maps (NaN unless
                            converged; tau of no-decay pixels is their lower limit) */
  uint8_t *status;       /* n_windows * ny * nx ecm_relax_status codes */
  size_t *first_frame;   /* n_windows: w S, 0-based in the input view */
  double *t_start;       /* n_windows: first_frame * dt (time unit) */
  double *t_center;      /* n_windows: (first_frame + (W - 1) / 2) * dt, the mid-time of the
                            window's frame time stamps */
  ecm_relax_window_summary *summary; /* n_windows */
  double dt;                         /* frame interval in the time unit (1 when uncalibrated) */
  char time_unit[8];                 /* "s" or "frame", as ecm_relax_maps */
  ecm_calib calib;                   /* the input's calibration */
} ecm_relax_window_maps;

/* Compute the maps of every window (ecm_relax_map of ecm_view_sub(stack, w S, W), same
 * `mask` and `p`; bit-identical to calling it yourself) and their summaries. Progress stage
 * "windows": window w spans [w, w + 1) / n_windows of the fraction; cancellable
 * (ECM_ECANCELED, *out NULL, nothing leaked). Memory: the n_windows result planes
 * (13 bytes per pixel and window) are checked against run->memory_budget before anything is
 * allocated, and each window's working memory against what the budget has left. Errors:
 * ECM_EINVAL (NULL argument, length < 3, length > N, step = 0), ECM_ENODATA (N < 3),
 * ECM_EOVERFLOW (n_windows * ny * nx), ECM_ENOMEM, ECM_ECANCELED, and those of ecm_relax_map
 * (detail prefixed by the window). *out is NULL on any error. */
ecm_status ecm_relax_windows(const ecm_view *stack, const ecm_mask *mask, const ecm_relax_params *p,
                             size_t length, size_t step, const ecm_run *run,
                             ecm_relax_window_maps **out);
void ecm_relax_window_maps_free(ecm_relax_window_maps *w);

/* A plane of w (w->tau, w->beta, w->A; any float pointer to n_windows * ny * nx values) as a
 * stack view ready for ecm_io_write_stack: n_windows frames, the input's pixel size, frame
 * interval step * dt in seconds when the input is time-calibrated (else step, unit "frame",
 * which the writer leaves out). The view borrows `plane`. */
ecm_view ecm_relax_window_view(const ecm_relax_window_maps *w, const float *plane);

/* beta-tau scatter: copy (tau, beta) of the converged pixels of m inside `region` (ny*nx
 * flags, NULL = all) in row-major order into the caller's tau[cap] and beta[cap]; *n gets
 * the number of such pixels. Pass tau = beta = NULL and cap = 0 to count them only.
 * *r_lntau_beta (may be NULL) gets the Pearson correlation of ln tau and beta over them (NaN
 * when fewer than 3 or either is constant). Reentrant. Errors: ECM_EINVAL (NULL m or n, NULL
 * arrays with cap > 0), ECM_ESIZE (cap smaller than the count; *n then holds the count). */
ecm_status ecm_relax_scatter(const ecm_relax_maps *m, const uint8_t *region, double *tau,
                             double *beta, size_t cap, size_t *n, double *r_lntau_beta);

#ifdef __cplusplus
}
#endif
#endif
