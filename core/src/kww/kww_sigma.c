/* kww: standard errors of a log-binned g2 from its per-lag curve (docs/kww.md §5).
 *
 * With c(k) = g2(k) - 1 (normalised intensity autocovariance, c(-k) = c(k)) and an intensity
 * that is |circular Gaussian field|^2 plus a constant and white noise, the Eq. 4 estimate
 * at lag p from N frames (M = N - p products) has, to leading order in 1/M,
 *   var g2^(p) = [R(0) + R(2p)                        Bartlett's formula
 *                 + 2 c(p) (S(0) + S(2p)) + 2 Q(p)     speckle fourth cumulant
 *                 - 8 c(p) h(p) S(p)                   normalisation x third cumulant
 *                 + 2 c(p)^2 C1 (1 + b)] / M           normalisation by the sample means
 *   R(d) = sum_k c(k) c(k+d),  S(d) = sum_k h(k) h(k+d),  h = sqrt(c_s),
 *   Q(p) = sum_k c_s(k) h(k-p) h(k+p),  C1 = sum_k c(k),  b = max(0, M - p)/M,
 * where c_s equals c except at lag 0, where it is min(c(0), c(1)): the white (shot,
 * read-out) part of c(0) has no speckle cumulants. Lags p and p+d of one bin are correlated
 * with coefficient R(d)/R(0), and the products are centred on the sample means (Eq. 4),
 * which removes a common part from every lag of a bin:
 *   var(bin) = mean_p(var g2^(p)) (1/w) sum_{|d|<w} (1 - |d|/w) R(d)/R(0)
 *              - (C1/M)^2 (1 + 2a - b^2),   a = max(0, M - 2p)/M,  at the bin's middle lag.
 * The sums run over |k| <= K, the last lag of the initial run of positive c(k) (beyond it
 * the measured c is noise). They are evaluated exactly, over k >= 0 only (c and h are even),
 * with a closed form for the lags past K and prefix sums for the bin weights (docs/kww.md §5,
 * "Evaluation"). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kww/kww_internal.h"
#include "status/status_internal.h"

/* max(x, 0), 0 for NaN (as fmax(x, 0), which is a library call at -O2 on x86-64) */
static inline double pos(double x) {
  return x > 0.0 ? x : 0.0;
}

/* Whether x[0..n-1] are all finite: an exponent test on the bits, which vectorises (the
 * loop runs over every lag of every pixel of a map). */
