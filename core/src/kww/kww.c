/* kww: parameters, input checks, result assembly and the single and batch drivers. */
#include "ecm/kww.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "kww/kww_internal.h"
#include "stack/run_internal.h"
#include "status/status_internal.h"

/* Curves per parallel block of the batch driver: progress is reported and cancellation
 * checked between blocks (about 10-40 ms of work each on one core). */
#define ECM__KWW_BATCH_BLOCK 4096
/* Curves handed to an OpenMP thread at a time inside a block. */
#define ECM__KWW_BATCH_CHUNK 16

static const char *const ecm__kww_state_names[ECM_KWW_NSTATES] = {
    [ECM_KWW_CONVERGED] = "converged", [ECM_KWW_MAX_ITER] = "max-iter",
    [ECM_KWW_SINGULAR] = "singular",   [ECM_KWW_BAD_INPUT] = "bad-input",
    [ECM_KWW_MASKED] = "masked",       [ECM_KWW_NO_DECAY] = "no-decay",
};

const char *ecm_kww_state_name(ecm_kww_state state) {
  if ((unsigned)state < ECM_KWW_NSTATES) return ecm__kww_state_names[state];
  return "unknown";
}

ecm_kww_params ecm_kww_default_params(void) {
  ecm_kww_params p;
  memset(&p, 0, sizeof p);
  p.t_min = 0.0;
  p.t_max = INFINITY;
  p.baseline_free = 0;
  p.baseline = 1.0;
  p.beta_fixed = 0;
  p.beta_value = 1.0;
  p.beta_min = 0.0;
  p.beta_max = 3.0;
  p.tau_min = 0.0;
  p.tau_max = INFINITY;
  p.a_min = 0.0;
  p.a_max = INFINITY;
  p.max_iter = 100;
  p.xtol = 1e-8;
  p.gtol = 1e-10;
  p.min_decay = 0.5;
  return p;
}

ecm_status ecm_kww_check_params(const ecm_kww_params *p) {
  if (!p) return ecm__status_set(ECM_EINVAL, "kww: params is NULL");
  if (!(p->t_min >= 0.0) || !isfinite(p->t_min))
    return ecm__status_set(ECM_EINVAL, "kww: t_min = %g, must be finite and >= 0", p->t_min);
  if (!(p->t_max > p->t_min))
    return ecm__status_set(ECM_EINVAL, "kww: t_max = %g, must be > t_min = %g", p->t_max, p->t_min);
  if (!isfinite(p->baseline))
    return ecm__status_set(ECM_EINVAL, "kww: baseline = %g, must be finite", p->baseline);
  if (!(p->beta_value > 0.0) || !isfinite(p->beta_value))
    return ecm__status_set(ECM_EINVAL, "kww: beta_value = %g, must be finite and > 0",
                           p->beta_value);
  if (!(p->beta_min >= 0.0) || !(p->beta_max > p->beta_min) || !isfinite(p->beta_max))
    return ecm__status_set(ECM_EINVAL,
                           "kww: beta bounds [%g, %g], need 0 <= beta_min < beta_max < inf",
                           p->beta_min, p->beta_max);
  if (!(p->tau_min >= 0.0) || !isfinite(p->tau_min) || !(p->tau_max > p->tau_min))
    return ecm__status_set(ECM_EINVAL,
                           "kww: tau bounds [%g, %g], need 0 <= tau_min < tau_max <= inf",
                           p->tau_min, p->tau_max);
  if (isnan(p->a_min) || isnan(p->a_max) || !(p->a_max > p->a_min) || p->a_min == INFINITY ||
      p->a_max == -INFINITY)
    return ecm__status_set(ECM_EINVAL, "kww: contrast bounds [%g, %g], need a_min < a_max",
                           p->a_min, p->a_max);
  if (p->max_iter < 1) return ecm__status_set(ECM_EINVAL, "kww: max_iter must be >= 1");
  if (!(p->xtol >= 0.0) || !isfinite(p->xtol) || !(p->gtol >= 0.0) || !isfinite(p->gtol))
    return ecm__status_set(ECM_EINVAL, "kww: xtol = %g, gtol = %g, must be finite and >= 0",
                           p->xtol, p->gtol);
  if (!(p->min_decay >= 0.0 && p->min_decay < 1.0))
    return ecm__status_set(ECM_EINVAL, "kww: min_decay = %g, must be in [0, 1)", p->min_decay);
  return ECM_OK;
}

