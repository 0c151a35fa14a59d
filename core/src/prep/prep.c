/* prep: dark/gain correction, hot/dead-pixel mask and repair, per-frame normalisation by a
 * reference region. Frame-parallel loops run in chunks; progress is reported (and
 * cancellation honoured) between chunks, on the caller's thread. */
#include "ecm/prep.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stack/run_internal.h"
#include "status/status_internal.h"

/* Frames per parallel chunk (progress granularity only; results do not depend on it). */
#define ECM__PREP_CHUNK 32
/* Robust standard deviation of a normal sample from its median absolute deviation. */
#define ECM__PREP_MAD_TO_SD 1.4826

ecm_prep_params ecm_prep_default_params(void) {
  ecm_prep_params p;
  memset(&p, 0, sizeof p);
  p.gain_normalize = 1;
  p.flag_value = NAN;
  p.hot_sigma = 6.0;
  p.flag_cold = 1;
  return p;
}

ecm_status ecm_prep_check_params(const ecm_prep_params *p) {
  if (!p) return ecm__status_set(ECM_EINVAL, "prep: NULL parameters");
  if (!(p->hot_sigma > 0) || !isfinite(p->hot_sigma))
    return ecm__status_set(ECM_EINVAL, "prep: hot_sigma must be a positive number, got %g",
                           p->hot_sigma);
  return ECM_OK;
}

static ecm_status ecm__prep_stack_ok(const ecm_stack *s, const char *what) {
  if (!s || !s->data || s->nt == 0 || s->ny == 0 || s->nx == 0)
    return ecm__status_set(ECM_EINVAL, "%s: NULL or empty stack", what);
  return ECM_OK;
}

/* Pixel-wise mean over the frames of a reference view into out (ny * nx doubles). */
static void ecm__prep_ref_mean(const ecm_view *v, double *out) {
  const size_t n = v->ny * v->nx;
  for (size_t i = 0; i < n; i++) out[i] = 0.0;
  for (size_t t = 0; t < v->nt; t++)
    for (size_t y = 0; y < v->ny; y++)
      for (size_t x = 0; x < v->nx; x++) out[y * v->nx + x] += ecm_view_at(v, t, y, x);
  for (size_t i = 0; i < n; i++) out[i] /= (double)v->nt;
}

static ecm_status ecm__prep_ref_check(const ecm_view *v, const ecm_stack *s, const char *what) {
  if (!v) return ECM_OK;
  if (!v->data || v->nt == 0)
    return ecm__status_set(ECM_EINVAL, "prep: the %s reference is empty", what);
  if (v->ny != s->ny || v->nx != s->nx)
    return ecm__status_set(ECM_ESIZE, "prep: the %s reference is %zu x %zu px, the stack %zu x %zu",
                           what, v->nx, v->ny, s->nx, s->ny);
  return ECM_OK;
}

/* ---- dark / gain --------------------------------------------------------------------- */

