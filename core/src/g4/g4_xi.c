/* ξ from g4: Zhang supp. note 5, g4(Δr) = A exp(-Δr/Rc) + B at one lag, xi_exp = 2 Rc. */
#include <math.h>
#include <string.h>

#include "ecm/g4.h"
#include "status/status_internal.h"

/* Linear least squares for A, B at fixed Rc; returns the residual sum of squares. */
static double solve_ab(const double *x, const double *y, size_t n, double Rc, double *A,
                       double *B) {
  double see = 0, se = 0, sey = 0, sy = 0;
  for (size_t i = 0; i < n; i++) {
    double e = exp(-x[i] / Rc);
    see += e * e;
    se += e;
    sey += e * y[i];
    sy += y[i];
  }
  double det = see * (double)n - se * se;
  if (!(fabs(det) > 1e-300)) {
    *A = *B = NAN;
    return INFINITY;
  }
  *A = (sey * (double)n - se * sy) / det;
  *B = (see * sy - se * sey) / det;
  double ss = 0;
  for (size_t i = 0; i < n; i++) {
    double r = y[i] - (*A * exp(-x[i] / Rc) + *B);
    ss += r * r;
  }
  return ss;
}

/* Inverse of a symmetric 3x3 matrix; 0 when singular. */
static int inv3(const double m[9], double o[9]) {
  double c00 = m[4] * m[8] - m[5] * m[7], c01 = m[5] * m[6] - m[3] * m[8],
         c02 = m[3] * m[7] - m[4] * m[6];
  double det = m[0] * c00 + m[1] * c01 + m[2] * c02;
  if (!(fabs(det) > 1e-300)) return 0;
  o[0] = c00 / det;
  o[1] = (m[2] * m[7] - m[1] * m[8]) / det;
  o[2] = (m[1] * m[5] - m[2] * m[4]) / det;
  o[3] = c01 / det;
  o[4] = (m[0] * m[8] - m[2] * m[6]) / det;
  o[5] = (m[2] * m[3] - m[0] * m[5]) / det;
  o[6] = c02 / det;
  o[7] = (m[1] * m[6] - m[0] * m[7]) / det;
  o[8] = (m[0] * m[4] - m[1] * m[3]) / det;
  return 1;
}

ecm_status ecm_g4_xi_exp(const ecm_g4_result *r, size_t dt_index, size_t r_min, size_t r_max,
                         ecm_g4_xi *out) {
  if (!r || !out) return ecm__status_set(ECM_EINVAL, "g4 xi_exp: NULL argument");
  if (dt_index >= r->n_dt)
    return ecm__status_set(ECM_EINVAL, "g4 xi_exp: lag row %zu out of range (%zu rows)", dt_index,
                           r->n_dt);
  if (r_max >= r->n_r || r_min > r_max || r_max - r_min + 1 < 4)
    return ecm__status_set(ECM_EINVAL,
                           "g4 xi_exp: ring range %zu..%zu must hold >= 4 rings within 0..%zu",
                           r_min, r_max, r->n_r - 1);
  memset(out, 0, sizeof *out);
  out->dt_index = dt_index;
  out->r_min = r_min;
  out->r_max = r_max;
  out->A = out->A_err = out->B = out->B_err = out->Rc = out->Rc_err = NAN;
  out->xi = out->xi_err = out->chi2_red = NAN;
  double x[ECM_G4_MAX_R + 1], y[ECM_G4_MAX_R + 1];
  size_t n = 0;
  for (size_t k = r_min; k <= r_max; k++) {
    double v = r->g4[dt_index * r->n_r + k];
    if (isfinite(v)) {
      x[n] = (double)k;
      y[n++] = v;
    }
  }
  out->n_used = n;
  if (n < 4) return ECM_OK;
  /* Golden-section search on u = ln Rc over [ln 0.05, ln (20 r_max)]. */
  double lo = log(0.05), hi = log(20.0 * (double)(r_max > 0 ? r_max : 1));
  const double gr = 0.5 * (sqrt(5.0) - 1.0);
  double A, B, c = hi - gr * (hi - lo), d = lo + gr * (hi - lo);
  double fc = solve_ab(x, y, n, exp(c), &A, &B), fd = solve_ab(x, y, n, exp(d), &A, &B);
  for (int it = 0; it < 200 && hi - lo > 1e-10; it++) {
    if (fc < fd) {
      hi = d;
      d = c;
      fd = fc;
      c = hi - gr * (hi - lo);
      fc = solve_ab(x, y, n, exp(c), &A, &B);
    } else {
      lo = c;
      c = d;
      fc = fd;
      d = lo + gr * (hi - lo);
      fd = solve_ab(x, y, n, exp(d), &A, &B);
    }
  }
  double Rc = exp(0.5 * (lo + hi));
  double ss = solve_ab(x, y, n, Rc, &A, &B);
  if (!isfinite(ss)) return ECM_OK;
  double s2 = ss / (double)(n - 3);
  /* Covariance s2 (J^T J)^-1, J = [e, 1, A x e / Rc^2]. */
  double m[9] = {0}, cv[9];
  for (size_t i = 0; i < n; i++) {
    double e = exp(-x[i] / Rc), j[3] = {e, 1.0, A * x[i] * e / (Rc * Rc)};
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) m[a * 3 + b] += j[a] * j[b];
  }
  out->A = A;
  out->B = B;
  out->Rc = Rc;
  out->xi = 2.0 * Rc;
  out->chi2_red = s2;
  if (inv3(m, cv)) {
    out->A_err = sqrt(fabs(s2 * cv[0]));
    out->B_err = sqrt(fabs(s2 * cv[4]));
    out->Rc_err = sqrt(fabs(s2 * cv[8]));
    out->xi_err = 2.0 * out->Rc_err;
  }
  /* Converged inside the range (not pinned at a bound) with a positive amplitude. */
  double ulo = log(0.05), uhi = log(20.0 * (double)(r_max > 0 ? r_max : 1));
  double u = log(Rc);
  out->ok = A > 0 && u > ulo + 1e-6 && u < uhi - 1e-6 && isfinite(out->xi_err);
  return ECM_OK;
}

size_t ecm_g4_peak_row(const ecm_g4_result *r, size_t r_min, size_t r_max) {
  if (!r || r_max >= r->n_r || r_min > r_max) return 0;
  size_t best = 0;
  double bv = -INFINITY;
  for (size_t i = 0; i < r->n_dt; i++) {
    double v = r->g4[i * r->n_r + r_min] - r->g4[i * r->n_r + r_max];
    if (isfinite(v) && v > bv) {
      bv = v;
      best = i;
    }
  }
  return best;
}
