/* kww: initial guesses that need no hand tuning (docs/kww.md §3).
 *
 * 1. Baseline B0: the fixed value, or (free baseline) the mean of the last points.
 * 2. Contrast A0: the mean of the first points minus B0.
 * 3. tau0, beta0 from the linearised model z = ln(-ln(u)/2) = beta ln t - beta ln tau with
 *    u = (y - B0)/A0, a weighted straight-line fit over the points with u <= GUESS_U_HI
 *    before the first point with u < GUESS_U_LO (where the decay meets the noise); each
 *    point weighted by its weight times (A0 u ln u)^2, the inverse variance of z, so that
 *    the well-conditioned middle of the decay dominates.
 *    Fallback: tau0 at the first crossing of u = e^-2, beta0 = 1.
 * 4. A0 (and B0) refitted by linear least squares with tau0, beta0 fixed.
 * Everything is clamped into the bounds. */
#include <math.h>

#include "kww/kww_internal.h"

/* Fraction of the points (and the minimum number) averaged for the free-baseline guess. */
#define GUESS_TAIL_FRACTION 0.1
#define GUESS_TAIL_MIN 2
/* Points averaged for the contrast guess. */
#define GUESS_HEAD_POINTS 2
/* Usable range of u = (y - B0)/A0 for the linearised fit; outside it ln(-ln u) amplifies
 * noise without bound. The scan stops at the first u below GUESS_U_LO: tail points that
 * noise lifts above it would bias beta low and tau high (measured: 2x more iterations at a
 * noise of 10 % of A when they are kept). */
#define GUESS_U_LO 0.05
#define GUESS_U_HI 0.98
/* Without any crossing of u = e^-2 inside the window, tau0 = this factor x the last t. */
#define GUESS_NO_CROSS_FACTOR 2.0
/* A linear 2 x 2 system whose determinant is below this fraction of the product of its
 * diagonal is treated as degenerate (flat model) and the earlier guess is kept. */
#define GUESS_DET_TOL 1e-10

static double clampd(double v, double lo, double hi) {
  return fmin(fmax(v, lo), hi);
}