ecm_status ecm_prep_dark_gain(ecm_stack *s, const ecm_view *dark, const ecm_view *gain,
                              const ecm_prep_params *params, const ecm_run *run, ecm_mask **good,
                              size_t *n_flagged) {
  if (good) *good = NULL;
  ECM__TRY(ecm__prep_stack_ok(s, "dark/gain"));
  if (!dark && !gain)
    return ecm__status_set(ECM_EINVAL, "prep: neither a dark nor a gain reference given");
  const ecm_prep_params p = params ? *params : ecm_prep_default_params();
  ECM__TRY(ecm_prep_check_params(&p));
  ECM__TRY(ecm__prep_ref_check(dark, s, "dark"));
  ECM__TRY(ecm__prep_ref_check(gain, s, "gain"));
  size_t n, bytes;
  ECM__TRY(ecm_size_mul(s->ny, s->nx, &n));
  ECM__TRY(ecm_size_mul(n, 2 * sizeof(double) + 1, &bytes));
  ECM__TRY(ecm__run_reserve(run, bytes, "dark/gain correction"));
  double *D = calloc(n, sizeof(double)), *G = malloc(n * sizeof(double));
  uint8_t *flag = calloc(n, 1);
  ecm_mask *m = NULL;
  ecm_status st = ECM_OK;
  if (!D || !G || !flag) {
    st = ecm__status_set(ECM_ENOMEM, "prep: cannot allocate the dark/gain references");
    goto done;
  }
  if (dark) ecm__prep_ref_mean(dark, D);
  if (gain) {
    ecm__prep_ref_mean(gain, G);
  } else {
    for (size_t i = 0; i < n; i++) G[i] = 1.0;
  }
  double gsum = 0;
  size_t gcount = 0, nflag = 0;
  for (size_t i = 0; i < n; i++) {
    if (isfinite(G[i]) && G[i] > 0) {
      gsum += G[i];
      gcount++;
    }
  }
  if (gcount == 0) {
    st = ecm__status_set(ECM_ENODATA, "prep: the gain reference has no positive finite pixel");
    goto done;
  }
  const double gmean = p.gain_normalize ? gsum / (double)gcount : 1.0;
  for (size_t i = 0; i < n; i++) {
    flag[i] = !(isfinite(G[i]) && G[i] > 0) || !isfinite(D[i]);
    nflag += flag[i];
    G[i] /= gmean;
  }
  if (good) {
    if ((st = ecm_mask_alloc(s->ny, s->nx, &m)) != ECM_OK) goto done;
    for (size_t i = 0; i < n; i++) m->inside[i] = !flag[i];
  }

  const int nth = ecm__run_threads(run);
  (void)nth; /* used by OpenMP only */
  const float fv = p.flag_value;
  if ((st = ecm__run_report(run, 0.0, "prep: dark/gain")) != ECM_OK) goto done;
  for (size_t t0 = 0; t0 < s->nt; t0 += ECM__PREP_CHUNK) {
    const size_t t1 = s->nt - t0 > ECM__PREP_CHUNK ? t0 + ECM__PREP_CHUNK : s->nt;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nth) schedule(static)
#endif
    for (size_t t = t0; t < t1; t++) {
      float *f = ecm_stack_frame(s, t);
      for (size_t i = 0; i < n; i++) f[i] = flag[i] ? fv : (float)(((double)f[i] - D[i]) / G[i]);
    }
    if ((st = ecm__run_report(run, (double)t1 / (double)s->nt, "prep: dark/gain")) != ECM_OK)
      goto done;
  }
  if (n_flagged) *n_flagged = nflag;
  if (good) {
    *good = m;
    m = NULL;
  }
done:
  ecm_mask_free(m);
  free(D);
  free(G);
  free(flag);
  return st;
}

/* ---- hot / dead pixels ---------------------------------------------------------------- */

