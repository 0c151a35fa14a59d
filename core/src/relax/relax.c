/* Relaxation maps: g2 -> KWW per pixel, and their summary. See ecm/relax.h. */
#include "ecm/relax.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "g2/g2_internal.h"
#include "kww/kww_internal.h"
#include "relax/relax_internal.h"
#include "stack/run_internal.h"
#include "status/status_internal.h"

const char *ecm_relax_status_name(ecm_relax_status s) {
  static const char *const names[ECM_RELAX_NSTATUS] = {"converged", "max-iter", "singular",
                                                       "bad-input", "masked",   "no-decay",
                                                       "dark",      "constant", "non-finite",
                                                       "unresolved"};
  return (unsigned)s < ECM_RELAX_NSTATUS ? names[s] : "unknown";
}

ecm_relax_params ecm_relax_default_params(void) {
  ecm_relax_params p;
  memset(&p, 0, sizeof p);
  p.points_per_decade = 10;
  p.max_lag = 0;
  p.weighted = 1;
  p.kww = ecm_kww_default_params();
  p.no_decay_dchi2 = 6;
  p.bias_correction = 1;
  p.unresolved_frac = 0.1;
  return p;
}

void ecm_relax_maps_free(ecm_relax_maps *m) {
  if (!m) return;
  free(m->tau);
  free(m->beta);
  free(m->A);
  free(m->chi2);
  free(m->tau_err);
  free(m->beta_err);
  free(m->A_err);
  free(m->status);
  free(m->g2);
  free(m->t);
  free(m->edges);
  free(m);
}

static ecm_relax_status from_g2_state(ecm_g2_state s) {
  switch (s) {
    case ECM_G2_ZERO:
      return ECM_RELAX_DARK;
    case ECM_G2_CONSTANT:
      return ECM_RELAX_CONSTANT;
    case ECM_G2_NONFINITE:
      return ECM_RELAX_NONFINITE;
    case ECM_G2_MASKED:
      return ECM_RELAX_MASKED;
    default:
      return ECM_RELAX_CONVERGED;
  }
}

/* Pixels of one row handled together: their series are gathered frame by frame
 * (ECM__RELAX_GATHER contiguous floats per frame, instead of one float per frame stride, which
 * costs a cache and a TLB miss per value), and the mean, variance and prefix sums run
 * vectorised across groups of ECM__RELAX_TILE lanes. */
#define ECM__RELAX_GATHER 64
#define ECM__RELAX_TILE 16
/* Refits of the finite-length bias correction (docs/map.md). */
#define ECM__RELAX_BIAS_PASSES 1
/* Fits corrected: speckle contrast A <= 1 (the expansion's model) and tau at least this many
 * times the first fitted delay, before and after the refit. Below, A and tau are
 * extrapolated from the first lags and ill-determined, and the correction, larger at short
 * lags, would drive them further along their degenerate valley (docs/map.md). */
#define ECM__RELAX_BIAS_MIN_TAU 2.0
/* ... of the ensemble fit (one curve: cheap, and converged to ~0.5 % of tau in 3) */
#define ECM__RELAX_BIAS_PASSES_ENSEMBLE 3
/* Frames ahead that the gather prefetches. */
#define ECM__RELAX_PREFETCH 16

/* What every thread shares: read-only after setup. */
typedef struct map_ctx {
  const ecm_view *v;
  const ecm_mask *mask;
  const ecm_relax_params *p;
  const ecm_g2_bins *bins;
  const ecm__fft_plan *fwd, *bwd;
  size_t len;         /* FFT length >= n + max_lag */
  ecm__kww_setup kww; /* fit setup */
  size_t i0, nw;      /* fit window: bins i0 .. i0 + nw - 1 */
  double *lnt;        /* nw log delays */
  ecm_relax_maps *m;
} map_ctx;

typedef struct thread_scratch {
  float *tile;    /* n x ECM__RELAX_GATHER, frame-major */
  double *prefix; /* (n + 1) x T: prefix[i][b] = sum_{j<i} (x_b(j) - mean_b) */
  float *real;    /* len (FFT) */
  float *spec;    /* len/2 + 1 complex (FFT) */
  double *lags;   /* max_lag + 1 per-lag g2 */
  double *g2b, *sig, *w, *work;
  double *g2c, *bias; /* bias-corrected binned g2; its bias (fit window) */
} thread_scratch;

