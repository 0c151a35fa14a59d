/* Truth-map fields, the domain tessellation and the expected dynamic correlation length. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "ecm/stack.h"
#include "sim/sim_internal.h"
#include "status/status_internal.h"

/* Work (site comparisons) above which P_same subsamples its reference sites. */
#define ECM__SIM_PSAME_MAX_WORK 4e8

static double ecm__sim_site_normal(uint64_t seed, uint64_t stream, int64_t y, int64_t x) {
  ecm__sim_rng r;
  ecm__sim_rng_seed(&r, seed, stream, (uint64_t)y, (uint64_t)x);
  return ecm__sim_normal(&r);
}

ecm_status ecm__sim_grf(uint64_t seed, uint64_t stream, double corr_px, int64_t y0, int64_t x0,
                        size_t ny, size_t nx, int threads, double *out) {
  if (!(corr_px > 0)) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t i = 0; i < ny; i++)
      for (size_t j = 0; j < nx; j++)
        out[i * nx + j] = ecm__sim_site_normal(seed, stream, y0 + (int64_t)i, x0 + (int64_t)j);
    return ECM_OK;
  }
  /* White noise filtered by h(a) h(b), h Gaussian of sd s = corr / sqrt(2): the field's
   * correlation is then Gaussian of sd sqrt(2) s = corr. */
  double s = corr_px / sqrt(2.0);
  size_t rad = (size_t)ceil(ECM__SIM_KERNEL_NSIGMA * s);
  size_t nk = 2 * rad + 1, py = ny + 2 * rad, px = nx + 2 * rad;
  size_t nw, nt;
  ECM__TRY(ecm_size_mul(py, px, &nw));
  ECM__TRY(ecm_size_mul(py, nx, &nt));
  double *h = malloc(nk * sizeof *h);
  double *w = malloc(nw * sizeof *w);
  double *tmp = malloc(nt * sizeof *tmp);
  if (!h || !w || !tmp) {
    free(h);
    free(w);
    free(tmp);
    return ecm__status_set(ECM_ENOMEM, "cannot allocate a %zu x %zu random field", py, px);
  }
  double ss = 0;
  for (size_t a = 0; a < nk; a++) {
    double d = (double)a - (double)rad;
    h[a] = exp(-d * d / (2 * s * s));
    ss += h[a] * h[a];
  }
  /* sum of the 2D kernel squared = (sum h^2)^2 = 1: unit variance */
  for (size_t a = 0; a < nk; a++) h[a] /= sqrt(ss);
  int64_t wy0 = y0 - (int64_t)rad, wx0 = x0 - (int64_t)rad;
#pragma omp parallel num_threads(threads)
  {
#pragma omp for schedule(static)
    for (size_t i = 0; i < py; i++)
      for (size_t j = 0; j < px; j++)
        w[i * px + j] = ecm__sim_site_normal(seed, stream, wy0 + (int64_t)i, wx0 + (int64_t)j);
#pragma omp for schedule(static)
    for (size_t i = 0; i < py; i++)
      for (size_t j = 0; j < nx; j++) {
        double acc = 0;
        const double *row = w + i * px + j;
        for (size_t a = 0; a < nk; a++) acc += h[a] * row[a];
        tmp[i * nx + j] = acc;
      }
#pragma omp for schedule(static)
    for (size_t i = 0; i < ny; i++)
      for (size_t j = 0; j < nx; j++) {
        double acc = 0;
        for (size_t a = 0; a < nk; a++) acc += h[a] * tmp[(i + a) * nx + j];
        out[i * nx + j] = acc;
      }
  }
  free(h);
  free(w);
  free(tmp);
  return ECM_OK;
}

/* ---- domains ------------------------------------------------------------------------------ */

uint64_t ecm__sim_domain_label(uint64_t seed, double d_px, double y, double x) {
  /* Grid cells of side g = d hold Poisson(g^2 / (pi d^2 / 4)) = Poisson(4/pi) points. */
  const double g = d_px, mean = 4.0 / 3.14159265358979323846;
  int64_t ci = (int64_t)floor(y / g), cj = (int64_t)floor(x / g);
  double best = INFINITY;
  uint64_t id = 0;
  for (int64_t ring = 0;; ring++) {
    for (int64_t di = -ring; di <= ring; di++)
      for (int64_t dj = -ring; dj <= ring; dj++) {
        if (llabs(di) != ring && llabs(dj) != ring) continue; /* inner rings done */
        int64_t gi = ci + di, gj = cj + dj;
        ecm__sim_rng r;
        ecm__sim_rng_seed(&r, seed, ECM__SIM_STREAM_DOMAIN_SEEDS, (uint64_t)gi, (uint64_t)gj);
        double np = ecm__sim_poisson(&r, mean);
        for (uint64_t k = 0; k < (uint64_t)np; k++) {
          double py = ((double)gi + ecm__sim_uniform(&r)) * g;
          double px = ((double)gj + ecm__sim_uniform(&r)) * g;
          double dd = (py - y) * (py - y) + (px - x) * (px - x);
          if (dd < best) {
            best = dd;
            id = ecm__sim_key(seed, ECM__SIM_STREAM_DOMAIN_SEEDS, (uint64_t)gi, (uint64_t)gj) ^
                 ecm__sim_mix64(k + 1);
          }
        }
      }
    /* Every point of ring + 1 lies at least ring * g away from any site of the home cell. */
    double reach = (double)ring * g;
    if (best <= reach * reach) return id;
  }
}

