/* kww: the lean, bounded Levenberg–Marquardt fitter (the per-pixel hot path).
 *
 * Internal parameters x = (A, ln tau, ln beta, B); with L_i = ln t_i - ln tau,
 * u_i = beta L_i, s_i = exp(u_i), e_i = exp(-2 s_i) and q_i = s_i e_i the model is
 * f_i = B + A e_i, with closed-form first and second derivatives (kww_build). Each
 * iteration solves (H - S + lambda diag(H)) delta = g on the free parameters — Newton's
 * matrix, or Gauss–Newton's H where H - S + lambda diag(H) is not positive definite —
 * by a Cholesky factorisation of at most 4 x 4, clips the step to the box bounds and
 * holds a parameter that sits on a bound while the gradient pushes it outwards (active
 * set). lambda follows Nielsen's gain-ratio rule. docs/kww.md §4 has the details. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kww/kww_internal.h"

/* Initial damping, relative to diag(H) (Marquardt). */
#define ECM__KWW_LAMBDA0 1e-3
/* Damping beyond which no step can lower chi2 any more (the minimum is reached to
 * rounding, or the problem is degenerate): stop. */
#define ECM__KWW_LAMBDA_MAX 1e16
/* Smallest factor of one lambda decrease (Nielsen 1999: lambda *= max(1/3, ...)). */
#define ECM__KWW_LAMBDA_DOWN_MIN (1.0 / 3.0)
/* Floor of the Marquardt scale diag(H), relative to its largest entry, so that a
 * parameter the data do not constrain still gets damped. */
#define ECM__KWW_DIAG_FLOOR 1e-12
/* Pivot tolerance of the Cholesky factorisation of the unit-diagonal (correlation)
 * matrix: a squared pivot below this means the parameters are linearly dependent to
 * within 1e-10 and the matrix is treated as singular. */
#define ECM__KWW_PIVOT_TOL 1e-10

/* ---- evaluation ------------------------------------------------------------------ */

/* exp(x) that the compiler can vectorise (libm's exp is a call it cannot): Cody–Waite
 * reduction x = k ln2 + r, |r| <= ln2/2, a degree-13 Taylor polynomial for exp(r) by
 * Estrin's scheme (truncation error < 2e-17 relative) and 2^k built in the exponent bits.
 * Valid for |x| <= 700, which the kernel guarantees (ECM__KWW_U_MIN/MAX: |u| <= 300 and
 * 2 s <= 297). Agrees with libm to 2 ulp. */
#define ECM__KWW_LOG2E 1.4426950408889634074
#define ECM__KWW_LN2_HI 6.93147180369123816490e-01 /* ln 2 to 32 bits: k LN2_HI is exact */
#define ECM__KWW_LN2_LO 1.90821492927058770002e-10
#define ECM__KWW_SHIFTER 6755399441055744.0       /* 1.5 2^52: x + it rounds x to integer */
#define ECM__KWW_SHIFTER_BITS 0x4338000000000000u /* its IEEE-754 bits */

static inline double kww_exp(double x) {
  const double kd = x * ECM__KWW_LOG2E + ECM__KWW_SHIFTER;
  const double k = kd - ECM__KWW_SHIFTER;
  const double r = (x - k * ECM__KWW_LN2_HI) - k * ECM__KWW_LN2_LO;
  const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  const double q0 = 1.0 + r, q1 = 0.5 + r * (1.0 / 6.0), q2 = 1.0 / 24.0 + r * (1.0 / 120.0),
               q3 = 1.0 / 720.0 + r * (1.0 / 5040.0), q4 = 1.0 / 40320.0 + r * (1.0 / 362880.0),
               q5 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0),
               q6 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0);
  const double s0 = q0 + q1 * r2, s1 = q2 + q3 * r2, s2 = q4 + q5 * r2;
  const double pl = (s0 + s1 * r4) + (s2 + q6 * r4) * r8;
  /* the low bits of kd hold k: 2^k has the exponent field k + 1023 */
  uint64_t kb;
  memcpy(&kb, &kd, sizeof kb);
  kb = (kb - ECM__KWW_SHIFTER_BITS + 1023u) << 52;
  double p2;
  memcpy(&p2, &kb, sizeof p2);
  return pl * p2;
}

