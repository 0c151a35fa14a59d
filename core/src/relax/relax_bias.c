/* The finite-length bias of Eq. 4 for a KWW correlation (see relax_internal.h and
 * docs/map.md, "Finite-length bias correction"). */
#include <math.h>
#include <pthread.h>

#include "relax/relax_internal.h"

/* Table of phi(v, beta) = ln h(u, beta) + v, v = u^beta, with
 *   h(u, beta) = integral over x of exp(-|x|^beta - |x + u|^beta)
 * (the overlap of the field correlation with itself shifted by u = p / tau, in units of tau).
 * phi is smooth in both arguments and bilinear interpolation keeps it to ~1e-2. */
#define ECM__BIAS_BETA_LO 0.1
#define ECM__BIAS_BETA_STEP 0.05
#define ECM__BIAS_NBETA 59 /* beta 0.1 .. 3.0 */
#define ECM__BIAS_V_STEP 0.25
#define ECM__BIAS_NV 65 /* v 0 .. 16: beyond, c_p h < 1e-6 relative and the term is dropped */
#define ECM__BIAS_V_MAX ((ECM__BIAS_NV - 1) * ECM__BIAS_V_STEP)
/* Simpson intervals per piece of the integral (even; phi to ~1e-3, the table in ~25 ms) */
#define ECM__BIAS_QUAD 64
/* The integrand is cut where x^beta > this (exp(-40) ~ 4e-18) */
#define ECM__BIAS_XCUT 40.0
/* Largest first moment of c^2 over its integral, as a fraction of the shortest product
 * count N - p, for which the expansion is used (the triangle weights stay near 1). */
#define ECM__BIAS_MAX_MOMENT 0.125

static double ecm__bias_phi[ECM__BIAS_NBETA][ECM__BIAS_NV];
static pthread_once_t ecm__bias_once = PTHREAD_ONCE_INIT;

/* Simpson's rule for f(x) = exp(-x^beta - |s x + u|^beta) (s = +1 or -1) over x in [0, X],
 * substituting x = y^m, m = ceil(4 / beta) >= 2, so that the cusp of x^beta at 0 becomes
 * smooth (x^beta = y^(m beta), m beta >= 4) and the Jacobian m y^(m-1) a polynomial. */
static double piece(double beta, double u, double s, double X) {
  if (!(X > 0)) return 0;
  double m = ceil(4 / beta), Y = pow(X, 1 / m), dy = Y / ECM__BIAS_QUAD, sum = 0;
  for (int i = 0; i <= ECM__BIAS_QUAD; i++) {
    double y = i * dy, x = pow(y, m), jac = m * pow(y, m - 1);
    double wt = (i == 0 || i == ECM__BIAS_QUAD) ? 1 : (i % 2 ? 4 : 2);
    sum += wt * jac * exp(-pow(x, beta) - pow(fabs(s * x + u), beta));
  }
  return sum * dy / 3;
}

/* h(u, beta) by symmetry about x = -u/2: twice (x in [0, inf) of the pair at distance u plus
 * x in [0, u/2] between them). */
static double overlap(double u, double beta) {
  double X = pow(ECM__BIAS_XCUT, 1 / beta);
  return 2 * (piece(beta, u, 1, X) + piece(beta, u, -1, 0.5 * u));
}

static void build_table(void) {
  for (int b = 0; b < ECM__BIAS_NBETA; b++) {
    double beta = ECM__BIAS_BETA_LO + b * ECM__BIAS_BETA_STEP;
    for (int j = 0; j < ECM__BIAS_NV; j++) {
      double v = j * ECM__BIAS_V_STEP;
      ecm__bias_phi[b][j] = log(overlap(pow(v, 1 / beta), beta)) + v;
    }
  }
}

void ecm__relax_bias_init(void) {
  pthread_once(&ecm__bias_once, build_table);
}

/* phi(v, beta) by bilinear interpolation; beta clamped to the table, v in [0, V_MAX]. */
static double phi(double v, double beta) {
  double fb = (fmin(fmax(beta, ECM__BIAS_BETA_LO),
                    ECM__BIAS_BETA_LO + (ECM__BIAS_NBETA - 1) * ECM__BIAS_BETA_STEP) -
               ECM__BIAS_BETA_LO) /
              ECM__BIAS_BETA_STEP;
  double fv = v / ECM__BIAS_V_STEP;
  int ib = (int)fb, iv = (int)fv;
  if (ib > ECM__BIAS_NBETA - 2) ib = ECM__BIAS_NBETA - 2;
  if (iv > ECM__BIAS_NV - 2) iv = ECM__BIAS_NV - 2;
  double wb = fb - ib, wv = fv - iv;
  const double *r0 = ecm__bias_phi[ib], *r1 = ecm__bias_phi[ib + 1];
  return (1 - wb) * ((1 - wv) * r0[iv] + wv * r0[iv + 1]) +
         wb * ((1 - wv) * r1[iv] + wv * r1[iv + 1]);
}

int ecm__relax_bias(double A, double tau, double beta, size_t n_frames, const double *lag, size_t n,
                    double *bias) {
  if (!(A > 0 && isfinite(A) && tau > 0 && isfinite(tau) && beta > 0 && isfinite(beta))) return -1;
  double N = (double)n_frames, ib = 1 / beta, p2 = pow(2, -ib);
  /* S0 = sum_k c_k^2 and M0 = sum_k |k| c_k^2 as integrals */
  double S0 = 2 * tau * p2 * tgamma(1 + ib), M0 = 2 * tau * tau * tgamma(2 * ib) * ib * p2 * p2;
  double plast = n ? lag[n - 1] : 0;
  if (!(S0 > 0 && isfinite(M0)) || !(plast < N) || M0 > ECM__BIAS_MAX_MOMENT * (N - plast) * S0)
    return -1;
  double a15 = 4 * A * sqrt(A), lp = S0 / M0;
  for (size_t i = 0; i < n; i++) {
    double p = lag[i], m = N - p, v = pow(p / tau, beta), cp = exp(-v), cp2 = cp * cp;
    /* Q0 = A sum_k w_k c_k^2, Qp = A sum_k w_k c_{k+p}^2, w_k = (m - |k|) / m^2, with
     * sum_j |j - p| c_j^2 ~ p S0 + M0 exp(-p S0 / M0) (exact at p = 0 and p >> tau) */
    double Mp = p * S0 + M0 * exp(-p * lp);
    double Q0 = A * (m * S0 - M0) / (m * m), Qp = A * (m * S0 - Mp) / (m * m);
    /* c_p R_p, R_p = sum_k w_k c_k c_{k+p} ~ (m - p/2) tau h(p/tau) / m^2 */
    double cR = v < ECM__BIAS_V_MAX ? exp(phi(v, beta) - 2 * v) * tau * (m - 0.5 * p) / (m * m) : 0;
    bias[i] = A * cp2 * (2 * Q0 + Qp) - Qp - a15 * cR;
  }
  return 0;
}