static void scratch_free(thread_scratch *s) {
  free(s->tile);
  free(s->prefix);
  ecm__fft_free(s->real);
  ecm__fft_free(s->spec);
  free(s->lags);
  free(s->g2b);
  free(s->sig);
  free(s->w);
  free(s->work);
  free(s->g2c);
  free(s->bias);
}

static int scratch_init(thread_scratch *s, const map_ctx *c) {
  size_t n = c->v->nt, T = ECM__RELAX_TILE, nb = c->bins->nbins;
  memset(s, 0, sizeof *s);
  s->tile = malloc(n * ECM__RELAX_GATHER * sizeof *s->tile);
  s->prefix = malloc((n + 1) * T * sizeof *s->prefix);
  s->real = ecm__fft_alloc(c->len * sizeof(float));
  s->spec = ecm__fft_alloc((c->len / 2 + 1) * 2 * sizeof(float));
  s->lags = malloc((c->bins->max_lag + 1) * sizeof *s->lags);
  s->g2b = malloc(nb * sizeof *s->g2b);
  s->sig = malloc(nb * sizeof *s->sig);
  s->w = malloc(nb * sizeof *s->w);
  s->work = malloc(ECM__KWW_LM_WORK(nb) * sizeof *s->work);
  s->g2c = malloc(nb * sizeof *s->g2c);
  s->bias = malloc(nb * sizeof *s->bias);
  return s->tile && s->prefix && s->real && s->spec && s->lags && s->g2b && s->sig && s->w &&
         s->work && s->g2c && s->bias;
}

/* Copy frames 0..n-1 of pixels (y, x0 .. x0+cnt-1) into tile[i * G + b], G =
 * ECM__RELAX_GATHER, lanes cnt..G-1 zero. */
static void gather(const ecm_view *v, size_t y, size_t x0, size_t cnt, float *restrict tile) {
  enum { G = ECM__RELAX_GATHER };
  size_t n = v->nt;
  if (v->sx == 1 && cnt == G) {
    const float *base = v->data + (ptrdiff_t)y * v->sy + (ptrdiff_t)x0;
    for (size_t i = 0; i < n; i++) {
      const float *src = base + (ptrdiff_t)i * v->st;
#if defined(__GNUC__)
      if (i + ECM__RELAX_PREFETCH < n) {
        const float *ahead = src + (ptrdiff_t)ECM__RELAX_PREFETCH * v->st;
        for (size_t b = 0; b < G; b += 16) __builtin_prefetch(ahead + b);
      }
#endif
      for (size_t b = 0; b < G; b++) tile[i * G + b] = src[b];
    }
    return;
  }
  for (size_t i = 0; i < n; i++)
    for (size_t b = 0; b < G; b++) tile[i * G + b] = b < cnt ? ecm_view_at(v, i, y, x0 + b) : 0.0f;
}

/* Means, variances and prefix sums of the T lanes; the Eq. 4 state of each lane (as
 * ecm__g2_prepare: a sum of finite floats in double cannot overflow, so a non-finite sum
 * means a non-finite value). */
static void tile_stats(const float *restrict tile, size_t n, double *restrict prefix, double *mean,
                       double *var, ecm_g2_state *st) {
  enum { T = ECM__RELAX_TILE, G = ECM__RELAX_GATHER };
  double s[T] = {0}, q[T] = {0}, mu[T];
  for (size_t i = 0; i < n; i++)
    for (size_t b = 0; b < T; b++) s[b] += tile[i * G + b];
  for (size_t b = 0; b < T; b++) {
    mu[b] = s[b] / (double)n;
    st[b] = !isfinite(s[b]) ? ECM_G2_NONFINITE : !(mu[b] > 0) ? ECM_G2_ZERO : ECM_G2_OK;
    if (st[b] != ECM_G2_OK) mu[b] = 0; /* keep the lane finite; its results are unused */
    prefix[b] = 0;
  }
  for (size_t i = 0; i < n; i++)
    for (size_t b = 0; b < T; b++) {
      double d = (double)tile[i * G + b] - mu[b];
      q[b] += d * d;
      prefix[(i + 1) * T + b] = prefix[i * T + b] + d;
    }
  for (size_t b = 0; b < T; b++) {
    if (st[b] == ECM_G2_OK && q[b] == 0) st[b] = ECM_G2_CONSTANT;
    mean[b] = mu[b];
    var[b] = q[b];
  }
}