/* One point of the evaluation: state arrays e, q, u, r, s at index i; returns w r^2. */
static inline double kww_point(double ui, double A, double B, double yi, double wi,
                               double *restrict st, size_t n, size_t i) {
  const double si = kww_exp(ui);
  const double ei = kww_exp(-2.0 * si);
  const double ri = yi - B - A * ei;
  st[i] = ei;
  st[n + i] = si * ei;
  st[2 * n + i] = ui;
  st[3 * n + i] = ri;
  st[4 * n + i] = si;
  return wi * ri * ri;
}

/* Residuals at x into the state arrays e, q, u, r, s (each n); returns chi2. ln t increases,
 * so u = beta (ln t - ln tau) is monotone: when its ends lie inside [U_MIN, U_MAX] no
 * point needs the clamp and the loop has no branch (a clamp would be control flow that
 * keeps the compiler from vectorising under IEEE trapping semantics). */
static double kww_eval(const ecm__kww_data *d, const double x[ECM__KWW_NPAR], double *restrict st) {
  const size_t n = d->n;
  const double A = x[ECM__KWW_A], lntau = x[ECM__KWW_LNTAU], beta = exp(x[ECM__KWW_LNBETA]),
               B = x[ECM__KWW_B];
  const double *restrict lnt = d->lnt, *restrict y = d->y, *restrict w = d->w;
  double chi2 = 0.0;
  if (beta * (lnt[0] - lntau) >= ECM__KWW_U_MIN && beta * (lnt[n - 1] - lntau) <= ECM__KWW_U_MAX) {
#ifdef _OPENMP
#pragma omp simd reduction(+ : chi2)
#endif
    for (size_t i = 0; i < n; i++)
      chi2 += kww_point(beta * (lnt[i] - lntau), A, B, y[i], w[i], st, n, i);
  } else {
    for (size_t i = 0; i < n; i++)
      chi2 += kww_point(ecm__kww_u(beta, lnt[i], lntau), A, B, y[i], w[i], st, n, i);
  }
  return chi2;
}

/* From an evaluation state: H = J^T W J, g = J^T W r and the second-order term
 * S = sum_i w_i r_i d2f_i/dx dx, so that the Hessian of chi2/2 is H - S. With
 * a1 = 2 A beta and a2 = -2 A the derivatives are
 *   f_A = e, f_lntau = a1 q, f_lnbeta = a2 u q, f_B = 1,
 *   f_A,lntau = 2 beta q, f_A,lnbeta = -2 u q, f_lntau,lntau = a1 beta q (2 s - 1),
 *   f_lntau,lnbeta = a1 q (1 + u (1 - 2 s)), f_lnbeta,lnbeta = a2 u q (1 + u (1 - 2 s)),
 * and those involving B or A twice vanish. */
static void kww_build(const ecm__kww_data *d, const double x[ECM__KWW_NPAR],
                      const double *restrict st, double H[ECM__KWW_NPAR * ECM__KWW_NPAR],
                      double g[ECM__KWW_NPAR], double S[ECM__KWW_NPAR * ECM__KWW_NPAR]) {
  const size_t n = d->n;
  const double *restrict w = d->w;
  const double *restrict e = st, *restrict q = st + n, *restrict u = st + 2 * n,
                         *restrict r = st + 3 * n, *restrict sv = st + 4 * n;
  double see = 0, seq = 0, sequ = 0, se = 0, sqq = 0, sqqu = 0, sq = 0, squu = 0, squ = 0, sw = 0,
         ser = 0, sqr = 0, squr = 0, sr = 0, sqrs = 0, squrs = 0, suuqr = 0, suuqrs = 0;
#ifdef _OPENMP
#pragma omp simd reduction(+ : see, seq, sequ, se, sqq, sqqu, sq, squu, squ, sw, ser, sqr, squr, \
                               sr, sqrs, squrs, suuqr, suuqrs)
