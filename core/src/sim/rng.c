/* Random variates for the simulators: normals, vectorisable circular complex normals and
 * Poisson counts, all from counter-seeded xoshiro256** streams (sim_internal.h). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "sim/sim_internal.h"

#define ECM__SIM_TWO_PI 6.283185307179586476925286766559

double ecm__sim_normal(ecm__sim_rng *r) {
  double u1 = ecm__sim_uniform_open(r), u2 = ecm__sim_uniform(r);
  return sqrt(-2.0 * log(u1)) * cos(ECM__SIM_TWO_PI * u2);
}

/* ---- complex normals --------------------------------------------------------------------
 * Box-Muller in the form Z = sqrt(E) exp(i theta), E ~ Exp(1) = -ln u1, theta = 2 pi u2.
 * The kernel below is written branch-free (selects as arithmetic, no libm calls) so that
 * compilers vectorise it with baseline SSE2; libm's sqrtf/logf/sincosf would not vectorise
 * without -ffast-math. Accuracy: ln to ~2 ulp (atanh series on [sqrt(1/2), sqrt(2))),
 * sin and cos on [0, pi/2) to < 1e-7 (Taylor to degree 11/12), sqrt by three Newton steps
 * of the reciprocal square root (~1 ulp). u1 has 31 random bits (so E <= 22.2: the Exp(1)
 * tail beyond has probability 2e-10), the phase 24 (quadrant from 2 bits, 22 inside). */

#define ECM__SIM_NORMAL_BATCH 256

/* On x86-64 Linux with GCC, also build an AVX2 clone of the kernel, picked at load time.
 * Both clones do the same IEEE operations (no FMA contraction in ISO C mode, and "avx2"
 * does not enable FMA), so they return bit-identical numbers: determinism holds across
 * machines. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define ECM__SIM_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define ECM__SIM_CLONES
#endif

static inline float ecm__sim_as_float(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static inline uint32_t ecm__sim_as_uint(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

ECM__SIM_CLONES void ecm__sim_cnormals(ecm__sim_rng *r, float *z, size_t n) {
  uint32_t hi[ECM__SIM_NORMAL_BATCH], lo[ECM__SIM_NORMAL_BATCH];
  for (size_t j0 = 0; j0 < n; j0 += ECM__SIM_NORMAL_BATCH) {
    size_t m = n - j0 < ECM__SIM_NORMAL_BATCH ? n - j0 : ECM__SIM_NORMAL_BATCH;
    for (size_t i = 0; i < m; i++) {
      uint64_t x = ecm__sim_rng_next(r);
      hi[i] = (uint32_t)(x >> 32);
      lo[i] = (uint32_t)x;
    }
    float *zz = z + 2 * j0;
    for (size_t i = 0; i < m; i++) {
      /* u1 in (0, 1], from 31 bits */
      float u1 = ((float)(int32_t)(hi[i] >> 1) + 0.5f) * 0x1p-31f;
      /* phase: quadrant k from 2 bits, fraction f in (0, 1) from 22 bits */
      float f = ((float)(int32_t)(lo[i] & 0x3FFFFFu) + 0.5f) * 0x1p-22f;
      int32_t k = (int32_t)((lo[i] >> 22) & 3u);
      /* -ln u1 */
      uint32_t bits = ecm__sim_as_uint(u1);
      int32_t e = (int32_t)(bits >> 23) - 127;
      float mm = ecm__sim_as_float((bits & 0x7FFFFFu) | 0x3F800000u); /* [1, 2) */
      int32_t big = (int32_t)(ecm__sim_as_uint(mm) > 0x3FB504F3u);    /* mm > sqrt(2) */
      mm = mm * (1.0f - 0.5f * (float)big);
      e += big;
      float s = (mm - 1.0f) / (mm + 1.0f), s2 = s * s;
      float lnm = 1.0f / 9;
      lnm = lnm * s2 + 1.0f / 7;
      lnm = lnm * s2 + 1.0f / 5;
      lnm = lnm * s2 + 1.0f / 3;
      lnm = (lnm * s2 + 1.0f) * 2.0f * s;
      float ex = -((float)e * 0.693147180559945f + lnm) + 1e-30f; /* > 0 */
      /* sqrt(ex) = ex * rsqrt(ex) */
      float y = ecm__sim_as_float(0x5F375A86u - (ecm__sim_as_uint(ex) >> 1));
      y = y * (1.5f - 0.5f * ex * y * y);
      y = y * (1.5f - 0.5f * ex * y * y);
      y = y * (1.5f - 0.5f * ex * y * y);
      float rad = ex * y;
      /* cos and sin of (pi/2) f */
      float th = f * 1.57079632679489662f, t2 = th * th;
      float sn = -1.0f / 39916800; /* Taylor series in Horner form */
      sn = sn * t2 + 1.0f / 362880;
      sn = sn * t2 - 1.0f / 5040;
      sn = sn * t2 + 1.0f / 120;
      sn = sn * t2 - 1.0f / 6;
      sn = (sn * t2 + 1.0f) * th;
      float cs = 1.0f / 479001600;
      cs = cs * t2 - 1.0f / 3628800;
      cs = cs * t2 + 1.0f / 40320;
      cs = cs * t2 - 1.0f / 720;
      cs = cs * t2 + 1.0f / 24;
      cs = cs * t2 - 0.5f;
      cs = cs * t2 + 1.0f;
      /* rotate by k quarter turns: (c, s), (-s, c), (-c, -s), (s, -c) */
      float sw = (float)(k & 1);
      float a = sn * sw + cs * (1.0f - sw), b = cs * sw + sn * (1.0f - sw);
      float sr = (float)(1 - 2 * ((k ^ (k >> 1)) & 1)), si = (float)(1 - 2 * (k >> 1));
      zz[2 * i] = rad * a * sr;
      zz[2 * i + 1] = rad * b * si;
    }
  }
}