void ecm__kww_guess(const ecm__kww_setup *s, const ecm__kww_data *d, double x[ECM__KWW_NPAR]) {
  const size_t n = d->n;
  const double *lnt = d->lnt, *y = d->y, *w = d->w;

  /* 1-2: baseline and contrast */
  double B0 = s->x_fixed[ECM__KWW_B];
  if (s->is_free[ECM__KWW_B]) {
    size_t m = (size_t)(GUESS_TAIL_FRACTION * (double)n);
    if (m < GUESS_TAIL_MIN) m = GUESS_TAIL_MIN;
    if (m > n) m = n;
    double sum = 0.0;
    for (size_t i = n - m; i < n; i++) sum += y[i];
    B0 = sum / (double)m;
  }
  size_t h = n < GUESS_HEAD_POINTS ? n : GUESS_HEAD_POINTS;
  double A0 = 0.0, ymin = y[0], ymax = y[0];
  for (size_t i = 0; i < h; i++) A0 += y[i];
  A0 = A0 / (double)h - B0;
  for (size_t i = 0; i < n; i++) {
    ymin = fmin(ymin, y[i]);
    ymax = fmax(ymax, y[i]);
  }
  if (!(A0 > 0.0)) A0 = ymax - B0; /* no correlation at the first lags: try the largest */
  if (!(A0 > 0.0)) A0 = 0.5 * (ymax - ymin);
  if (!(A0 > 0.0)) A0 = 1.0; /* a constant curve equal to B0: any scale will do */

  /* 3: linearised fit of z = beta ln t - beta ln tau */
  const int beta_free = s->is_free[ECM__KWW_LNBETA];
  const double beta_fix = exp(s->x_fixed[ECM__KWW_LNBETA]);
  double sw = 0, sx = 0, sz = 0, sxx = 0, sxz = 0;
  size_t cnt = 0;
  for (size_t i = 0; i < n; i++) {
    double u = (y[i] - B0) / A0;
    if (!(u >= GUESS_U_LO))
      break; /* the decay has reached the noise: later points would
                enter only when noise lifts them (a biased sample) */
    if (u > GUESS_U_HI) continue;
    double lu = log(u);
    double z = log(-0.5 * lu);
    double wz = w[i] * (A0 * u * lu) * (A0 * u * lu);
    double xi = beta_free ? lnt[i] : lnt[i] - z / beta_fix; /* fixed beta: ln tau samples */
    sw += wz;
    sx += wz * xi;
    sz += wz * z;
    sxx += wz * xi * xi;
    sxz += wz * xi * z;
    cnt++;
  }
  double beta0 = beta_free ? 1.0 : beta_fix, lntau0 = NAN;
  if (!beta_free && cnt >= 1 && sw > 0.0) {
    lntau0 = sx / sw;
  } else if (beta_free && cnt >= 2 && sw > 0.0) {
    double vxx = sxx - sx * sx / sw, vxz = sxz - sx * sz / sw;
    double slope = vxz / vxx;
    if (vxx > 0.0 && slope > 0.0 && isfinite(slope)) {
      beta0 = slope;
      lntau0 = (sx / sw) - (sz / sw) / slope; /* mean ln t - mean z / beta */
    }
  }
  if (!isfinite(lntau0)) {
    /* fallback: first crossing of u = e^-2, interpolated in ln t */
    const double target = exp(-2.0);
    lntau0 = lnt[n - 1] + log(GUESS_NO_CROSS_FACTOR);
    for (size_t i = 0; i < n; i++) {
      double u = (y[i] - B0) / A0;
      if (u <= target) {
        if (i == 0) {
          lntau0 = lnt[0];
        } else {
          double up = (y[i - 1] - B0) / A0;
          double f = (up - target) / (up - u);
          lntau0 = lnt[i - 1] + f * (lnt[i] - lnt[i - 1]);
        }
        break;
      }
    }
  }
  x[ECM__KWW_LNTAU] = clampd(lntau0, s->lo[ECM__KWW_LNTAU], s->hi[ECM__KWW_LNTAU]);
  x[ECM__KWW_LNBETA] = beta_free
                           ? clampd(log(beta0), s->lo[ECM__KWW_LNBETA], s->hi[ECM__KWW_LNBETA])
                           : s->x_fixed[ECM__KWW_LNBETA];

  /* 4: contrast (and baseline) by linear least squares given tau0, beta0 */
  const double beta = exp(x[ECM__KWW_LNBETA]), lntau = x[ECM__KWW_LNTAU];
  double see = 0, se = 0, sey = 0, sy = 0, sw1 = 0;
  for (size_t i = 0; i < n; i++) {
    double e = exp(-2.0 * exp(ecm__kww_u(beta, lnt[i], lntau)));
    see += w[i] * e * e;
    se += w[i] * e;
    sey += w[i] * e * y[i];
    sy += w[i] * y[i];
    sw1 += w[i];
  }
  double A1 = NAN, B1 = B0;
  if (s->is_free[ECM__KWW_B]) {
    double det = see * sw1 - se * se;
    if (det > GUESS_DET_TOL * see * sw1) {
      A1 = (sey * sw1 - se * sy) / det;
      B1 = (see * sy - se * sey) / det;
    }
  } else if (see > 0.0) {
    A1 = (sey - B0 * se) / see;
  }
  /* keep the refit only strictly inside the bounds: a contrast on its bound would start
   * the iteration with zero tau and beta derivatives */
  if (A1 > s->lo[ECM__KWW_A] && A1 < s->hi[ECM__KWW_A] && isfinite(B1)) {
    A0 = A1;
    B0 = B1;
  }
  x[ECM__KWW_A] = clampd(A0, s->lo[ECM__KWW_A], s->hi[ECM__KWW_A]);
  x[ECM__KWW_B] = B0;
}