static int ecm__prep_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median of v[0..n) (n >= 1), sorting v in place. */
static double ecm__prep_median(double *v, size_t n) {
  qsort(v, n, sizeof *v, ecm__prep_cmp);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

ecm_status ecm_prep_bad_pixels(const ecm_view *in, const ecm_prep_params *params,
                               const ecm_run *run, ecm_mask **good, ecm_prep_pixel_counts *counts) {
  if (!good) return ecm__status_set(ECM_EINVAL, "ecm_prep_bad_pixels: NULL output");
  *good = NULL;
  if (!in || !in->data) return ecm__status_set(ECM_EINVAL, "ecm_prep_bad_pixels: NULL input");
  const ecm_prep_params p = params ? *params : ecm_prep_default_params();
  ECM__TRY(ecm_prep_check_params(&p));
  if (in->nt < 2 || in->ny == 0 || in->nx == 0)
    return ecm__status_set(ECM_ENODATA,
                           "prep: a hot/dead-pixel mask needs at least 2 frames, got %zu", in->nt);
  const size_t ny = in->ny, nx = in->nx;
  size_t n, bytes;
  ECM__TRY(ecm_size_mul(ny, nx, &n));
  ECM__TRY(ecm_size_mul(n, 4 * sizeof(double) + 2 * sizeof(float) + 2, &bytes));
  ECM__TRY(ecm__run_reserve(run, bytes, "the hot/dead-pixel mask"));
  double *sum = calloc(n, sizeof(double)), *res = malloc(n * sizeof(double)),
         *tmp = malloc(n * sizeof(double));
  float *lo = malloc(n * sizeof(float)), *hi = malloc(n * sizeof(float));
  uint8_t *nonfin = calloc(n, 1), *dead = calloc(n, 1);
  uint8_t *hasres = calloc(n, 1);
  ecm_mask *m = NULL;
  ecm_status st = ECM_OK;
  if (!sum || !res || !tmp || !lo || !hi || !nonfin || !dead || !hasres) {
    st = ecm__status_set(ECM_ENOMEM, "prep: cannot allocate pixel statistics");
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    lo[i] = INFINITY;
    hi[i] = -INFINITY;
  }

  /* temporal statistics: frames in chunks (progress), rows in parallel; each pixel adds
   * its frames in order whatever the thread count */
  const int nth = ecm__run_threads(run);
  (void)nth; /* used by OpenMP only */
  if ((st = ecm__run_report(run, 0.0, "prep: pixel statistics")) != ECM_OK) goto done;
  for (size_t t0 = 0; t0 < in->nt; t0 += ECM__PREP_CHUNK) {
    const size_t t1 = in->nt - t0 > ECM__PREP_CHUNK ? t0 + ECM__PREP_CHUNK : in->nt;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nth) schedule(static)
#endif
    for (size_t y = 0; y < ny; y++)
      for (size_t t = t0; t < t1; t++)
        for (size_t x = 0; x < nx; x++) {
          const size_t i = y * nx + x;
          const float f = ecm_view_at(in, t, y, x);
          if (!isfinite(f)) {
            nonfin[i] = 1;
            continue;
          }
          sum[i] += f;
          if (f < lo[i]) lo[i] = f;
          if (f > hi[i]) hi[i] = f;
        }
    if ((st = ecm__run_report(run, 0.9 * (double)t1 / (double)in->nt, "prep: pixel statistics")) !=
        ECM_OK)
      goto done;
  }
  size_t ndead = 0, nnonfin = 0;
  for (size_t i = 0; i < n; i++) {
    dead[i] = nonfin[i] || !(hi[i] > lo[i]);
    ndead += dead[i];
    nnonfin += nonfin[i];
    sum[i] /= (double)in->nt; /* the temporal mean */
  }
  /* residual against the median of the non-dead 8-neighbours */
  size_t nres = 0;
  for (size_t y = 0; y < ny; y++)
    for (size_t x = 0; x < nx; x++) {
      const size_t i = y * nx + x;
      if (dead[i]) continue;
      double nb[8];
      size_t k = 0;
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
          if (!dy && !dx) continue;
          const long yy = (long)y + dy, xx = (long)x + dx;
          if (yy < 0 || xx < 0 || yy >= (long)ny || xx >= (long)nx) continue;
          const size_t j = (size_t)yy * nx + (size_t)xx;
          if (!dead[j]) nb[k++] = sum[j];
        }
      if (!k) continue;
      res[i] = sum[i] - ecm__prep_median(nb, k);
      hasres[i] = 1;
      tmp[nres++] = res[i];
    }
  double med = 0, sd = 0;
  if (nres) {
    med = ecm__prep_median(tmp, nres);
    size_t q = 0;
    for (size_t i = 0; i < n; i++)
      if (hasres[i]) tmp[q++] = fabs(res[i] - med);
    sd = ECM__PREP_MAD_TO_SD * ecm__prep_median(tmp, q);
  }
  size_t nhot = 0, ncold = 0, ngood = 0;
  if ((st = ecm_mask_alloc(ny, nx, &m)) != ECM_OK) goto done;
  const double thr = p.hot_sigma * sd;
  for (size_t i = 0; i < n; i++) {
    int bad = dead[i];
    if (!bad && hasres[i]) {
      const double d = res[i] - med;
      if (d > thr && d > 0) {
        bad = 1;
        nhot++;
      } else if (p.flag_cold && d < -thr && d < 0) {
        bad = 1;
        ncold++;
      }
    }
    m->inside[i] = (uint8_t)!bad;
    ngood += !bad;
  }
  if ((st = ecm__run_report(run, 1.0, "prep: pixel statistics")) != ECM_OK) goto done;
  if (counts) {
    counts->n_pixels = n;
    counts->n_good = ngood;
    counts->n_dead = ndead;
    counts->n_nonfinite = nnonfin;
    counts->n_hot = nhot;
    counts->n_cold = ncold;
    counts->robust_sd = sd;
  }
  *good = m;
  m = NULL;
