/* g4: both variants equal a brute-force O(N R^2 P) double reference written independently of
 * the FFT code (random data, irregular mask with a hole, rings crossing the ROI edge, lag 0);
 * xi_exp recovers the simulator's xi_expected_px on data with shared-event domains; bad input;
 * budget. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecm/g4.h"
#include "ecm/sim.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static double urand(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (double)((rng_state * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0);
}

/* Ring of an offset by its definition k - 1/2 <= |d| < k + 1/2 (floating point; no offset of
 * integer coordinates sits within rounding of a half-integer radius). */
static long ring_of(long dy, long dx) {
  return (long)floor(sqrt((double)(dy * dy + dx * dx)) + 0.5);
}

/* Literal Eq. 3, brute force. */
static double ref_literal(const float *d, size_t N, size_t ny, size_t nx, const uint8_t *m,
                          size_t dt, long k) {
  size_t np = ny * nx;
  double *ib = malloc(N * np * sizeof *ib);
  uint8_t *ok = calloc(np, 1);
  for (size_t y = 0; y < ny; y++)
    for (size_t x = 0; x < nx; x++) {
      size_t q = y * nx + x;
      if (!m[q]) continue;
      for (size_t t = 0; t < N; t++) {
        double s = 0;
        long c = 0;
        for (long yy = 0; yy < (long)ny; yy++)
          for (long xx = 0; xx < (long)nx; xx++)
            if (m[yy * (long)nx + xx] && ring_of(yy - (long)y, xx - (long)x) == k) {
              s += d[t * np + (size_t)yy * nx + (size_t)xx];
              c++;
            }
        ok[q] = c > 0;
        ib[t * np + q] = c ? s / (double)c : 0;
      }
    }
  double s4 = 0, a0 = 0, a1 = 0, b0 = 0, b1 = 0, cnt = 0;
  for (size_t t = 0; t + dt < N; t++)
    for (size_t q = 0; q < np; q++) {
      if (!ok[q]) continue;
      double i0 = d[t * np + q], i1 = d[(t + dt) * np + q];
      double j0 = ib[t * np + q], j1 = ib[(t + dt) * np + q];
      s4 += i0 * i1 * j0 * j1;
      a0 += i0;
      a1 += i1;
      b0 += j0;
      b1 += j1;
      cnt += 1;
    }
  free(ib);
  free(ok);
  return (s4 / cnt) / ((a0 / cnt) * (a1 / cnt) * (b0 / cnt) * (b1 / cnt));
}

/* Conventional: four-fold product over ordered in-ROI pairs at ring distance k. */
static double ref_conv(const float *d, size_t N, size_t ny, size_t nx, const uint8_t *m, size_t dt,
                       long k) {
  size_t np = ny * nx;
  double s4 = 0, a = 0, b = 0, c = 0, e = 0, cnt = 0;
  for (size_t q = 0; q < np; q++) {
    if (!m[q]) continue;
    for (size_t q2 = 0; q2 < np; q2++) {
      if (!m[q2]) continue;
      long dy = (long)(q2 / nx) - (long)(q / nx), dx = (long)(q2 % nx) - (long)(q % nx);
      if (ring_of(dy, dx) != k) continue;
      for (size_t t = 0; t + dt < N; t++) {
        double i0 = d[t * np + q], i1 = d[(t + dt) * np + q];
        double j0 = d[t * np + q2], j1 = d[(t + dt) * np + q2];
        s4 += i0 * i1 * j0 * j1;
        a += i0;
        b += i1;
        c += j0;
        e += j1;
        cnt += 1;
      }
    }
  }
  return (s4 / cnt) / ((a / cnt) * (b / cnt) * (c / cnt) * (e / cnt));
}

static void check_variant(ecm_g4_variant variant) {
  const size_t N = 23, ny = 13, nx = 17, R = 5;
  size_t np = ny * nx;
  float *d = malloc(N * np * sizeof *d);
  double *st = malloc(np * sizeof *st);
  for (size_t q = 0; q < np; q++) st[q] = urand();
  for (size_t t = 0; t < N; t++)
    for (size_t q = 0; q < np; q++) {
      st[q] = 0.7 * st[q] + 0.3 * urand();
      d[t * np + q] = (float)(0.2 + 2.0 * st[q] * (1.0 + 0.3 * (double)(q % 5)));
    }
  ecm_mask *mask;
  assert_int_equal(ecm_mask_alloc(ny, nx, &mask), ECM_OK);
  for (size_t y = 0; y < ny; y++)
    for (size_t x = 0; x < nx; x++) {
      double ry = ((double)y - 6) / 6.0, rx = ((double)x - 8) / 8.5;
      int in = ry * ry + rx * rx < 1.05 && !(y >= 5 && y <= 7 && x >= 7 && x <= 8);
      mask->inside[y * nx + x] = (uint8_t)in;
      if (!in) d[5 * np + y * nx + x] = NAN; /* outside values must be ignored */
    }
  size_t dts[] = {0, 1, 4, 22};
  ecm_g4_params p = ecm_g4_default_params();
  p.variant = variant;
  p.dt = dts;
  p.n_dt = 4;
  p.max_r = R;
  ecm_view v = ecm_view_contiguous(d, N, ny, nx);
  ecm_g4_result *r = NULL;
  ecm_run run = ecm_run_default();
  for (int threads = 1; threads <= 3; threads += 2) {
    run.threads = threads;
    assert_int_equal(ecm_g4_compute(&v, mask, &p, &run, &r), ECM_OK);
    assert_int_equal(r->n_r, R + 1);
    double worst = 0;
    for (size_t i = 0; i < 4; i++)
      for (long k = 0; k <= (long)R; k++) {
        double ref = variant == ECM_G4_LITERAL ? ref_literal(d, N, ny, nx, mask->inside, dts[i], k)
                                               : ref_conv(d, N, ny, nx, mask->inside, dts[i], k);
        double got = r->g4[i * r->n_r + (size_t)k];
        double rel = fabs(got - ref) / fabs(ref);
        if (rel > worst) worst = rel;
        if (!(rel < 1e-10))
          fail_msg("%s dt %zu k %ld: %.15g vs %.15g", ecm_g4_variant_name(variant), dts[i], k, got,
                   ref);
      }
    printf("# %s: worst relative difference to brute force %.2e (threads %d)\n",
           ecm_g4_variant_name(variant), worst, threads);
    ecm_g4_result_free(r);
    r = NULL;
  }
  ecm_mask_free(mask);
  free(st);
  free(d);
}

