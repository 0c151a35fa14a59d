/* Spearman rank correlation, with p-values that allow for spatially correlated pixels:
 * the naive t approximation, an effective number of independent pairs (Clifford, Richardson
 * & Hemon 1989; Dutilleul 1993) and a block permutation test (docs/stats.md). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "stats/stats_internal.h"
#include "status/status_internal.h"

typedef struct vi {
  double v;
  size_t i;
} vi;

static int cmp_vi(const void *pa, const void *pb) {
  const vi *a = pa, *b = pb;
  if (a->v != b->v) return (a->v > b->v) - (a->v < b->v);
  return (a->i > b->i) - (a->i < b->i);
}

/* Mid-ranks of x[n] (no NaN) into r[n], with scratch w[n]. */
static void midranks(const double *x, size_t n, double *r, vi *w) {
  for (size_t i = 0; i < n; i++) w[i].v = x[i], w[i].i = i;
  qsort(w, n, sizeof *w, cmp_vi);
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && w[j].v == w[i].v) j++;
    double mid = 0.5 * (double)(i + 1 + j); /* mean of the 1-based ranks i+1 .. j */
    for (size_t k = i; k < j; k++) r[w[k].i] = mid;
    i = j;
  }
}

ecm_status ecm_stats_ranks(const double *x, size_t n, double *ranks) {
  if (!x || !ranks) return ecm__status_set(ECM_EINVAL, "ranks: NULL argument");
  for (size_t i = 0; i < n; i++)
    if (isnan(x[i])) return ecm__status_set(ECM_EINVAL, "ranks: value %zu is NaN", i);
  if (n == 0) return ECM_OK;
  vi *w = malloc(n * sizeof *w);
  if (!w) return ecm__status_set(ECM_ENOMEM, "ranks: cannot allocate %zu values", n);
  midranks(x, n, ranks, w);
  free(w);
  return ECM_OK;
}

/* Pearson correlation of a[n], b[n]; NaN when either is constant. */
static double pearson(const double *a, const double *b, size_t n) {
  double ma = 0, mb = 0;
  for (size_t i = 0; i < n; i++) ma += a[i], mb += b[i];
  ma /= (double)n, mb /= (double)n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; i++) {
    double da = a[i] - ma, db = b[i] - mb;
    sab += da * db, saa += da * da, sbb += db * db;
  }
  if (!(saa > 0) || !(sbb > 0)) return NAN;
  double r = sab / sqrt(saa * sbb);
  return r > 1 ? 1 : (r < -1 ? -1 : r);
}

/* Spearman rho of n complete pairs: ranks into ra, rb (scratch w). */
static ecm_status rho_pairs(const double *x, const double *y, size_t n, double *ra, double *rb,
                            vi *w, double *rho) {
  midranks(x, n, ra, w);
  midranks(y, n, rb, w);
  *rho = pearson(ra, rb, n);
  if (isnan(*rho))
    return ecm__status_set(ECM_ENUMERIC, "Spearman correlation: one variable is constant");
  return ECM_OK;
}

ecm_status ecm_stats_spearman_rho(const double *x, const double *y, size_t n, double *rho,
                                  size_t *n_used) {
  if (!x || !y || !rho) return ecm__status_set(ECM_EINVAL, "Spearman: NULL argument");
  *rho = NAN;
  if (n_used) *n_used = 0;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) m += isfinite(x[i]) && isfinite(y[i]);
  if (m < 3) return ecm__status_set(ECM_ENODATA, "Spearman correlation needs 3 pairs, got %zu", m);
  double *buf = malloc(4 * m * sizeof *buf);
  vi *w = malloc(m * sizeof *w);
  if (!buf || !w) {
    free(buf), free(w);
    return ecm__status_set(ECM_ENOMEM, "Spearman: cannot allocate %zu pairs", m);
  }
  double *px = buf, *py = buf + m, *ra = buf + 2 * m, *rb = buf + 3 * m;
  for (size_t i = 0, k = 0; i < n; i++)
    if (isfinite(x[i]) && isfinite(y[i])) px[k] = x[i], py[k] = y[i], k++;
  ecm_status st = rho_pairs(px, py, m, ra, rb, w, rho);
  free(buf), free(w);
  if (st == ECM_OK && n_used) *n_used = m;
  return st;
}

