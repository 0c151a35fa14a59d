/* Temperature-series fits: Arrhenius and the xi-tau models of Zhang et al. 2018 (Fig. 4).
 * Every model is a straight line in transformed variables, solved in closed form; errors
 * in the independent variable enter through the effective variance (docs/stats.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/stats_internal.h"
#include "status/status_internal.h"

ecm_status ecm__stats_linfit(const double *x, const double *y, const double *s, size_t n,
                             size_t npar, ecm_linfit *out) {
  memset(out, 0, sizeof *out);
  if (n < 2) return ecm__status_set(ECM_ENODATA, "straight-line fit needs 2 points, got %zu", n);
  double sw = 0, sx = 0, sy = 0;
  for (size_t i = 0; i < n; i++) {
    double w = s ? 1.0 / (s[i] * s[i]) : 1.0;
    sw += w;
    sx += w * x[i];
    sy += w * y[i];
  }
  double xm = sx / sw, ym = sy / sw, stt = 0, sty = 0;
  for (size_t i = 0; i < n; i++) {
    double w = s ? 1.0 / (s[i] * s[i]) : 1.0, d = x[i] - xm;
    stt += w * d * d;
    sty += w * d * (y[i] - ym);
  }
  double xscale = 0;
  for (size_t i = 0; i < n; i++) xscale = fmax(xscale, fabs(x[i] - xm));
  if (!(stt > 0) || !(xscale > 1e-14 * fmax(fabs(xm), 1e-300)))
    return ecm__status_set(ECM_ENUMERIC, "straight-line fit: all %zu x values are equal", n);
  double b = sty / stt, a = ym - b * xm, chi2 = 0;
  for (size_t i = 0; i < n; i++) {
    double w = s ? 1.0 / (s[i] * s[i]) : 1.0, r = y[i] - a - b * x[i];
    chi2 += w * r * r;
  }
  double var_b = 1.0 / stt, var_a = 1.0 / sw + xm * xm / stt, cov = -xm / stt;
  out->n = n;
  out->dof = n > npar ? n - npar : 0;
  out->a = a;
  out->b = b;
  out->chi2 = chi2;
  out->chi2_red = out->dof ? chi2 / (double)out->dof : NAN;
  out->weighted = s != NULL;
  double scale = out->chi2_red; /* NaN without dof */
  if (!s) {                     /* unweighted: the scatter estimates the common sigma */
    var_a *= scale;
    var_b *= scale;
    cov *= scale;
  }
  out->a_err = sqrt(var_a);
  out->b_err = sqrt(var_b);
  out->cov_ab = cov;
  out->a_err_scaled = s ? out->a_err * sqrt(scale) : out->a_err;
  out->b_err_scaled = s ? out->b_err * sqrt(scale) : out->b_err;
  return ECM_OK;
}

/* ---- Arrhenius ---- */

/* Copy the usable rows into (1/T, ln tau, sigma_ln_tau); idx selects rows (NULL = all). */
static ecm_status arrhenius_rows(const double *T, const double *tau, const double *err,
                                 const size_t *idx, size_t n, double *x, double *y, double *s,
                                 size_t *m_out) {
  size_t m = 0;
  for (size_t k = 0; k < n; k++) {
    size_t i = idx ? idx[k] : k;
    double e = err ? err[i] : 1.0;
    if (isnan(T[i]) || isnan(tau[i]) || isnan(e)) continue;
    if (!(T[i] > 0) || !isfinite(T[i]))
      return ecm__status_set(ECM_EINVAL, "Arrhenius row %zu: T = %g K must be > 0", i + 1, T[i]);
    if (!(tau[i] > 0) || !isfinite(tau[i]))
      return ecm__status_set(ECM_EINVAL, "Arrhenius row %zu: tau = %g s must be > 0", i + 1,
                             tau[i]);
    if (!(e > 0) || !isfinite(e))
      return ecm__status_set(ECM_EINVAL, "Arrhenius row %zu: tau error = %g s must be > 0", i + 1,
                             e);
    x[m] = 1.0 / T[i];
    y[m] = log(tau[i]);
    s[m] = e / tau[i];
    m++;
  }
  *m_out = m;
  return ECM_OK;
}

