/* g2 of many pixels: maps (FFT or direct at the bins' lags) and the ensemble over a ROI. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "ecm/g2.h"
#include "g2/g2_internal.h"
#include "stack/run_internal.h"
#include "status/status_internal.h"

/* Pixels handled together by the direct method: one row segment, vectorised across pixels. */
#define ECM__G2_BLOCK 16

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define ECM__G2_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define ECM__G2_CLONES
#endif

/* acc[b] = sum_{i < n - p} d[i][b] d[i + p][b] for one lag p, d laid out [n][B]. */
ECM__G2_CLONES
static void lag_products(const double *restrict d, size_t n, size_t p, double *restrict acc) {
  double a[ECM__G2_BLOCK] = {0};
  for (size_t i = 0; i + p < n; i++) {
    const double *u = d + i * ECM__G2_BLOCK, *v = d + (i + p) * ECM__G2_BLOCK;
    for (size_t b = 0; b < ECM__G2_BLOCK; b++) a[b] += u[b] * v[b];
  }
  memcpy(acc, a, sizeof a);
}

typedef struct map_job {
  const ecm_view *v;
  const ecm_mask *mask;
  const ecm_g2_bins *bins;
  ecm_g2_method method;
  float *out;
  uint8_t *states;
} map_job;

/* Direct method on the pixels x0 .. x0+count-1 of row y. Scratch: d [n][B], prefix [B][n+1]. */
static void direct_block(const map_job *j, size_t y, size_t x0, size_t count, double *d,
                         double *prefix) {
  const ecm_view *v = j->v;
  size_t n = v->nt, nb = j->bins->nbins, B = ECM__G2_BLOCK;
  ecm_g2_state st[ECM__G2_BLOCK];
  double mean[ECM__G2_BLOCK];
  for (size_t b = 0; b < B; b++) {
    size_t x = x0 + b;
    double *pre = prefix + b * (n + 1);
    if (b >= count || (j->mask && !j->mask->inside[y * v->nx + x])) {
      st[b] = ECM_G2_MASKED;
      for (size_t i = 0; i < n; i++) d[i * B + b] = 0;
      continue;
    }
    /* Gather the series of pixel (y, x) with its mean and state (as ecm__g2_prepare). */
    double s = 0;
    int finite = 1;
    for (size_t i = 0; i < n; i++) {
      double val = ecm_view_at(v, i, y, x);
      if (!isfinite(val)) finite = 0;
      d[i * B + b] = val;
      s += val;
    }
    double mu = s / (double)n, var = 0;
    pre[0] = 0;
    for (size_t i = 0; i < n; i++) {
      double dd = d[i * B + b] - mu;
      d[i * B + b] = dd;
      var += dd * dd;
      pre[i + 1] = pre[i] + dd;
    }
    mean[b] = mu;
    st[b] = !finite ? ECM_G2_NONFINITE : !(mu > 0) ? ECM_G2_ZERO
            : var == 0 ? ECM_G2_CONSTANT : ECM_G2_OK;
    if (st[b] != ECM_G2_OK)
      for (size_t i = 0; i < n; i++) d[i * B + b] = 0;
  }
  double acc[ECM__G2_BLOCK];
  for (size_t k = 0; k < nb; k++) {
    size_t p = j->bins->lag_rep[k];
    lag_products(d, n, p, acc);
    for (size_t b = 0; b < count; b++) {
      float *row = j->out + (y * v->nx + x0 + b) * nb;
      row[k] = st[b] == ECM_G2_OK
                   ? (float)ecm__g2_from_sums(n, p, acc[b], prefix + b * (n + 1), mean[b])
                   : NAN;
    }
  }
  if (j->states)
    for (size_t b = 0; b < count; b++) j->states[y * v->nx + x0 + b] = (uint8_t)st[b];
}

static void fft_pixel(const map_job *j, ecm__g2_fft_scratch *s, float *series, double *lags,
                      double *binned, size_t y, size_t x) {
  const ecm_view *v = j->v;
  size_t nb = j->bins->nbins, idx = y * v->nx + x;
  float *row = j->out + idx * nb;
  ecm_g2_state st;
  if (j->mask && !j->mask->inside[idx]) {
    st = ECM_G2_MASKED;
  } else {
    for (size_t i = 0; i < v->nt; i++) series[i] = ecm_view_at(v, i, y, x);
    st = ecm__g2_fft_lags(s, series, 1, v->nt, j->bins->max_lag, lags);
  }
  if (st == ECM_G2_OK) {
    ecm_g2_bin_curve(j->bins, lags, binned);
    for (size_t k = 0; k < nb; k++) row[k] = (float)binned[k];
  } else {
    for (size_t k = 0; k < nb; k++) row[k] = NAN;
  }
  if (j->states) j->states[idx] = (uint8_t)st;
}

