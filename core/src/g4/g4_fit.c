/* Lengths from g4 and from maps: xi_sep (Nakazawa's separable fit), xi_contour (Zhang supp.
 * note 6, the 0.5 contour) and xi_domain_fwhm (Huang & Voyles, 2D Gaussian fitted to the
 * autocorrelation of a map). GSL stays inside this file (g4__lsq). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>

#include "ecm/g4.h"
#include "fft/fft_internal.h"
#include "status/status_internal.h"

#define FWHM_PER_SIGMA 2.3548200450309493 /* 2 sqrt(2 ln 2) */

/* ---- a small generic least-squares driver over GSL ---- */

/* Model callback: residual f_i = model_i(x) - y_i and, when J != NULL, its row of partial
 * derivatives d f_i / d x_j (np entries). */
typedef void (*g4_model_fn)(const double *x, size_t i, void *ctx, double *f, double *J);

typedef struct {
  g4_model_fn fn;
  void *ctx;
  size_t np;
} lsq_ctx;

static int lsq_f(const gsl_vector *v, void *params, gsl_vector *f) {
  const lsq_ctx *c = params;
  for (size_t i = 0; i < f->size; i++) {
    double fi;
    c->fn(v->data, i, c->ctx, &fi, NULL);
    gsl_vector_set(f, i, fi);
  }
  return GSL_SUCCESS;
}

static int lsq_df(const gsl_vector *v, void *params, gsl_matrix *J) {
  const lsq_ctx *c = params;
  double row[64];
  for (size_t i = 0; i < J->size1; i++) {
    double fi;
    c->fn(v->data, i, c->ctx, &fi, row);
    for (size_t j = 0; j < c->np; j++) gsl_matrix_set(J, i, j, row[j]);
  }
  return GSL_SUCCESS;
}

/* Minimise sum f_i^2 over x (np <= 64 parameters, n > np points) from the start in x.
 * On return x holds the optimum, err the standard errors sqrt(s^2 (J^T J)^-1_jj),
 * s^2 = RSS / (n - np) (NaN for a column the rank test drops). Returns 1 when converged with
 * a full-rank covariance, 2 when converged with some parameters undetermined (their errors
 * NaN, the others conditional on them), 0 otherwise, -1 on allocation failure. */
static int g4__lsq(size_t n, size_t np, g4_model_fn fn, void *ctx, double *x, double *err,
                   double *chi2_red) {
  for (size_t j = 0; j < np; j++) err[j] = NAN;
  *chi2_red = NAN;
  if (np > 64 || n <= np) return 0;
  gsl_error_handler_t *old = gsl_set_error_handler_off();
  gsl_multifit_nlinear_parameters fp = gsl_multifit_nlinear_default_parameters();
  fp.trs = gsl_multifit_nlinear_trs_lm;
  gsl_multifit_nlinear_workspace *w =
      gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp, n, np);
  gsl_vector *x0 = gsl_vector_alloc(np);
  gsl_matrix *cov = gsl_matrix_alloc(np, np);
  int ok = -1;
  if (w && x0 && cov) {
    for (size_t j = 0; j < np; j++) gsl_vector_set(x0, j, x[j]);
    lsq_ctx c = {fn, ctx, np};
    gsl_multifit_nlinear_fdf fdf;
    memset(&fdf, 0, sizeof fdf);
    fdf.f = lsq_f;
    fdf.df = lsq_df;
    fdf.n = n;
    fdf.p = np;
    fdf.params = &c;
    ok = 0;
    if (gsl_multifit_nlinear_init(x0, &fdf, w) == GSL_SUCCESS) {
      int info = 0;
      int gs = gsl_multifit_nlinear_driver(500, 1e-12, 1e-12, 0.0, NULL, NULL, &info, w);
      const gsl_vector *xv = gsl_multifit_nlinear_position(w);
      for (size_t j = 0; j < np; j++) x[j] = gsl_vector_get(xv, j);
      const gsl_vector *f = gsl_multifit_nlinear_residual(w);
      double rss = 0;
      for (size_t i = 0; i < n; i++) rss += gsl_vector_get(f, i) * gsl_vector_get(f, i);
      double s2 = rss / (double)(n - np);
      *chi2_red = s2;
      int conv = gs == GSL_SUCCESS || gs == GSL_ENOPROG;
      if (conv && isfinite(rss) &&
          gsl_multifit_nlinear_covar(gsl_multifit_nlinear_jac(w), 1e-12, cov) == GSL_SUCCESS) {
        ok = 1;
        for (size_t j = 0; j < np; j++) { /* a column GSL's rank test dropped reads 0: NaN */
          double d = gsl_matrix_get(cov, j, j);
          if (!(d > 0) || !isfinite(d)) ok = 2;
          err[j] = d > 0 && isfinite(d) ? sqrt(d * s2) : NAN;
        }
      }
    }
  }
  if (w) gsl_multifit_nlinear_free(w);
  gsl_vector_free(x0);
  gsl_matrix_free(cov);
  gsl_set_error_handler(old);
  return ok;
}

