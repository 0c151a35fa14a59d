/* Internal interface of the kww module (not installed): the fit problem in internal
 * parameters, shared by the lean Levenberg–Marquardt fitter (kww_lm.c), the GSL reference
 * (kww_gsl.c) and the drivers (kww.c). */
#ifndef ECM_KWW_INTERNAL_H
#define ECM_KWW_INTERNAL_H

#include <math.h>
#include <stddef.h>

#include "ecm/kww.h"

/* Internal parameters: x = (A, ln tau, ln beta, B). The logarithms keep tau and beta
 * positive and make their steps relative; box bounds apply to x directly. */
enum { ECM__KWW_A = 0, ECM__KWW_LNTAU = 1, ECM__KWW_LNBETA = 2, ECM__KWW_B = 3 };
#define ECM__KWW_NPAR 4

/* The exponent u = beta (ln t - ln tau) is kept in [ECM__KWW_U_MIN, ECM__KWW_U_MAX]:
 * s = exp(u) in [5e-131, 148] and e = exp(-2 s) in [1e-129, 1]. The model is unchanged to
 * double precision (B + A e differs from B by < 1e-128 A), while every product the normal
 * equations form stays far from the subnormal range, whose arithmetic is ~100x slower. */
#define ECM__KWW_U_MIN (-300.0)
#define ECM__KWW_U_MAX 5.0

static inline double ecm__kww_u(double beta, double lnt, double lntau) {
  return fmin(fmax(beta * (lnt - lntau), ECM__KWW_U_MIN), ECM__KWW_U_MAX);
}

/* Arrays of one evaluation state (e, q, u, r, s: see kww_lm.c) and the doubles of
 * per-curve scratch the lean fitter needs for n points (a current and a trial state). */
#define ECM__KWW_NSTATE 5
#define ECM__KWW_LM_WORK(n) (2 * ECM__KWW_NSTATE * (n))

/* A parameter set turned into what the kernels use. */
typedef struct ecm__kww_setup {
  size_t nfree;                   /* free parameters, 2..4 */
  size_t free_idx[ECM__KWW_NPAR]; /* their internal indices, ascending */
  int is_free[ECM__KWW_NPAR];
  double lo[ECM__KWW_NPAR], hi[ECM__KWW_NPAR];             /* bounds on x (may be infinite) */
  double x_fixed[ECM__KWW_NPAR];                           /* value of each fixed parameter */
  double tau_min, tau_max, beta_min, beta_max, beta_value; /* as given, for the results */
  size_t max_iter;
  double xtol, gtol, min_decay;
} ecm__kww_setup;

/* One curve restricted to the fit window: every value finite, every weight > 0. */
typedef struct ecm__kww_data {
  size_t n;          /* points */
  const double *lnt; /* ln t_i, increasing */
  const double *y;   /* g2 values */
  const double *w;   /* weights 1/sigma_i^2 (all 1 for an unweighted fit) */
} ecm__kww_data;

/* Derive the setup from validated params. */
void ecm__kww_setup_init(const ecm_kww_params *p, ecm__kww_setup *s);

/* Check t (finite, strictly increasing) and find the window [*i0, *i1) of t > 0,
 * t_min <= t <= t_max. ECM_EINVAL with detail when t is not increasing or not finite. */
ecm_status ecm__kww_window(const ecm_kww_params *p, const double *t, size_t n, size_t *i0,
                           size_t *i1);

/* Initial guess x[4] (fixed entries set too) needing no hand tuning; see docs/kww.md §3. */
void ecm__kww_guess(const ecm__kww_setup *s, const ecm__kww_data *d, double x[ECM__KWW_NPAR]);

/* Chi-square, gradient g = J^T W r, normal matrix H = J^T W J and second-order term
 * S = sum w r d2f/dx2 (Hessian of chi2/2 = H - S) at x, all 4 x 4 row-major in internal
 * parameters, r = y - model. work: ECM__KWW_NSTATE n doubles. */
double ecm__kww_normal_eq(const ecm__kww_data *d, const double x[ECM__KWW_NPAR], double *work,
                          double H[ECM__KWW_NPAR * ECM__KWW_NPAR], double g[ECM__KWW_NPAR],
                          double S[ECM__KWW_NPAR * ECM__KWW_NPAR]);

/* Lean bounded Levenberg–Marquardt from x (in: guess, out: solution). Writes the
 * chi-square and H at the solution; returns ECM_KWW_CONVERGED, _MAX_ITER or _SINGULAR.
 * work: ECM__KWW_LM_WORK(d->n) doubles. */
ecm_kww_state ecm__kww_lm(const ecm__kww_setup *s, const ecm__kww_data *d, double x[ECM__KWW_NPAR],
                          double *work, size_t *iterations, double *chi2,
                          double H[ECM__KWW_NPAR * ECM__KWW_NPAR]);

/* Invert the free block of H (row-major 4 x 4) into cov (free block only, others 0).
 * Returns 0, or -1 when the block is singular to ECM__KWW_PIVOT_TOL. */
int ecm__kww_covariance(const ecm__kww_setup *s, const double H[ECM__KWW_NPAR * ECM__KWW_NPAR],
                        double cov[ECM__KWW_NPAR * ECM__KWW_NPAR]);

/* Fill a result from the solution: values, errors from cov (NULL = singular: errors NaN),
 * reduced chi-square and the no-decay classification (which overrides `state`). */
void ecm__kww_finish(const ecm__kww_setup *s, const ecm__kww_data *d, const double x[ECM__KWW_NPAR],
                     ecm_kww_state state, size_t iterations, double chi2, const double *cov,
                     ecm_kww_result *out);

/* A result holding no values (NaN) with the given state. */
void ecm__kww_result_empty(ecm_kww_result *out, ecm_kww_state state, size_t n_used);

/* The whole lean fit of one prepared curve, fewer points than free parameters + 1 giving
 * ECM_KWW_BAD_INPUT. work: ECM__KWW_LM_WORK(d->n) doubles. */
void ecm__kww_fit_prepared(const ecm__kww_setup *s, const ecm__kww_data *d, double *work,
                           ecm_kww_result *out);

/* The GSL reference fit of one prepared curve; ECM_ENOMEM when GSL cannot allocate. */
ecm_status ecm__kww_fit_prepared_gsl(const ecm__kww_setup *s, const ecm__kww_data *d,
                                     ecm_kww_result *out);

#endif