static ecm_status arrhenius_core(const double *T, const double *tau, const double *err,
                                 const size_t *idx, size_t n, ecm_arrhenius *out) {
  memset(out, 0, sizeof *out);
  double *buf = malloc(3 * (n ? n : 1) * sizeof *buf);
  if (!buf) return ecm__status_set(ECM_ENOMEM, "Arrhenius fit: cannot allocate %zu rows", n);
  double *x = buf, *y = buf + n, *s = buf + 2 * n;
  size_t m = 0;
  ecm_status st = arrhenius_rows(T, tau, err, idx, n, x, y, s, &m);
  size_t need = err ? 2 : 3;
  if (st == ECM_OK && m < need)
    st = ecm__status_set(ECM_ENODATA, "Arrhenius fit needs %zu usable rows%s, got %zu", need,
                         err ? "" : " without errors", m);
  ecm_linfit lf;
  if (st == ECM_OK) st = ecm__stats_linfit(x, y, err ? s : NULL, m, 2, &lf);
  free(buf);
  if (st != ECM_OK) return st;
  const double kB = ECM_STATS_KB_EV_PER_K, kJ = ECM_STATS_KJ_PER_MOL_PER_EV;
  out->n = m;
  out->dof = lf.dof;
  out->E_eV = lf.b * kB;
  out->E_eV_err = lf.b_err * kB;
  out->E_eV_err_scaled = lf.b_err_scaled * kB;
  out->E_kJ_per_mol = out->E_eV * kJ;
  out->E_kJ_per_mol_err = out->E_eV_err * kJ;
  out->E_kJ_per_mol_err_scaled = out->E_eV_err_scaled * kJ;
  out->ln_tau_inf = lf.a;
  out->ln_tau_inf_err = lf.a_err;
  out->tau_inf_s = exp(lf.a);
  out->tau_inf_err_s = out->tau_inf_s * lf.a_err;
  out->cov_lntauinf_E_eV = lf.cov_ab * kB;
  out->chi2 = lf.chi2;
  out->chi2_red = lf.chi2_red;
  out->weighted = lf.weighted;
  return ECM_OK;
}

ecm_status ecm_stats_arrhenius_fit(const double *T_K, const double *tau_s, const double *tau_err_s,
                                   size_t n, ecm_arrhenius *out) {
  if (!T_K || !tau_s || !out) return ecm__status_set(ECM_EINVAL, "Arrhenius fit: NULL argument");
  return arrhenius_core(T_K, tau_s, tau_err_s, NULL, n, out);
}

typedef struct arrhenius_ctx {
  const double *T, *tau, *err;
} arrhenius_ctx;

static ecm_status arrhenius_stat(const size_t *idx, size_t n, void *ctx, double *value) {
  const arrhenius_ctx *c = ctx;
  ecm_arrhenius r;
  ECM__TRY(arrhenius_core(c->T, c->tau, c->err, idx, n, &r));
  *value = r.E_eV;
  return ECM_OK;
}

ecm_status ecm_stats_arrhenius_bootstrap(const double *T_K, const double *tau_s,
                                         const double *tau_err_s, size_t n,
                                         const ecm_bootstrap_params *p, ecm_ci *E_eV) {
  if (!T_K || !tau_s || !E_eV)
    return ecm__status_set(ECM_EINVAL, "Arrhenius bootstrap: NULL argument");
  arrhenius_ctx c = {T_K, tau_s, tau_err_s};
  return ecm_stats_bootstrap_rows(n, arrhenius_stat, &c, p, E_eV);
}

/* ---- xi-tau models ---- */

ecm_xitau_params ecm_stats_xitau_default_params(void) {
  ecm_xitau_params p;
  memset(&p, 0, sizeof p);
  p.model = ECM_XITAU_ADAM_GIBBS;
  p.n_fixed = 0;
  p.n = 1.0;
  p.n_min = 0.1;
  p.n_max = 5.0;
  p.effective_variance = 1;
  p.max_iter = 50;
  return p;
}

static const char *const model_names[] = {"adam-gibbs", "imct", "rfot"};

const char *ecm_stats_xitau_model_name(ecm_xitau_model m) {
  return (unsigned)m < 3 ? model_names[m] : "?";
}