ecm_spearman_params ecm_stats_spearman_default_params(void) {
  ecm_spearman_params p;
  memset(&p, 0, sizeof p);
  p.block = 3;
  p.permutations = 999;
  p.seed = 1;
  p.max_lag = 0;
  return p;
}

/* Two-sided p-value of rho with dof degrees of freedom (t approximation). */
static double p_from_rho(double rho, double dof) {
  if (!(dof > 0)) return NAN;
  if (fabs(rho) >= 1) return 0;
  double t = fabs(rho) * sqrt(dof / (1 - rho * rho));
  return 2 * gsl_cdf_tdist_Q(t, dof);
}

/* n_eff = n^2 / sum over lags |dy|,|dx| <= L of N_lag r_A(lag) r_B(lag), with r the
 * autocorrelation of the standardised rank maps za, zb (0 outside the set, inside[] flags)
 * and N_lag the number of pixel pairs at that lag. Clamped to [2, n]. */
static double effective_n(const double *za, const double *zb, const unsigned char *inside,
                          size_t ny, size_t nx, size_t n, size_t L) {
  double denom = 0;
  long Ly = (long)(L < ny ? L : ny - 1), Lx = (long)(L < nx ? L : nx - 1);
  for (long dy = -Ly; dy <= Ly; dy++)
    for (long dx = -Lx; dx <= Lx; dx++) {
      double saa = 0, sbb = 0;
      size_t cnt = 0;
      size_t y0 = dy < 0 ? (size_t)(-dy) : 0, y1 = dy > 0 ? ny - (size_t)dy : ny;
      size_t x0 = dx < 0 ? (size_t)(-dx) : 0, x1 = dx > 0 ? nx - (size_t)dx : nx;
      for (size_t y = y0; y < y1; y++) {
        size_t row = y * nx, row2 = (size_t)((long)y + dy) * nx;
        for (size_t x = x0; x < x1; x++) {
          size_t i = row + x, j = row2 + (size_t)((long)x + dx);
          if (!inside[i] || !inside[j]) continue;
          saa += za[i] * za[j];
          sbb += zb[i] * zb[j];
          cnt++;
        }
      }
      if (cnt) denom += (saa / (double)cnt) * (sbb / (double)cnt) * (double)cnt;
    }
  double ne = denom > 0 ? (double)n * (double)n / denom : (double)n;
  if (ne > (double)n) ne = (double)n;
  if (ne < 2) ne = 2;
  return ne;
}