#endif
  for (size_t i = 0; i < n; i++) {
    const double we = w[i] * e[i], wq = w[i] * q[i], wqu = wq * u[i];
    const double wqr = wq * r[i], wqur = wqu * r[i];
    see += we * e[i];
    seq += we * q[i];
    sequ += we * q[i] * u[i];
    se += we;
    sqq += wq * q[i];
    sqqu += wqu * q[i];
    sq += wq;
    squu += wqu * q[i] * u[i];
    squ += wqu;
    sw += w[i];
    ser += we * r[i];
    sqr += wqr;
    squr += wqur;
    sr += w[i] * r[i];
    sqrs += wqr * sv[i];
    squrs += wqur * sv[i];
    suuqr += wqur * u[i];
    suuqrs += wqur * u[i] * sv[i];
  }
  const double A = x[ECM__KWW_A], beta = exp(x[ECM__KWW_LNBETA]);
  const double a1 = 2.0 * A * beta, a2 = -2.0 * A;
  enum { a = ECM__KWW_A, t = ECM__KWW_LNTAU, b = ECM__KWW_LNBETA, c = ECM__KWW_B };
#define M_(m, i, j) m[(i)*ECM__KWW_NPAR + (j)]
  M_(H, a, a) = see;
  M_(H, a, t) = a1 * seq;
  M_(H, a, b) = a2 * sequ;
  M_(H, a, c) = se;
  M_(H, t, t) = a1 * a1 * sqq;
  M_(H, t, b) = a1 * a2 * sqqu;
  M_(H, t, c) = a1 * sq;
  M_(H, b, b) = a2 * a2 * squu;
  M_(H, b, c) = a2 * squ;
  M_(H, c, c) = sw;
  memset(S, 0, sizeof(double) * ECM__KWW_NPAR * ECM__KWW_NPAR);
  M_(S, a, t) = 2.0 * beta * sqr;
  M_(S, a, b) = -2.0 * squr;
  M_(S, t, t) = a1 * beta * (2.0 * sqrs - sqr);
  M_(S, t, b) = a1 * (sqr + squr - 2.0 * squrs);
  M_(S, b, b) = a2 * (squr + suuqr - 2.0 * suuqrs);
  for (int i = 0; i < ECM__KWW_NPAR; i++)
    for (int j = 0; j < i; j++) {
      M_(H, i, j) = M_(H, j, i);
      M_(S, i, j) = M_(S, j, i);
    }
#undef M_
  g[a] = ser;
  g[t] = a1 * sqr;
  g[b] = a2 * squr;
  g[c] = sr;
}

double ecm__kww_normal_eq(const ecm__kww_data *d, const double x[ECM__KWW_NPAR], double *work,
                          double H[ECM__KWW_NPAR * ECM__KWW_NPAR], double g[ECM__KWW_NPAR],
                          double S[ECM__KWW_NPAR * ECM__KWW_NPAR]) {
  double chi2 = kww_eval(d, x, work);
  kww_build(d, x, work, H, g, S);
  return chi2;
}

/* ---- small dense algebra ------------------------------------------------------------ */

/* Cholesky factorisation in place of the k x k matrix M (row-major, lower triangle used)
 * after scaling it to unit diagonal (scale[i] = 1/sqrt(M_ii)). Returns -1 when a diagonal
 * entry is not positive and finite or a squared pivot falls below ECM__KWW_PIVOT_TOL. */
static int chol_factor(size_t k, double *M, double *scale) {
  for (size_t i = 0; i < k; i++) {
    double dii = M[i * k + i];
    if (!(dii > 0.0) || !isfinite(dii)) return -1;
    scale[i] = 1.0 / sqrt(dii);
  }
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j <= i; j++) M[i * k + j] *= scale[i] * scale[j];
  for (size_t j = 0; j < k; j++) {
    double p = M[j * k + j];
    for (size_t l = 0; l < j; l++) p -= M[j * k + l] * M[j * k + l];
    if (!(p > ECM__KWW_PIVOT_TOL)) return -1;
    p = sqrt(p);
    M[j * k + j] = p;
    for (size_t i = j + 1; i < k; i++) {
      double v = M[i * k + j];
      for (size_t l = 0; l < j; l++) v -= M[i * k + l] * M[j * k + l];
      M[i * k + j] = v / p;
    }
  }
  return 0;
}

