/* kww: the reference fitter, GSL's gsl_multifit_nlinear trust-region Levenberg–Marquardt
 * on the same internal parameters, guess, states and error definitions as the lean
 * fitter. GSL stays behind this wall: no GSL type leaves this file. */
#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>

#include "kww/kww_internal.h"
#include "status/status_internal.h"

/* Relative tolerance of GSL's rank test in the covariance (a column whose QR diagonal falls
 * below it times the largest is dropped, which we report as singular). */
#define ECM__KWW_GSL_COVAR_EPSREL 1e-10

typedef struct {
  const ecm__kww_setup *s;
  const ecm__kww_data *d;
} gsl_ctx;

static void full_x(const gsl_ctx *c, const gsl_vector *v, double x[ECM__KWW_NPAR]) {
  for (size_t j = 0; j < ECM__KWW_NPAR; j++) x[j] = c->s->x_fixed[j];
  for (size_t i = 0; i < c->s->nfree; i++) x[c->s->free_idx[i]] = gsl_vector_get(v, i);
}

/* f_i = model_i - y_i (GSL applies the weights). */
static int gsl_f(const gsl_vector *v, void *params, gsl_vector *f) {
  const gsl_ctx *c = params;
  double x[ECM__KWW_NPAR];
  full_x(c, v, x);
  const double beta = exp(x[ECM__KWW_LNBETA]);
  for (size_t i = 0; i < c->d->n; i++) {
    double u = ecm__kww_u(beta, c->d->lnt[i], x[ECM__KWW_LNTAU]);
    double e = exp(-2.0 * exp(u));
    gsl_vector_set(f, i, x[ECM__KWW_B] + x[ECM__KWW_A] * e - c->d->y[i]);
  }
  return GSL_SUCCESS;
}

static int gsl_df(const gsl_vector *v, void *params, gsl_matrix *J) {
  const gsl_ctx *c = params;
  double x[ECM__KWW_NPAR];
  full_x(c, v, x);
  const double A = x[ECM__KWW_A], beta = exp(x[ECM__KWW_LNBETA]);
  for (size_t i = 0; i < c->d->n; i++) {
    double u = ecm__kww_u(beta, c->d->lnt[i], x[ECM__KWW_LNTAU]);
    double sv = exp(u), e = exp(-2.0 * sv), q = sv * e;
    const double col[ECM__KWW_NPAR] = {e, 2.0 * A * beta * q, -2.0 * A * u * q, 1.0};
    for (size_t k = 0; k < c->s->nfree; k++) gsl_matrix_set(J, i, k, col[c->s->free_idx[k]]);
  }
  return GSL_SUCCESS;
}

ecm_status ecm__kww_fit_prepared_gsl(const ecm__kww_setup *s, const ecm__kww_data *d,
                                     ecm_kww_result *out) {
  if (d->n <= s->nfree) {
    ecm__kww_result_empty(out, ECM_KWW_BAD_INPUT, d->n);
    return ECM_OK;
  }
  const size_t k = s->nfree, n = d->n;
  double x[ECM__KWW_NPAR];
  ecm__kww_guess(s, d, x);

  gsl_multifit_nlinear_parameters fp = gsl_multifit_nlinear_default_parameters();
  fp.trs = gsl_multifit_nlinear_trs_lm;
  gsl_multifit_nlinear_workspace *w =
      gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp, n, k);
  gsl_vector *x0 = gsl_vector_alloc(k);
  gsl_matrix *covar = gsl_matrix_alloc(k, k);
  if (!w || !x0 || !covar) {
    if (w) gsl_multifit_nlinear_free(w);
    gsl_vector_free(x0);
    gsl_matrix_free(covar);
    return ecm__status_set(ECM_ENOMEM, "kww reference: GSL could not allocate its workspace");
  }
  for (size_t i = 0; i < k; i++) gsl_vector_set(x0, i, x[s->free_idx[i]]);
  gsl_ctx ctx = {s, d};
  gsl_multifit_nlinear_fdf fdf;
  fdf.f = gsl_f;
  fdf.df = gsl_df;
  fdf.fvv = NULL;
  fdf.n = n;
  fdf.p = k;
  fdf.params = &ctx;
  gsl_vector_const_view wv = gsl_vector_const_view_array(d->w, n);
  gsl_multifit_nlinear_winit(x0, &wv.vector, &fdf, w);

  int info = 0;
  int gs = gsl_multifit_nlinear_driver(s->max_iter, s->xtol, s->gtol, 0.0, NULL, NULL, &info, w);
  ecm_kww_state state;
  if (gs == GSL_SUCCESS || gs == GSL_ENOPROG)
    state = ECM_KWW_CONVERGED; /* ENOPROG: no step lowers chi2 any more, as in the lean fitter */
  else if (gs == GSL_EMAXITER)
    state = ECM_KWW_MAX_ITER;
  else
    state = ECM_KWW_SINGULAR;

  full_x(&ctx, gsl_multifit_nlinear_position(w), x);
  const gsl_vector *f = gsl_multifit_nlinear_residual(w); /* weighted: sqrt(w) r */
  double chi2 = 0.0;
  for (size_t i = 0; i < n; i++) chi2 += gsl_vector_get(f, i) * gsl_vector_get(f, i);

  double cov[ECM__KWW_NPAR * ECM__KWW_NPAR] = {0};
  int ok = state != ECM_KWW_SINGULAR &&
           gsl_multifit_nlinear_covar(gsl_multifit_nlinear_jac(w), ECM__KWW_GSL_COVAR_EPSREL,
                                      covar) == GSL_SUCCESS;
  for (size_t i = 0; ok && i < k; i++) {
    if (!(gsl_matrix_get(covar, i, i) > 0.0)) ok = 0; /* a dropped (dependent) column */
    for (size_t j = 0; j < k; j++)
      cov[s->free_idx[i] * ECM__KWW_NPAR + s->free_idx[j]] = gsl_matrix_get(covar, i, j);
  }
  ecm__kww_finish(s, d, x, state, gsl_multifit_nlinear_niter(w), chi2, ok ? cov : NULL, out);
  gsl_multifit_nlinear_free(w);
  gsl_vector_free(x0);
  gsl_matrix_free(covar);
  return ECM_OK;
}
