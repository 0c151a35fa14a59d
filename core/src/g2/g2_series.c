/* g2 of one intensity series: preparation, exact direct sums, zero-padded FFT, log bins,
 * multi-tau. See ecm/g2.h for the definitions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ecm/g2.h"
#include "fft/fft_internal.h"
#include "g2/g2_internal.h"
#include "status/status_internal.h"

const char *ecm_g2_state_name(ecm_g2_state s) {
  switch (s) {
    case ECM_G2_OK: return "ok";
    case ECM_G2_ZERO: return "zero-intensity";
    case ECM_G2_CONSTANT: return "constant";
    case ECM_G2_NONFINITE: return "non-finite";
    case ECM_G2_MASKED: return "masked";
  }
  return "unknown";
}

ecm_g2_params ecm_g2_default_params(void) {
  ecm_g2_params p;
  memset(&p, 0, sizeof p);
  p.method = ECM_G2_FFT;
  p.points_per_decade = 10.0;
  p.max_lag = 0;
  p.multitau_m = 16;
  return p;
}

ecm_status ecm_g2_resolve_max_lag(const ecm_g2_params *p, size_t n, size_t *max_lag) {
  if (n < 3)
    return ecm__status_set(ECM_ENODATA, "g2 needs at least 3 frames, the series has %zu", n);
  size_t m = (p && p->max_lag) ? p->max_lag : n / 2;
  if (m < 1 || m > n - 2)
    return ecm__status_set(ECM_EINVAL, "largest lag %zu frames: must be between 1 and %zu "
                                       "(frames - 2) for a %zu-frame series", m, n - 2, n);
  *max_lag = m;
  return ECM_OK;
}

/* ---- bins ---- */

ecm_status ecm_g2_bins_create(size_t max_lag, double ppd, ecm_g2_bins **out) {
  if (!out) return ecm__status_set(ECM_EINVAL, "ecm_g2_bins_create: NULL output");
  *out = NULL;
  if (max_lag == 0 || max_lag > ECM_MAX_DIM)
    return ecm__status_set(ECM_EINVAL, "largest lag %zu frames is out of range", max_lag);
  if (!(ppd >= 1.0 && ppd <= 1000.0))
    return ecm__status_set(ECM_EINVAL, "points per decade must be in [1, 1000], got %g", ppd);
  /* At most one bin per lag, plus one. */
  size_t cap = max_lag + 2;
  ecm_g2_bins *b = calloc(1, sizeof *b);
  if (!b) return ecm__status_set(ECM_ENOMEM, "cannot allocate lag bins");
  b->edges = malloc(cap * sizeof *b->edges);
  b->lag_mean = malloc(cap * sizeof *b->lag_mean);
  b->lag_rep = malloc(cap * sizeof *b->lag_rep);
  if (!b->edges || !b->lag_mean || !b->lag_rep) {
    ecm_g2_bins_destroy(b);
    return ecm__status_set(ECM_ENOMEM, "cannot allocate lag bins");
  }
  size_t nb = 0;
  b->edges[0] = 1;
  size_t lo = 1;
  /* Lag 1 alone, then edges at ceil(10^(k/ppd)) for the first k whose edge exceeds lo. */
  for (double k = 1; lo <= max_lag; k++) {
    double e = ceil(pow(10.0, k / ppd) - 1e-9);
    size_t hi = e > (double)(max_lag + 1) ? max_lag + 1 : (size_t)e;
    if (lo == 1) hi = 2;
    if (hi <= lo) continue;
    b->edges[++nb] = hi;
    b->lag_mean[nb - 1] = 0.5 * (double)(lo + hi - 1);
    b->lag_rep[nb - 1] = (size_t)floor(b->lag_mean[nb - 1] + 0.5);
    lo = hi;
  }
  b->nbins = nb;
  b->max_lag = max_lag;
  *out = b;
  return ECM_OK;
}

void ecm_g2_bins_destroy(ecm_g2_bins *b) {
  if (!b) return;
  free(b->edges);
  free(b->lag_mean);
  free(b->lag_rep);
  free(b);
}

void ecm_g2_bin_curve(const ecm_g2_bins *bins, const double *g2_lags, double *out) {
  for (size_t k = 0; k < bins->nbins; k++) {
    double s = 0;
    size_t lo = bins->edges[k], hi = bins->edges[k + 1];
    for (size_t p = lo; p < hi; p++) s += g2_lags[p];
    out[k] = s / (double)(hi - lo);
  }
}

/* ---- preparation shared by every method ---- */