static int all_finite(const double *x, size_t n) {
  /* exponent all ones (inf, NaN) <=> (exponent bits) + (lowest exponent bit) sets the sign
   * bit; four accumulators break the loop-carried dependency */
  const uint64_t e = UINT64_C(0x7ff0000000000000), e1 = UINT64_C(0x0010000000000000);
  uint64_t acc[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (size_t j = 0; j < 4; j++) {
      uint64_t u;
      memcpy(&u, x + i + j, sizeof u);
      acc[j] |= (u & e) + e1;
    }
  for (; i < n; i++) {
    uint64_t u;
    memcpy(&u, x + i, sizeof u);
    acc[0] |= (u & e) + e1;
  }
  return !((acc[0] | acc[1] | acc[2] | acc[3]) >> 63);
}

/* R(d) = sum_k c(k) c(k+d) and S(d) = sum_k h(k) h(k+d), d = 0..2K, k over -K..K, from the
 * one-sided c[0..K], h[0..K] of even sequences: splitting k at 0,
 *   R(d) = 2 sum_{k=0}^{K-d} c(k) c(k+d) + sum_{m=1}^{d-1} c(m) c(d-m)   (d >= 1),
 *   R(0) = 2 sum_k c(k)^2 - c(0)^2,
 * the second sum (a convolution) symmetric in m <-> d-m. Half the products of the direct
 * sum over -K..K, and every inner loop is an axpy over d, which vectorises. */
static void sym_sums(const double *restrict c, const double *restrict h, size_t K,
                     double *restrict R, double *restrict S) {
  for (size_t d = 0; d <= 2 * K; d++) R[d] = S[d] = 0.0;
  for (size_t k = 0; k <= K; k++) { /* correlation part, d = 0..K-k */
    const double ck = 2.0 * c[k], hk = 2.0 * h[k];
    const double *cs = c + k, *hs = h + k;
    for (size_t d = 0; d + k <= K; d++) {
      R[d] += ck * cs[d];
      S[d] += hk * hs[d];
    }
  }
  R[0] -= c[0] * c[0];
  S[0] -= h[0] * h[0];
  for (size_t m = 1; m <= K; m++) { /* convolution part: pairs m < i, and m = i */
    R[2 * m] += c[m] * c[m];
    S[2 * m] += h[m] * h[m];
    const double cm = 2.0 * c[m], hm = 2.0 * h[m];
    double *Rm = R + m, *Sm = S + m;
    for (size_t i = m + 1; i <= K; i++) {
      Rm[i] += cm * c[i];
      Sm[i] += hm * h[i];
    }
  }
}

/* sum_{n = n1 + 1}^{n2} 1/n = H(n2) - H(n1), 0 <= n1 < n2: directly for few or small terms,
 * else from the asymptotic series of the harmonic numbers (truncation error < 1/(240 n1^8),
 * relative error < 1e-13 here). */
static double inv_sum(size_t n1, size_t n2) {
  if (n2 - n1 <= 16 || n1 < 32) {
    double s = 0.0;
    for (size_t n = n1 + 1; n <= n2; n++) s += 1.0 / (double)n;
    return s;
  }
  const double x = (double)n1, y = (double)n2;
  const double x2 = 1.0 / (x * x), y2 = 1.0 / (y * y);
  /* H(n) = ln n + gamma + 1/(2n) - 1/(12n^2) + 1/(120n^4) - 1/(252n^6) + ... */
  return log1p((y - x) / x) + 0.5 / y - 0.5 / x -
         (y2 - x2) * (1.0 / 12.0 - (y2 + x2) / 120.0 + (y2 * y2 + y2 * x2 + x2 * x2) / 252.0);
}

ecm_status ecm_kww_g2_sigma(const double *g2, size_t n_lags, size_t n_frames, const size_t *edges,
                            size_t n_bins, double *sigma) {
  if (!g2 || !edges || !sigma || n_bins == 0)
    return ecm__status_set(ECM_EINVAL, "kww sigma: NULL argument or no bins");
  if (edges[0] < 1)
    return ecm__status_set(ECM_EINVAL, "kww sigma: the first bin starts at lag 0 (excluded)");
  for (size_t b = 0; b < n_bins; b++)
    if (!(edges[b + 1] > edges[b]))
      return ecm__status_set(ECM_EINVAL, "kww sigma: edges must increase strictly (bin %zu)", b);
  const size_t pmax = edges[n_bins] - 1; /* last lag used */
  if (edges[n_bins] > n_lags)
    return ecm__status_set(ECM_EINVAL, "kww sigma: bins reach lag %zu, g2 has %zu lags", pmax,
                           n_lags);
  if (n_frames <= pmax)
    return ecm__status_set(ECM_EINVAL, "kww sigma: lag %zu needs more than %zu frames", pmax,
                           n_frames);
  if (!all_finite(g2, pmax + 1))
    for (size_t p = 0; p <= pmax; p++)
      if (!isfinite(g2[p]))
        return ecm__status_set(ECM_EINVAL, "kww sigma: g2 at lag %zu is not finite", p);

  /* K: end of the initial run of positive, finite c(k) */
  size_t K = 0;
  while (K + 1 < n_lags && isfinite(g2[K + 1]) && g2[K + 1] - 1.0 > 0.0) K++;

  /* c[k], a[k] = c_s(k), h[k] = sqrt(c_s(k)) on lags 0..K (one-sided: c(-k) = c(k)); hf: h
   * on -K..K at index k + K; R, S on d = 0..2K; Q on p = 0..K; PR, PD: prefix sums of R(d),
   * d R(d) over d = 1..n at index n. */
  const size_t K1 = K + 1, D1 = 2 * K + 1;
  double *buf = malloc(sizeof(double) * (3 * K1 + D1 + 2 * D1 + K1 + 2 * D1));
  if (!buf) return ecm__status_set(ECM_ENOMEM, "kww sigma: no memory (K = %zu)", K);
  double *c = buf, *a = c + K1, *h = a + K1, *hf = h + K1, *R = hf + D1, *S = R + D1, *Q = S + D1,
         *PR = Q + K1, *PD = PR + D1;
  const double c0 = fmax(g2[0] - 1.0, 0.0);
  for (size_t k = 0; k <= K; k++) {
    c[k] = k == 0 ? c0 : g2[k] - 1.0;
    a[k] = k == 0 ? (K >= 1 ? fmin(c0, g2[1] - 1.0) : 0.0) : c[k];
    h[k] = hf[K + k] = hf[K - k] = sqrt(a[k]);
  }
  sym_sums(c, h, K, R, S);
  /* Q(p) = a(0) h(p)^2 + 2 sum_{k=1}^{K-p} a(k) h(k-p) h(k+p), with h(k-p) = hf[K-k+p] */
  for (size_t p = 0; p <= K; p++) Q[p] = a[0] * h[p] * h[p];
  for (size_t k = 1; k <= K; k++) {
    const double t = 2.0 * a[k];
    const double *lo = hf + K - k, *hi = hf + K + k;
    for (size_t p = 0; p + k <= K; p++) Q[p] += t * lo[p] * hi[p];
  }
  double C1 = c[0];
  for (size_t k = 1; k <= K; k++) C1 += 2.0 * c[k];
  PR[0] = PD[0] = 0.0;
  for (size_t dd = 1; dd <= 2 * K; dd++) {
    PR[dd] = PR[dd - 1] + R[dd];
    PD[dd] = PD[dd - 1] + (double)dd * R[dd];
  }

  const double rinv = R[0] > 0.0 ? 1.0 / R[0] : 0.0, nf = (double)n_frames;
  for (size_t b = 0; b < n_bins; b++) {
    const size_t e0 = edges[b], e1 = edges[b + 1], w = e1 - e0;
    double vsum = 0.0;
    size_t p = e0;
    for (; p < e1 && p <= K; p++) {
      const double M = nf - (double)p, iM = 1.0 / M;
      const double cp = c[p], hp = h[p];
      const double bp = pos(M - (double)p) * iM;
      vsum += (R[0] + R[2 * p] + 2.0 * cp * (S[0] + S[2 * p]) + 2.0 * Q[p] - 8.0 * cp * hp * S[p] +
               2.0 * cp * cp * C1 * (1.0 + bp)) *
              iM;
    }
    /* lags past K: R(0) / (N - p) each */
    if (p < e1) vsum += R[0] * inv_sum(n_frames - e1, n_frames - p);
    /* (1/w) sum_{|d|<w} (1 - |d|/w) R(d)/R(0), R(d) = 0 past 2K */
    const size_t dm = w - 1 < 2 * K ? w - 1 : 2 * K;
    const double iw = 1.0 / (double)w;
    const double corr = 1.0 + 2.0 * (PR[dm] - PD[dm] * iw) * rinv;
    /* centring on the sample means, at the middle lag of the bin */
    const double pm = 0.5 * (double)(e0 + e1 - 1);
    const double M = nf - pm, iM = 1.0 / M;
    const double am = pos(M - 2.0 * pm) * iM, bm = pos(M - pm) * iM;
    const double cen = (C1 * iM) * (C1 * iM) * (1.0 + 2.0 * am - bm * bm);
    sigma[b] = sqrt(pos(vsum * iw * iw * corr - cen));
  }
  free(buf);
  return ECM_OK;
}