int ecm_stats_xitau_model_parse(const char *name) {
  for (int i = 0; name && i < 3; i++)
    if (!strcmp(name, model_names[i])) return i;
  return -1;
}

/* The usable rows in the model's base variables: independent u (with sigma su, 0 when
 * unknown) and dependent y (sigma sy, 0 when unknown). The fitted abscissa is x = u (AG,
 * IMCT) or u^n (RFOT). */
typedef struct xt_data {
  size_t m;
  double *u, *su, *y, *sy, *x, *s, *dxdu;
  int has_su, has_sy;
} xt_data;

static ecm_status xt_load(const ecm_xitau_params *p, const double *T, const double *tau,
                          const double *etau, const double *xi, const double *exi, size_t n,
                          xt_data *d) {
  size_t m = 0;
  const double kB = ECM_STATS_KB_EV_PER_K;
  for (size_t i = 0; i < n; i++) {
    double t = p->model == ECM_XITAU_RFOT ? T[i] : 1.0;
    double et = etau ? etau[i] : 1.0, ex = exi ? exi[i] : 1.0;
    if (isnan(t) || isnan(tau[i]) || isnan(xi[i]) || isnan(et) || isnan(ex)) continue;
    const char *bad = NULL;
    if (!(t > 0) || !isfinite(t))
      bad = "T";
    else if (!(tau[i] > 0) || !isfinite(tau[i]))
      bad = "tau";
    else if (!(xi[i] > 0) || !isfinite(xi[i]))
      bad = "xi";
    else if (!(et > 0) || !isfinite(et))
      bad = "the tau error";
    else if (!(ex > 0) || !isfinite(ex))
      bad = "the xi error";
    if (bad) return ecm__status_set(ECM_EINVAL, "xi-tau row %zu: %s must be > 0", i + 1, bad);
    double ltau = log(tau[i]), sltau = etau ? etau[i] / tau[i] : 0;
    switch (p->model) {
      case ECM_XITAU_ADAM_GIBBS:
        d->u[m] = xi[i], d->su[m] = exi ? exi[i] : 0, d->y[m] = ltau, d->sy[m] = sltau;
        break;
      case ECM_XITAU_IMCT:
        d->u[m] = ltau, d->su[m] = sltau, d->y[m] = log(xi[i]);
        d->sy[m] = exi ? exi[i] / xi[i] : 0;
        break;
      case ECM_XITAU_RFOT: {
        double kT = kB * t;
        d->u[m] = xi[i] / kT, d->su[m] = exi ? exi[i] / kT : 0, d->y[m] = ltau, d->sy[m] = sltau;
        break;
      }
    }
    m++;
  }
  d->m = m;
  d->has_sy = p->model == ECM_XITAU_IMCT ? exi != NULL : etau != NULL;
  d->has_su = p->model == ECM_XITAU_IMCT ? etau != NULL : exi != NULL;
  return ECM_OK;
}

/* York et al. (2004) least squares with errors in x and y (uncorrelated): minimises
 *   S = sum (y - a - b x)^2 / (sy^2 + b^2 sx^2)
 * over a and b jointly (the effective variance with its slope dependence, i.e. the maximum
 * likelihood straight line), iterating from the slope in *lf. Standard errors are York's
 * eq. 13 (from the adjusted x); the final effective sigmas are left in s. */
