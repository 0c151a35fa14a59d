/* Percentile bootstrap (Efron & Tibshirani 1993, ch. 13): resample with replacement, take
 * the statistic of each replicate, report the quantiles of the replicates. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats/stats_internal.h"
#include "status/status_internal.h"

ecm_bootstrap_params ecm_stats_bootstrap_default_params(void) {
  ecm_bootstrap_params p;
  memset(&p, 0, sizeof p);
  p.resamples = 1000;
  p.level = 0.95;
  p.seed = 1;
  return p;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* k-th smallest of x[n] (0-based), reordering x (Hoare's selection). */
static double select_kth(double *x, size_t n, size_t k) {
  size_t lo = 0, hi = n - 1;
  while (lo < hi) {
    double pivot = x[lo + (hi - lo) / 2];
    size_t i = lo, j = hi;
    while (i <= j) {
      while (x[i] < pivot) i++;
      while (x[j] > pivot) j--;
      if (i <= j) {
        double t = x[i];
        x[i] = x[j], x[j] = t;
        i++;
        if (j == 0) break;
        j--;
      }
    }
    if (k <= j)
      hi = j;
    else if (k >= i)
      lo = i;
    else
      return x[k];
  }
  return x[k];
}

static double median_inplace(double *x, size_t n) {
  double hi = select_kth(x, n, n / 2);
  if (n % 2) return hi;
  double lo = x[0]; /* largest of the lower half, which select left in x[0 .. n/2-1] */
  for (size_t i = 1; i < n / 2; i++)
    if (x[i] > lo) lo = x[i];
  return 0.5 * (lo + hi);
}

/* Statistic of v[m] (already transformed: ln x for the log-normal ones); v may be reordered. */
static double statistic(ecm_stats_statistic s, double *v, size_t m) {
  double sum = 0, ss = 0;
  switch (s) {
    case ECM_STAT_MEDIAN:
      return median_inplace(v, m);
    case ECM_STAT_MEAN:
    case ECM_STAT_LOGNORMAL_TAU_MED:
      for (size_t i = 0; i < m; i++) sum += v[i];
      return s == ECM_STAT_MEAN ? sum / (double)m : exp(sum / (double)m);
    case ECM_STAT_LOGNORMAL_SIGMA:
      for (size_t i = 0; i < m; i++) sum += v[i];
      sum /= (double)m;
      for (size_t i = 0; i < m; i++) ss += (v[i] - sum) * (v[i] - sum);
      return sqrt(ss / (double)m);
  }
  return NAN;
}

static double quantile7(const double *s, size_t n, double q) {
  double h = q * (double)(n - 1);
  size_t i = (size_t)floor(h);
  if (i + 1 >= n) return s[n - 1];
  return s[i] + (h - (double)i) * (s[i + 1] - s[i]);
}

static ecm_status check_params(const ecm_bootstrap_params *p) {
  if (p->resamples < 10)
    return ecm__status_set(ECM_EINVAL, "bootstrap: %zu resamples (need at least 10)", p->resamples);
  if (!(p->level > 0 && p->level < 1))
    return ecm__status_set(ECM_EINVAL, "bootstrap: level %g must be in (0, 1)", p->level);
  return ECM_OK;
}

/* Fill out from the replicates rep[nrep] (sorted here). */
static void summarise(double *rep, size_t nrep, double level, ecm_ci *out) {
  qsort(rep, nrep, sizeof *rep, cmp_double);
  double mean = 0, ss = 0;
  for (size_t i = 0; i < nrep; i++) mean += rep[i];
  mean /= (double)nrep;
  for (size_t i = 0; i < nrep; i++) ss += (rep[i] - mean) * (rep[i] - mean);
  out->se = nrep > 1 ? sqrt(ss / (double)(nrep - 1)) : NAN;
  out->lo = quantile7(rep, nrep, 0.5 * (1 - level));
  out->hi = quantile7(rep, nrep, 0.5 * (1 + level));
  out->level = level;
  out->resamples = nrep;
}

