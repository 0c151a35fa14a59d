/* ecm/g4.h — the four-point correlation g4(Δt, Δr) within a ROI and the dynamic correlation
 * length taken from it.
 *
 * Definitions (Zhang et al. 2018 Eq. 3; DESIGN.md §4; docs/g4.md), frames t = 0..N-1, pixels
 * r of the ROI M, lag Δt (frames), ring radius Δr = 0..R (px). The ring of radius k is the set
 * of offsets d with k - 1/2 <= |d| < k + 1/2 (ring 0 is d = 0 alone), as in the simulator's
 * xi_expected_px. Averages run over t < N - Δt and the pixel set stated below.
 *
 *  LITERAL (Eq. 3 as printed, the default):
 *    g4 = <I(t,r) I(t+Δt,r) Ī(t,r) Ī(t+Δt,r)> / (<I(t,r)> <I(t+Δt,r)> <Ī(t,r)> <Ī(t+Δt,r)>),
 *    Ī(t,r) = mean of I(t, r+d) over the ring offsets d whose pixel r+d lies inside M
 *    (each ring normalised by its in-ROI weight), r over the ROI pixels whose ring holds at
 *    least one ROI pixel. Ring means are FFT convolutions with the ring kernel.
 *  CONVENTIONAL (pairwise): the four-fold product averaged over all displacements of the ring,
 *    g4 = <Q(t,r) Q(t,r+d)> / (<I(t,r)> <I(t+Δt,r)> <I(t,r+d)> <I(t+Δt,r+d)>),
 *    Q(t,r) = I(t,r) I(t+Δt,r), the average over t and over the ordered pixel pairs
 *    (r, r+d) with both pixels inside M and d in the ring (no pair crosses the ROI edge).
 *    The numerator is the spatial autocorrelation of the masked product images, summed over t
 *    in Fourier space.
 * For uncorrelated pixels CONVENTIONAL gives g2(Δt)^2 at every Δr >= 1; LITERAL gives
 * g2(Δt) [1 + (g2(Δt) - 1)/n(Δr)] with n(Δr) ~ 2 pi Δr ring pixels, a 1/Δr term unrelated to
 * dynamic heterogeneity (docs/simulator.md §5): fit ξ on CONVENTIONAL. */
#ifndef ECM_G4_H
#define ECM_G4_H

#include <stddef.h>
#include <stdint.h>

#include "ecm/stack.h"
#include "ecm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ecm_g4_variant {
  ECM_G4_LITERAL = 0,     /* Zhang Eq. 3 with ring-averaged Ī (default) */
  ECM_G4_CONVENTIONAL = 1 /* four-fold product averaged over the displacements of the ring */
} ecm_g4_variant;

/* "literal" / "conventional"; never NULL. */
const char *ecm_g4_variant_name(ecm_g4_variant v);

/* Largest ring radius accepted, px. */
#define ECM_G4_MAX_R 256

typedef struct ecm_g4_params {
  ecm_g4_variant variant; /* default ECM_G4_LITERAL */
  const size_t *dt;       /* lags Δt in frames, each in [0, N-1], any order, borrowed */
  size_t n_dt;            /* >= 1 */
  size_t max_r;           /* R: rings Δr = 0..R, px, [0, ECM_G4_MAX_R] (default 8) */
} ecm_g4_params;

/* variant LITERAL, no lags (dt NULL, n_dt 0: the caller must set them), max_r 8. */
ecm_g4_params ecm_g4_default_params(void);

typedef struct ecm_g4_result {
  ecm_g4_variant variant;
  size_t n_dt, n_r;  /* n_r = R + 1 */
  size_t *dt;        /* n_dt lags, frames (the caller's order) */
  double *g4;        /* n_dt x n_r, g4[i * n_r + k] = g4(dt[i], k); NaN when no data */
  double *weight;    /* n_r: pixels averaged per ring (LITERAL: ROI pixels with a non-empty
                        ring; CONVENTIONAL: ordered in-ROI pixel pairs) */
  size_t frames;     /* N */
  size_t roi_pixels; /* pixels inside the mask */
} ecm_g4_result;

void ecm_g4_result_free(ecm_g4_result *r);

/* Working memory ecm_g4_compute checks against the run's budget (bytes, excluding the
 * stack). ECM_EINVAL (params), ECM_EOVERFLOW. */
ecm_status ecm_g4_memory(const ecm_view *stack, const ecm_g4_params *p, int threads, size_t *bytes);