ecm_g2_state ecm__g2_prepare(const float *x, size_t stride, size_t n, double *delta,
                             double *prefix, double *mean) {
  double s = 0;
  for (size_t i = 0; i < n; i++) {
    double v = x[i * stride];
    if (!isfinite(v)) return ECM_G2_NONFINITE;
    s += v;
  }
  double mu = s / (double)n;
  *mean = mu;
  if (!(mu > 0)) return ECM_G2_ZERO;
  double var = 0;
  prefix[0] = 0;
  for (size_t i = 0; i < n; i++) {
    double d = (double)x[i * stride] - mu;
    delta[i] = d;
    var += d * d;
    prefix[i + 1] = prefix[i] + d;
  }
  if (var == 0) return ECM_G2_CONSTANT;
  return ECM_G2_OK;
}

double ecm__g2_from_sums(size_t n, size_t p, double c, const double *prefix, double mean) {
  double np = (double)(n - p);
  double h = prefix[n - p];          /* sum_{i<N-p} delta(i) */
  double t = prefix[n] - prefix[p];  /* sum_{i>=p} delta(i) */
  double sh = h + np * mean, st = t + np * mean;
  if (!(sh > 0) || !(st > 0)) return NAN;
  return 1.0 + (np * c - h * t) / (sh * st);
}

static void fill_nan(double *g2, size_t count) {
  for (size_t i = 0; i < count; i++) g2[i] = NAN;
}

static ecm_status check_series(const float *x, size_t stride, size_t n, size_t max_lag,
                               const double *g2) {
  if (!x || !g2 || stride == 0) return ecm__status_set(ECM_EINVAL, "g2: NULL series or stride 0");
  ecm_g2_params p = ecm_g2_default_params();
  p.max_lag = max_lag;
  size_t m;
  return ecm_g2_resolve_max_lag(&p, n, &m);
}

/* ---- exact direct sums ---- */

ecm_status ecm_g2_series_direct(const float *x, size_t stride, size_t n, size_t max_lag,
                                 double *g2, ecm_g2_state *state) {
  ECM__TRY(check_series(x, stride, n, max_lag, g2));
  double *delta = malloc(n * sizeof *delta), *prefix = malloc((n + 1) * sizeof *prefix);
  if (!delta || !prefix) {
    free(delta);
    free(prefix);
    return ecm__status_set(ECM_ENOMEM, "g2: cannot allocate %zu-frame scratch", n);
  }
  double mean;
  ecm_g2_state st = ecm__g2_prepare(x, stride, n, delta, prefix, &mean);
  if (st != ECM_G2_OK) {
    fill_nan(g2, max_lag + 1);
  } else {
    for (size_t p = 0; p <= max_lag; p++) {
      double c = 0;
      for (size_t i = 0; i + p < n; i++) c += delta[i] * delta[i + p];
      g2[p] = ecm__g2_from_sums(n, p, c, prefix, mean);
    }
  }
  if (state) *state = st;
  free(delta);
  free(prefix);
  return ECM_OK;
}

/* ---- zero-padded FFT ---- */

ecm_status ecm__g2_fft_scratch_init(ecm__g2_fft_scratch *s, size_t n, size_t max_lag) {
  memset(s, 0, sizeof *s);
  size_t len;
  ECM__TRY(ecm__fft_good_size_even(n + max_lag, &len));
  ecm__fft_spec f = ecm__fft_spec_1d(ECM__FFT_R2C, ECM__FFT_F32, len, ECM__FFT_FORWARD);
  ecm__fft_spec b = ecm__fft_spec_1d(ECM__FFT_C2R, ECM__FFT_F32, len, ECM__FFT_BACKWARD);
  ecm_status st = ecm__fft_plan_get(&f, &s->fwd);
  if (st == ECM_OK) st = ecm__fft_plan_get(&b, &s->bwd);
  if (st == ECM_OK) {
    s->len = len;
    s->real = ecm__fft_alloc(len * sizeof(float));
    s->spec = ecm__fft_alloc((len / 2 + 1) * 2 * sizeof(float));
    s->delta = malloc(n * sizeof(double));
    s->prefix = malloc((n + 1) * sizeof(double));
    if (!s->real || !s->spec || !s->delta || !s->prefix)
      st = ecm__status_set(ECM_ENOMEM, "g2: cannot allocate FFT scratch of %zu points", len);
  }
  if (st != ECM_OK) ecm__g2_fft_scratch_free(s);
  return st;
}

void ecm__g2_fft_scratch_free(ecm__g2_fft_scratch *s) {
  ecm__fft_plan_release(s->fwd);
  ecm__fft_plan_release(s->bwd);
  ecm__fft_free(s->real);
  ecm__fft_free(s->spec);
  free(s->delta);
  free(s->prefix);
  memset(s, 0, sizeof *s);
}

