/* Analysis of a TTCF (docs/ttcf.md §3–5): one-time g(t) on log lag bins with batch-means
 * errors and its KWW fit; the band width versus age along anti-diagonals; the stationarity
 * verdict from a least-squares line of ln tau_band against age. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ecm/g2.h"
#include "stack/run_internal.h"
#include "status/status_internal.h"
#include "ttcf/ttcf_internal.h"

void ecm_ttcf_analysis_destroy(ecm_ttcf_analysis *a) {
  if (!a) return;
  free(a->g_t);
  free(a->g);
  free(a->g_sem);
  free(a->band_age);
  free(a->band_tau);
  free(a->band_err);
  free(a->band_ref);
  free(a);
}

/* Mean of G over the pairs (t1, t1 + p), p in [p0, p1), and its batch-means error. */
static void bin_mean(const float *G, size_t n, size_t p0, size_t p1, double *mean, double *sem) {
  size_t nt1 = n - p0; /* t1 with at least one pair */
  size_t len = p1 - 1 > (nt1 + 31) / 32 ? p1 - 1 : (nt1 + 31) / 32;
  if (len < 1) len = 1;
  size_t nbatch = nt1 / len;
  double tot = 0, bsum = 0, bsq = 0;
  size_t cnt = 0, used_batches = 0;
  for (size_t bt = 0; bt * len < nt1; bt++) {
    double s = 0;
    size_t c = 0;
    size_t t_end = (bt + 1) * len < nt1 ? (bt + 1) * len : nt1;
    for (size_t t1 = bt * len; t1 < t_end; t1++) {
      const float *row = G + t1 * n + t1;
      size_t pe = p1 < n - t1 ? p1 : n - t1;
      for (size_t q = p0; q < pe; q++) {
        float v = row[q];
        if (isfinite(v)) {
          s += v;
          c++;
        }
      }
    }
    tot += s;
    cnt += c;
    if (bt < nbatch && c) {
      double m = s / (double)c;
      bsum += m;
      bsq += m * m;
      used_batches++;
    }
  }
  *mean = cnt ? tot / (double)cnt : NAN;
  if (used_batches >= 2) {
    double m = bsum / (double)used_batches;
    double var = (bsq - (double)used_batches * m * m) / (double)(used_batches - 1);
    *sem = sqrt(var > 0 ? var : 0) / sqrt((double)used_batches);
  } else {
    *sem = NAN;
  }
}

/* Sum, sum of squares and count of G(i, i + s), i = a - floor(s/2), a in [a0, a1). */
static void anti_sum(const float *G, size_t n, size_t a0, size_t a1, size_t s, double *sum,
                     double *sq, size_t *cnt) {
  double sm = 0, q = 0;
  size_t c = 0, h = s / 2;
  for (size_t a = a0; a < a1; a++) {
    if (a < h) continue;
    size_t i = a - h;
    if (i + s >= n) break;
    float v = G[i * n + i + s];
    if (isfinite(v)) {
      sm += v;
      q += (double)v * v;
      c++;
    }
  }
  *sum = sm;
  *sq = q;
  *cnt = c;
}

/* Band width in one age window [a0, a1): the first lag where the window-mean G - 1 falls
 * to `level` x reference, interpolated; its delta-method error; the reference. */
static void band_window(const float *G, size_t n, size_t a0, size_t a1, const ecm_ttcf_params *p,
                        ecm_ttcf_band_ref ref_kind, double fit_a, double *tau, double *err,
                        double *ref_out) {
  *tau = *err = *ref_out = NAN;
  double sum, sq;
  size_t cnt;
  double ref = NAN;
  if (ref_kind == ECM_TTCF_REF_FIT) {
    ref = fit_a;
  } else {
    anti_sum(G, n, a0, a1, ref_kind == ECM_TTCF_REF_DIAGONAL ? 0 : 1, &sum, &sq, &cnt);
    if (cnt) ref = sum / (double)cnt - 1;
  }
  *ref_out = ref;
  if (!(ref > 0) || !isfinite(ref)) return;
  double thr = p->band_level * ref;
  double y_prev = ref; /* the reference stands at lag 0 (or lag 1 for LAG1) */
  size_t s_start = ref_kind == ECM_TTCF_REF_LAG1 ? 2 : 1;
  double sd_prev = 0;
  for (size_t s = s_start; s < n; s++) {
    anti_sum(G, n, a0, a1, s, &sum, &sq, &cnt);
    if (cnt < 2) return; /* ran off the series: band wider than measurable here */
    double m = sum / (double)cnt, y = m - 1;
    double var = (sq - (double)cnt * m * m) / (double)(cnt - 1);
    double sd = sqrt(var > 0 ? var : 0);
    if (y <= thr) {
      double drop = y_prev - y;
      double frac = drop > 0 ? (y_prev - thr) / drop : 1;
      double s_star = (double)(s - 1) + frac;
      *tau = s_star;
      /* Standard error of the window mean at the crossing, with the samples along t1
       * correlated over about s_star frames, divided by the local slope. */
      double sd_x = (1 - frac) * sd_prev + frac * sd;
      double neff = (double)cnt / (s_star > 1 ? s_star : 1);
      if (neff < 1) neff = 1;
      *err = drop > 0 ? sd_x / sqrt(neff) / drop : NAN;
      return;
    }
    y_prev = y;
    sd_prev = sd;
  }
}

