/* Two-time correlation G(t1, t2) as one single-precision SYRK (docs/ttcf.md §2).
 *
 * Every pixel set s (the whole ROI, or one block) contributes the columns
 *   Y(i, k) = (X(i, k) - m_s(i)) / (m_s(i) sqrt(K_s)),   m_s(i) = <X(i, k)>_{k in s},
 * so that (Y Y^T)(i, j) summed over the columns of s is exactly G_s(i, j) - 1; the mean over
 * sets is then one SYRK over all columns scaled by 1 / (number of sets). Centring per frame
 * before the product keeps float rounding relative to G - 1 rather than to G. */
#include <cblas.h>
#include <f77blas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "stack/run_internal.h"
#include "status/status_internal.h"
#include "ttcf/ttcf_internal.h"

const char *ecm_ttcf_verdict_name(ecm_ttcf_verdict v) {
  switch (v) {
    case ECM_TTCF_STATIONARY:
      return "stationary";
    case ECM_TTCF_AGING:
      return "aging";
    case ECM_TTCF_ACCELERATING:
      return "accelerating";
    case ECM_TTCF_UNDETERMINED:
      return "undetermined";
  }
  return "unknown";
}

ecm_ttcf_params ecm_ttcf_default_params(void) {
  ecm_ttcf_params p;
  memset(&p, 0, sizeof p);
  p.bin_time = 1;
  p.block_px = 0;
  p.normalize_pixels = 0;
  p.include_diagonal = 0;
  p.points_per_decade = 10;
  p.max_lag = 0;
  p.band_ref = ECM_TTCF_REF_FIT;
  p.band_level = exp(-2.0);
  p.band_window = 0;
  p.change_factor = 1.25;
  p.kww = ecm_kww_default_params();
  return p;
}

ecm_status ecm_ttcf_check_params(const ecm_ttcf_params *p) {
  if (!p) return ecm__status_set(ECM_EINVAL, "ttcf: NULL parameters");
  if (p->bin_time < 1 || p->bin_time > ECM_MAX_DIM)
    return ecm__status_set(ECM_EINVAL, "ttcf: bin_time must be in [1, %zu], got %zu",
                           (size_t)ECM_MAX_DIM, p->bin_time);
  if (p->block_px == 1)
    return ecm__status_set(ECM_EINVAL,
                           "ttcf: block_px 1 is a single pixel, whose G is identically 1; "
                           "use 0 (one set) or >= 2");
  if (p->block_px > ECM_MAX_DIM)
    return ecm__status_set(ECM_EINVAL, "ttcf: block_px %zu is absurd", p->block_px);
  if (!(p->points_per_decade >= 1 && p->points_per_decade <= 1000))
    return ecm__status_set(ECM_EINVAL, "ttcf: points_per_decade must be in [1, 1000], got %g",
                           p->points_per_decade);
  if ((unsigned)p->band_ref > ECM_TTCF_REF_DIAGONAL)
    return ecm__status_set(ECM_EINVAL, "ttcf: band_ref %d is not a reference", (int)p->band_ref);
  if (!(p->band_level > 0 && p->band_level < 1))
    return ecm__status_set(ECM_EINVAL, "ttcf: band_level must be in (0, 1), got %g", p->band_level);
  if (!(p->change_factor > 1 && isfinite(p->change_factor)))
    return ecm__status_set(ECM_EINVAL, "ttcf: change_factor must be finite and > 1, got %g",
                           p->change_factor);
  return ecm_kww_check_params(&p->kww);
}

void ecm__ttcf_ssyrk(const float *A, size_t n, size_t k, float alpha, float *C, int threads) {
  int old = openblas_get_num_threads();
  if (threads > 0) openblas_set_num_threads(threads);
  /* The Fortran entry point, not cblas_ssyrk: GSL's reference libgslcblas also defines
   * cblas_* and, linked earlier, would be bound instead (30x slower); ssyrk_ exists only in
   * OpenBLAS. Column-major view: A^T is k x n with leading dimension k, C = (A^T)^T A^T, and
   * the column-major lower triangle is the row-major upper one. */
  char uplo = 'L', trans = 'T';
  blasint bn = (blasint)n, bk = (blasint)k;
  float beta = 0.0f;
  BLASFUNC(ssyrk)(&uplo, &trans, &bn, &bk, &alpha, (float *)A, &bk, &beta, C, &bn);
  if (threads > 0) openblas_set_num_threads(old);
}

const char *ecm__ttcf_blas_config(void) {
  return openblas_get_config();
}