/* Solve M z = b with the factor from chol_factor (scaled system). */
static void chol_solve(size_t k, const double *M, const double *scale, const double *b, double *z) {
  double v[ECM__KWW_NPAR];
  for (size_t i = 0; i < k; i++) {
    double s = b[i] * scale[i];
    for (size_t l = 0; l < i; l++) s -= M[i * k + l] * v[l];
    v[i] = s / M[i * k + i];
  }
  for (size_t i = k; i-- > 0;) {
    double s = v[i];
    for (size_t l = i + 1; l < k; l++) s -= M[l * k + i] * v[l];
    v[i] = s / M[i * k + i];
  }
  for (size_t i = 0; i < k; i++) z[i] = v[i] * scale[i];
}

int ecm__kww_covariance(const ecm__kww_setup *s, const double H[ECM__KWW_NPAR * ECM__KWW_NPAR],
                        double cov[ECM__KWW_NPAR * ECM__KWW_NPAR]) {
  const size_t k = s->nfree;
  double M[ECM__KWW_NPAR * ECM__KWW_NPAR], scale[ECM__KWW_NPAR];
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < k; j++)
      M[i * k + j] = H[s->free_idx[i] * ECM__KWW_NPAR + s->free_idx[j]];
  memset(cov, 0, sizeof(double) * ECM__KWW_NPAR * ECM__KWW_NPAR);
  if (chol_factor(k, M, scale) != 0) return -1;
  for (size_t j = 0; j < k; j++) {
    double ej[ECM__KWW_NPAR] = {0}, col[ECM__KWW_NPAR];
    ej[j] = 1.0;
    chol_solve(k, M, scale, ej, col);
    for (size_t i = 0; i < k; i++) cov[s->free_idx[i] * ECM__KWW_NPAR + s->free_idx[j]] = col[i];
  }
  return 0;
}

/* ---- the iteration -------------------------------------------------------------------- */

/* Scale of the step test: ln tau and ln beta steps are relative changes already. */
static double step_scale(size_t j, double xj) {
  return (j == ECM__KWW_LNTAU || j == ECM__KWW_LNBETA) ? 1.0 : 1.0 + fabs(xj);
}