done:
  ecm_mask_free(m);
  free(sum);
  free(res);
  free(tmp);
  free(lo);
  free(hi);
  free(nonfin);
  free(dead);
  free(hasres);
  return st;
}

/* ---- repair -------------------------------------------------------------------------- */

ecm_status ecm_prep_repair(ecm_stack *s, const ecm_mask *good, const ecm_run *run,
                           size_t *n_unrepaired) {
  ECM__TRY(ecm__prep_stack_ok(s, "repair"));
  if (!good) return ecm__status_set(ECM_EINVAL, "prep: repair needs a mask of good pixels");
  if (good->ny != s->ny || good->nx != s->nx)
    return ecm__status_set(ECM_ESIZE, "prep: mask is %zu x %zu px, the stack %zu x %zu", good->nx,
                           good->ny, s->nx, s->ny);
  const size_t ny = s->ny, nx = s->nx, n = ny * nx;
  /* the bad pixels and, for each, up to 8 good neighbours */
  size_t nbad = 0;
  for (size_t i = 0; i < n; i++) nbad += !good->inside[i];
  if (n_unrepaired) *n_unrepaired = 0;
  if (nbad == 0) return ecm__run_report(run, 1.0, "prep: repair");
  size_t bytes;
  ECM__TRY(ecm_size_mul(nbad, 9 * sizeof(size_t) + 1, &bytes));
  ECM__TRY(ecm__run_reserve(run, bytes, "pixel repair"));
  size_t *idx = malloc(nbad * sizeof(size_t)), *nbr = malloc(nbad * 8 * sizeof(size_t));
  uint8_t *cnt = malloc(nbad);
  if (!idx || !nbr || !cnt) {
    free(idx);
    free(nbr);
    free(cnt);
    return ecm__status_set(ECM_ENOMEM, "prep: cannot allocate the repair lists");
  }
  size_t b = 0, unrep = 0;
  for (size_t y = 0; y < ny; y++)
    for (size_t x = 0; x < nx; x++) {
      if (good->inside[y * nx + x]) continue;
      idx[b] = y * nx + x;
      uint8_t k = 0;
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
          const long yy = (long)y + dy, xx = (long)x + dx;
          if ((!dy && !dx) || yy < 0 || xx < 0 || yy >= (long)ny || xx >= (long)nx) continue;
          const size_t j = (size_t)yy * nx + (size_t)xx;
          if (good->inside[j]) nbr[b * 8 + k++] = j;
        }
      cnt[b] = k;
      unrep += k == 0;
      b++;
    }
  const int nth = ecm__run_threads(run);
  (void)nth; /* used by OpenMP only */
  ecm_status st = ecm__run_report(run, 0.0, "prep: repair");
  for (size_t t0 = 0; st == ECM_OK && t0 < s->nt; t0 += ECM__PREP_CHUNK) {
    const size_t t1 = s->nt - t0 > ECM__PREP_CHUNK ? t0 + ECM__PREP_CHUNK : s->nt;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nth) schedule(static)