/* ---- xi_sep ---- */

typedef struct {
  const double *t, *r, *y; /* per point: lag (frames), ring (px), g4 */
  const size_t *row;       /* per point: row index into the baselines */
  int row_baseline, plateau;
} sep_ctx;

typedef struct {
  sep_ctx base;
  size_t m; /* rows */
} sep_full;

/* x = [ln a, ln tau, ln gamma_t, ln xi, ln gamma_r, (c if plateau), b_0 .. b_{m-1}] */
static void sep_wrap(const double *x, size_t i, void *vc, double *f, double *J) {
  const sep_full *cf = vc;
  const sep_ctx *c = &cf->base;
  size_t nb = 5 + (c->plateau ? 1 : 0);
  double a = exp(x[0]), tau = exp(x[1]), gt = exp(x[2]), xi = exp(x[3]), gr = exp(x[4]);
  double cp = c->plateau ? x[5] : 0.0;
  double lt = log(c->t[i] / tau), lr = log(c->r[i] / xi);
  double pt = exp(gt * lt), pr = exp(gr * lr);
  double et = exp(-2 * pt), er = exp(-2 * pr);
  double b = c->row_baseline ? x[nb + c->row[i]] : 1.0;
  double m = a * et * er, amp = a * et + cp;
  *f = b + amp * er - c->y[i];
  if (!J) return;
  J[0] = m;                              /* d/d ln a */
  J[1] = m * 2 * pt * gt;                /* d/d ln tau */
  J[2] = m * (-2 * pt * gt * lt);        /* d/d ln gamma_t */
  J[3] = amp * er * 2 * pr * gr;         /* d/d ln xi */
  J[4] = amp * er * (-2 * pr * gr * lr); /* d/d ln gamma_r */
  if (c->plateau) J[5] = er;
  if (c->row_baseline)
    for (size_t k = 0; k < cf->m; k++) J[nb + k] = k == c->row[i] ? 1.0 : 0.0;
}