ecm_kww_state ecm__kww_lm(const ecm__kww_setup *s, const ecm__kww_data *d, double x[ECM__KWW_NPAR],
                          double *work, size_t *iterations, double *chi2_out,
                          double H[ECM__KWW_NPAR * ECM__KWW_NPAR]) {
  const size_t k = s->nfree;
  double *cur = work, *trial = work + ECM__KWW_NSTATE * d->n;
  double g[ECM__KWW_NPAR], S[ECM__KWW_NPAR * ECM__KWW_NPAR];
  double chi2 = kww_eval(d, x, cur);
  kww_build(d, x, cur, H, g, S);
  double lambda = ECM__KWW_LAMBDA0, nu = 2.0;
  ecm_kww_state state = ECM_KWW_MAX_ITER;
  size_t it = 0;

  for (;;) {
    if (!isfinite(chi2)) {
      state = ECM_KWW_SINGULAR;
      break;
    }
    /* Active set: a parameter on a bound whose descent direction (+g) leaves the box. */
    int held[ECM__KWW_NPAR] = {0};
    double gmax = 0.0, dmax = 0.0;
    for (size_t i = 0; i < k; i++) {
      size_t j = s->free_idx[i];
      held[i] = (x[j] <= s->lo[j] && g[j] < 0.0) || (x[j] >= s->hi[j] && g[j] > 0.0);
      if (!held[i]) gmax = fmax(gmax, fabs(g[j]));
      dmax = fmax(dmax, H[j * ECM__KWW_NPAR + j]);
    }
    if (!isfinite(gmax) || !isfinite(dmax)) {
      state = ECM_KWW_SINGULAR;
      break;
    }
    if (gmax <= s->gtol * fmax(0.5 * chi2, 1.0)) {
      state = ECM_KWW_CONVERGED;
      break;
    }
    if (it >= s->max_iter) break;
    if (lambda > ECM__KWW_LAMBDA_MAX) {
      state = ECM_KWW_CONVERGED; /* no step lowers chi2: a minimum to rounding */
      break;
    }
    it++;

    /* Damped equations on the free, not held parameters: Newton's H - S first (quadratic
     * convergence also where the residuals are large, for which Gauss–Newton converges
     * only linearly), Gauss–Newton's H when H - S + lambda D is not positive definite. */
    size_t m = 0, map[ECM__KWW_NPAR];
    for (size_t i = 0; i < k; i++)
      if (!held[i]) map[m++] = s->free_idx[i];
    double M[ECM__KWW_NPAR * ECM__KWW_NPAR], scale[ECM__KWW_NPAR], rhs[ECM__KWW_NPAR],
        z[ECM__KWW_NPAR];
    const double floor_ = ECM__KWW_DIAG_FLOOR * dmax;
    int newton = 0, ok = 0;
    for (int pass = 0; pass < 2 && !ok; pass++) {
      newton = pass == 0;
      for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < m; j++) {
          const size_t ij = map[i] * ECM__KWW_NPAR + map[j];
          M[i * m + j] = newton ? H[ij] - S[ij] : H[ij];
        }
        M[i * m + i] += lambda * fmax(H[map[i] * ECM__KWW_NPAR + map[i]], floor_);
        rhs[i] = g[map[i]];
      }
      ok = chol_factor(m, M, scale) == 0;
    }
    if (!ok) {
      lambda *= nu;
      nu *= 2.0;
      continue;
    }
    chol_solve(m, M, scale, rhs, z);

    /* Clip to the box and predict the decrease of the quadratic model. */
    double xt[ECM__KWW_NPAR], dx[ECM__KWW_NPAR] = {0};
    memcpy(xt, x, sizeof xt);
    int small = 1;
    for (size_t i = 0; i < m; i++) {
      size_t j = map[i];
      xt[j] = fmin(fmax(x[j] + z[i], s->lo[j]), s->hi[j]);
      dx[j] = xt[j] - x[j];
      if (fabs(dx[j]) > s->xtol * step_scale(j, x[j])) small = 0;
    }
    double pred = 0.0; /* chi2 - model(x + dx), model 2nd order with the matrix used */
    for (size_t i = 0; i < m; i++) {
      size_t a = map[i];
      double hd = 0.0;
      for (size_t l = 0; l < m; l++) {
        const size_t al = a * ECM__KWW_NPAR + map[l];
        hd += (newton ? H[al] - S[al] : H[al]) * dx[map[l]];
      }
      pred += dx[a] * (2.0 * g[a] - hd);
    }
    double chi2t = (pred > 0.0) ? kww_eval(d, xt, trial) : NAN;

    if (isfinite(chi2t) && chi2t < chi2) {
      double rho = (chi2 - chi2t) / pred;
      memcpy(x, xt, sizeof xt);
      double *tmp = cur;
      cur = trial;
      trial = tmp;
      chi2 = chi2t;
      kww_build(d, x, cur, H, g, S);
      double f = 2.0 * rho - 1.0;
      lambda *= fmax(ECM__KWW_LAMBDA_DOWN_MIN, 1.0 - f * f * f);
      nu = 2.0;
      if (small) {
        state = ECM_KWW_CONVERGED;
        break;
      }
    } else {
      if (small) {
        /* Even a step below xtol cannot lower chi2: the minimum is located. */
        state = ECM_KWW_CONVERGED;
        break;
      }
      lambda *= nu;
      nu *= 2.0;
    }
  }
  *iterations = it;
  *chi2_out = chi2;
  return state;
}
