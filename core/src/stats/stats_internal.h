/* Internal helpers of the stats module (not installed): a small, portable random generator
 * so that seeded results are identical on every platform, and the weighted straight line
 * shared by the Arrhenius and xi-tau fits. */
#ifndef ECM_STATS_INTERNAL_H
#define ECM_STATS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ecm/stats.h"

/* splitmix64 (Steele, Lea & Flood 2014): one 64-bit state, full period. */
typedef struct ecm__stats_rng {
  uint64_t s;
} ecm__stats_rng;

static inline uint64_t ecm__stats_rng_next(ecm__stats_rng *r) {
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Uniform integer in [0, n) (n >= 1) by rejection, free of modulo bias. */
static inline size_t ecm__stats_rng_below(ecm__stats_rng *r, size_t n) {
  uint64_t m = (uint64_t)n, lim = UINT64_MAX - UINT64_MAX % m, v;
  do v = ecm__stats_rng_next(r);
  while (v >= lim);
  return (size_t)(v % m);
}

/* Weighted line y = a + b x over n points with sigmas s (NULL: unweighted), closed form
 * (Press et al., Numerical Recipes 15.2). Fills every field of *out; npar is the number of
 * parameters of the caller's model (2, or 3 with a fitted RFOT exponent) for dof. Returns
 * ECM_ENUMERIC when the x values do not span (determinant 0), ECM_ENODATA when n < 2. */
ecm_status ecm__stats_linfit(const double *x, const double *y, const double *s, size_t n,
                             size_t npar, ecm_linfit *out);

#endif