#endif
    for (size_t t = t0; t < t1; t++) {
      float *f = ecm_stack_frame(s, t);
      for (size_t q = 0; q < nbad; q++) {
        double acc = 0;
        int k = 0;
        for (int a = 0; a < cnt[q]; a++) {
          const float v = f[nbr[q * 8 + a]];
          if (isfinite(v)) {
            acc += v;
            k++;
          }
        }
        if (k) f[idx[q]] = (float)(acc / k);
      }
    }
    st = ecm__run_report(run, (double)t1 / (double)s->nt, "prep: repair");
  }
  free(idx);
  free(nbr);
  free(cnt);
  if (st == ECM_OK && n_unrepaired) *n_unrepaired = unrep;
  return st;
}

/* ---- normalisation ------------------------------------------------------------------- */

ecm_status ecm_prep_normalize(ecm_stack *s, const ecm_mask *ref, const ecm_run *run, double *level,
                              double *mean_level, size_t *n_skipped) {
  ECM__TRY(ecm__prep_stack_ok(s, "normalise"));
  if (!ref) return ecm__status_set(ECM_EINVAL, "prep: normalisation needs a reference region");
  ECM__TRY(ecm_mask_check(ref, s->ny, s->nx));
  const size_t nt = s->nt, n = s->ny * s->nx;
  size_t bytes;
  ECM__TRY(ecm_size_mul(nt, sizeof(double), &bytes));
  ECM__TRY(ecm__run_reserve(run, bytes, "normalisation"));
  double *R = malloc(nt * sizeof(double));
  if (!R) return ecm__status_set(ECM_ENOMEM, "prep: cannot allocate %zu frame levels", nt);
  const int nth = ecm__run_threads(run);
  (void)nth; /* used by OpenMP only */
  const uint8_t *in = ref->inside;
  /* pass 1 (read-only): R(t) */
  ecm_status st = ecm__run_report(run, 0.0, "prep: normalise");
  for (size_t t0 = 0; st == ECM_OK && t0 < nt; t0 += ECM__PREP_CHUNK) {
    const size_t t1 = nt - t0 > ECM__PREP_CHUNK ? t0 + ECM__PREP_CHUNK : nt;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nth) schedule(static)
#endif
    for (size_t t = t0; t < t1; t++) {
      const float *f = ecm_stack_frame(s, t);
      double acc = 0;
      size_t k = 0;
      for (size_t i = 0; i < n; i++)
        if (in[i] && isfinite(f[i])) {
          acc += f[i];
          k++;
        }
      R[t] = k ? acc / (double)k : NAN;
    }
    st = ecm__run_report(run, 0.5 * (double)t1 / (double)nt, "prep: normalise");
  }
  double rsum = 0;
  size_t rn = 0;
  if (st == ECM_OK) {
    for (size_t t = 0; t < nt; t++) {
      if (!(isfinite(R[t]) && R[t] > 0)) {
        R[t] = NAN;
        continue;
      }
      rsum += R[t];
      rn++;
    }
    if (rn == 0)
      st = ecm__status_set(ECM_ENODATA,
                           "prep: the reference region has no positive finite mean in any frame");
  }
  const double rbar = rn ? rsum / (double)rn : NAN;
  /* pass 2 (in place): I'(t) = I(t) * mean_t(R) / R(t) */
  for (size_t t0 = 0; st == ECM_OK && t0 < nt; t0 += ECM__PREP_CHUNK) {
    const size_t t1 = nt - t0 > ECM__PREP_CHUNK ? t0 + ECM__PREP_CHUNK : nt;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nth) schedule(static)
#endif
    for (size_t t = t0; t < t1; t++) {
      if (isnan(R[t])) continue;
      const double g = rbar / R[t];
      float *f = ecm_stack_frame(s, t);
      for (size_t i = 0; i < n; i++) f[i] = (float)((double)f[i] * g);
    }
    st = ecm__run_report(run, 0.5 + 0.5 * (double)t1 / (double)nt, "prep: normalise");
  }
  if (st == ECM_OK) {
    if (level) memcpy(level, R, nt * sizeof(double));
    if (mean_level) *mean_level = rbar;
    if (n_skipped) *n_skipped = nt - rn;
  }
  free(R);
  return st;
}