ecm_status ecm_g4_xi_sep(const ecm_g4_result *r, size_t r_min, size_t r_max, unsigned flags,
                         ecm_g4_sep *out) {
  int row_baseline = (flags & ECM_G4_SEP_ROW_BASELINE) != 0;
  int plateau = (flags & ECM_G4_SEP_PLATEAU) != 0;
  if (!r || !out) return ecm__status_set(ECM_EINVAL, "g4 xi_sep: NULL argument");
  if (r_min < 1 || r_max >= r->n_r || r_min > r_max || r_max - r_min + 1 < 3)
    return ecm__status_set(ECM_EINVAL,
                           "g4 xi_sep: ring range %zu..%zu must hold >= 3 rings within 1..%zu",
                           r_min, r_max, r->n_r - 1);
  memset(out, 0, sizeof *out);
  out->row_baseline = row_baseline;
  out->plateau = plateau;
  out->c = out->c_err = NAN;
  out->r_min = r_min;
  out->r_max = r_max;
  double *vals[] = {&out->a,       &out->a_err,       &out->tau,     &out->tau_err,
                    &out->gamma_t, &out->gamma_t_err, &out->xi,      &out->xi_err,
                    &out->gamma_r, &out->gamma_r_err, &out->chi2_red};
  for (size_t j = 0; j < sizeof vals / sizeof *vals; j++) *vals[j] = NAN;
  size_t *rows = malloc(r->n_dt * sizeof *rows), m = 0;
  if (!rows) return ecm__status_set(ECM_ENOMEM, "g4 xi_sep: out of memory");
  for (size_t i = 0; i < r->n_dt; i++)
    if (r->dt[i] > 0) rows[m++] = i;
  if (m < (row_baseline ? 2u : 1u)) {
    free(rows);
    return ecm__status_set(ECM_EINVAL, "g4 xi_sep: too few rows with dt > 0 (%zu)", m);
  }
  size_t nmax = m * (r_max - r_min + 1), nb = 5 + (size_t)plateau, np = nb + (row_baseline ? m : 0);
  double *buf = malloc(3 * nmax * sizeof *buf);
  size_t *prow = malloc(nmax * sizeof *prow);
  double *x = malloc(2 * np * sizeof *x);
  if (!buf || !prow || !x || np > 64) {
    free(rows);
    free(buf);
    free(prow);
    free(x);
    if (np > 64)
      return ecm__status_set(ECM_EINVAL, "g4 xi_sep: at most 58 rows with a free baseline");
    return ecm__status_set(ECM_ENOMEM, "g4 xi_sep: out of memory");
  }
  double *pt = buf, *pr = buf + nmax, *py = buf + 2 * nmax;
  size_t n = 0;
  double tmin = INFINITY, tmax = 0;
  for (size_t k = 0; k < m; k++) {
    size_t i = rows[k];
    for (size_t q = r_min; q <= r_max; q++) {
      double v = r->g4[i * r->n_r + q];
      if (!isfinite(v)) continue;
      pt[n] = (double)r->dt[i];
      pr[n] = (double)q;
      py[n] = v;
      prow[n++] = k;
    }
    if ((double)r->dt[i] < tmin) tmin = (double)r->dt[i];
    if ((double)r->dt[i] > tmax) tmax = (double)r->dt[i];
  }
  out->n_rows = m;
  out->n_used = n;
  sep_full c = {{pt, pr, py, prow, row_baseline, plateau}, m};
  double *err = x + np;
  double best_chi = INFINITY, best[64], best_err[64];
  int best_ok = 0;
  /* A few starts over tau and xi (the fit is not convex in them). */
  const double tf[] = {0.3, 1.0, 3.0};
  const double rf[] = {0.5, 1.5};
  for (size_t a = 0; a < 3; a++)
    for (size_t b = 0; b < 2; b++) {
      double base_excess = 0;
      for (size_t k = 0; k < m; k++) {
        double bl = out->row_baseline ? r->g4[rows[k] * r->n_r + r_max] : 1.0;
        if (row_baseline) x[nb + k] = isfinite(bl) ? bl : 1.0;
        double e = r->g4[rows[k] * r->n_r + r_min] - bl;
        if (k == 0 && isfinite(e)) base_excess = e;
      }
      x[0] = log(base_excess > 1e-12 ? 2 * base_excess : 1e-3);
      x[1] = log(sqrt(tmin * tmax) * tf[a]);
      x[2] = 0;
      x[3] = log(((double)r_min + (double)r_max) * rf[b]);
      x[4] = 0;
      if (plateau) x[5] = 0;
      double chi;
      int ok = g4__lsq(n, np, sep_wrap, &c, x, err, &chi);
      if (ok < 0) {
        free(rows);
        free(buf);
        free(prow);
        free(x);
        return ecm__status_set(ECM_ENOMEM, "g4 xi_sep: GSL could not allocate its workspace");
      }
      if (isfinite(chi) &&
          (chi < best_chi * (1 - 1e-9) || (ok == 1 && best_ok != 1 && chi <= best_chi))) {
        best_chi = chi;
        best_ok = ok;
        memcpy(best, x, np * sizeof *x);
        memcpy(best_err, err, np * sizeof *err);
      }
    }
  if (isfinite(best_chi)) {
    out->a = exp(best[0]);
    out->tau = exp(best[1]);
    out->gamma_t = exp(best[2]);
    out->xi = exp(best[3]);
    out->gamma_r = exp(best[4]);
    /* errors of ln p -> errors of p (first order) */
    out->a_err = out->a * best_err[0];
    out->tau_err = out->tau * best_err[1];
    out->gamma_t_err = out->gamma_t * best_err[2];
    out->xi_err = out->xi * best_err[3];
    out->gamma_r_err = out->gamma_r * best_err[4];
    if (plateau) {
      out->c = best[5];
      out->c_err = best_err[5];
    }
    out->chi2_red = best_chi;
    out->ok = best_ok == 1 && isfinite(out->xi_err) && out->a > 0;
  }
  free(rows);
  free(buf);
  free(prow);
  free(x);
  return ECM_OK;
}

