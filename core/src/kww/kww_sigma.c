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
 * the measured c is noise). */
#include <math.h>
#include <stdlib.h>

#include "kww/kww_internal.h"
#include "status/status_internal.h"

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
  for (size_t p = 0; p <= pmax; p++)
    if (!isfinite(g2[p]))
      return ecm__status_set(ECM_EINVAL, "kww sigma: g2 at lag %zu is not finite", p);

  /* K: end of the initial run of positive, finite c(k) */
  size_t K = 0;
  while (K + 1 < n_lags && isfinite(g2[K + 1]) && g2[K + 1] - 1.0 > 0.0) K++;

  const size_t nc = 2 * K + 1; /* c and h on lags -K..K, index k + K */
  double *buf = malloc(sizeof(double) * (2 * nc + 3 * (2 * K + 1) + 1));
  if (!buf) return ecm__status_set(ECM_ENOMEM, "kww sigma: no memory (K = %zu)", K);
  double *c = buf, *h = buf + nc, *R = h + nc, *S = R + (2 * K + 1), *Q = S + (2 * K + 1);
  const double c0 = fmax(g2[0] - 1.0, 0.0);
  for (size_t k = 0; k <= K; k++) {
    double ck = k == 0 ? c0 : g2[k] - 1.0;
    double cs = k == 0 ? (K >= 1 ? fmin(c0, g2[1] - 1.0) : 0.0) : ck;
    c[K + k] = c[K - k] = ck;
    h[K + k] = h[K - k] = sqrt(cs);
  }
  /* R(d), S(d) for d = 0..2K (zero beyond) */
  for (size_t dd = 0; dd <= 2 * K; dd++) {
    double r = 0.0, sv = 0.0;
    for (size_t j = 0; j + dd < nc; j++) {
      r += c[j] * c[j + dd];
      sv += h[j] * h[j + dd];
    }
    R[dd] = r;
    S[dd] = sv;
  }
  /* Q(p) for p = 0..K (zero beyond): k from p - K to K - p */
  for (size_t p = 0; p <= K; p++) {
    double qv = 0.0;
    for (size_t j = p; j + p < nc; j++) qv += h[j] * h[j] * h[j - p] * h[j + p];
    Q[p] = qv;
  }

  double C1 = 0.0;
  for (size_t j = 0; j < nc; j++) C1 += c[j];

  for (size_t b = 0; b < n_bins; b++) {
    const size_t w = edges[b + 1] - edges[b];
    double vsum = 0.0;
    for (size_t p = edges[b]; p < edges[b + 1]; p++) {
      const double M = (double)(n_frames - p);
      double v = R[0];
      if (p <= K) {
        const double cp = c[K + p], hp = h[K + p];
        const double bp = fmax(M - (double)p, 0.0) / M;
        v += R[2 * p] + 2.0 * cp * (S[0] + S[2 * p]) + 2.0 * Q[p] - 8.0 * cp * hp * S[p] +
             2.0 * cp * cp * C1 * (1.0 + bp);
      }
      vsum += v / M;
    }
    double corr = 1.0;
    if (R[0] > 0.0)
      for (size_t dd = 1; dd < w && dd <= 2 * K; dd++)
        corr += 2.0 * (1.0 - (double)dd / (double)w) * R[dd] / R[0];
    /* centring on the sample means, at the middle lag of the bin */
    const double pm = 0.5 * (double)(edges[b] + edges[b + 1] - 1);
    const double M = (double)n_frames - pm;
    const double a = fmax(M - 2.0 * pm, 0.0) / M, bm = fmax(M - pm, 0.0) / M;
    const double cen = (C1 / M) * (C1 / M) * (1.0 + 2.0 * a - bm * bm);
    sigma[b] = sqrt(fmax(vsum / (double)w * corr / (double)w - cen, 0.0));
  }
  free(buf);
  return ECM_OK;
}