void ecm__kww_setup_init(const ecm_kww_params *p, ecm__kww_setup *s) {
  memset(s, 0, sizeof *s);
  s->is_free[ECM__KWW_A] = 1;
  s->is_free[ECM__KWW_LNTAU] = 1;
  s->is_free[ECM__KWW_LNBETA] = !p->beta_fixed;
  s->is_free[ECM__KWW_B] = p->baseline_free != 0;
  for (size_t j = 0; j < ECM__KWW_NPAR; j++)
    if (s->is_free[j]) s->free_idx[s->nfree++] = j;
  s->lo[ECM__KWW_A] = p->a_min;
  s->hi[ECM__KWW_A] = p->a_max;
  s->lo[ECM__KWW_LNTAU] = p->tau_min > 0.0 ? log(p->tau_min) : -INFINITY;
  s->hi[ECM__KWW_LNTAU] = log(p->tau_max); /* log(INFINITY) = INFINITY */
  s->lo[ECM__KWW_LNBETA] = p->beta_min > 0.0 ? log(p->beta_min) : -INFINITY;
  s->hi[ECM__KWW_LNBETA] = log(p->beta_max);
  s->lo[ECM__KWW_B] = -INFINITY;
  s->hi[ECM__KWW_B] = INFINITY;
  s->x_fixed[ECM__KWW_LNBETA] = log(p->beta_value);
  s->x_fixed[ECM__KWW_B] = p->baseline;
  s->tau_min = p->tau_min;
  s->tau_max = p->tau_max;
  s->beta_min = p->beta_min;
  s->beta_max = p->beta_max;
  s->beta_value = p->beta_value;
  s->max_iter = p->max_iter;
  s->xtol = p->xtol;
  s->gtol = p->gtol;
  s->min_decay = p->min_decay;
}

ecm_status ecm__kww_window(const ecm_kww_params *p, const double *t, size_t n, size_t *i0,
                           size_t *i1) {
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(t[i]))
      return ecm__status_set(ECM_EINVAL, "kww: t[%zu] = %g is not finite", i, t[i]);
    if (i > 0 && !(t[i] > t[i - 1]))
      return ecm__status_set(ECM_EINVAL, "kww: t must increase strictly (t[%zu] = %g, t[%zu] = %g)",
                             i - 1, t[i - 1], i, t[i]);
  }
  size_t a = 0;
  while (a < n && !(t[a] > 0.0 && t[a] >= p->t_min)) a++;
  size_t b = a;
  while (b < n && t[b] <= p->t_max) b++;
  *i0 = a;
  *i1 = b;
  return ECM_OK;
}

void ecm__kww_result_empty(ecm_kww_result *out, ecm_kww_state state, size_t n_used) {
  out->A = out->tau = out->beta = out->B = NAN;
  out->A_err = out->tau_err = out->beta_err = out->B_err = NAN;
  out->A_err_scaled = out->tau_err_scaled = out->beta_err_scaled = out->B_err_scaled = NAN;
  out->chi2_red = NAN;
  out->n_used = n_used;
  out->iterations = 0;
  out->state = state;
}

/* exp(log(bound)) may miss a bound by an ulp or two: put such values on the bound as
 * given (the reference fitter, which does not enforce bounds, is left alone beyond). */
#define ECM__KWW_SNAP_REL 1e-12
static double snap(double v, double lo, double hi) {
  if (v > hi && v <= hi * (1.0 + ECM__KWW_SNAP_REL)) return hi;
  if (v < lo && v >= lo * (1.0 - ECM__KWW_SNAP_REL)) return lo;
  return v;
}