/* ---- xi_contour ---- */

typedef struct {
  const double *t, *y;
} con_ctx;

/* x = [eps, ln nu, c0, c1] */
static void con_model(const double *x, size_t i, void *vc, double *f, double *J) {
  const con_ctx *c = vc;
  double nu = exp(x[1]), e = exp(-c->t[i] / nu);
  *f = x[0] * e + x[2] + x[3] * c->t[i] - c->y[i];
  if (!J) return;
  J[0] = e;
  J[1] = x[0] * e * c->t[i] / nu;
  J[2] = 1;
  J[3] = c->t[i];
}

/* Solve the 3x3 system m z = v by Cramer's rule; 0 when singular. */
static int solve3(const double m[9], const double v[3], double z[3]) {
  double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
               m[2] * (m[3] * m[7] - m[4] * m[6]);
  if (!(fabs(det) > 1e-300)) return 0;
  for (int k = 0; k < 3; k++) {
    double a[9];
    memcpy(a, m, sizeof a);
    for (int rr = 0; rr < 3; rr++) a[rr * 3 + k] = v[rr];
    z[k] = (a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) +
            a[2] * (a[3] * a[7] - a[4] * a[6])) /
           det;
  }
  return 1;
}

ecm_status ecm_g4_xi_contour(const ecm_g4_result *r, size_t r_norm, double *dr_half,
                             ecm_g4_contour *out) {
  if (!r || !out) return ecm__status_set(ECM_EINVAL, "g4 xi_contour: NULL argument");
  if (r_norm + 1 >= r->n_r)
    return ecm__status_set(ECM_EINVAL, "g4 xi_contour: normalising ring %zu leaves no ring",
                           r_norm);
  memset(out, 0, sizeof *out);
  out->r_norm = r_norm;
  out->eps = out->eps_err = out->nu = out->nu_err = out->c0 = out->c0_err = out->c1 = out->c1_err =
      out->xi = out->xi_err = out->chi2_red = NAN;
  double *t = malloc(2 * r->n_dt * sizeof *t);
  if (!t) return ecm__status_set(ECM_ENOMEM, "g4 xi_contour: out of memory");
  double *y = t + r->n_dt;
  size_t n = 0;
  for (size_t i = 0; i < r->n_dt; i++) {
    const double *g = r->g4 + i * r->n_r;
    double norm = g[r_norm] - 1, c = NAN;
    if (norm > 0 && isfinite(norm)) {
      double hp = 1.0;
      for (size_t k = r_norm + 1; k < r->n_r; k++) {
        double h = (g[k] - 1) / norm;
        if (!isfinite(h)) break;
        if (h <= 0.5) {
          c = (double)(k - 1) + (hp - 0.5) / (hp - h);
          break;
        }
        hp = h;
      }
    }
    if (dr_half) dr_half[i] = c;
    if (isfinite(c)) {
      t[n] = (double)r->dt[i];
      y[n++] = c;
    }
  }
  out->n_used = n;
  if (n >= 5) {
    double tmin = INFINITY, tmax = 0;
    for (size_t i = 0; i < n; i++) {
      if (t[i] < tmin) tmin = t[i];
      if (t[i] > tmax) tmax = t[i];
    }
    if (tmin <= 0) tmin = 1;
    /* scan nu with (eps, c0, c1) solved linearly, then refine all four with LM */
    double bx[4] = {NAN, NAN, NAN, NAN}, bss = INFINITY;
    for (int s = 0; s <= 80; s++) {
      double nu = tmin / 4 * pow(80 * tmax / tmin, s / 80.0);
      double m[9] = {0}, v[3] = {0}, z[3];
      for (size_t i = 0; i < n; i++) {
        double b[3] = {exp(-t[i] / nu), 1, t[i]};
        for (int a = 0; a < 3; a++) {
          v[a] += b[a] * y[i];
          for (int q = 0; q < 3; q++) m[a * 3 + q] += b[a] * b[q];
        }
      }
      if (!solve3(m, v, z)) continue;
      double ss = 0;
      for (size_t i = 0; i < n; i++) {
        double d = z[0] * exp(-t[i] / nu) + z[1] + z[2] * t[i] - y[i];
        ss += d * d;
      }
      if (ss < bss) {
        bss = ss;
        bx[0] = z[0];
        bx[1] = log(nu);
        bx[2] = z[1];
        bx[3] = z[2];
      }
    }
    if (isfinite(bss)) {
      con_ctx c = {t, y};
      double err[4], chi;
      int ok = g4__lsq(n, 4, con_model, &c, bx, err, &chi);
      if (ok < 0) {
        free(t);
        return ecm__status_set(ECM_ENOMEM, "g4 xi_contour: GSL could not allocate");
      }
      out->eps = bx[0];
      out->eps_err = err[0];
      out->nu = exp(bx[1]);
      out->nu_err = out->nu * err[1];
      out->c0 = bx[2];
      out->c0_err = err[2];
      out->c1 = bx[3];
      out->c1_err = err[3];
      out->xi = 2 * out->eps;
      out->xi_err = 2 * out->eps_err;
      out->chi2_red = chi;
      out->ok = ok == 1 && out->eps > 0 && isfinite(out->xi_err) && isfinite(out->nu_err);
    }
  }
  free(t);
  return ECM_OK;
}