ecm_status ecm_stats_spearman_maps(const float *a, const float *b, const unsigned char *mask,
                                   size_t ny, size_t nx, const ecm_spearman_params *p,
                                   ecm_spearman_result *out) {
  if (!a || !b || !out) return ecm__status_set(ECM_EINVAL, "Spearman maps: NULL argument");
  ecm_spearman_params dp = ecm_stats_spearman_default_params();
  if (!p) p = &dp;
  memset(out, 0, sizeof *out);
  if (p->block < 1) return ecm__status_set(ECM_EINVAL, "Spearman maps: block must be >= 1 px");
  if (ny == 0 || nx == 0 || nx > SIZE_MAX / ny / (4 * sizeof(double) + sizeof(vi) + 1))
    return ecm__status_set(ECM_EOVERFLOW, "Spearman maps: size %zu x %zu is invalid", ny, nx);
  size_t np = ny * nx;
  unsigned char *inside = malloc(np);
  double *buf = malloc(4 * np * sizeof *buf);
  vi *w = malloc(np * sizeof *w);
  size_t *tiles = NULL;
  ecm_status st = ECM_OK;
  if (!inside || !buf || !w) {
    st = ecm__status_set(ECM_ENOMEM, "Spearman maps: cannot allocate %zu pixels", np);
    goto done;
  }
  double *va = buf, *vb = buf + np, *ra = buf + 2 * np, *rb = buf + 3 * np;
  size_t n = 0;
  for (size_t i = 0; i < np; i++) {
    inside[i] = (!mask || mask[i]) && isfinite(a[i]) && isfinite(b[i]);
    if (inside[i]) va[n] = a[i], vb[n] = b[i], n++;
  }
  if (n < 3) {
    st = ecm__status_set(ECM_ENODATA, "Spearman maps: %zu usable pixels (need 3)", n);
    goto done;
  }
  st = rho_pairs(va, vb, n, ra, rb, w, &out->rho);
  if (st != ECM_OK) goto done;
  out->n = n;
  out->p_naive = p_from_rho(out->rho, (double)n - 2);
  /* Effective N from the standardised rank maps (za, zb laid out on the image grid). */
  {
    double m = 0.5 * (double)(n + 1), sa = 0, sb = 0;
    for (size_t k = 0; k < n; k++) sa += (ra[k] - m) * (ra[k] - m), sb += (rb[k] - m) * (rb[k] - m);
    sa = sqrt(sa / (double)n), sb = sqrt(sb / (double)n);
    /* The values are no longer needed: va, vb become the standardised rank maps on the
     * image grid (ra, rb hold the ranks packed in pixel order). */
    double *za = va, *zb = vb;
    for (size_t i = 0, k = 0; i < np; i++) {
      za[i] = inside[i] ? (ra[k] - m) / sa : 0;
      zb[i] = inside[i] ? (rb[k] - m) / sb : 0;
      k += inside[i];
    }
    size_t L = p->max_lag ? p->max_lag : 2 * p->block;
    out->n_eff = effective_n(za, zb, inside, ny, nx, n, L);
    out->p_eff = p_from_rho(out->rho, out->n_eff - 2);
  }
  /* Block permutation over the complete blocks (all block^2 pixels usable). */
  out->p_perm = NAN;
  out->rho_blocks = NAN;
  size_t B = p->block, nty = ny / B, ntx = nx / B, K = 0;
  tiles = malloc(2 * (nty * ntx > 0 ? nty * ntx : 1) * sizeof *tiles);
  if (!tiles) {
    st = ecm__status_set(ECM_ENOMEM, "Spearman maps: cannot allocate %zu blocks", nty * ntx);
    goto done;
  }
  for (size_t ty = 0; ty < nty; ty++)
    for (size_t tx = 0; tx < ntx; tx++) {
      int full = 1;
      for (size_t y = ty * B; y < (ty + 1) * B && full; y++)
        for (size_t x = tx * B; x < (tx + 1) * B; x++)
          if (!inside[y * nx + x]) {
            full = 0;
            break;
          }
      if (full) tiles[K++] = ty * B * nx + tx * B; /* top-left pixel */
    }
  out->blocks = K;
  out->n_perm_pixels = K * B * B;
  if (K < 2 || p->permutations == 0) goto done;
  {
    size_t m = K * B * B;
    /* Values of the block pixels, tile-major: element k*B*B + j is pixel j of tile k. */
    for (size_t k = 0; k < K; k++)
      for (size_t j = 0; j < B * B; j++) {
        size_t i = tiles[k] + (j / B) * nx + j % B;
        va[k * B * B + j] = a[i];
        vb[k * B * B + j] = b[i];
      }
    st = rho_pairs(va, vb, m, ra, rb, w, &out->rho_blocks);
    if (st != ECM_OK) {
      /* a constant sub-map: the test is undefined, the correlation itself stands */
      st = ECM_OK;
      out->rho_blocks = NAN;
      goto done;
    }
    double mean = 0.5 * (double)(m + 1), saa = 0, sbb = 0;
    for (size_t k = 0; k < m; k++) {
      ra[k] -= mean, rb[k] -= mean;
      saa += ra[k] * ra[k], sbb += rb[k] * rb[k];
    }
    double norm = 1.0 / sqrt(saa * sbb), thr = fabs(out->rho_blocks) - 1e-12;
    size_t *perm = tiles + K; /* tiles holds room for 2 nty ntx entries */
    for (size_t k = 0; k < K; k++) perm[k] = k;
    ecm__stats_rng rng = {(uint64_t)p->seed};
    size_t hits = 0, BB = B * B;
    for (size_t r = 0; r < p->permutations; r++) {
      for (size_t k = K - 1; k > 0; k--) { /* Fisher-Yates */
        size_t j = ecm__stats_rng_below(&rng, k + 1), t = perm[k];
        perm[k] = perm[j], perm[j] = t;
      }
      double s = 0;
      for (size_t k = 0; k < K; k++) {
        const double *pa = ra + k * BB, *pb = rb + perm[k] * BB;
        for (size_t j = 0; j < BB; j++) s += pa[j] * pb[j];
      }
      hits += fabs(s * norm) >= thr;
    }
    out->permutations = p->permutations;
    out->p_perm = (double)(1 + hits) / (double)(1 + p->permutations);
  }
done:
  free(inside), free(buf), free(w), free(tiles);
  return st;
}