/* g2 at lags 0..max_lag of lane b of group g of a prepared tile, by zero-padded FFT (Eq. 4). */
static void lane_g2(const map_ctx *c, thread_scratch *s, size_t g, size_t b, double mean,
                    double var) {
  size_t n = c->v->nt, T = ECM__RELAX_TILE, G = ECM__RELAX_GATHER, L = c->bins->max_lag;
  double rms = sqrt(var / (double)n), inv = 1.0 / rms;
  float *r = s->real;
  const float *col = s->tile + g * T + b;
  /* fluctuations at unit rms, so that single precision keeps its relative accuracy */
  for (size_t i = 0; i < n; i++) r[i] = (float)(((double)col[i * G] - mean) * inv);
  memset(r + n, 0, (c->len - n) * sizeof(float));
  ecm__fft_exec_f(c->fwd, r, s->spec);
  float *sp = s->spec;
  for (size_t k = 0; k < c->len / 2 + 1; k++) {
    float re = sp[2 * k], im = sp[2 * k + 1];
    sp[2 * k] = re * re + im * im;
    sp[2 * k + 1] = 0.0f;
  }
  ecm__fft_exec_f(c->bwd, s->spec, r);
  double scale = rms * rms / (double)c->len;
  const double *pre = s->prefix + b, total = pre[n * T];
  for (size_t p = 0; p <= L; p++) {
    double np = (double)(n - p);
    double h = pre[(n - p) * T], t = total - pre[p * T]; /* sums of delta: head, tail */
    double sh = h + np * mean, st = t + np * mean;
    double v = 1.0 + (np * ((double)r[p] * scale) - h * t) / (sh * st);
    s->lags[p] = sh > 0 && st > 0 ? v : NAN;
  }
}

/* Weights 1/sig^2 of the fit window into s->w (all 1 without sig); 0 when y and sig are
 * usable there, -1 otherwise. */
static int lane_weights(const map_ctx *c, thread_scratch *s, const double *y, const double *sig) {
  size_t i0 = c->i0, nw = c->nw;
  for (size_t i = 0; i < nw; i++) {
    double sg = sig ? sig[i0 + i] : 1.0;
    if (!isfinite(y[i0 + i]) || !(sg > 0.0) || !isfinite(sg) ||
        !isfinite(s->w[i] = 1.0 / (sg * sg)))
      return -1;
  }
  return 0;
}

/* Fit the binned curve s->g2b (weights from s->sig when sig) into r. */
static void lane_fit(const map_ctx *c, thread_scratch *s, const double *sig, ecm_kww_result *r) {
  if (lane_weights(c, s, s->g2b, sig) != 0) {
    ecm__kww_result_empty(r, ECM_KWW_BAD_INPUT, c->nw);
    return;
  }
  ecm__kww_data d = {c->nw, c->lnt, s->g2b + c->i0, s->w};
  ecm__kww_fit_prepared(&c->kww, &d, s->work, r);
}

/* Finite-length bias correction (docs/map.md): starting from the converged fit r, add back
 * the expected bias of Eq. 4 for the fitted model to the binned curve and refit from r,
 * ECM__RELAX_BIAS_PASSES times. r becomes the corrected fit when every refit converges and
 * both fits are in the range where the correction applies (ECM__RELAX_BIAS_MIN_TAU); it is
 * left as it was otherwise (or when the expansion does not apply). */