/* ---- xi_domain_fwhm ---- */

typedef struct {
  const double *dx, *dy, *y;
} gau_ctx;

/* x = [A, ln sx, ln sy, B] */
static void gau_model(const double *x, size_t i, void *vc, double *f, double *J) {
  const gau_ctx *c = vc;
  double sx = exp(x[1]), sy = exp(x[2]);
  double ux = c->dx[i] * c->dx[i] / (sx * sx), uy = c->dy[i] * c->dy[i] / (sy * sy);
  double e = exp(-0.5 * (ux + uy));
  *f = x[0] * e + x[3] - c->y[i];
  if (!J) return;
  J[0] = e;
  J[1] = x[0] * e * ux;
  J[2] = x[0] * e * uy;
  J[3] = 1;
}

/* Autocorrelation sums of a (py x px, zero-padded) real array by FFT: out = IFFT |FFT a|^2
 * (unnormalised by FFTW: divided here by py*px). */
static ecm_status autocorr(const ecm__fft_plan *fwd, const ecm__fft_plan *inv, double *a,
                           double *spec, size_t py, size_t px) {
  ECM__TRY(ecm__fft_exec_d(fwd, a, spec));
  size_t nc = py * (px / 2 + 1);
  for (size_t k = 0; k < nc; k++) {
    double re = spec[2 * k], im = spec[2 * k + 1];
    spec[2 * k] = (re * re + im * im) / (double)(py * px);
    spec[2 * k + 1] = 0;
  }
  return ecm__fft_exec_d(inv, spec, a);
}

