/* Internal helpers of the simulators (not installed): counter-based random numbers, the
 * truth-map fields, the domain tessellation and the expected dynamic correlation length.
 * Unit tests reach these directly. */
#ifndef ECM_SIM_INTERNAL_H
#define ECM_SIM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ecm/sim.h"
#include "ecm/status.h"

/* ---- Counter-based random streams -------------------------------------------------------
 * Every random number of a simulation comes from a xoshiro256** generator seeded from
 * (seed, stream, a, b) through splitmix64 hashing, where a, b are coordinates in the
 * sample frame (or a domain id). The numbers a pixel sees therefore depend on nothing but
 * the seed and where the pixel is: not on the thread count, the processing order or the
 * size of the simulated canvas. */

enum {
  ECM__SIM_STREAM_G1 = 1,           /* white noise under ln tau */
  ECM__SIM_STREAM_G2 = 2,           /* white noise under beta */
  ECM__SIM_STREAM_FIELD = 3,        /* per-pixel innovations U */
  ECM__SIM_STREAM_DOMAIN_SEEDS = 4, /* Poisson seed points of the domain tessellation */
  ECM__SIM_STREAM_DOMAIN_FIELD = 5, /* per-domain shared innovations S */
  ECM__SIM_STREAM_POISSON = 6,      /* counting noise */
  ECM__SIM_STREAM_DRIFT = 7,        /* drift random walk */
  ECM__SIM_STREAM_CRYSTAL = 8,      /* crystal centres */
  ECM__SIM_STREAM_CRYSTAL_FIELD = 9 /* per-site static field of a crystal */
};

typedef struct ecm__sim_rng {
  uint64_t s[4];
} ecm__sim_rng;

/* splitmix64 finaliser: a bijective 64-bit mixer. */
static inline uint64_t ecm__sim_mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Hash of (seed, stream, a, b). */
static inline uint64_t ecm__sim_key(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b) {
  uint64_t h = ecm__sim_mix64(seed + 0x9E3779B97F4A7C15ull);
  h = ecm__sim_mix64(h ^ (stream * 0xD6E8FEB86659FD93ull + 0x9E3779B97F4A7C15ull));
  h = ecm__sim_mix64(h ^ (a * 0xA0761D6478BD642Full + 0x9E3779B97F4A7C15ull));
  h = ecm__sim_mix64(h ^ (b * 0xE7037ED1A0B428DBull + 0x9E3779B97F4A7C15ull));
  return h;
}

/* Seed a generator for stream (seed, stream, a, b); signed coordinates are passed as
 * (uint64_t)(int64_t) values. */
static inline void ecm__sim_rng_seed(ecm__sim_rng *r, uint64_t seed, uint64_t stream, uint64_t a,
                                     uint64_t b) {
  uint64_t x = ecm__sim_key(seed, stream, a, b);
  for (int i = 0; i < 4; i++) {
    x += 0x9E3779B97F4A7C15ull;
    r->s[i] = ecm__sim_mix64(x);
  }
  if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1; /* never the all-zero state */
}

static inline uint64_t ecm__sim_rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman & Vigna 2018). */
static inline uint64_t ecm__sim_rng_next(ecm__sim_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = ecm__sim_rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = ecm__sim_rotl(s[3], 45);
  return result;
}

/* Uniform double in [0, 1) with 53 random bits. */
static inline double ecm__sim_uniform(ecm__sim_rng *r) {
  return (double)(ecm__sim_rng_next(r) >> 11) * 0x1p-53;
}

/* Uniform double in (0, 1). */
static inline double ecm__sim_uniform_open(ecm__sim_rng *r) {
  return ((double)(ecm__sim_rng_next(r) >> 12) + 0.5) * 0x1p-52;
}

/* One standard normal (double precision Box-Muller; for the cold paths). */
double ecm__sim_normal(ecm__sim_rng *r);

/* n circular complex normals Z (E Z = 0, E|Z|^2 = 1, E Z^2 = 0) as interleaved (re, im)
 * floats, by a branch-free Box-Muller transform that vectorises: |Z|^2 = -ln u1 and
 * arg Z = 2 pi u2 from one 64-bit draw (31 bits for u1, 24 for the phase), with polynomial
 * ln, sin and cos accurate to a few float ulps. */