ecm_status ecm_ttcf_size(const ecm_view *stack, const ecm_ttcf_params *p, size_t *n,
                         size_t *bytes) {
  if (!stack) return ecm__status_set(ECM_EINVAL, "ttcf: NULL stack");
  ECM__TRY(ecm_ttcf_check_params(p));
  size_t nb = stack->nt / p->bin_time, k, nn, nk, total;
  ECM__TRY(ecm_size_mul(stack->ny, stack->nx, &k));
  ECM__TRY(ecm_size_mul3(nb, nb, sizeof(float), &nn));
  ECM__TRY(ecm_size_mul3(nb, k, sizeof(float) + 1, &nk));
  if (nn > SIZE_MAX - nk) return ecm__status_set(ECM_EOVERFLOW, "ttcf: size overflows");
  total = nn + nk;
  if (n) *n = nb;
  if (bytes) *bytes = total;
  return ECM_OK;
}

/* Transpose-copy the upper triangle into the lower one and turn Y Y^T into G:
 * G = 1 + C / count (count NULL: C already scaled). Tiled for the cache. */
static void finish_matrix(float *G, const float *count, size_t n, int threads) {
  const size_t T = 64;
  size_t ntile = (n + T - 1) / T;
  long nt = (long)ntile;
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
#endif
  for (long bi = 0; bi < nt; bi++) {
    size_t i0 = (size_t)bi * T, i1 = i0 + T < n ? i0 + T : n;
    for (size_t j0 = i0; j0 < n; j0 += T) {
      size_t j1 = j0 + T < n ? j0 + T : n;
      for (size_t i = i0; i < i1; i++) {
        size_t js = j0 > i ? j0 : i;
        float *row = G + i * n;
        for (size_t j = js; j < j1; j++) {
          float v = row[j];
          if (count) {
            float c = count[i * n + j];
            v = c > 0 ? v / c : NAN;
          }
          v += 1.0f;
          row[j] = v;
          G[j * n + i] = v;
        }
      }
    }
  }
  (void)threads;
}