ecm_status ecm_g4_domain_size(const float *map, const uint8_t *valid, size_t ny, size_t nx,
                              size_t fit_half, int exclude_origin, ecm_g4_domain *out) {
  if (!map || !out) return ecm__status_set(ECM_EINVAL, "g4 domain size: NULL argument");
  if (ny < 4 || nx < 4)
    return ecm__status_set(ECM_EINVAL, "g4 domain size: map %zu x %zu is below 4 x 4", ny, nx);
  size_t hmax = (ny < nx ? ny : nx) / 2 - 1;
  if (fit_half > hmax)
    return ecm__status_set(ECM_EINVAL, "g4 domain size: fit_half %zu above %zu", fit_half, hmax);
  memset(out, 0, sizeof *out);
  double *vals[] = {&out->A,       &out->A_err,       &out->B,       &out->B_err,
                    &out->sigma_x, &out->sigma_x_err, &out->sigma_y, &out->sigma_y_err,
                    &out->fwhm_x,  &out->fwhm_x_err,  &out->fwhm_y,  &out->fwhm_y_err,
                    &out->fwhm,    &out->fwhm_err,    &out->chi2_red};
  for (size_t j = 0; j < sizeof vals / sizeof *vals; j++) *vals[j] = NAN;
  size_t np = ny * nx, nv = 0;
  double mean = 0;
  for (size_t i = 0; i < np; i++)
    if ((!valid || valid[i]) && isfinite(map[i])) {
      mean += map[i];
      nv++;
    }
  out->n_valid = nv;
  if (nv < 8) return ecm__status_set(ECM_ENODATA, "g4 domain size: %zu valid pixels", nv);
  mean /= (double)nv;
  size_t py, px;
  ECM__TRY(ecm__fft_good_size_even(2 * ny, &py));
  ECM__TRY(ecm__fft_good_size_even(2 * nx, &px));
  ecm__fft_spec sf = ecm__fft_spec_2d(ECM__FFT_R2C, ECM__FFT_F64, py, px, ECM__FFT_FORWARD);
  ecm__fft_spec si = ecm__fft_spec_2d(ECM__FFT_C2R, ECM__FFT_F64, py, px, ECM__FFT_BACKWARD);
  const ecm__fft_plan *fwd = NULL, *inv = NULL;
  ecm_status st = ecm__fft_plan_get(&sf, &fwd);
  if (st == ECM_OK) st = ecm__fft_plan_get(&si, &inv);
  size_t nc = py * (px / 2 + 1);
  double *cv = ecm__fft_alloc(py * px * sizeof(double));
  double *cw = ecm__fft_alloc(py * px * sizeof(double));
  double *spec = ecm__fft_alloc(2 * nc * sizeof(double));
  double *fit = NULL;
  if (st == ECM_OK && (!cv || !cw || !spec))
    st = ecm__status_set(ECM_ENOMEM, "g4 domain size: out of memory");
  if (st != ECM_OK) goto done;
  memset(cv, 0, py * px * sizeof(double));
  memset(cw, 0, py * px * sizeof(double));
  for (size_t y = 0; y < ny; y++)
    for (size_t x = 0; x < nx; x++) {
      size_t i = y * nx + x;
      if ((!valid || valid[i]) && isfinite(map[i])) {
        cv[y * px + x] = map[i] - mean;
        cw[y * px + x] = 1;
      }
    }
  if ((st = autocorr(fwd, inv, cv, spec, py, px)) != ECM_OK ||
      (st = autocorr(fwd, inv, cw, spec, py, px)) != ECM_OK)
    goto done;
  double c0 = cv[0] / cw[0];
  if (!(c0 > 0)) {
    st = ecm__status_set(ECM_ENODATA, "g4 domain size: the map is constant");
    goto done;
  }
/* rho at lag (dy, dx), NaN without pairs; wrap-around indices of the padded array */
#define RHO(dy, dx)                                                 \
  (cw[(size_t)(((long)(dy) + (long)py) % (long)py) * px +           \
      (size_t)(((long)(dx) + (long)px) % (long)px)] > 0.5           \
       ? cv[(size_t)(((long)(dy) + (long)py) % (long)py) * px +     \
            (size_t)(((long)(dx) + (long)px) % (long)px)] /         \
             cw[(size_t)(((long)(dy) + (long)py) % (long)py) * px + \
                (size_t)(((long)(dx) + (long)px) % (long)px)] /     \
             c0                                                     \
       : NAN)
  size_t h = fit_half, rhalf = 0;
  {
    /* first lag where the mean of rho over the four axis directions drops below 1/2 */
    for (size_t d = 1; d <= hmax; d++) {
      double s = RHO(d, 0) + RHO(-(long)d, 0) + RHO(0, d) + RHO(0, -(long)d);
      if (!(s / 4 >= 0.5)) {
        rhalf = d;
        break;
      }
    }
    if (!rhalf) rhalf = hmax;
  }
  if (!h) {
    h = 3 * rhalf;
    if (h < 3) h = 3;
    if (h > hmax) h = hmax;
  }
  out->fit_half = h;
  size_t side = 2 * h + 1, nmax = side * side, n = 0;
  fit = malloc(3 * nmax * sizeof *fit);
  if (!fit) {
    st = ecm__status_set(ECM_ENOMEM, "g4 domain size: out of memory");
    goto done;
  }
  double *fdx = fit, *fdy = fit + nmax, *fy = fit + 2 * nmax;
  for (long dy = -(long)h; dy <= (long)h; dy++)
    for (long dx = -(long)h; dx <= (long)h; dx++) {
      if (exclude_origin && !dy && !dx) continue;
      double v = RHO(dy, dx);
      if (!isfinite(v)) continue;
      fdx[n] = (double)dx;
      fdy[n] = (double)dy;
      fy[n++] = v;
    }
#undef RHO
  out->n_used = n;
  {
    gau_ctx c = {fdx, fdy, fy};
    double s0 = ((double)rhalf - 0.5) / (0.5 * FWHM_PER_SIGMA); /* rho(rhalf-1/2) ~ 1/2 */
    if (!(s0 > 0.3)) s0 = 0.3;
    double x[4] = {1.0, log(s0), log(s0), 0.0}, err[4], chi;
    int ok = g4__lsq(n, 4, gau_model, &c, x, err, &chi);
    if (ok < 0) {
      st = ecm__status_set(ECM_ENOMEM, "g4 domain size: GSL could not allocate");
      goto done;
    }
    out->A = x[0];
    out->A_err = err[0];
    out->B = x[3];
    out->B_err = err[3];
    out->sigma_x = exp(x[1]);
    out->sigma_x_err = out->sigma_x * err[1];
    out->sigma_y = exp(x[2]);
    out->sigma_y_err = out->sigma_y * err[2];
    out->fwhm_x = FWHM_PER_SIGMA * out->sigma_x;
    out->fwhm_x_err = FWHM_PER_SIGMA * out->sigma_x_err;
    out->fwhm_y = FWHM_PER_SIGMA * out->sigma_y;
    out->fwhm_y_err = FWHM_PER_SIGMA * out->sigma_y_err;
    /* fwhm = F exp((l1 + l2)/2): its relative error ignores the l1-l2 covariance (small for
     * a separable window) */
    out->fwhm = FWHM_PER_SIGMA * sqrt(out->sigma_x * out->sigma_y);
    out->fwhm_err = out->fwhm * 0.5 * sqrt(err[1] * err[1] + err[2] * err[2]);
    out->chi2_red = chi;
    out->ok = ok == 1 && out->A > 0 && out->sigma_x < (double)h && out->sigma_y < (double)h &&
              isfinite(out->fwhm_err);
  }
done:
  ecm__fft_free(cv);
  ecm__fft_free(cw);
  ecm__fft_free(spec);
  free(fit);
  ecm__fft_plan_release(fwd);
  ecm__fft_plan_release(inv);
  return st;
}