static void lane_correct(const map_ctx *c, thread_scratch *s, const double *sig,
                         ecm_kww_result *r) {
  size_t i0 = c->i0, nw = c->nw, n = c->v->nt;
  const double *lag = c->bins->lag_mean + i0;
  double tau_lo = ECM__RELAX_BIAS_MIN_TAU * c->m->t[i0];
  ecm_kww_result cur = *r;
  if (!(cur.A <= 1 && cur.tau >= tau_lo)) return;
  for (int pass = 0; pass < ECM__RELAX_BIAS_PASSES; pass++) {
    if (ecm__relax_bias(cur.A, cur.tau / c->m->dt, cur.beta, n, lag, nw, s->bias) != 0) return;
    for (size_t i = 0; i < nw; i++) s->g2c[i0 + i] = s->g2b[i0 + i] - s->bias[i];
    if (lane_weights(c, s, s->g2c, sig) != 0) return;
    ecm__kww_data d = {nw, c->lnt, s->g2c + i0, s->w};
    double x[ECM__KWW_NPAR] = {cur.A, log(cur.tau), log(cur.beta), cur.B};
    double H[ECM__KWW_NPAR * ECM__KWW_NPAR], cov[ECM__KWW_NPAR * ECM__KWW_NPAR], chi2 = NAN;
    size_t iters = 0;
    ecm_kww_state st = ecm__kww_lm(&c->kww, &d, x, s->work, &iters, &chi2, H);
    int ok = st != ECM_KWW_SINGULAR && ecm__kww_covariance(&c->kww, H, cov) == 0;
    ecm_kww_result next;
    ecm__kww_finish(&c->kww, &d, x, st, cur.iterations + iters, chi2, ok ? cov : NULL, &next);
    if (next.state != ECM_KWW_CONVERGED || !(next.A <= 1 && next.tau >= tau_lo)) return;
    cur = next;
  }
  *r = cur;
}

static void store(ecm_relax_maps *m, size_t idx, ecm_relax_status status, const ecm_kww_result *r) {
  size_t nb = m->nbins;
  float *g2row = m->g2 + idx * nb;
  if (status != ECM_RELAX_CONVERGED &&
      !(status <= ECM_RELAX_BAD_FIT_INPUT || status == ECM_RELAX_NO_DECAY ||
        status == ECM_RELAX_UNRESOLVED))
    for (size_t k = 0; k < nb; k++) g2row[k] = NAN;
  int ok = status == ECM_RELAX_CONVERGED;
  m->status[idx] = (uint8_t)status;
  m->tau[idx] = ok || status == ECM_RELAX_NO_DECAY ? (float)r->tau : NAN;
  m->beta[idx] = ok ? (float)r->beta : NAN;
  m->A[idx] = ok ? (float)r->A : NAN;
  m->chi2[idx] = ok ? (float)r->chi2_red : NAN;
  m->tau_err[idx] = ok ? (float)r->tau_err_scaled : NAN;
  m->beta_err[idx] = ok ? (float)r->beta_err_scaled : NAN;
  m->A_err[idx] = ok ? (float)r->A_err_scaled : NAN;
}

/* Flatness test: chi2 of the best constant (weighted mean) minus chi2 of the fitted model,
 * both with weights 1/sig^2 over the fit window; NaN when the fit holds no values. */
static double flat_dchi2(const map_ctx *c, const double *y, const double *sig,
                         const ecm_kww_result *r) {
  size_t i0 = c->i0, nw = c->nw;
  if (!(isfinite(r->A) && isfinite(r->tau) && isfinite(r->beta) && isfinite(r->B))) return NAN;
  double sw = 0, swy = 0;
  for (size_t i = i0; i < i0 + nw; i++) {
    double w = 1.0 / (sig[i] * sig[i]);
    sw += w;
    swy += w * y[i];
  }
  double mean = swy / sw, c0 = 0, c1 = 0;
  for (size_t i = i0; i < i0 + nw; i++) {
    double w = 1.0 / (sig[i] * sig[i]), d0 = y[i] - mean;
    double d1 = y[i] - (r->B + r->A * exp(-2.0 * pow(c->m->t[i] / r->tau, r->beta)));
    c0 += w * d0 * d0;
    c1 += w * d1 * d1;
  }
  return c0 - c1;
}

/* The pixels (y, x0 .. x0+cnt-1), cnt <= ECM__RELAX_GATHER: gather, g2, bins, sigma, fit,
 * store. */