static void test_literal_brute(void **state) {
  (void)state;
  check_variant(ECM_G4_LITERAL);
}
static void test_conventional_brute(void **state) {
  (void)state;
  check_variant(ECM_G4_CONVENTIONAL);
}

/* xi_exp on simulated domains versus xi_expected_px. */
static void test_xi_sim(void **state) {
  (void)state;
  ecm_sim_params sp = ecm_sim_default_params();
  sp.nt = 400;
  sp.ny = sp.nx = 64;
  sp.domain_size_px = 8;
  sp.shared_fraction = 0.8;
  sp.tau_median_s = 5;
  sp.tau_sigma = 0;
  sp.frame_interval_s = 0.5; /* tau = 10 frames */
  sp.xi_fit_max_px = 16;
  /* Relative tolerances, measured over seeds 1..3 (docs/g4.md): conventional within 4.1%,
   * literal 10-13% low (its 1/n(Δr) ring-noise term steepens the decay). */
  const double tol = 0.10, tol_lit = 0.20;
  for (uint64_t seed = 1; seed <= 3; seed++) {
    sp.seed = seed;
    ecm_sim_result *sim = NULL;
    ecm_run run = ecm_run_default();
    assert_int_equal(ecm_sim_darkfield(&sp, &run, &sim), ECM_OK);
    ecm_view v = ecm_stack_view(sim->stack);
    size_t dts[] = {10};
    ecm_g4_params p = ecm_g4_default_params();
    p.dt = dts;
    p.n_dt = 1;
    p.max_r = 16;
    for (int var = 0; var < 2; var++) {
      p.variant = var ? ECM_G4_CONVENTIONAL : ECM_G4_LITERAL;
      ecm_g4_result *r = NULL;
      assert_int_equal(ecm_g4_compute(&v, NULL, &p, &run, &r), ECM_OK);
      ecm_g4_xi xi;
      assert_int_equal(ecm_g4_xi_exp(r, 0, 1, 16, &xi), ECM_OK);
      printf("# seed %llu %s: xi_exp %.3f +- %.3f px, expected %.3f px (A %.4f B %.4f)\n",
             (unsigned long long)seed, ecm_g4_variant_name(p.variant), xi.xi, xi.xi_err,
             sim->xi_expected_px, xi.A, xi.B);
      if (p.variant == ECM_G4_CONVENTIONAL) {
        assert_true(xi.ok);
        assert_true(fabs(xi.xi / sim->xi_expected_px - 1) < tol);
      } else {
        assert_true(fabs(xi.xi / sim->xi_expected_px - 1) < tol_lit);
      }
      ecm_g4_result_free(r);
    }
    ecm_sim_result_free(sim);
  }
}

static void test_bad_input(void **state) {
  (void)state;
  float d[4 * 3 * 3] = {0};
  for (size_t i = 0; i < 36; i++) d[i] = 1.0f + (float)(i % 3);
  ecm_view v = ecm_view_contiguous(d, 4, 3, 3);
  size_t dts[] = {4};
  ecm_g4_params p = ecm_g4_default_params();
  ecm_g4_result *r = NULL;
  assert_int_equal(ecm_g4_compute(&v, NULL, &p, NULL, &r), ECM_EINVAL); /* no lags */
  p.dt = dts;
  p.n_dt = 1;
  assert_int_equal(ecm_g4_compute(&v, NULL, &p, NULL, &r), ECM_EINVAL); /* lag >= N */
  dts[0] = 1;
  p.max_r = ECM_G4_MAX_R + 1;
  assert_int_equal(ecm_g4_compute(&v, NULL, &p, NULL, &r), ECM_EINVAL);
  p.max_r = 2;
  ecm_run run = ecm_run_default();
  run.memory_budget = 16;
  assert_int_equal(ecm_g4_compute(&v, NULL, &p, &run, &r), ECM_ENOMEM);
  assert_null(r);
  assert_int_equal(ecm_g4_compute(&v, NULL, &p, NULL, &r), ECM_OK);
  ecm_g4_xi xi;
  assert_int_equal(ecm_g4_xi_exp(r, 0, 0, 2, &xi), ECM_EINVAL); /* < 4 rings */
  assert_int_equal(ecm_g4_xi_exp(r, 1, 0, 2, &xi), ECM_EINVAL);
  ecm_g4_result_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_literal_brute),
      cmocka_unit_test(test_conventional_brute),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_xi_sim),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
