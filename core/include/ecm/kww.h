/* ecm/kww.h — stretched-exponential (Kohlrausch–Williams–Watts) fits of g2 curves.
 *
 * Model (DESIGN.md §4; Zhang et al. 2018, Eq. 2):
 *   g2(t) = B + A exp[-2 (t/tau)^beta]
 * with contrast A, relaxation time tau > 0 (in the unit of t: seconds or frames), stretching
 * exponent beta > 0 and baseline B (fixed at 1 by default, or fitted). Nakazawa et al. call
 * our A "beta" and our beta "gamma"; we always say A, tau, beta.
 *
 * Two fitters share one interface: ecm_kww_fit() and ecm_kww_fit_batch() use a lean,
 * bounded Levenberg–Marquardt specialised to this model (the per-pixel hot path);
 * ecm_kww_fit_reference() uses GSL's general trust-region Levenberg–Marquardt and is the
 * reference the lean fitter is tested against. docs/kww.md gives the equations, the initial
 * guesses, the convergence tests, the per-fit states and the standard-error estimate of
 * ecm_kww_g2_sigma(). */
#ifndef ECM_KWW_H
#define ECM_KWW_H

#include <stddef.h>
#include <stdint.h>

#include "ecm/stack.h"
#include "ecm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Outcome of one fit. The numbers are part of the interface (status maps, JSON, Fiji) and
 * are never renumbered. Only ECM_KWW_CONVERGED values are a measurement; the others carry
 * the last iterate (or NaN) for diagnosis. */
typedef enum ecm_kww_state {
  ECM_KWW_CONVERGED = 0, /* a convergence test passed: parameters and errors are valid */
  ECM_KWW_MAX_ITER = 1,  /* max_iter iterations without passing a convergence test */
  ECM_KWW_SINGULAR = 2,  /* the data do not determine the parameters (singular J^T W J at
                            the solution, e.g. zero contrast); errors are NaN */
  ECM_KWW_BAD_INPUT = 3, /* a non-finite y or sigma, a sigma <= 0, or fewer usable points
                            in the window than free parameters + 1; values are NaN */
  ECM_KWW_MASKED = 4,    /* outside the mask (batch only); values are NaN */
  ECM_KWW_NO_DECAY = 5   /* the curve does not decorrelate inside the window (static,
                            e.g. crystalline): the best-fit model keeps more than
                            1 - min_decay of its correlation from the first to the last
                            used lag (see ecm_kww_params.min_decay); tau is then only a
                            lower limit */
} ecm_kww_state;

#define ECM_KWW_NSTATES 6

/* Short static name of a state ("converged", "max-iter", "singular", "bad-input",
 * "masked", "no-decay"), "unknown" otherwise; never NULL. */
const char *ecm_kww_state_name(ecm_kww_state state);

/* Fit settings. Every field has a default from ecm_kww_default_params(); "t unit" is the
 * unit of the lag times passed in (seconds or frames). */
typedef struct ecm_kww_params {
  /* fit window: points with t > 0, t >= t_min and t <= t_max are used (lag 0 never) */
  double t_min; /* t unit, >= 0 (default 0) */
  double t_max; /* t unit, > t_min, may be INFINITY (default INFINITY) */
  /* baseline B */
  int baseline_free; /* 0: B fixed at `baseline`; non-zero: B fitted (default 0) */
  double baseline;   /* fixed B, finite (default 1) */
  /* stretching exponent */
  int beta_fixed;    /* 0: beta fitted; non-zero: beta held at beta_value (default 0) */
  double beta_value; /* fixed beta, finite and > 0 (default 1, as Nakazawa et al.) */
  double beta_min;   /* lower bound, >= 0; 0 = open bound beta > 0 (default 0) */
  double beta_max;   /* upper bound, > beta_min, finite (default 3) */
  /* relaxation time bounds, t unit */
  double tau_min; /* >= 0; 0 = open bound tau > 0 (default 0) */
  double tau_max; /* > tau_min, may be INFINITY (default INFINITY) */
  /* contrast bounds (dimensionless) */
  double a_min; /* may be -INFINITY (default 0: a curve below B is no relaxation) */
  double a_max; /* > a_min, may be INFINITY (default INFINITY) */
  /* iteration control */
  size_t max_iter; /* >= 1 (default 100) */
  double xtol;     /* step test: every |step| of ln tau and ln beta <= xtol, and of A
                      and B <= xtol (1 + |value|); >= 0 (default 1e-8) */
  double gtol;     /* gradient test: max |(J^T W r)_j| <= gtol max(chi2/2, 1) over the
                      free, not bound-held parameters; >= 0 (default 1e-10) */
  /* no-decay criterion */
  double min_decay; /* in [0, 1): a fit whose model keeps more than 1 - min_decay of
                       its correlation exp(-2 (t/tau)^beta) between the first and the
                       last used lag gets ECM_KWW_NO_DECAY; 0 disables (default 0.5,
                       i.e. tau > 2.9 t_last for beta = 1) */
} ecm_kww_params;

/* The defaults documented above. */
ecm_kww_params ecm_kww_default_params(void);

/* Check a parameter set: ECM_EINVAL with a detail naming the field and its legal range. */
ecm_status ecm_kww_check_params(const ecm_kww_params *p);