static void one_tile(const map_ctx *c, thread_scratch *s, size_t y, size_t x0, size_t cnt) {
  enum { T = ECM__RELAX_TILE };
  const ecm_view *v = c->v;
  size_t n = v->nt, nb = c->bins->nbins, nx = v->nx;
  size_t live = 0;
  for (size_t b = 0; b < cnt; b++) live += !c->mask || c->mask->inside[y * nx + x0 + b];
  if (live) gather(v, y, x0, cnt, s->tile);
  for (size_t g = 0; g * T < cnt; g++) {
    double mean[T], var[T];
    ecm_g2_state st[T];
    size_t gc = cnt - g * T < T ? cnt - g * T : T;
    if (live) tile_stats(s->tile + g * T, n, s->prefix, mean, var, st);
    for (size_t b = 0; b < gc; b++) {
      size_t idx = y * nx + x0 + g * T + b;
      ecm_kww_result r;
      memset(&r, 0, sizeof r);
      ecm_relax_status status;
      if (c->mask && !c->mask->inside[idx]) {
        status = ECM_RELAX_MASKED;
      } else if (st[b] != ECM_G2_OK) {
        status = from_g2_state(st[b]);
      } else {
        lane_g2(c, s, g, b, mean[b], var[b]);
        ecm_g2_bin_curve(c->bins, s->lags, s->g2b);
        int test = c->p->no_decay_dchi2 > 0;
        int have_sig =
            (c->p->weighted || test) && ecm_kww_g2_sigma(s->lags, c->bins->max_lag + 1, n,
                                                         c->bins->edges, nb, s->sig) == ECM_OK;
        lane_fit(c, s, c->p->weighted && have_sig ? s->sig : NULL, &r);
        status = (ecm_relax_status)r.state;
        if (test && have_sig && c->nw > 1 &&
            (status == ECM_RELAX_CONVERGED || status == ECM_RELAX_MAX_ITER ||
             status == ECM_RELAX_SINGULAR)) {
          double d = flat_dchi2(c, s->g2b, s->sig, &r);
          if (isfinite(d) && d < c->p->no_decay_dchi2) {
            status = ECM_RELAX_NO_DECAY;
            r.tau = NAN;
          }
        }
        if (c->p->bias_correction && status == ECM_RELAX_CONVERGED)
          lane_correct(c, s, c->p->weighted && have_sig ? s->sig : NULL, &r);
        if (status == ECM_RELAX_CONVERGED && c->nw > 0 &&
            r.tau < c->p->unresolved_frac * c->m->t[c->i0])
          status = ECM_RELAX_UNRESOLVED; /* store() leaves tau, beta, A NaN */
        float *g2row = c->m->g2 + idx * nb;
        for (size_t k = 0; k < nb; k++) g2row[k] = (float)s->g2b[k];
      }
      store(c->m, idx, status, &r);
    }
  }
}

static ecm_status alloc_maps(size_t ny, size_t nx, size_t nt, const ecm_g2_bins *bins,
                             ecm_relax_maps **out) {
  size_t npix, cells;
  ECM__TRY(ecm_size_mul(ny, nx, &npix));
  ECM__TRY(ecm_size_mul(npix, bins->nbins, &cells));
  ecm_relax_maps *m = calloc(1, sizeof *m);
  if (!m) return ecm__status_set(ECM_ENOMEM, "cannot allocate maps");
  m->ny = ny;
  m->nx = nx;
  m->nt = nt;
  m->nbins = bins->nbins;
  float **fm[] = {&m->tau, &m->beta, &m->A, &m->chi2, &m->tau_err, &m->beta_err, &m->A_err};
  int fail = 0;
  for (size_t i = 0; i < sizeof fm / sizeof fm[0]; i++)
    fail |= !(*fm[i] = malloc(npix * sizeof(float)));
  fail |= !(m->status = malloc(npix));
  fail |= !(m->g2 = malloc(cells * sizeof(float)));
  fail |= !(m->t = malloc(bins->nbins * sizeof(double)));
  fail |= !(m->edges = malloc((bins->nbins + 1) * sizeof(size_t)));
  if (fail) {
    ecm_relax_maps_free(m);
    return ecm__status_set(ECM_ENOMEM, "cannot allocate maps of %zu x %zu pixels", nx, ny);
  }
  *out = m;
  return ECM_OK;
}