/* g4 of `stack` (t x y x x) inside `mask` (NULL = whole image). Threads from run (OpenMP,
 * over frames and pixels; FFT plans shared, scratch per thread). Progress stage "g4";
 * cancellation is honoured within a few frames. Errors: ECM_EINVAL (NULL, params, a lag
 * >= N, a non-finite value inside the mask), ECM_ESIZE (mask size), ECM_ENODATA (empty
 * mask), ECM_ENOMEM (allocation or budget), ECM_ECANCELED (*out untouched). */
ecm_status ecm_g4_compute(const ecm_view *stack, const ecm_mask *mask, const ecm_g4_params *p,
                          const ecm_run *run, ecm_g4_result **out);

/* ξ from Zhang supp. note 5: at one lag (row dt_index of r), fit
 * g4(Δr) = A exp(-Δr / Rc) + B over Δr = r_min..r_max by least squares (golden-section search
 * on ln Rc with A, B solved linearly), xi_exp = 2 Rc. Errors from the Jacobian at the optimum,
 * scaled by the residual variance (n - 3 degrees of freedom). */
typedef struct ecm_g4_xi {
  int ok;          /* 1 when the fit converged inside the search range with A > 0 */
  size_t dt_index; /* row used */
  size_t r_min, r_max, n_used;
  double A, A_err, B, B_err, Rc, Rc_err;
  double xi, xi_err; /* xi_exp = 2 Rc, px */
  double chi2_red;   /* residual sum of squares / (n - 3) */
} ecm_g4_xi;

/* ECM_EINVAL: NULL, dt_index out of range, r_min < 0 ... r_max > R, fewer than 4 rings.
 * A fit that fails numerically returns ECM_OK with ok = 0 and NaN values. */
ecm_status ecm_g4_xi_exp(const ecm_g4_result *r, size_t dt_index, size_t r_min, size_t r_max,
                         ecm_g4_xi *out);

/* The row whose excess g4(Δt, r_min) - g4(Δt, r_max) is largest (the Δt nearest the peak of
 * the dynamic heterogeneity, ~τ); 0 when none is finite. */
size_t ecm_g4_peak_row(const ecm_g4_result *r, size_t r_min, size_t r_max);

/* ---- xi_sep: Nakazawa's separable fit (docs/g4.md) ----
 * Over the rows with Δt > 0 and rings Δr = r_min..r_max of a g4 table (fit the
 * CONVENTIONAL variant), least squares (GSL trust-region Levenberg-Marquardt, equal weights,
 * a few starts over τ and ξ, the lowest RSS kept) of
 *   g4(Δt_i, Δr) = b_i + [a exp(-2 (Δt_i/τ)^γt) + c] exp(-2 (Δr/ξ)^γr),
 * Nakazawa's G4 - 1 model as printed when flags = 0 (b_i = 1, c = 0). Options:
 *   ECM_G4_SEP_ROW_BASELINE  one free baseline b_i per row (the conventional g4 tends to
 *                            g2(Δt)^2, not 1, between independent regions);
 *   ECM_G4_SEP_PLATEAU       a free Δt-independent amplitude c (static spatial correlation
 *                            of the intensities, e.g. speckle shared within a domain, keeps
 *                            g4(Δt, small Δr) above the baseline at Δt >> τ).
 * xi_sep = ξ (px); with γr = 1 it is comparable with xi_exp = 2 Rc. Errors: sqrt of the
 * diagonal of s^2 (J^T J)^-1, s^2 = RSS / (n - p), mapped from the log parameters. */
#define ECM_G4_SEP_ROW_BASELINE 1u
#define ECM_G4_SEP_PLATEAU 2u

typedef struct ecm_g4_sep {
  int ok;           /* converged with a full-rank covariance, finite xi_err, a > 0 */
  int row_baseline; /* as requested */
  int plateau;      /* as requested */
  size_t r_min, r_max, n_rows, n_used; /* rows (Δt > 0) and points used */
  double a, a_err;
  double tau, tau_err; /* frames */
  double gamma_t, gamma_t_err;
  double xi, xi_err; /* xi_sep, px */
  double gamma_r, gamma_r_err;
  double c, c_err; /* plateau amplitude (NaN without ECM_G4_SEP_PLATEAU) */
  double chi2_red; /* RSS / (n - p) */
} ecm_g4_sep;

/* ECM_EINVAL: NULL, r_min < 1 or r_max > R or fewer than 3 rings, fewer than 2 rows with
 * Δt > 0 (ROW_BASELINE) or 1 row, more than 58 rows with ROW_BASELINE; ECM_ENOMEM. A fit
 * that fails numerically returns ECM_OK with ok = 0 (values NaN when nothing converged). */