static ecm_status york(const double *x, const double *y, const double *sx, const double *sy,
                       size_t m, size_t npar, int max_iter, ecm_linfit *lf, double *s, int *iters) {
  double b = lf->b, a = lf->a, xb = 0, yb = 0, sw = 0;
  for (int it = 0; it < max_iter; it++) {
    sw = xb = yb = 0;
    for (size_t i = 0; i < m; i++) {
      double v = sy[i] * sy[i] + b * b * sx[i] * sx[i];
      if (!(v > 0))
        return ecm__status_set(ECM_ENUMERIC,
                               "xi-tau fit: zero effective uncertainty (slope 0 and no error "
                               "on the dependent variable)");
      s[i] = sqrt(v);
      double w = 1.0 / v;
      sw += w, xb += w * x[i], yb += w * y[i];
    }
    xb /= sw, yb /= sw;
    double num = 0, den = 0;
    for (size_t i = 0; i < m; i++) {
      double w = 1.0 / (s[i] * s[i]), U = x[i] - xb, V = y[i] - yb;
      double beta = w * (U * sy[i] * sy[i] + b * V * sx[i] * sx[i]);
      num += w * beta * V, den += w * beta * U;
    }
    if (!(den != 0) || !isfinite(num / den))
      return ecm__status_set(ECM_ENUMERIC, "xi-tau fit: York iteration is singular");
    double bn = num / den, db = fabs(bn - b);
    b = bn, a = yb - b * xb;
    *iters = it + 1;
    if (db <= 1e-13 * fabs(b) + 1e-300) break;
  }
  /* Final weights, chi2 and the errors from the adjusted abscissae. */
  double chi2 = 0, xa = 0, su = 0;
  sw = xb = yb = 0;
  for (size_t i = 0; i < m; i++) {
    s[i] = sqrt(sy[i] * sy[i] + b * b * sx[i] * sx[i]);
    double w = 1.0 / (s[i] * s[i]);
    sw += w, xb += w * x[i], yb += w * y[i];
  }
  xb /= sw, yb /= sw;
  a = yb - b * xb;
  for (size_t i = 0; i < m; i++) {
    double w = 1.0 / (s[i] * s[i]), r = y[i] - a - b * x[i];
    double beta = w * ((x[i] - xb) * sy[i] * sy[i] + b * (y[i] - yb) * sx[i] * sx[i]);
    chi2 += w * r * r;
    xa += w * (xb + beta);
  }
  xa /= sw;
  for (size_t i = 0; i < m; i++) {
    double w = 1.0 / (s[i] * s[i]);
    double beta = w * ((x[i] - xb) * sy[i] * sy[i] + b * (y[i] - yb) * sx[i] * sx[i]);
    double u = xb + beta - xa;
    su += w * u * u;
  }
  if (!(su > 0)) return ecm__status_set(ECM_ENUMERIC, "xi-tau fit: all x values are equal");
  lf->n = m;
  lf->dof = m > npar ? m - npar : 0;
  lf->a = a, lf->b = b;
  lf->b_err = sqrt(1.0 / su);
  lf->a_err = sqrt(1.0 / sw + xa * xa / su);
  lf->cov_ab = -xa / su;
  lf->chi2 = chi2;
  lf->chi2_red = lf->dof ? chi2 / (double)lf->dof : NAN;
  lf->a_err_scaled = lf->a_err * sqrt(lf->chi2_red);
  lf->b_err_scaled = lf->b_err * sqrt(lf->chi2_red);
  lf->weighted = 1;
  return ECM_OK;
}

/* Fit y = a + b x(u; n) at a fixed exponent (1 unless RFOT): weighted by the dependent
 * errors, then (effective variance) York's fit with the independent errors propagated
 * through dx/du. Leaves the final sigmas in d->s (unless unweighted: lf->weighted = 0). */
static ecm_status xt_fit_at(const ecm_xitau_params *p, xt_data *d, double nexp, size_t npar,
                            ecm_linfit *lf, int *iters) {
  for (size_t i = 0; i < d->m; i++) {
    d->x[i] = p->model == ECM_XITAU_RFOT ? pow(d->u[i], nexp) : d->u[i];
    d->dxdu[i] = p->model == ECM_XITAU_RFOT ? nexp * pow(d->u[i], nexp - 1) : 1.0;
  }
  int use_x = p->effective_variance && d->has_su;
  *iters = 0;
  if (!d->has_sy && !use_x) return ecm__stats_linfit(d->x, d->y, NULL, d->m, npar, lf);
  if (d->has_sy) {
    for (size_t i = 0; i < d->m; i++) d->s[i] = d->sy[i];
    ECM__TRY(ecm__stats_linfit(d->x, d->y, d->s, d->m, npar, lf));
  } else { /* only x errors: start from the unweighted slope */
    ECM__TRY(ecm__stats_linfit(d->x, d->y, NULL, d->m, npar, lf));
  }
  *iters = 1;
  if (!use_x) return ECM_OK;
  /* sx (in x units) goes to dxdu's storage: dx = dx/du * su. */
  for (size_t i = 0; i < d->m; i++) d->dxdu[i] *= d->su[i];
  return york(d->x, d->y, d->dxdu, d->sy, d->m, npar, p->max_iter, lf, d->s, iters);
}