ecm_status ecm_stats_bootstrap(const double *x, size_t n, ecm_stats_statistic stat,
                               const ecm_bootstrap_params *p, ecm_ci *out) {
  if (!x || !out) return ecm__status_set(ECM_EINVAL, "bootstrap: NULL argument");
  ecm_bootstrap_params dp = ecm_stats_bootstrap_default_params();
  if (!p) p = &dp;
  memset(out, 0, sizeof *out);
  if ((unsigned)stat > ECM_STAT_LOGNORMAL_SIGMA)
    return ecm__status_set(ECM_EINVAL, "bootstrap: unknown statistic %d", (int)stat);
  ECM__TRY(check_params(p));
  int logs = stat == ECM_STAT_LOGNORMAL_TAU_MED || stat == ECM_STAT_LOGNORMAL_SIGMA;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) m += isfinite(x[i]) && (!logs || x[i] > 0);
  if (m < 2)
    return ecm__status_set(ECM_ENODATA, "bootstrap needs 2 %svalues, got %zu",
                           logs ? "finite positive " : "finite ", m);
  double *v = malloc(m * sizeof *v), *r = malloc(m * sizeof *r);
  double *rep = malloc(p->resamples * sizeof *rep);
  if (!v || !r || !rep) {
    free(v), free(r), free(rep);
    return ecm__status_set(ECM_ENOMEM, "bootstrap: cannot allocate %zu values", m);
  }
  for (size_t i = 0, k = 0; i < n; i++)
    if (isfinite(x[i]) && (!logs || x[i] > 0)) v[k++] = logs ? log(x[i]) : x[i];
  memcpy(r, v, m * sizeof *r);
  out->estimate = statistic(stat, r, m);
  ecm__stats_rng rng = {(uint64_t)p->seed};
  for (size_t b = 0; b < p->resamples; b++) {
    for (size_t i = 0; i < m; i++) r[i] = v[ecm__stats_rng_below(&rng, m)];
    rep[b] = statistic(stat, r, m);
  }
  summarise(rep, p->resamples, p->level, out);
  free(v), free(r), free(rep);
  return ECM_OK;
}

ecm_status ecm_stats_bootstrap_rows(size_t n, ecm_stats_rows_fn fn, void *ctx,
                                    const ecm_bootstrap_params *p, ecm_ci *out) {
  if (!fn || !out) return ecm__status_set(ECM_EINVAL, "bootstrap: NULL argument");
  ecm_bootstrap_params dp = ecm_stats_bootstrap_default_params();
  if (!p) p = &dp;
  memset(out, 0, sizeof *out);
  ECM__TRY(check_params(p));
  if (n < 2) return ecm__status_set(ECM_ENODATA, "bootstrap needs 2 rows, got %zu", n);
  size_t *idx = malloc(n * sizeof *idx);
  double *rep = malloc(p->resamples * sizeof *rep);
  if (!idx || !rep) {
    free(idx), free(rep);
    return ecm__status_set(ECM_ENOMEM, "bootstrap: cannot allocate %zu rows", n);
  }
  for (size_t i = 0; i < n; i++) idx[i] = i;
  ecm_status st = fn(idx, n, ctx, &out->estimate);
  size_t nrep = 0, failed = 0;
  ecm__stats_rng rng = {(uint64_t)p->seed};
  for (size_t b = 0; st == ECM_OK && b < p->resamples; b++) {
    for (size_t i = 0; i < n; i++) idx[i] = ecm__stats_rng_below(&rng, n);
    double v;
    if (fn(idx, n, ctx, &v) == ECM_OK && isfinite(v))
      rep[nrep++] = v;
    else
      failed++;
  }
  if (st == ECM_OK && 2 * failed > p->resamples)
    st = ecm__status_set(ECM_ENUMERIC,
                         "bootstrap: the statistic failed on %zu of %zu resamples (too few rows?)",
                         failed, p->resamples);
  if (st == ECM_OK) {
    double est = out->estimate;
    summarise(rep, nrep, p->level, out);
    out->estimate = est;
    out->failed = failed;
  }
  free(idx), free(rep);
  if (st == ECM_OK) ecm_clear_error(); /* failed replicates leave no stale detail */
  return st;
}