/* ---- Poisson ------------------------------------------------------------------------------ */

/* ln Gamma(x) for x >= 1 (Stirling series with upward recurrence; as numpy's random_loggam;
 * libm's lgamma is not thread-safe: it writes signgam). */
static double ecm__sim_loggam(double x) {
  static const double a[10] = {
      8.333333333333333e-02, -2.777777777777778e-03, 7.936507936507937e-04, -5.952380952380952e-04,
      8.417508417508418e-04, -1.917526917526918e-03, 6.410256410256410e-03, -2.955065359477124e-02,
      1.796443723688307e-01, -1.39243221690590e+00};
  if (x == 1.0 || x == 2.0) return 0.0;
  double x0 = x;
  int n = 0;
  if (x <= 7.0) {
    n = (int)(7.0 - x);
    x0 = x + n;
  }
  double x2 = 1.0 / (x0 * x0), gl0 = a[9];
  for (int k = 8; k >= 0; k--) gl0 = gl0 * x2 + a[k];
  double gl = gl0 / x0 + 0.5 * log(ECM__SIM_TWO_PI) + (x0 - 0.5) * log(x0) - x0;
  for (int k = 1; k <= n; k++) {
    gl -= log(x0 - 1.0);
    x0 -= 1.0;
  }
  return gl;
}

double ecm__sim_poisson(ecm__sim_rng *r, double mu) {
  if (!(mu > 0)) return 0.0;
  if (mu < ECM__SIM_POISSON_PTRS_MIN) {
    /* multiplication (inversion) method: expected mu + 1 uniforms */
    double enlam = exp(-mu), prod = 1.0, k = 0.0;
    for (;;) {
      prod *= ecm__sim_uniform(r);
      if (prod > enlam)
        k += 1.0;
      else
        return k;
    }
  }
  /* PTRS: Hormann, "The transformed rejection method for generating Poisson random
   * variables", Insurance: Mathematics and Economics 12 (1993) 39-45. */
  double slam = sqrt(mu), loglam = log(mu);
  double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    double u = ecm__sim_uniform_open(r) - 0.5, v = ecm__sim_uniform_open(r);
    double us = 0.5 - fabs(u);
    double k = floor((2.0 * a / us + b) * u + mu + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (log(v) + log(invalpha) - log(a / (us * us) + b) <=
        -mu + k * loglam - ecm__sim_loggam(k + 1))
      return k;
  }
}