ecm_status ecm_relax_map(const ecm_view *stack, const ecm_mask *mask, const ecm_relax_params *p,
                         const ecm_run *run, ecm_relax_maps **out) {
  if (!stack || !p || !out) return ecm__status_set(ECM_EINVAL, "ecm_relax_map: NULL argument");
  *out = NULL;
  size_t n = stack->nt, ny = stack->ny, nx = stack->nx;
  ECM__TRY(ecm_kww_check_params(&p->kww));
  if (!(p->no_decay_dchi2 >= 0))
    return ecm__status_set(ECM_EINVAL, "map: no_decay_dchi2 = %g, must be >= 0", p->no_decay_dchi2);
  if (!(p->unresolved_frac >= 0) || !isfinite(p->unresolved_frac))
    return ecm__status_set(ECM_EINVAL, "map: unresolved_frac = %g, must be finite and >= 0",
                           p->unresolved_frac);
  ECM__TRY(ecm_mask_check(mask, ny, nx));
  ecm_g2_params gp = ecm_g2_default_params();
  gp.max_lag = p->max_lag;
  size_t max_lag;
  ECM__TRY(ecm_g2_resolve_max_lag(&gp, n, &max_lag));
  ecm_g2_bins *bins = NULL;
  ECM__TRY(ecm_g2_bins_create(max_lag, p->points_per_decade, &bins));

  int threads = ecm__run_threads(run);
  size_t len = 0, npix = ny * nx, T = ECM__RELAX_TILE, G = ECM__RELAX_GATHER, nb = bins->nbins;
  map_ctx c;
  memset(&c, 0, sizeof c);
  ecm_status rc = ecm__fft_good_size_even(n + max_lag, &len);
  if (rc == ECM_OK) {
    double per_thread = (double)len * 4 * 2 + (double)n * G * 4 + (double)(n + 1) * T * 8 +
                        (double)(max_lag + 1) * 8 + (double)nb * 8 * (5 + ECM__KWW_LM_WORK(1));
    double bytes =
        (double)threads * per_thread + (double)nb * 8 + (double)npix * (7 * 4 + 1 + 4 * (double)nb);
    if (bytes > (double)SIZE_MAX)
      rc = ecm__status_set(ECM_EOVERFLOW, "maps too large");
    else
      rc = ecm__run_reserve(run, (size_t)bytes, "relaxation maps");
  }
  ecm_relax_maps *m = NULL;
  if (rc == ECM_OK) rc = alloc_maps(ny, nx, n, bins, &m);
  if (rc == ECM_OK) {
    double dt = ecm_calib_dt_seconds(&stack->calib);
    m->calib = stack->calib;
    m->dt = dt > 0 ? dt : 1.0;
    strcpy(m->time_unit, dt > 0 ? "s" : "frame");
    for (size_t k = 0; k < nb; k++) m->t[k] = bins->lag_mean[k] * m->dt;
    memcpy(m->edges, bins->edges, (nb + 1) * sizeof(size_t));
    c.v = stack;
    c.mask = mask;
    c.p = p;
    c.bins = bins;
    c.m = m;
    c.len = len;
    ecm__kww_setup_init(&p->kww, &c.kww);
    if (p->bias_correction) ecm__relax_bias_init();
    size_t i1 = 0;
    rc = ecm__kww_window(&p->kww, m->t, nb, &c.i0, &i1);
    c.nw = i1 - c.i0;
    if (rc == ECM_OK && !(c.lnt = malloc((c.nw ? c.nw : 1) * sizeof *c.lnt)))
      rc = ecm__status_set(ECM_ENOMEM, "map: cannot allocate %zu delays", c.nw);
    for (size_t i = 0; rc == ECM_OK && i < c.nw; i++) c.lnt[i] = log(m->t[c.i0 + i]);
  }
  if (rc == ECM_OK) {
    ecm__fft_spec f = ecm__fft_spec_1d(ECM__FFT_R2C, ECM__FFT_F32, len, ECM__FFT_FORWARD);
    ecm__fft_spec b = ecm__fft_spec_1d(ECM__FFT_C2R, ECM__FFT_F32, len, ECM__FFT_BACKWARD);
    rc = ecm__fft_plan_get(&f, &c.fwd);
    if (rc == ECM_OK) rc = ecm__fft_plan_get(&b, &c.bwd);
  }
  if (rc != ECM_OK) {
    ecm__fft_plan_release(c.fwd);
    ecm__fft_plan_release(c.bwd);
    free(c.lnt);
    ecm_relax_maps_free(m);
    ecm_g2_bins_destroy(bins);
    return rc;
  }

  size_t tiles_x = (nx + G - 1) / G, ntiles = ny * tiles_x, done = 0;
  int cancel = 0, failed = 0;
#pragma omp parallel num_threads(threads)
  {
    thread_scratch s;
    if (!scratch_init(&s, &c)) {
#pragma omp atomic write
      failed = 1;
    }
#pragma omp barrier
    if (!failed) {
#pragma omp for schedule(dynamic, 1)
      for (size_t j = 0; j < ntiles; j++) {
        int stop;
#pragma omp atomic read
        stop = cancel;
        if (stop) continue;
        size_t y = j / tiles_x, x0 = (j % tiles_x) * G;
        one_tile(&c, &s, y, x0, nx - x0 < G ? nx - x0 : G);
        size_t now;
#pragma omp atomic capture
        now = ++done;
#ifdef _OPENMP
        if (omp_get_thread_num() == 0)
#endif
        {
          if (ecm__run_report(run, (double)now / (double)ntiles, "map") != ECM_OK) {
#pragma omp atomic write
            cancel = 1;
          }
        }
      }
    }
    scratch_free(&s);
  }
  ecm__fft_plan_release(c.fwd);
  ecm__fft_plan_release(c.bwd);
  free(c.lnt);
  ecm_g2_bins_destroy(bins);
  if (failed || cancel) {
    ecm_relax_maps_free(m);
    return failed ? ecm__status_set(ECM_ENOMEM, "map: cannot allocate per-thread scratch")
                  : ecm__status_set(ECM_ECANCELED, "map cancelled");
  }
  for (size_t i = 0; i < npix; i++) m->count[m->status[i]]++;
  /* A cancel at the final report still writes nothing. */
  rc = ecm__run_report(run, 1.0, "map");
  if (rc != ECM_OK) {
    ecm_relax_maps_free(m);
    return rc;
  }
  *out = m;
  return ECM_OK;
}