ecm_status ecm_ttcf_compute(const ecm_view *stack, const ecm_mask *mask, const ecm_ttcf_params *p,
                            const ecm_run *run, float *G, size_t n_cap, ecm_ttcf_info *info) {
  if (!stack || !stack->data || !G) return ecm__status_set(ECM_EINVAL, "ttcf: NULL argument");
  ECM__TRY(ecm_ttcf_check_params(p));
  ECM__TRY(ecm_mask_check(mask, stack->ny, stack->nx));
  size_t b = p->bin_time, n = stack->nt / b, ny = stack->ny, nx = stack->nx, npix;
  if (n < 3)
    return ecm__status_set(ECM_EINVAL,
                           "ttcf: needs at least 3 frames%s, got %zu (%zu frames / bin %zu)",
                           b > 1 ? " after time binning" : "", n, stack->nt, b);
  size_t nn;
  ECM__TRY(ecm_size_mul(ny, nx, &npix));
  ECM__TRY(ecm_size_mul(n, n, &nn));
  if (n_cap < nn)
    return ecm__status_set(ECM_EINVAL, "ttcf: output holds %zu values, needs %zu x %zu", n_cap, n,
                           n);
  int threads = ecm__run_threads(run);
  ecm_status st = ECM_OK;
  ecm_ttcf_info inf;
  memset(&inf, 0, sizeof inf);
  inf.n = n;
  {
    double dt = ecm_calib_dt_seconds(&stack->calib);
    inf.dt_s = dt > 0 ? dt * (double)b : 0;
  }

  /* 1. The pixel set(s): candidate pixels, optional per-pixel time means. */
  size_t bp = p->block_px, nbx = bp ? (nx + bp - 1) / bp : 1, nby = bp ? (ny + bp - 1) / bp : 1;
  size_t nblk = nbx * nby;
  size_t *set_of = malloc(npix * sizeof *set_of); /* set index per pixel, SIZE_MAX = out */
  size_t *set_count = calloc(nblk, sizeof *set_count);
  double *pmean = p->normalize_pixels ? calloc(npix, sizeof *pmean) : NULL;
  ptrdiff_t *off = NULL;
  size_t *col_set = NULL, *set_start = NULL, *set_map = NULL;
  float *Y = NULL, *V = NULL, *count = NULL;
  if (!set_of || !set_count || (p->normalize_pixels && !pmean)) {
    st = ecm__status_set(ECM_ENOMEM, "ttcf: out of memory for %zu pixels", npix);
    goto done;
  }
  for (size_t y = 0; y < ny; y++)
    for (size_t x = 0; x < nx; x++) {
      size_t q = y * nx + x;
      set_of[q] = (mask && !mask->inside[q]) ? SIZE_MAX : bp ? (y / bp) * nbx + x / bp : 0;
    }
  if (p->normalize_pixels) {
    for (size_t t = 0; t < n * b; t++) {
      for (size_t y = 0; y < ny; y++)
        for (size_t x = 0; x < nx; x++) pmean[y * nx + x] += ecm_view_at(stack, t, y, x);
      if (t % 256 == 0 && (st = ecm__run_report(run, 0.05 * t / (double)(n * b), "ttcf-pack")))
        goto done;
    }
    for (size_t q = 0; q < npix; q++) {
      if (set_of[q] == SIZE_MAX) continue;
      if (!isfinite(pmean[q])) {
        st = ecm__status_set(ECM_EINVAL, "ttcf: pixel (%zu, %zu) holds a non-finite value", q % nx,
                             q / nx);
        goto done;
      }
      if (!(pmean[q] > 0)) {
        set_of[q] = SIZE_MAX;
        inf.pixels_dropped++;
      }
    }
  }
  for (size_t q = 0; q < npix; q++)
    if (set_of[q] != SIZE_MAX) set_count[set_of[q]]++;
  /* Keep sets of >= 2 pixels; number them compactly. */
  set_map = malloc(nblk * sizeof *set_map);
  if (!set_map) {
    st = ecm__status_set(ECM_ENOMEM, "ttcf: out of memory");
    goto done;
  }
  size_t nsets = 0, k = 0;
  for (size_t s = 0; s < nblk; s++) {
    if (set_count[s] >= 2) {
      set_map[s] = nsets++;
      k += set_count[s];
    } else {
      set_map[s] = SIZE_MAX;
      if (bp && set_count[s] == 1) inf.sets_skipped++;
    }
  }
  if (nsets == 0) {
    if (!bp)
      st = ecm__status_set(ECM_ENODATA,
                           "ttcf: the pixel set has %zu pixel%s: a single pixel's G is "
                           "identically 1 (G = <I1 I2>_k / (<I1>_k <I2>_k)); give at least 2",
                           set_count[0], set_count[0] == 1 ? "" : "s");
    else
      st = ecm__status_set(ECM_ENODATA,
                           "ttcf: no %zu x %zu block has 2 or more pixels inside the mask "
                           "(a single pixel's G is identically 1)",
                           bp, bp);
    goto done;
  }
  inf.sets = nsets;
  inf.pixels = k;
  {
    size_t need = 0, ynk = 0;
    if ((st = ecm_size_mul3(n, k, sizeof(float), &ynk)) ||
        (st = ecm_size_mul(nn, sizeof(float), &need)))
      goto done;
    if (need > SIZE_MAX - ynk) {
      st = ecm__status_set(ECM_EOVERFLOW, "ttcf: size overflows");
      goto done;
    }
    need += ynk + n * nsets;
    if ((st = ecm__run_reserve(run, need, "two-time correlation"))) goto done;
  }
  /* Columns ordered by set. */
  off = malloc(k * sizeof *off);
  col_set = malloc(k * sizeof *col_set);
  set_start = calloc(nsets + 1, sizeof *set_start);
  Y = malloc(n * k * sizeof *Y);
  if (!off || !col_set || !set_start || !Y) {
    st = ecm__status_set(ECM_ENOMEM, "ttcf: out of memory for a %zu x %zu matrix", n, k);
    goto done;
  }
  for (size_t s = 0; s < nblk; s++)
    if (set_map[s] != SIZE_MAX) set_start[set_map[s] + 1] = set_count[s];
  for (size_t s = 0; s < nsets; s++) set_start[s + 1] += set_start[s];
  {
    size_t *fill = calloc(nsets, sizeof *fill);
    if (!fill) {
      st = ecm__status_set(ECM_ENOMEM, "ttcf: out of memory");
      goto done;
    }
    for (size_t q = 0; q < npix; q++) {
      if (set_of[q] == SIZE_MAX || set_map[set_of[q]] == SIZE_MAX) continue;
      size_t s = set_map[set_of[q]], c = set_start[s] + fill[s]++;
      off[c] = (ptrdiff_t)(q / nx) * stack->sy + (ptrdiff_t)(q % nx) * stack->sx;
      col_set[c] = q; /* pixel index for now, for the normalisation and messages */
    }
    free(fill);
  }
  if ((st = ecm__run_report(run, 0.05, "ttcf-pack"))) goto done;

  /* 2. Pack: binned sums (double), optional per-pixel normalisation, centring per set. */
  {
    double *inv = NULL;
    if (p->normalize_pixels) {
      inv = malloc(k * sizeof *inv);
      if (!inv) {
        st = ecm__status_set(ECM_ENOMEM, "ttcf: out of memory");
        goto done;
      }
      for (size_t c = 0; c < k; c++) inv[c] = (double)(n * b) / pmean[col_set[c]];
    }
    long nl = (long)n;
    size_t bad_row = SIZE_MAX, bad_col = 0, empty = 0;
    unsigned char *invalid = calloc(n * nsets, 1);
    if (!invalid) {
      free(inv);
      st = ecm__status_set(ECM_ENOMEM, "ttcf: out of memory");
      goto done;
    }
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(static) reduction(+ : empty)
#endif
    for (long il = 0; il < nl; il++) {
      size_t i = (size_t)il;
      float *row = Y + i * k;
      const float *base = stack->data + (ptrdiff_t)(i * b) * stack->st;
      for (size_t s = 0; s < nsets; s++) {
        size_t c0 = set_start[s], c1 = set_start[s + 1];
        double sum = 0;
        for (size_t c = c0; c < c1; c++) {
          double v = 0;
          const float *px = base + off[c];
          for (size_t f = 0; f < b; f++) v += px[(ptrdiff_t)f * stack->st];
          if (inv) v *= inv[c];
          if (!isfinite(v)) {
#ifdef _OPENMP
#pragma omp critical(ecm_ttcf_bad)
#endif
            {
              if (bad_row == SIZE_MAX || i < bad_row) {
                bad_row = i;
                bad_col = col_set[c];
              }
            }
            v = 0;
          }
          row[c] = (float)v;
          sum += v;
        }
        double m = sum / (double)(c1 - c0);
        if (m > 0) {
          double scale = 1.0 / (m * sqrt((double)(c1 - c0)));
          for (size_t c = c0; c < c1; c++) row[c] = (float)(((double)row[c] - m) * scale);
        } else {
          for (size_t c = c0; c < c1; c++) row[c] = 0.0f;
          invalid[i * nsets + s] = 1;
          empty++;
        }
      }
    }
    free(inv);
    if (bad_row != SIZE_MAX) {
      free(invalid);
      st = ecm__status_set(ECM_EINVAL,
                           "ttcf: frame %zu, pixel (%zu, %zu) is not finite (NaN or infinity)",
                           bad_row * b + 1, bad_col % nx, bad_col / nx);
      goto done;
    }
    inf.empty_cells = empty;
    if (empty) {
      /* Pair counts of valid sets by a second, small SYRK on the validity matrix. */
      size_t need;
      if ((st = ecm_size_mul(nn, sizeof(float), &need)) == ECM_OK)
        st = ecm__run_reserve(run, need * 2 + n * k * sizeof(float), "two-time correlation");
      if (st == ECM_OK) {
        V = malloc(n * nsets * sizeof *V);
        count = malloc(nn * sizeof *count);
        if (!V || !count) st = ecm__status_set(ECM_ENOMEM, "ttcf: out of memory");
      }
      if (st == ECM_OK) {
        for (size_t q = 0; q < n * nsets; q++) V[q] = invalid[q] ? 0.0f : 1.0f;
        ecm__ttcf_ssyrk(V, n, nsets, 1.0f, count, threads);
      }
    }
    free(invalid);
    if (st) goto done;
  }
  if ((st = ecm__run_report(run, 0.15, "ttcf-syrk"))) goto done;

  /* 3. One SYRK: upper triangle of Y Y^T / nsets (or / pair count). */
  ecm__ttcf_ssyrk(Y, n, k, count ? 1.0f : (float)(1.0 / (double)nsets), G, threads);
  if ((st = ecm__run_report(run, 0.9, "ttcf-finish"))) goto done;

  /* 4. Mirror and add 1. */
  finish_matrix(G, count, n, threads);
  st = ecm__run_report(run, 1.0, "ttcf-finish");

done:
  free(set_of);
  free(set_count);
  free(set_map);
  free(pmean);
  free(off);
  free(col_set);
  free(set_start);
  free(Y);
  free(V);
  free(count);
  if (st == ECM_OK && info) *info = inf;
  return st;
}