ecm_status ecm_g2_map(const ecm_view *stack, const ecm_mask *mask, const ecm_g2_params *p,
                      const ecm_g2_bins *bins, const ecm_run *run, float *out,
                      uint8_t *states) {
  if (!stack || !p || !bins || !out)
    return ecm__status_set(ECM_EINVAL, "ecm_g2_map: NULL argument");
  size_t n = stack->nt, ny = stack->ny, nx = stack->nx;
  size_t max_lag;
  ecm_g2_params q = *p;
  q.max_lag = bins->max_lag;
  ECM__TRY(ecm_g2_resolve_max_lag(&q, n, &max_lag));
  ECM__TRY(ecm_mask_check(mask, ny, nx));
  if (p->method != ECM_G2_FFT && p->method != ECM_G2_DIRECT)
    return ecm__status_set(ECM_EUNSUPPORTED, "g2 maps use the FFT or the direct method");

  int threads = ecm__run_threads(run);
  size_t per_thread, tmp;
  if (p->method == ECM_G2_DIRECT) {
    ECM__TRY(ecm_size_mul3(ECM__G2_BLOCK, 2 * n + 1, sizeof(double), &per_thread));
  } else {
    size_t len;
    ECM__TRY(ecm__fft_good_size_even(n + max_lag, &len));
    per_thread = len * 3 * sizeof(float) + (3 * n + max_lag + bins->nbins + 4) * sizeof(double);
  }
  ECM__TRY(ecm_size_mul(per_thread, (size_t)threads, &tmp));
  ECM__TRY(ecm__run_reserve(run, tmp, "g2 scratch"));

  map_job job = {stack, mask, bins, p->method, out, states};
  size_t nblk_row = p->method == ECM_G2_DIRECT ? (nx + ECM__G2_BLOCK - 1) / ECM__G2_BLOCK : nx;
  size_t total = ny * nblk_row;
  size_t done = 0;
  int cancel = 0, failed = 0;
  ecm_status fail_status = ECM_OK;

#pragma omp parallel num_threads(threads)
  {
    ecm__g2_fft_scratch s;
    double *d = NULL, *prefix = NULL, *lags = NULL, *binned = NULL;
    float *series = NULL;
    int ok = 1;
    if (p->method == ECM_G2_DIRECT) {
      d = malloc(ECM__G2_BLOCK * n * sizeof *d);
      prefix = malloc(ECM__G2_BLOCK * (n + 1) * sizeof *prefix);
      ok = d && prefix;
      memset(&s, 0, sizeof s);
    } else {
      ok = ecm__g2_fft_scratch_init(&s, n, max_lag) == ECM_OK;
      lags = malloc((max_lag + 1) * sizeof *lags);
      binned = malloc(bins->nbins * sizeof *binned);
      series = malloc(n * sizeof *series);
      ok = ok && lags && binned && series;
    }
    if (!ok) {
#pragma omp critical(ecm_g2_fail)
      {
        if (!failed) {
          failed = 1;
          fail_status = ECM_ENOMEM;
        }
      }
    }
#pragma omp barrier
    if (!failed) {
#pragma omp for schedule(dynamic, 4)
      for (size_t blk = 0; blk < total; blk++) {
        int stop;
#pragma omp atomic read
        stop = cancel;
        if (stop) continue;
        size_t y = blk / nblk_row, c = blk % nblk_row;
        if (p->method == ECM_G2_DIRECT) {
          size_t x0 = c * ECM__G2_BLOCK;
          size_t count = nx - x0 < ECM__G2_BLOCK ? nx - x0 : ECM__G2_BLOCK;
          direct_block(&job, y, x0, count, d, prefix);
        } else {
          fft_pixel(&job, &s, series, lags, binned, y, c);
        }
        size_t now;
#pragma omp atomic capture
        now = ++done;
#ifdef _OPENMP
        if (omp_get_thread_num() == 0)
#endif
        {
          if (ecm__run_report(run, (double)now / (double)total, "g2") != ECM_OK) {
#pragma omp atomic write
            cancel = 1;
          }
        }
      }
    }
    free(d);
    free(prefix);
    free(lags);
    free(binned);
    free(series);
    ecm__g2_fft_scratch_free(&s);
  }
  if (failed) {
    return ecm__status_set(fail_status, "g2: cannot allocate per-thread scratch");
  }
  if (cancel) return ecm__status_set(ECM_ECANCELED, "g2 cancelled");
  return ecm__run_report(run, 1.0, "g2");
}

ecm_status ecm_g2_ensemble(const ecm_view *stack, const ecm_mask *mask, const ecm_g2_params *p,
                           const ecm_g2_bins *bins, const ecm_run *run, double *g2,
                           double *sem, size_t *n_valid) {
  if (!stack || !bins || !g2 || !sem || !n_valid)
    return ecm__status_set(ECM_EINVAL, "ecm_g2_ensemble: NULL argument");
  size_t npix, nb = bins->nbins, cells;
  ECM__TRY(ecm_size_mul(stack->ny, stack->nx, &npix));
  ECM__TRY(ecm_size_mul(npix, nb, &cells));
  ECM__TRY(ecm__run_reserve(run, cells * sizeof(float), "per-pixel g2 of the ensemble"));
  float *all = malloc(cells * sizeof *all);
  uint8_t *st = malloc(npix);
  if (!all || !st) {
    free(all);
    free(st);
    return ecm__status_set(ECM_ENOMEM, "cannot allocate the per-pixel g2 of %zu pixels", npix);
  }
  ecm_status rc = ecm_g2_map(stack, mask, p, bins, run, all, st);
  *n_valid = 0;
  if (rc == ECM_OK) {
    for (size_t i = 0; i < npix; i++) *n_valid += st[i] == ECM_G2_OK;
    for (size_t k = 0; k < nb; k++) {
      double s = 0, s2 = 0;
      size_t c = 0;
      for (size_t i = 0; i < npix; i++) {
        double v = all[i * nb + k];
        if (st[i] != ECM_G2_OK || !isfinite(v)) continue;
        s += v;
        s2 += v * v;
        c++;
      }
      g2[k] = c ? s / (double)c : NAN;
      sem[k] = c > 1 ? sqrt(fmax(0, (s2 - s * s / (double)c) / (double)(c - 1)) / (double)c) : NAN;
    }
    if (*n_valid == 0)
      rc = ecm__status_set(ECM_ENODATA, "no pixel in the region has a valid g2 (all zero, "
                                        "constant or non-finite)");
  }
  free(all);
  free(st);
  return rc;
}