void ecm_relax_summary_clear(ecm_relax_summary *s) {
  if (!s) return;
  free(s->ens_g2);
  free(s->ens_sem);
  memset(s, 0, sizeof *s);
}

/* Finite-length bias correction of the ensemble fit (docs/map.md): the fit of the ensemble
 * curve minus the Eq. 4 bias of the previous fit's model, ECM__RELAX_BIAS_PASSES_ENSEMBLE
 * times; the last converged fit is kept. out->ens_g2 stays the plain mean of the pixels. */
static ecm_status ensemble_correct(const ecm_relax_maps *m, const ecm_relax_params *p,
                                   ecm_relax_summary *out) {
  size_t nb = m->nbins;
  double *lag = malloc(3 * nb * sizeof *lag), *bias = lag + nb, *y = bias + nb;
  if (!lag) return ecm__status_set(ECM_ENOMEM, "summary: cannot allocate %zu values", 3 * nb);
  ecm__relax_bias_init();
  for (size_t k = 0; k < nb; k++) lag[k] = m->t[k] / m->dt;
  ecm_status rc = ECM_OK;
  for (int pass = 0; pass < ECM__RELAX_BIAS_PASSES_ENSEMBLE && rc == ECM_OK; pass++) {
    const ecm_kww_result *e = &out->ens_fit;
    if (ecm__relax_bias(e->A, e->tau / m->dt, e->beta, m->nt, lag, nb, bias) != 0) break;
    for (size_t k = 0; k < nb; k++) y[k] = out->ens_g2[k] - bias[k];
    ecm_kww_result next;
    rc = ecm_kww_fit(&p->kww, m->t, y, out->ens_sem, nb, &next);
    if (rc != ECM_OK || next.state != ECM_KWW_CONVERGED) break;
    out->ens_fit = next;
  }
  free(lag);
  return rc;
}