ecm_status ecm_ttcf_analysis_create(const float *G, size_t n, double dt_s, const ecm_ttcf_params *p,
                                    const ecm_run *run, ecm_ttcf_analysis **out) {
  if (!G || !out) return ecm__status_set(ECM_EINVAL, "ttcf: NULL argument");
  *out = NULL;
  ECM__TRY(ecm_ttcf_check_params(p));
  if (n < 3) return ecm__status_set(ECM_EINVAL, "ttcf: needs at least 3 frames, got %zu", n);
  if (!(dt_s >= 0) || !isfinite(dt_s))
    return ecm__status_set(ECM_EINVAL, "ttcf: frame interval must be >= 0 s, got %g", dt_s);
  size_t max_lag = p->max_lag ? p->max_lag : n / 2;
  if (max_lag < 1) max_lag = 1;
  if (max_lag > n - 2)
    return ecm__status_set(ECM_EINVAL, "ttcf: max_lag %zu exceeds N - 2 = %zu", max_lag, n - 2);
  ecm_ttcf_analysis *a = calloc(1, sizeof *a);
  if (!a) return ecm__status_set(ECM_ENOMEM, "ttcf: out of memory");
  a->n = n;
  a->dt = dt_s > 0 ? dt_s : 1.0;
  a->verdict = ECM_TTCF_UNDETERMINED;
  a->slope = a->slope_err = a->change = a->intercept = NAN;
  ecm_status st = ECM_OK;
  ecm_g2_bins *bins = NULL;
  double *gt = NULL, *gy = NULL;

  /* 1. One-time g(t). */
  if ((st = ecm_g2_bins_create(max_lag, p->points_per_decade, &bins))) goto fail;
  size_t extra = p->include_diagonal ? 1 : 0;
  a->n_g = bins->nbins + extra;
  a->g_t = malloc(a->n_g * sizeof(double));
  a->g = malloc(a->n_g * sizeof(double));
  a->g_sem = malloc(a->n_g * sizeof(double));
  if (!a->g_t || !a->g || !a->g_sem) {
    st = ecm__status_set(ECM_ENOMEM, "ttcf: out of memory");
    goto fail;
  }
  if (extra) {
    a->g_t[0] = 0;
    bin_mean(G, n, 0, 1, &a->g[0], &a->g_sem[0]);
  }
  for (size_t k = 0; k < bins->nbins; k++) {
    a->g_t[k + extra] = bins->lag_mean[k] * a->dt;
    bin_mean(G, n, bins->edges[k], bins->edges[k + 1], &a->g[k + extra], &a->g_sem[k + extra]);
    if (k % 8 == 0 && (st = ecm__run_report(run, 0.5 * (double)k / (double)bins->nbins, "ttcf-g")))
      goto fail;
  }

  /* 2. KWW fit of g at lags > 0 (finite points; unweighted: the batch errors are rough). */
  gt = malloc(bins->nbins * sizeof *gt);
  gy = malloc(bins->nbins * sizeof *gy);
  if (!gt || !gy) {
    st = ecm__status_set(ECM_ENOMEM, "ttcf: out of memory");
    goto fail;
  }
  size_t m = 0;
  for (size_t k = 0; k < bins->nbins; k++)
    if (isfinite(a->g[k + extra])) {
      gt[m] = a->g_t[k + extra];
      gy[m++] = a->g[k + extra];
    }
  memset(&a->fit, 0, sizeof a->fit);
  a->fit.state = ECM_KWW_BAD_INPUT;
  a->fit.A = a->fit.tau = a->fit.beta = a->fit.B = NAN;
  if (m >= 1 && (st = ecm_kww_fit(&p->kww, gt, gy, NULL, m, &a->fit))) goto fail;

  /* 3. Band width versus age. */
  ecm_ttcf_band_ref ref = p->include_diagonal ? ECM_TTCF_REF_DIAGONAL : p->band_ref;
  if (ref == ECM_TTCF_REF_FIT &&
      !(a->fit.state == ECM_KWW_CONVERGED && a->fit.A > 0 && isfinite(a->fit.A)))
    ref = ECM_TTCF_REF_LAG1;
  a->ref_used = ref;
  /* the fit's A is in units of G - 1 when the baseline is 1; with a free baseline, use
   * A scaled to the excess over 1 at lag 0 */
  double fit_a = a->fit.A;
  if (p->kww.baseline_free || p->kww.baseline != 1) fit_a = a->fit.A + a->fit.B - 1;
  size_t w = p->band_window ? p->band_window : (n / 16 > 8 ? n / 16 : 8);
  if (w > n) w = n;
  a->band_window = w;
  a->n_band = n / w;
  a->band_age = malloc(a->n_band * sizeof(double));
  a->band_tau = malloc(a->n_band * sizeof(double));
  a->band_err = malloc(a->n_band * sizeof(double));
  a->band_ref = malloc(a->n_band * sizeof(double));
  if (!a->band_age || !a->band_tau || !a->band_err || !a->band_ref) {
    st = ecm__status_set(ECM_ENOMEM, "ttcf: out of memory");
    goto fail;
  }
  for (size_t k = 0; k < a->n_band; k++) {
    double tau, err, rv;
    band_window(G, n, k * w, (k + 1) * w, p, ref, fit_a, &tau, &err, &rv);
    a->band_age[k] = ((double)(k * w) + 0.5 * (double)(w - 1)) * a->dt;
    a->band_tau[k] = tau * a->dt;
    a->band_err[k] = err * a->dt;
    a->band_ref[k] = rv;
    if ((st = ecm__run_report(run, 0.5 + 0.5 * (double)(k + 1) / (double)a->n_band, "ttcf-band")))
      goto fail;
  }

  /* 4. Verdict: least-squares line ln tau_band = c + slope x age. */
  {
    double sx = 0, sy = 0, sxx = 0, sxy = 0, amin = INFINITY, amax = -INFINITY;
    size_t c = 0;
    for (size_t k = 0; k < a->n_band; k++) {
      double t = a->band_tau[k];
      if (!(t > 0) || !isfinite(t)) continue;
      double x = a->band_age[k], y = log(t);
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
      c++;
      if (x < amin) amin = x;
      if (x > amax) amax = x;
    }
    if (c >= 3) {
      double mx = sx / (double)c, my = sy / (double)c;
      double vxx = sxx - (double)c * mx * mx, vxy = sxy - (double)c * mx * my;
      if (vxx > 0) {
        double slope = vxy / vxx, icpt = my - slope * mx, ssr = 0;
        for (size_t k = 0; k < a->n_band; k++) {
          double t = a->band_tau[k];
          if (!(t > 0) || !isfinite(t)) continue;
          double r = log(t) - icpt - slope * a->band_age[k];
          ssr += r * r;
        }
        a->slope = slope;
        a->intercept = icpt;
        a->slope_err = sqrt(ssr / (double)(c - 2) / vxx);
        a->change = exp(slope * (amax - amin));
        double f = a->change >= 1 ? a->change : 1 / a->change;
        if (fabs(slope) <= 2 * a->slope_err || f < p->change_factor)
          a->verdict = ECM_TTCF_STATIONARY;
        else
          a->verdict = slope > 0 ? ECM_TTCF_AGING : ECM_TTCF_ACCELERATING;
      }
    }
  }
  free(gt);
  free(gy);
  ecm_g2_bins_destroy(bins);
  *out = a;
  return ECM_OK;
fail:
  free(gt);
  free(gy);
  ecm_g2_bins_destroy(bins);
  ecm_ttcf_analysis_destroy(a);
  return st;
}
