/* stats: summaries, the log-normal fit and its FWHM, histograms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "ecm/stats.h"

static void test_summary(void **state) {
  (void)state;
  double x[] = {5, 1, NAN, 3, 2, 4, INFINITY};
  ecm_summary s;
  assert_int_equal(ecm_stats_summary(x, 7, &s), ECM_OK);
  assert_int_equal(s.n, 5);
  assert_true(s.mean == 3 && s.median == 3 && s.min == 1 && s.max == 5);
  assert_true(s.q25 == 2 && s.q75 == 4);
  assert_true(fabs(s.sd - sqrt(2.5)) < 1e-12);
  double y[] = {NAN, NAN};
  assert_int_equal(ecm_stats_summary(y, 2, &s), ECM_ENODATA);
}

static double urand(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return ((*s >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static void test_lognormal(void **state) {
  (void)state;
  size_t n = 200000;
  double *x = malloc(n * sizeof *x);
  uint64_t s = 7;
  for (size_t i = 0; i < n; i++) {
    double u = urand(&s), v = urand(&s);
    double g = sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
    x[i] = 37.3 * exp(0.613 * g);
  }
  x[0] = -1; /* skipped: not positive */
  x[1] = NAN;
  ecm_lognormal ln;
  assert_int_equal(ecm_stats_lognormal_fit(x, n, &ln), ECM_OK);
  assert_int_equal(ln.n, n - 2);
  /* Tolerances: 4 standard errors. */
  assert_true(fabs(ln.tau_med - 37.3) < 4 * ln.tau_med_err);
  assert_true(fabs(ln.sigma - 0.613) < 4 * ln.sigma_err);
  /* FWHM from the closed form equals a numerical half-maximum search of the pdf. */
  double peak = ecm_stats_lognormal_pdf(ln.mode, ln.tau_med, ln.sigma);
  assert_true(peak > ecm_stats_lognormal_pdf(ln.mode * 1.01, ln.tau_med, ln.sigma));
  assert_true(peak > ecm_stats_lognormal_pdf(ln.mode * 0.99, ln.tau_med, ln.sigma));
  double lo = ln.mode, hi = ln.mode;
  while (ecm_stats_lognormal_pdf(lo, ln.tau_med, ln.sigma) > peak / 2) lo *= 0.99999;
  while (ecm_stats_lognormal_pdf(hi, ln.tau_med, ln.sigma) > peak / 2) hi *= 1.00001;
  assert_true(fabs((hi - lo) - ln.fwhm) < 1e-3 * ln.fwhm);
  double one[] = {3};
  assert_int_equal(ecm_stats_lognormal_fit(one, 1, &ln), ECM_ENODATA);
  free(x);
}

static void test_histogram(void **state) {
  (void)state;
  double x[] = {1, 2, 3, 10, 100, 1000, 0, NAN};
  double e[4];
  size_t c[3], out;
  assert_int_equal(ecm_stats_histogram(x, 8, 1, 1000, 3, 1, e, c, &out), ECM_OK);
  assert_true(fabs(e[1] - 10) < 1e-9 && fabs(e[2] - 100) < 1e-9);
  assert_int_equal(c[0], 3); /* 1, 2, 3 */
  assert_int_equal(c[1], 1); /* 10 */
  assert_int_equal(c[2], 2); /* 100, 1000 (upper edge inclusive) */
  assert_int_equal(out, 2);  /* 0 and NaN */
  assert_int_equal(ecm_stats_histogram(x, 8, 0, 10, 3, 1, e, c, &out), ECM_EINVAL);
  assert_int_equal(ecm_stats_histogram(x, 8, 0, 10, 5 - 5, 0, e, c, &out), ECM_EINVAL);
  assert_int_equal(ecm_stats_histogram(x, 8, 0, 12, 3, 0, e, c, &out), ECM_OK);
  assert_int_equal(c[0] + c[1] + c[2], 5);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_summary),
                                     cmocka_unit_test(test_lognormal),
                                     cmocka_unit_test(test_histogram)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