ecm_status ecm_relax_summarize(const ecm_relax_maps *m, const uint8_t *region,
                               const ecm_relax_params *p, ecm_relax_summary *out) {
  if (!m || !p || !out) return ecm__status_set(ECM_EINVAL, "ecm_relax_summarize: NULL argument");
  memset(out, 0, sizeof *out);
  size_t npix = m->ny * m->nx, nb = m->nbins;
  double *tau = malloc(npix * sizeof *tau), *beta = malloc(npix * sizeof *beta),
         *amp = malloc(npix * sizeof *amp);
  out->ens_g2 = calloc(nb, sizeof *out->ens_g2);
  out->ens_sem = calloc(nb, sizeof *out->ens_sem);
  if (!tau || !beta || !amp || !out->ens_g2 || !out->ens_sem) {
    free(tau);
    free(beta);
    free(amp);
    ecm_relax_summary_clear(out);
    return ecm__status_set(ECM_ENOMEM, "summary: cannot allocate %zu values", npix);
  }
  size_t nc = 0;
  for (size_t i = 0; i < npix; i++) {
    if (region && !region[i]) continue;
    if (m->status[i] == ECM_RELAX_MASKED) continue;
    out->n_pixels++;
    if (m->status[i] != ECM_RELAX_CONVERGED) continue;
    tau[nc] = m->tau[i];
    beta[nc] = m->beta[i];
    amp[nc] = m->A[i];
    nc++;
  }
  out->n_converged = nc;
  out->converged_fraction = out->n_pixels ? (double)nc / (double)out->n_pixels : NAN;
  ecm_status rc = ECM_OK;
  if (nc) {
    ecm_stats_summary(tau, nc, &out->tau);
    ecm_stats_summary(beta, nc, &out->beta);
    ecm_stats_summary(amp, nc, &out->A);
    out->has_lognormal = ecm_stats_lognormal_fit(tau, nc, &out->lognormal) == ECM_OK;
  }
  /* Ensemble: every pixel of the region with a g2, whether or not its own fit converged. */
  size_t ng = 0;
  for (size_t k = 0; k < nb; k++) {
    double s = 0, s2 = 0;
    size_t c = 0;
    for (size_t i = 0; i < npix; i++) {
      if (region && !region[i]) continue;
      double v = m->g2[i * nb + k];
      if ((m->status[i] >= ECM_RELAX_DARK && m->status[i] != ECM_RELAX_UNRESOLVED) ||
          m->status[i] == ECM_RELAX_MASKED || !isfinite(v))
        continue;
      s += v;
      s2 += v * v;
      c++;
    }
    out->ens_g2[k] = c ? s / (double)c : NAN;
    out->ens_sem[k] =
        c > 1 ? sqrt(fmax(0, (s2 - s * s / (double)c) / (double)(c - 1)) / (double)c) : NAN;
    if (c > ng) ng = c;
  }
  if (ng > 1) {
    rc = ecm_kww_fit(&p->kww, m->t, out->ens_g2, out->ens_sem, nb, &out->ens_fit);
    if (rc == ECM_OK && p->bias_correction && out->ens_fit.state == ECM_KWW_CONVERGED)
      rc = ensemble_correct(m, p, out);
  } else {
    memset(&out->ens_fit, 0, sizeof out->ens_fit);
    out->ens_fit.state = ECM_KWW_BAD_INPUT;
  }
  /* The sampling check needs a time scale even when no pixel converged (a series far too
   * short): fall back on the ensemble fit. */
  double tau_med = out->has_lognormal ? out->lognormal.tau_med
                   : nc                ? out->tau.median
                   : out->ens_fit.state == ECM_KWW_CONVERGED ? out->ens_fit.tau
                                                             : NAN;
  out->series_over_tau = (double)m->nt * m->dt / tau_med;
  out->dt_over_tau = m->dt / tau_med;
  out->tau_med_frames = tau_med / m->dt;
  free(tau);
  free(beta);
  free(amp);
  if (rc != ECM_OK) ecm_relax_summary_clear(out);
  return rc;
}