void ecm__kww_finish(const ecm__kww_setup *s, const ecm__kww_data *d, const double x[ECM__KWW_NPAR],
                     ecm_kww_state state, size_t iterations, double chi2, const double *cov,
                     ecm_kww_result *out) {
  const size_t n = d->n;
  out->A = x[ECM__KWW_A];
  out->tau = snap(exp(x[ECM__KWW_LNTAU]), s->tau_min, s->tau_max);
  out->beta = snap(exp(x[ECM__KWW_LNBETA]), s->beta_min, s->beta_max);
  if (!s->is_free[ECM__KWW_LNBETA]) out->beta = s->beta_value;
  out->B = x[ECM__KWW_B];
  out->chi2_red = chi2 / (double)(n - s->nfree);
  out->n_used = n;
  out->iterations = iterations;
  /* d(tau) = tau d(ln tau), d(beta) = beta d(ln beta) */
  const double jac[ECM__KWW_NPAR] = {1.0, out->tau, out->beta, 1.0};
  double err[ECM__KWW_NPAR];
  for (size_t j = 0; j < ECM__KWW_NPAR; j++) {
    if (!s->is_free[j])
      err[j] = 0.0;
    else if (!cov)
      err[j] = NAN;
    else
      err[j] = jac[j] * sqrt(cov[j * ECM__KWW_NPAR + j]);
  }
  const double f = sqrt(out->chi2_red);
  out->A_err = err[ECM__KWW_A];
  out->tau_err = err[ECM__KWW_LNTAU];
  out->beta_err = err[ECM__KWW_LNBETA];
  out->B_err = err[ECM__KWW_B];
  out->A_err_scaled = err[ECM__KWW_A] * f;
  out->tau_err_scaled = err[ECM__KWW_LNTAU] * f;
  out->beta_err_scaled = err[ECM__KWW_LNBETA] * f;
  out->B_err_scaled = err[ECM__KWW_B] * f;
  if (!cov && state == ECM_KWW_CONVERGED) state = ECM_KWW_SINGULAR;

  /* No decay: the model keeps more than 1 - min_decay of its correlation
   * exp(-2 (t/tau)^beta) from the first to the last used lag. */
  if (out->A > 0.0) { /* tau may have run off to +inf: s0 = s1 = 0 then */
    const double beta = out->beta, lntau = x[ECM__KWW_LNTAU];
    double s0 = exp(ecm__kww_u(beta, d->lnt[0], lntau));
    double s1 = exp(ecm__kww_u(beta, d->lnt[n - 1], lntau));
    if (exp(-2.0 * (s1 - s0)) > 1.0 - s->min_decay) state = ECM_KWW_NO_DECAY;
  }
  out->state = state;
}

void ecm__kww_fit_prepared(const ecm__kww_setup *s, const ecm__kww_data *d, double *work,
                           ecm_kww_result *out) {
  if (d->n <= s->nfree) {
    ecm__kww_result_empty(out, ECM_KWW_BAD_INPUT, d->n);
    return;
  }
  double x[ECM__KWW_NPAR], H[ECM__KWW_NPAR * ECM__KWW_NPAR], cov[ECM__KWW_NPAR * ECM__KWW_NPAR];
  double chi2 = NAN;
  size_t iters = 0;
  ecm__kww_guess(s, d, x);
  ecm_kww_state st = ecm__kww_lm(s, d, x, work, &iters, &chi2, H);
  int ok = (st != ECM_KWW_SINGULAR) && ecm__kww_covariance(s, H, cov) == 0;
  ecm__kww_finish(s, d, x, st, iters, chi2, ok ? cov : NULL, out);
}

/* ---- single curves ------------------------------------------------------------------ */

/* Window one double-precision curve into `buf` (lnt, w: 2 n doubles). Returns 0, or -1
 * when a value inside the window is unusable (non-finite y or sigma, sigma <= 0). */