/* Inverse of a symmetric 3x3 matrix by cofactors; 0 when singular. */
static int inv3(const double m[3][3], double r[3][3]) {
  double c00 = m[1][1] * m[2][2] - m[1][2] * m[2][1];
  double c01 = m[1][2] * m[2][0] - m[1][0] * m[2][2];
  double c02 = m[1][0] * m[2][1] - m[1][1] * m[2][0];
  double det = m[0][0] * c00 + m[0][1] * c01 + m[0][2] * c02;
  if (!(fabs(det) > 0) || !isfinite(det)) return 0;
  r[0][0] = c00 / det;
  r[1][0] = c01 / det;
  r[2][0] = c02 / det;
  r[0][1] = (m[0][2] * m[2][1] - m[0][1] * m[2][2]) / det;
  r[1][1] = (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det;
  r[2][1] = (m[0][1] * m[2][0] - m[0][0] * m[2][1]) / det;
  r[0][2] = (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / det;
  r[1][2] = (m[0][2] * m[1][0] - m[0][0] * m[1][2]) / det;
  r[2][2] = (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / det;
  return 1;
}

/* Profile chi2 of RFOT at exponent n (the line solved exactly for each n). */
static double rfot_profile(const ecm_xitau_params *p, xt_data *d, double nexp) {
  ecm_linfit lf;
  int it;
  if (xt_fit_at(p, d, nexp, 3, &lf, &it) != ECM_OK) return INFINITY;
  return lf.chi2;
}

static double rfot_search(const ecm_xitau_params *p, xt_data *d) {
  enum { GRID = 60 };
  double l0 = log(p->n_min), l1 = log(p->n_max), best = INFINITY;
  int kbest = 0;
  for (int k = 0; k <= GRID; k++) {
    double c = rfot_profile(p, d, exp(l0 + (l1 - l0) * k / GRID));
    if (c < best) best = c, kbest = k;
  }
  /* Golden-section search in log n between the grid neighbours of the best point. */
  double lo = l0 + (l1 - l0) * (kbest > 0 ? kbest - 1 : 0) / GRID;
  double hi = l0 + (l1 - l0) * (kbest < GRID ? kbest + 1 : GRID) / GRID;
  const double g = 0.6180339887498949;
  double c = hi - g * (hi - lo), e = lo + g * (hi - lo);
  double fc = rfot_profile(p, d, exp(c)), fe = rfot_profile(p, d, exp(e));
  for (int it = 0; it < 200 && hi - lo > 1e-12; it++) {
    if (fc < fe) {
      hi = e, e = c, fe = fc;
      c = hi - g * (hi - lo);
      fc = rfot_profile(p, d, exp(c));
    } else {
      lo = c, c = e, fc = fe;
      e = lo + g * (hi - lo);
      fe = rfot_profile(p, d, exp(e));
    }
  }
  return exp(0.5 * (lo + hi));
}

ecm_status ecm_stats_xitau_fit(const ecm_xitau_params *p, const double *T_K, const double *tau_s,
                               const double *tau_err_s, const double *xi_nm,
                               const double *xi_err_nm, size_t n, ecm_xitau_result *out) {
  if (!p || !tau_s || !xi_nm || !out || (p->model == ECM_XITAU_RFOT && !T_K))
    return ecm__status_set(ECM_EINVAL, "xi-tau fit: NULL argument");
  memset(out, 0, sizeof *out);
  if ((unsigned)p->model > ECM_XITAU_RFOT)
    return ecm__status_set(ECM_EINVAL, "xi-tau fit: unknown model %d", (int)p->model);
  if (p->max_iter < 1) return ecm__status_set(ECM_EINVAL, "xi-tau fit: max_iter must be >= 1");
  int rfot = p->model == ECM_XITAU_RFOT, fit_n = rfot && !p->n_fixed;
  if (rfot && p->n_fixed && !(p->n > 0 && isfinite(p->n)))
    return ecm__status_set(ECM_EINVAL, "RFOT exponent n = %g must be > 0", p->n);
  if (fit_n && !(p->n_min > 0 && p->n_max > p->n_min && isfinite(p->n_max)))
    return ecm__status_set(ECM_EINVAL, "RFOT search range [%g, %g] is invalid", p->n_min, p->n_max);
  size_t npar = fit_n ? 3 : 2;
  xt_data d = {0};
  double *buf = malloc(7 * (n ? n : 1) * sizeof *buf);
  if (!buf) return ecm__status_set(ECM_ENOMEM, "xi-tau fit: cannot allocate %zu rows", n);
  d.u = buf, d.su = buf + n, d.y = buf + 2 * n, d.sy = buf + 3 * n, d.x = buf + 4 * n;
  d.s = buf + 5 * n, d.dxdu = buf + 6 * n;
  ecm_status st = xt_load(p, T_K, tau_s, tau_err_s, xi_nm, xi_err_nm, n, &d);
  int weighted = d.has_sy || (p->effective_variance && d.has_su);
  size_t need = npar + (weighted ? 0 : 1);
  if (st == ECM_OK && d.m < need)
    st = ecm__status_set(ECM_ENODATA, "%s fit needs %zu usable rows, got %zu",
                         ecm_stats_xitau_model_name(p->model), need, d.m);
  double nexp = rfot ? (fit_n ? 1.0 : p->n) : NAN;
  if (st == ECM_OK && fit_n) nexp = rfot_search(p, &d);
  ecm_linfit lf;
  int iters = 0;
  if (st == ECM_OK) st = xt_fit_at(p, &d, rfot ? nexp : 1.0, npar, &lf, &iters);
  if (st != ECM_OK) {
    free(buf);
    return st;
  }
  out->model = p->model;
  out->n = d.m;
  out->dof = lf.dof;
  out->a = lf.a, out->b = lf.b;
  out->a_err = lf.a_err, out->b_err = lf.b_err, out->cov_ab = lf.cov_ab;
  out->a_err_scaled = lf.a_err_scaled, out->b_err_scaled = lf.b_err_scaled;
  out->chi2 = lf.chi2, out->chi2_red = lf.chi2_red;
  out->weighted = lf.weighted;
  out->iterations = iters;
  out->n_fitted = fit_n;
  out->n_exp = nexp;
  out->n_exp_err = rfot ? 0 : NAN;
  out->n_exp_err_scaled = out->n_exp_err;
  out->cov_b_n = NAN;
  if (fit_n) {
    /* Full covariance of (a, b, n) from the Jacobian of the residuals (y - a - b u^n)/s. */
    double h[3][3] = {{0}}, c[3][3];
    for (size_t i = 0; i < d.m; i++) {
      double w = lf.weighted ? 1.0 / (d.s[i] * d.s[i]) : 1.0;
      double j[3] = {1.0, d.x[i], lf.b * d.x[i] * log(d.u[i])};
      for (int r = 0; r < 3; r++)
        for (int k = 0; k < 3; k++) h[r][k] += w * j[r] * j[k];
    }
    double scale = lf.weighted ? 1.0 : lf.chi2_red;
    if (!inv3(h, c)) {
      free(buf);
      return ecm__status_set(ECM_ENUMERIC,
                             "RFOT fit: the exponent is not determined (slope %g is 0 or "
                             "xi/k_BT does not vary)",
                             lf.b);
    }
    out->a_err = sqrt(c[0][0] * scale);
    out->b_err = sqrt(c[1][1] * scale);
    out->n_exp_err = sqrt(c[2][2] * scale);
    out->cov_ab = c[0][1] * scale;
    out->cov_b_n = c[1][2] * scale;
    double sc = lf.weighted ? sqrt(lf.chi2_red) : 1.0;
    out->a_err_scaled = out->a_err * sc;
    out->b_err_scaled = out->b_err * sc;
    out->n_exp_err_scaled = out->n_exp_err * sc;
    double tol = 1e-6 * nexp;
    out->n_at_bound = nexp - p->n_min < tol || p->n_max - nexp < tol;
  }
  free(buf);
  return ECM_OK;
}
