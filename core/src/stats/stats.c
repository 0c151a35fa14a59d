#include "ecm/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "status/status_internal.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Linear interpolation between order statistics (quantile type 7). */
static double quantile_sorted(const double *s, size_t n, double q) {
  double h = q * (double)(n - 1);
  size_t i = (size_t)floor(h);
  if (i + 1 >= n) return s[n - 1];
  return s[i] + (h - (double)i) * (s[i + 1] - s[i]);
}

ecm_status ecm_stats_summary(const double *x, size_t n, ecm_summary *out) {
  if (!x || !out) return ecm__status_set(ECM_EINVAL, "stats summary: NULL argument");
  memset(out, 0, sizeof *out);
  double *s = malloc((n ? n : 1) * sizeof *s);
  if (!s) return ecm__status_set(ECM_ENOMEM, "stats summary: cannot allocate %zu values", n);
  size_t m = 0;
  double sum = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(x[i])) {
      s[m++] = x[i];
      sum += x[i];
    }
  if (m == 0) {
    free(s);
    return ecm__status_set(ECM_ENODATA, "no finite value to summarise");
  }
  qsort(s, m, sizeof *s, cmp_double);
  double mean = sum / (double)m, ss = 0;
  for (size_t i = 0; i < m; i++) ss += (s[i] - mean) * (s[i] - mean);
  out->n = m;
  out->mean = mean;
  out->sd = m > 1 ? sqrt(ss / (double)(m - 1)) : NAN;
  out->median = quantile_sorted(s, m, 0.5);
  out->q25 = quantile_sorted(s, m, 0.25);
  out->q75 = quantile_sorted(s, m, 0.75);
  out->min = s[0];
  out->max = s[m - 1];
  free(s);
  return ECM_OK;
}

ecm_status ecm_stats_lognormal_fit(const double *x, size_t n, ecm_lognormal *out) {
  if (!x || !out) return ecm__status_set(ECM_EINVAL, "log-normal fit: NULL argument");
  memset(out, 0, sizeof *out);
  double s = 0, s2 = 0;
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(x[i]) && x[i] > 0) {
      double l = log(x[i]);
      s += l;
      m++;
    }
  if (m < 2) return ecm__status_set(ECM_ENODATA, "log-normal fit needs 2 positive values, got %zu", m);
  double mu = s / (double)m;
  for (size_t i = 0; i < n; i++)
    if (isfinite(x[i]) && x[i] > 0) s2 += (log(x[i]) - mu) * (log(x[i]) - mu);
  double sigma = sqrt(s2 / (double)m);
  out->n = m;
  out->tau_med = exp(mu);
  out->sigma = sigma;
  out->tau_med_err = out->tau_med * sigma / sqrt((double)m);
  out->sigma_err = sigma / sqrt(2.0 * (double)m);
  out->mode = out->tau_med * exp(-sigma * sigma);
  out->fwhm = 2.0 * out->tau_med * exp(-sigma * sigma) * sinh(sigma * sqrt(2.0 * log(2.0)));
  return ECM_OK;
}

double ecm_stats_lognormal_pdf(double tau, double tau_med, double sigma) {
  if (!(tau > 0) || !(tau_med > 0) || !(sigma > 0)) return NAN;
  double l = log(tau / tau_med);
  return exp(-l * l / (2 * sigma * sigma)) / (sqrt(2 * 3.14159265358979323846) * sigma * tau);
}

ecm_status ecm_stats_histogram(const double *x, size_t n, double lo, double hi, size_t nbins,
                               int log_bins, double *edges, size_t *counts, size_t *outside) {
  if (!x || !edges || !counts || nbins == 0)
    return ecm__status_set(ECM_EINVAL, "histogram: NULL argument or no bins");
  if (!(hi > lo) || !isfinite(lo) || !isfinite(hi) || (log_bins && !(lo > 0)))
    return ecm__status_set(ECM_EINVAL, "histogram range [%g, %g] is invalid%s", lo, hi,
                           log_bins ? " for logarithmic bins" : "");
  double a = log_bins ? log(lo) : lo, b = log_bins ? log(hi) : hi, w = (b - a) / (double)nbins;
  for (size_t k = 0; k <= nbins; k++) edges[k] = log_bins ? exp(a + w * (double)k) : a + w * (double)k;
  edges[0] = lo;
  edges[nbins] = hi;
  memset(counts, 0, nbins * sizeof *counts);
  size_t out_n = 0;
  for (size_t i = 0; i < n; i++) {
    double v = x[i];
    if (!isfinite(v) || v < lo || v > hi || (log_bins && !(v > 0))) {
      out_n++;
      continue;
    }
    double u = ((log_bins ? log(v) : v) - a) / w;
    size_t k = u < 0 ? 0 : (size_t)u;
    if (k >= nbins) k = nbins - 1;
    counts[k]++;
  }
  if (outside) *outside = out_n;
  return ECM_OK;
}