/* Result of one fit. Standard errors come from the covariance C = (J^T W J)^-1 at the
 * solution (W = diag(1/sigma^2), or the identity for unweighted fits):
 *   *_err        = sqrt(C_jj), "unscaled": right when sigma are true standard errors;
 *   *_err_scaled = *_err * sqrt(chi2_red): the usual choice for unweighted fits or when
 *                  sigma are only relative.
 * A fixed parameter has error 0. tau and its errors are in the unit of t. */
typedef struct ecm_kww_result {
  double A, tau, beta, B;
  double A_err, tau_err, beta_err, B_err;
  double A_err_scaled, tau_err_scaled, beta_err_scaled, B_err_scaled;
  double chi2_red;   /* sum w r^2 / (n_used - free parameters) */
  size_t n_used;     /* points inside the window */
  size_t iterations; /* Levenberg–Marquardt iterations (accepted and rejected steps) */
  ecm_kww_state state;
} ecm_kww_result;

/* Fit one curve with the lean Levenberg–Marquardt fitter.
 * t[n]: lag times, strictly increasing and finite (any t <= 0 is skipped); y[n]: g2 values;
 * sigma[n]: standard errors of y (weights 1/sigma^2), or NULL for an unweighted fit. Only
 * points inside the window are read for NaN and sigma checks. The outcome of the fit is
 * out->state (bad data is ECM_KWW_BAD_INPUT, not an error status). Returns ECM_EINVAL for
 * NULL pointers, n = 0, invalid params or non-increasing t; ECM_ENOMEM. Reentrant;
 * allocates O(n) scratch per call. */
ecm_status ecm_kww_fit(const ecm_kww_params *p, const double *t, const double *y,
                       const double *sigma, size_t n, ecm_kww_result *out);

/* The same fit with GSL's gsl_multifit_nlinear trust-region Levenberg–Marquardt (the
 * reference; ~10x slower). Same initial guess, parametrisation (ln tau, ln beta), states
 * and error definitions, but the box bounds other than tau > 0 and beta > 0 are not
 * enforced: use it for solutions inside the bounds. Same errors as ecm_kww_fit. */
ecm_status ecm_kww_fit_reference(const ecm_kww_params *p, const double *t, const double *y,
                                 const double *sigma, size_t n, ecm_kww_result *out);

/* Fit m curves that share the lag times t[n] (strictly increasing, finite), in parallel
 * over curves (OpenMP, ecm_run.threads), with the lean fitter.
 * y: curve i is y[i * y_stride + j], j < n (y_stride >= n, in elements);
 * sigma: NULL (unweighted), or standard errors laid out like y with sigma_stride >= n, or
 *   sigma_stride = 0 for one sigma[n] shared by all curves;
 * mask: NULL, or m flags: 0 = skip the curve (ECM_KWW_MASKED), non-zero = fit it;
 * out: m results, caller-owned.
 * Per-curve outcomes are in out[i].state; each out[i] is exactly what ecm_kww_fit gives for
 * that curve (converted to double), whatever the thread count. Progress is reported as
 * stage "kww" from the calling thread. Returns ECM_EINVAL (NULL pointers, n or m = 0,
 * strides < n, invalid params, non-increasing t), ECM_EOVERFLOW (m * stride),
 * ECM_ENOMEM (scratch, or over run->memory_budget), ECM_ECANCELED (the callback asked to
 * stop; out[] is then partly written and must be discarded). run may be NULL (defaults). */
ecm_status ecm_kww_fit_batch(const ecm_kww_params *p, const double *t, size_t n, const float *y,
                             size_t y_stride, const float *sigma, size_t sigma_stride,
                             const uint8_t *mask, size_t m, const ecm_run *run,
                             ecm_kww_result *out);

/* The model B + A exp[-2 (t/tau)^beta] of a result at lag t (t unit); NaN when the result
 * holds no values. */
double ecm_kww_eval(const ecm_kww_result *r, double t);

/* Standard errors of a log-binned g2 of one intensity series, from its per-lag curve.
 * g2[p], p = 0..n_lags-1: g2 at lag p frames (Eq. 4), lag 0 included (it carries the
 * white-noise variance); n_frames: N, the length of the series (> every lag used);
 * edges[n_bins + 1]: bin b averages lags edges[b] <= p < edges[b+1] (strictly increasing,
 * edges[0] >= 1, edges[n_bins] <= n_lags); sigma[n_bins]: out, standard error of each bin
 * mean. Model: the intensity is a stationary speckle process (|circular Gaussian field|^2
 * plus a constant and white noise); lag covariances follow Bartlett's formula plus the
 * speckle fourth-cumulant terms, and the bin mean accounts for the correlation of the lags
 * it averages (docs/kww.md §5). For an average of P independent series divide by sqrt(P).
 * Cost O(K^2 + n_lags), K = correlation length in lags. Returns ECM_EINVAL (NULL, bad
 * edges, n_frames too small, non-finite g2 within the lags used), ECM_ENOMEM. Reentrant. */
ecm_status ecm_kww_g2_sigma(const double *g2, size_t n_lags, size_t n_frames, const size_t *edges,
                            size_t n_bins, double *sigma);

#ifdef __cplusplus
}
#endif
#endif