ecm_status ecm__sim_psame(const uint64_t *label, const uint8_t *use, size_t ny, size_t nx,
                          size_t kmax, int threads, double *out, double *npairs) {
  if (kmax == 0) return ECM_OK;
  int64_t K = (int64_t)kmax;
  /* offsets of the upper half plane with k = round(|d|) in [1, kmax] */
  size_t noff = 0, cap = (size_t)(2 * K + 1) * (size_t)(K + 1);
  int32_t *off = malloc(2 * cap * sizeof *off);
  int32_t *ring = malloc(cap * sizeof *ring);
  if (!off || !ring) {
    free(off);
    free(ring);
    return ecm__status_set(ECM_ENOMEM, "cannot allocate P_same offsets");
  }
  for (int64_t dy = 0; dy <= K; dy++)
    for (int64_t dx = -K; dx <= K; dx++) {
      if (dy == 0 && dx <= 0) continue;
      double r = sqrt((double)(dy * dy + dx * dx));
      int64_t k = (int64_t)floor(r + 0.5);
      if (k < 1 || k > K) continue;
      off[2 * noff] = (int32_t)dy;
      off[2 * noff + 1] = (int32_t)dx;
      ring[noff] = (int32_t)k;
      noff++;
    }
  double work = (double)noff * (double)ny * (double)nx;
  size_t stride = 1;
  if (work > ECM__SIM_PSAME_MAX_WORK) stride = (size_t)ceil(sqrt(work / ECM__SIM_PSAME_MAX_WORK));
  int nth = threads > 0 ? threads : 1;
  uint64_t *cnt = calloc((size_t)nth * 2 * kmax, sizeof *cnt);
  if (!cnt) {
    free(off);
    free(ring);
    return ecm__status_set(ECM_ENOMEM, "cannot allocate P_same counters");
  }
#pragma omp parallel num_threads(nth)
  {
    int tid = 0;
#ifdef _OPENMP
    tid = omp_get_thread_num();
#endif
    uint64_t *same = cnt + (size_t)tid * 2 * kmax, *all = same + kmax;
#pragma omp for schedule(dynamic, 8)
    for (size_t o = 0; o < noff; o++) {
      int64_t dy = off[2 * o], dx = off[2 * o + 1];
      size_t k = (size_t)ring[o] - 1;
      uint64_t ns = 0, na = 0;
      for (size_t y = 0; y < ny; y += stride) {
        int64_t y2 = (int64_t)y + dy;
        if (y2 < 0 || y2 >= (int64_t)ny) continue;
        for (size_t x = 0; x < nx; x += stride) {
          int64_t x2 = (int64_t)x + dx;
          if (x2 < 0 || x2 >= (int64_t)nx) continue;
          size_t a = y * nx + x, b = (size_t)y2 * nx + (size_t)x2;
          if (use && (!use[a] || !use[b])) continue;
          na++;
          ns += label[a] == label[b];
        }
      }
      same[k] += ns;
      all[k] += na;
    }
  }
  for (size_t k = 0; k < kmax; k++) {
    uint64_t s = 0, a = 0;
    for (int t = 0; t < nth; t++) {
      s += cnt[(size_t)t * 2 * kmax + k];
      a += cnt[(size_t)t * 2 * kmax + kmax + k];
    }
    out[k] = a ? (double)s / (double)a : NAN;
    if (npairs) npairs[k] = (double)a;
  }
  free(cnt);
  free(off);
  free(ring);
  return ECM_OK;
}

/* Least squares of y = A e + B for fixed e_k = exp(-k/R); returns the residual sum of
 * squares and A. */
static double ecm__sim_exp_sse(const double *y, size_t n, double R, double *A_out) {
  double se = 0, see = 0, sy = 0, sey = 0, m = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(y[i])) continue;
    double e = exp(-(double)(i + 1) / R);
    se += e;
    see += e * e;
    sy += y[i];
    sey += e * y[i];
    m += 1;
  }
  double det = m * see - se * se;
  if (!(det > 1e-300 * m * see)) {
    *A_out = 0;
    return INFINITY;
  }
  double A = (m * sey - se * sy) / det, B = (sy - A * se) / m, sse = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(y[i])) continue;
    double r = y[i] - A * exp(-(double)(i + 1) / R) - B;
    sse += r * r;
  }
  *A_out = A;
  return sse;
}

double ecm__sim_fit_exp(const double *y, size_t n) {
  size_t nfin = 0;
  for (size_t i = 0; i < n; i++) nfin += isfinite(y[i]) != 0;
  if (nfin < 3) return NAN;
  /* Scan log R on a grid, then golden-section search around the best grid point. */
  const double lo = log(0.05), hi = log(100.0 * (double)n);
  const int ngrid = 400;
  double best = INFINITY, A;
  int ib = -1;
  for (int i = 0; i <= ngrid; i++) {
    double lr = lo + (hi - lo) * i / ngrid;
    double sse = ecm__sim_exp_sse(y, n, exp(lr), &A);
    if (sse < best && A > 0) {
      best = sse;
      ib = i;
    }
  }
  if (ib < 0 || ib == ngrid) return NAN; /* no decay, or none within 100 n */
  double a = lo + (hi - lo) * (ib > 0 ? ib - 1 : 0) / ngrid;
  double b = lo + (hi - lo) * (ib + 1) / ngrid;
  const double gr = 0.6180339887498949;
  double c = b - gr * (b - a), d = a + gr * (b - a);
  double fc = ecm__sim_exp_sse(y, n, exp(c), &A), fd = ecm__sim_exp_sse(y, n, exp(d), &A);
  for (int it = 0; it < 100 && b - a > 1e-10; it++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - gr * (b - a);
      fc = ecm__sim_exp_sse(y, n, exp(c), &A);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + gr * (b - a);
      fd = ecm__sim_exp_sse(y, n, exp(d), &A);
    }
  }
  return exp(0.5 * (a + b));
}