ecm_g2_state ecm__g2_fft_lags(ecm__g2_fft_scratch *s, const float *x, size_t stride, size_t n,
                              size_t max_lag, double *g2) {
  double mean;
  ecm_g2_state st = ecm__g2_prepare(x, stride, n, s->delta, s->prefix, &mean);
  if (st != ECM_G2_OK) {
    fill_nan(g2, max_lag + 1);
    return st;
  }
  /* Scale the fluctuations to unit rms so single precision keeps its relative accuracy. */
  double v = 0;
  for (size_t i = 0; i < n; i++) v += s->delta[i] * s->delta[i];
  double rms = sqrt(v / (double)n);
  float *r = s->real;
  for (size_t i = 0; i < n; i++) r[i] = (float)(s->delta[i] / rms);
  memset(r + n, 0, (s->len - n) * sizeof(float));
  ecm__fft_exec_f(s->fwd, r, s->spec);
  float *c = s->spec;
  for (size_t k = 0; k < s->len / 2 + 1; k++) {
    float re = c[2 * k], im = c[2 * k + 1];
    c[2 * k] = re * re + im * im;
    c[2 * k + 1] = 0.0f;
  }
  ecm__fft_exec_f(s->bwd, s->spec, r);
  double scale = rms * rms / (double)s->len;
  for (size_t p = 0; p <= max_lag; p++)
    g2[p] = ecm__g2_from_sums(n, p, (double)r[p] * scale, s->prefix, mean);
  return ECM_G2_OK;
}

ecm_status ecm_g2_series_fft(const float *x, size_t stride, size_t n, size_t max_lag,
                             double *g2, ecm_g2_state *state) {
  ECM__TRY(check_series(x, stride, n, max_lag, g2));
  ecm__g2_fft_scratch s;
  ECM__TRY(ecm__g2_fft_scratch_init(&s, n, max_lag));
  ecm_g2_state st = ecm__g2_fft_lags(&s, x, stride, n, max_lag, g2);
  if (state) *state = st;
  ecm__g2_fft_scratch_free(&s);
  return ECM_OK;
}

/* ---- multi-tau ---- */

ecm_status ecm_g2_series_multitau(const float *x, size_t stride, size_t n, size_t max_lag,
                                  size_t m, double *lag, double *g2, size_t cap, size_t *count,
                                  ecm_g2_state *state) {
  ECM__TRY(check_series(x, stride, n, max_lag, g2));
  if (!lag || !count) return ecm__status_set(ECM_EINVAL, "multi-tau: NULL output");
  if (m < 4 || m % 2 || m > 4096)
    return ecm__status_set(ECM_EINVAL, "multi-tau channels per level must be even, 4..4096; got %zu", m);
  *count = 0;
  double *cur = malloc(n * sizeof *cur), *prefix = malloc((n + 1) * sizeof *prefix);
  if (!cur || !prefix) {
    free(cur);
    free(prefix);
    return ecm__status_set(ECM_ENOMEM, "multi-tau: cannot allocate %zu-frame scratch", n);
  }
  double mean;
  ecm_g2_state st = ecm__g2_prepare(x, stride, n, cur, prefix, &mean);
  if (state) *state = st;
  ecm_status rc = ECM_OK;
  if (st == ECM_G2_OK) {
    /* cur holds delta; the binned series at level l is averaged in pairs from level l-1.
     * Averaging delta and then adding the mean back equals averaging the intensities. */
    size_t len = n, width = 1;
    for (int level = 0; len >= 3; level++) {
      prefix[0] = 0;
      for (size_t i = 0; i < len; i++) prefix[i + 1] = prefix[i] + cur[i];
      size_t q0 = level == 0 ? 1 : m / 2;
      for (size_t q = q0; q < m && q <= len - 2; q++) {
        size_t l = q * width;
        if (l > max_lag) break;
        if (*count >= cap) {
          rc = ecm__status_set(ECM_EINVAL, "multi-tau: output capacity %zu too small", cap);
          break;
        }
        double c = 0;
        for (size_t i = 0; i + q < len; i++) c += cur[i] * cur[i + q];
        lag[*count] = (double)l;
        g2[*count] = ecm__g2_from_sums(len, q, c, prefix, mean);
        (*count)++;
      }
      if (rc != ECM_OK || (m / 2) * width * 2 > max_lag) break;
      size_t half = len / 2;
      for (size_t i = 0; i < half; i++) cur[i] = 0.5 * (cur[2 * i] + cur[2 * i + 1]);
      len = half;
      width *= 2;
    }
  }
  free(cur);
  free(prefix);
  return rc;
}