void ecm__sim_cnormals(ecm__sim_rng *r, float *z, size_t n);

/* Poisson variate of mean mu >= 0 (inversion below ECM__SIM_POISSON_PTRS_MIN, Hormann's
 * PTRS transformed rejection above). */
double ecm__sim_poisson(ecm__sim_rng *r, double mu);
#define ECM__SIM_POISSON_PTRS_MIN 10.0

/* ---- Gaussian random fields --------------------------------------------------------------
 * Unit-variance Gaussian field on the sites (y0 + i, x0 + j), i < ny, j < nx, of the
 * sample frame: white noise from stream (seed, stream, y, x) filtered by a separable
 * Gaussian kernel of standard deviation corr_px / sqrt(2), truncated at
 * ECM__SIM_KERNEL_NSIGMA standard deviations and renormalised so that the field's variance
 * is exactly 1. Its correlation is exp(-d^2 / (2 corr_px^2)) (up to the truncation);
 * corr_px = 0 gives white noise. Values depend only on the site, not on the window. */
#define ECM__SIM_KERNEL_NSIGMA 4.5
ecm_status ecm__sim_grf(uint64_t seed, uint64_t stream, double corr_px, int64_t y0, int64_t x0,
                        size_t ny, size_t nx, int threads, double *out);

/* ---- Domain tessellation -----------------------------------------------------------------
 * Voronoi cells of a Poisson point process of density 1 / (pi (d/2)^2) (mean cell area
 * pi d^2 / 4: the equivalent-circle diameter of the mean cell is d). The points are drawn
 * per grid cell of side d from stream (seed, DOMAIN_SEEDS, cell y, cell x), so the label of
 * a site depends only on the seed, d and the site. Labels are 64-bit ids (hashes). */
uint64_t ecm__sim_domain_label(uint64_t seed, double d_px, double y, double x);

/* P_same(k) for rings k = 1..kmax (out[k-1]): the probability that two sites at a distance
 * in [k - 0.5, k + 0.5) carry the same label, over all pairs of sites of an ny x nx label
 * map whose `use` flag is set (use may be NULL: all). npairs (optional, kmax entries)
 * receives the pair counts. */
ecm_status ecm__sim_psame(const uint64_t *label, const uint8_t *use, size_t ny, size_t nx,
                          size_t kmax, int threads, double *out, double *npairs);

/* Fit y(k) = A exp(-k / R) + B over k = 1..n (weights 1) and return R (px); NaN when the
 * data do not decay. */
double ecm__sim_fit_exp(const double *y, size_t n);

/* ---- Geometry -------------------------------------------------------------------------- */

/* Region (0 vacuum, 1 bulk, 2 surface) of the sample-frame site (y, x). */
int ecm__sim_region(const ecm_sim_params *p, double y, double x);

/* Wire width actually used (resolves 0 = 0.6 nx). */
double ecm__sim_wire_width(const ecm_sim_params *p);

/* Region code of a crystal site, and the most crystals (docs/simulator.md §8). */
#define ECM__SIM_REGION_CRYSTAL 3
#define ECM__SIM_MAX_CRYSTALS 1000
/* Legal range of aging_factor. */
#define ECM__SIM_AGING_MIN 1e-2
#define ECM__SIM_AGING_MAX 1e2

/* Centres (cy[k], cx[k]), k < p->crystal_count, of the crystals in sample coordinates
 * (whole pixels), drawn from stream (seed, CRYSTAL, 0, 0): uniform over the sample sites at
 * least crystal_radius_px inside the part of the sample that every frame of the drift
 * (sx, sy: nt shifts) shows, without overlap and with the whole disc in the sample where
 * possible, relaxing those conditions in turn when they cannot be met. Depends only on the
 * parameters and the shifts. */
void ecm__sim_crystal_centres(const ecm_sim_params *p, const double *sx, const double *sy,
                              double *cy, double *cx);

#endif