ecm_status ecm_g4_xi_sep(const ecm_g4_result *r, size_t r_min, size_t r_max, unsigned flags,
                         ecm_g4_sep *out);

/* ---- xi_contour: the 0.5 contour of the normalised g4 (Zhang supp. note 6, docs/g4.md) ----
 * Per row i: h(Δr) = (g4(Δt_i, Δr) - 1) / (g4(Δt_i, r_norm) - 1); dr_half[i] = the first
 * Δr > r_norm where h falls to 0.5, linearly interpolated between rings (NaN when the row's
 * normaliser is <= 0 or h never reaches 0.5 within R). The contour (Δt_i, dr_half[i]) is then
 * fitted (GSL LM, started from a scan of ν with the linear parameters solved exactly) to a
 * decaying exponential plus a linear background,
 *   dr_half(Δt) = ε exp(-Δt / ν) + c0 + c1 Δt,
 * xi_contour = 2 ε (px), ν in frames. This reading of note 6 (its text is cut short in our
 * copy; Fig. S2 caption: "ε and ν determined from the width of the exponential fitting
 * curve") is ours: docs/g4.md. */
typedef struct ecm_g4_contour {
  int ok;        /* 1 when >= 5 contour points, converged, finite errors, ε > 0, ν > 0 */
  size_t r_norm; /* as requested */
  size_t n_used; /* contour points */
  double eps, eps_err, nu, nu_err, c0, c0_err, c1, c1_err;
  double xi, xi_err; /* xi_contour = 2 ε, px */
  double chi2_red;
} ecm_g4_contour;

/* dr_half: NULL or r->n_dt doubles (caller-owned) receiving the contour. ECM_EINVAL: NULL
 * r/out, r_norm + 1 > R. A fit that fails returns ECM_OK with ok = 0. */
ecm_status ecm_g4_xi_contour(const ecm_g4_result *r, size_t r_norm, double *dr_half,
                             ecm_g4_contour *out);

/* ---- xi_domain_fwhm: domain size of a map (Huang & Voyles) ----
 * Spatial autocorrelation of the map v = map - mean over the valid pixels (valid[i] != 0 and
 * map[i] finite; valid NULL = all finite pixels), with masked normalisation
 *   rho(d) = [sum_r w v(r) w v(r+d) / sum_r w(r) w(r+d)] / [same at d = 0],
 * both sums by zero-padded (no wrap-around) FFTs, then a least-squares fit (GSL LM) of
 *   rho(dx, dy) = A exp(-dx^2 / (2 sx^2) - dy^2 / (2 sy^2)) + B
 * over |dx|, |dy| <= fit_half (lags with no pair skipped; d = 0 left out when
 * exclude_origin, e.g. for a fitted map whose pixel noise spikes rho(0)). FWHM_x =
 * 2 sqrt(2 ln 2) sx, FWHM_y likewise, xi_domain_fwhm = 2 sqrt(2 ln 2) sqrt(sx sy). fit_half 0 =
 * auto: 3x the lag where the axis-averaged rho first drops below 1/2, clamped to
 * [3, min(ny, nx)/2 - 1]. Pass ln tau for a tau map (a log-normal map's autocorrelation is
 * dominated by its tail otherwise). Errors as for xi_sep (residuals of neighbouring lags are
 * correlated, so they are optimistic; docs/g4.md). */
typedef struct ecm_g4_domain {
  int ok;          /* converged, finite errors, A > 0, both widths inside the window */
  size_t n_valid;  /* valid pixels */
  size_t fit_half; /* window used */
  size_t n_used;   /* lags fitted */
  double A, A_err, B, B_err;
  double sigma_x, sigma_x_err, sigma_y, sigma_y_err; /* px */
  double fwhm_x, fwhm_x_err, fwhm_y, fwhm_y_err;     /* px */
  double fwhm, fwhm_err; /* xi_domain_fwhm, px (geometric mean of the two FWHM) */
  double chi2_red;
} ecm_g4_domain;

/* ECM_EINVAL: NULL map/out, ny or nx < 4, fit_half >= min(ny, nx) / 2 (nonzero); ECM_ENODATA:
 * fewer than 8 valid pixels or a constant map; ECM_ENOMEM. Fit failure: ECM_OK, ok = 0. */
ecm_status ecm_g4_domain_size(const float *map, const uint8_t *valid, size_t ny, size_t nx,
                              size_t fit_half, int exclude_origin, ecm_g4_domain *out);

#ifdef __cplusplus
}
#endif
#endif