static int prepare_double(const double *t, const double *y, const double *sigma, size_t i0,
                          size_t nw, double *buf, ecm__kww_data *d) {
  double *lnt = buf, *w = buf + nw;
  for (size_t i = 0; i < nw; i++) {
    double sg = sigma ? sigma[i0 + i] : 1.0;
    if (!isfinite(y[i0 + i]) || !(sg > 0.0) || !isfinite(sg)) return -1;
    lnt[i] = log(t[i0 + i]);
    w[i] = 1.0 / (sg * sg);
    if (!isfinite(w[i])) return -1; /* sigma so small that 1/sigma^2 overflows */
  }
  d->n = nw;
  d->lnt = lnt;
  d->y = y + i0;
  d->w = w;
  return 0;
}

static ecm_status fit_single(const ecm_kww_params *p, const double *t, const double *y,
                             const double *sigma, size_t n, ecm_kww_result *out, int reference) {
  if (!p || !t || !y || !out || n == 0)
    return ecm__status_set(ECM_EINVAL, "kww: NULL argument or n = 0");
  ECM__TRY(ecm_kww_check_params(p));
  size_t i0, i1;
  ECM__TRY(ecm__kww_window(p, t, n, &i0, &i1));
  const size_t nw = i1 - i0;
  ecm__kww_setup s;
  ecm__kww_setup_init(p, &s);
  if (nw <= s.nfree) {
    ecm__kww_result_empty(out, ECM_KWW_BAD_INPUT, nw);
    return ECM_OK;
  }
  double *buf = malloc(sizeof(double) * (2 * nw + ECM__KWW_LM_WORK(nw)));
  if (!buf) return ecm__status_set(ECM_ENOMEM, "kww: no memory for %zu points", nw);
  ecm__kww_data d;
  ecm_status st = ECM_OK;
  if (prepare_double(t, y, sigma, i0, nw, buf, &d) != 0)
    ecm__kww_result_empty(out, ECM_KWW_BAD_INPUT, nw);
  else if (reference)
    st = ecm__kww_fit_prepared_gsl(&s, &d, out);
  else
    ecm__kww_fit_prepared(&s, &d, buf + 2 * nw, out);
  free(buf);
  return st;
}

ecm_status ecm_kww_fit(const ecm_kww_params *p, const double *t, const double *y,
                       const double *sigma, size_t n, ecm_kww_result *out) {
  return fit_single(p, t, y, sigma, n, out, 0);
}

ecm_status ecm_kww_fit_reference(const ecm_kww_params *p, const double *t, const double *y,
                                 const double *sigma, size_t n, ecm_kww_result *out) {
  ECM__TRY(ecm_init()); /* GSL must not abort */
  return fit_single(p, t, y, sigma, n, out, 1);
}

double ecm_kww_eval(const ecm_kww_result *r, double t) {
  if (!r) return NAN;
  return r->B + r->A * exp(-2.0 * pow(t / r->tau, r->beta));
}

/* ---- batch ---------------------------------------------------------------------------- */

/* Per-thread scratch layout: y, w (n each) and the LM work. */
#define ECM__KWW_THREAD_WORK(n) (2 * (n) + ECM__KWW_LM_WORK(n))

static void fit_one_float(const ecm__kww_setup *s, const double *lnt, size_t i0, size_t nw,
                          const float *y, const float *sigma, double *ws, ecm_kww_result *out) {
  double *yd = ws, *w = ws + nw;
  for (size_t i = 0; i < nw; i++) {
    double yi = (double)y[i0 + i];
    double sg = sigma ? (double)sigma[i0 + i] : 1.0;
    if (!isfinite(yi) || !(sg > 0.0) || !isfinite(sg)) {
      ecm__kww_result_empty(out, ECM_KWW_BAD_INPUT, nw);
      return;
    }
    yd[i] = yi;
    w[i] = 1.0 / (sg * sg);
    if (!isfinite(w[i])) {
      ecm__kww_result_empty(out, ECM_KWW_BAD_INPUT, nw);
      return;
    }
  }
  ecm__kww_data d = {nw, lnt, yd, w};
  ecm__kww_fit_prepared(s, &d, ws + 2 * nw, out);
}

