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

#ifdef __cplusplus
}
#endif
#endif