ecm_status ecm_kww_fit_batch(const ecm_kww_params *p, const double *t, size_t n, const float *y,
                             size_t y_stride, const float *sigma, size_t sigma_stride,
                             const uint8_t *mask, size_t m, const ecm_run *run,
                             ecm_kww_result *out) {
  if (!p || !t || !y || !out || n == 0 || m == 0)
    return ecm__status_set(ECM_EINVAL, "kww batch: NULL argument, n = 0 or m = 0");
  if (y_stride < n || (sigma && sigma_stride != 0 && sigma_stride < n))
    return ecm__status_set(ECM_EINVAL, "kww batch: strides (%zu, %zu) shorter than n = %zu",
                           y_stride, sigma_stride, n);
  ECM__TRY(ecm_kww_check_params(p));
  size_t extent; /* (m - 1) stride + n elements must be addressable */
  ECM__TRY(ecm_size_mul(m - 1, y_stride, &extent));
  if (extent > SIZE_MAX / sizeof(float) - n)
    return ecm__status_set(ECM_EOVERFLOW, "kww batch: %zu curves of stride %zu overflow", m,
                           y_stride);
  if (sigma) {
    ECM__TRY(ecm_size_mul(m - 1, sigma_stride, &extent));
    if (extent > SIZE_MAX / sizeof(float) - n)
      return ecm__status_set(ECM_EOVERFLOW, "kww batch: %zu sigma curves of stride %zu overflow", m,
                             sigma_stride);
  }
  size_t i0, i1;
  ECM__TRY(ecm__kww_window(p, t, n, &i0, &i1));
  const size_t nw = i1 - i0;
  ecm__kww_setup s;
  ecm__kww_setup_init(p, &s);

  int threads = ecm__run_threads(run);
  if ((size_t)threads > m) threads = (int)m;
  size_t per_thread = ECM__KWW_THREAD_WORK(nw), total;
  if (ecm_size_mul(per_thread, (size_t)threads, &total) != ECM_OK || total > SIZE_MAX / 8 - nw)
    return ecm__status_set(ECM_EOVERFLOW, "kww batch: scratch size overflows");
  total += nw;
  ECM__TRY(ecm__run_reserve(run, total * sizeof(double), "kww batch scratch"));
  double *lnt = malloc(sizeof(double) * (total ? total : 1));
  if (!lnt) return ecm__status_set(ECM_ENOMEM, "kww batch: no memory for scratch");
  double *work = lnt + nw;
  for (size_t i = 0; i < nw; i++) lnt[i] = log(t[i0 + i]);

  ecm_status st = ecm__run_report(run, 0.0, "kww");
  for (size_t start = 0; st == ECM_OK && start < m; start += ECM__KWW_BATCH_BLOCK) {
    const size_t end = (m - start > ECM__KWW_BATCH_BLOCK) ? start + ECM__KWW_BATCH_BLOCK : m;
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(dynamic, ECM__KWW_BATCH_CHUNK)
#endif
    for (size_t i = start; i < end; i++) {
#ifdef _OPENMP
      double *ws = work + (size_t)omp_get_thread_num() * per_thread;
#else
      double *ws = work;
#endif
      if (mask && !mask[i]) {
        ecm__kww_result_empty(&out[i], ECM_KWW_MASKED, nw);
      } else if (nw <= s.nfree) {
        ecm__kww_result_empty(&out[i], ECM_KWW_BAD_INPUT, nw);
      } else {
        const float *si = sigma ? sigma + i * sigma_stride : NULL;
        fit_one_float(&s, lnt, i0, nw, y + i * y_stride, si, ws, &out[i]);
      }
    }
    st = ecm__run_report(run, (double)end / (double)m, "kww");
  }
  free(lnt);
  return st;
}
