/* Unit tests of the prep module: dark/gain arithmetic and flagged pixels, the hot/dead-pixel
 * mask on a noisy series with planted defects, repair, normalisation removing an imposed
 * beam drift exactly, thread-count independence, cancellation, memory budget, bad input. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ecm/prep.h"

static uint64_t mix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static double unif(uint64_t key) {
  return ((double)(mix(key) >> 11) + 0.5) * 0x1p-53;
}

static double normal(uint64_t key) {
  return sqrt(-2.0 * log(unif(2 * key))) * cos(6.283185307179586 * unif(2 * key + 1));
}

/* nt frames of ny x nx: a random static pattern (mean `level`, spread 20 %) plus noise */
static ecm_stack *noisy_stack(size_t nt, size_t ny, size_t nx, double level, double noise,
                              uint64_t seed) {
  ecm_stack *s = NULL;
  assert_int_equal(ecm_stack_alloc(nt, ny, nx, &s), ECM_OK);
  for (size_t t = 0; t < nt; t++)
    for (size_t i = 0; i < ny * nx; i++)
      s->data[t * ny * nx + i] = (float)(level * (1.0 + 0.2 * normal(seed * 1000003 + i)) +
                                         noise * normal(seed * 7919 + 1000000 + t * ny * nx + i));
  return s;
}

static void test_params(void **state) {
  (void)state;
  ecm_prep_params p = ecm_prep_default_params();
  assert_int_equal(ecm_prep_check_params(&p), ECM_OK);
  assert_true(isnan(p.flag_value));
  assert_true(p.gain_normalize);
  p.hot_sigma = 0;
  assert_int_equal(ecm_prep_check_params(&p), ECM_EINVAL);
  assert_non_null(strstr(ecm_errmsg(), "hot_sigma"));
  assert_int_equal(ecm_prep_check_params(NULL), ECM_EINVAL);
}

/* ---- dark / gain ------------------------------------------------------------------------ */

static void test_dark_gain(void **state) {
  (void)state;
  const size_t nt = 3, ny = 4, nx = 5, n = ny * nx;
  ecm_stack *s = noisy_stack(nt, ny, nx, 100, 5, 1), *orig = NULL;
  ecm_view sv = ecm_stack_view(s);
  assert_int_equal(ecm_stack_from_view(&sv, &orig), ECM_OK);
  ecm_stack *dark = noisy_stack(2, ny, nx, 10, 2, 2), *gain = noisy_stack(1, ny, nx, 2, 0, 3);
  gain->data[3] = 0.0f;          /* flagged: gain 0 */
  gain->data[7] = -1.0f;         /* flagged: negative */
  gain->data[11] = NAN;          /* flagged: not finite */
  dark->data[n + 13] = INFINITY; /* flagged: dark not finite (second dark frame) */
  double gsum = 0;
  size_t gn = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(gain->data[i]) && gain->data[i] > 0) {
      gsum += gain->data[i];
      gn++;
    }
  const double gmean = gsum / (double)gn;
  ecm_view dv = ecm_stack_view(dark), gv = ecm_stack_view(gain);
  ecm_mask *good = NULL;
  size_t nflag = 0;
  assert_int_equal(ecm_prep_dark_gain(s, &dv, &gv, NULL, NULL, &good, &nflag), ECM_OK);
  assert_int_equal(nflag, 4);
  assert_int_equal(ecm_mask_count(good), n - 4);
  for (size_t t = 0; t < nt; t++)
    for (size_t i = 0; i < n; i++) {
      const float got = s->data[t * n + i];
      if (i == 3 || i == 7 || i == 11 || i == 13) {
        assert_true(isnan(got));
        assert_int_equal(good->inside[i], 0);
        continue;
      }
      assert_int_equal(good->inside[i], 1);
      const double d = 0.5 * ((double)dark->data[i] + dark->data[n + i]);
      const double want = ((double)orig->data[t * n + i] - d) / (gain->data[i] / gmean);
      assert_float_equal(got, want, 1e-6 * fabs(want) + 1e-6);
    }
  ecm_mask_free(good);

  /* dark only, a custom flag value and no normalisation of the gain */
  memcpy(s->data, orig->data, nt * n * sizeof(float));
  assert_int_equal(ecm_prep_dark_gain(s, &dv, NULL, NULL, NULL, NULL, &nflag), ECM_OK);
  assert_int_equal(nflag, 1);
  assert_float_equal(s->data[0], orig->data[0] - 0.5 * ((double)dark->data[0] + dark->data[n]),
                     1e-4);
  memcpy(s->data, orig->data, nt * n * sizeof(float));
  ecm_prep_params p = ecm_prep_default_params();
  p.gain_normalize = 0;
  p.flag_value = -1.0f;
  assert_int_equal(ecm_prep_dark_gain(s, NULL, &gv, &p, NULL, NULL, NULL), ECM_OK);
  assert_float_equal(s->data[n + 1], (double)orig->data[n + 1] / gain->data[1], 1e-4);
  assert_true(s->data[n + 3] == -1.0f);

  /* errors */
  assert_int_equal(ecm_prep_dark_gain(s, NULL, NULL, NULL, NULL, NULL, NULL), ECM_EINVAL);
  assert_int_equal(ecm_prep_dark_gain(NULL, &dv, NULL, NULL, NULL, NULL, NULL), ECM_EINVAL);
  ecm_view small;
  assert_int_equal(ecm_view_sub(&dv, 0, 1, 0, 3, 0, 5, &small), ECM_OK);
  assert_int_equal(ecm_prep_dark_gain(s, &small, NULL, NULL, NULL, &good, NULL), ECM_ESIZE);
  assert_null(good);
  for (size_t i = 0; i < n; i++) gain->data[i] = -2.0f;
  assert_int_equal(ecm_prep_dark_gain(s, NULL, &gv, NULL, NULL, NULL, NULL), ECM_ENODATA);
  ecm_stack_free(s);
  ecm_stack_free(orig);
  ecm_stack_free(dark);
  ecm_stack_free(gain);
}

/* ---- hot / dead pixels ------------------------------------------------------------------ */

static void test_bad_pixels(void **state) {
  (void)state;
  const size_t nt = 60, ny = 40, nx = 48, n = ny * nx;
  ecm_stack *s = noisy_stack(nt, ny, nx, 100, 10, 4);
  /* smooth the static pattern so that the neighbourhood median predicts a pixel: real
   * images are correlated over a few pixels */
  for (size_t t = 0; t < nt; t++)
    for (size_t y = 0; y < ny; y++)
      for (size_t x = 0; x < nx; x++)
        s->data[t * n + y * nx + x] = (float)(100.0 + 5.0 * sin(0.3 * (double)x) + 0.1 * (double)y +
                                              10.0 * normal(77 + t * n + y * nx + x));
  const size_t hot = 5 * nx + 7, hot2a = 20 * nx + 30, hot2b = 20 * nx + 31, cold = 33 * nx + 40,
               deadc = 12 * nx + 12, nanpx = 0, edge = 39 * nx + 47;
  for (size_t t = 0; t < nt; t++) {
    float *f = s->data + t * n;
    f[hot] += 40.0f;   /* ~30 robust SDs of the temporal mean */
    f[hot2a] += 60.0f; /* a pair of adjacent hot pixels */
    f[hot2b] += 50.0f;
    f[cold] -= 40.0f;
    f[deadc] = 0.0f;  /* dead: constant */
    f[edge] += 45.0f; /* hot in the corner (3 neighbours) */
  }
  s->data[17 * n + nanpx] = NAN; /* one bad value: dead */
  ecm_view v = ecm_stack_view(s);
  ecm_mask *good = NULL;
  ecm_prep_pixel_counts c;
  assert_int_equal(ecm_prep_bad_pixels(&v, NULL, NULL, &good, &c), ECM_OK);
  print_message("  robust sd of the residual %.3f (noise of a temporal mean %.3f)\n", c.robust_sd,
                10.0 / sqrt((double)nt));
  assert_int_equal(c.n_pixels, n);
  assert_int_equal(c.n_hot, 4);
  assert_int_equal(c.n_cold, 1);
  assert_int_equal(c.n_dead, 2);
  assert_int_equal(c.n_nonfinite, 1);
  assert_int_equal(c.n_good, n - 7);
  assert_int_equal(ecm_mask_count(good), n - 7);
  const size_t bad[7] = {hot, hot2a, hot2b, cold, deadc, nanpx, edge};
  for (int k = 0; k < 7; k++) assert_int_equal(good->inside[bad[k]], 0);
  assert_true(c.robust_sd > 0.5 * 10.0 / sqrt((double)nt) && c.robust_sd < 4.0);
  ecm_mask_free(good);

  /* without cold flagging; and the same for 1 and 2 threads */
  ecm_prep_params p = ecm_prep_default_params();
  p.flag_cold = 0;
  ecm_run run = ecm_run_default();
  ecm_mask *g1 = NULL, *g2 = NULL;
  run.threads = 1;
  assert_int_equal(ecm_prep_bad_pixels(&v, &p, &run, &g1, &c), ECM_OK);
  assert_int_equal(c.n_cold, 0);
  assert_int_equal(g1->inside[cold], 1);
  run.threads = 2;
  assert_int_equal(ecm_prep_bad_pixels(&v, &p, &run, &g2, NULL), ECM_OK);
  assert_memory_equal(g1->inside, g2->inside, n);
  ecm_mask_free(g1);
  ecm_mask_free(g2);

  /* too few frames */
  ecm_view one;
  assert_int_equal(ecm_view_sub(&v, 0, 1, 0, ny, 0, nx, &one), ECM_OK);
  assert_int_equal(ecm_prep_bad_pixels(&one, NULL, NULL, &good, NULL), ECM_ENODATA);
  assert_null(good);
  assert_int_equal(ecm_prep_bad_pixels(&v, NULL, NULL, NULL, NULL), ECM_EINVAL);
  ecm_stack_free(s);
}

static void test_repair(void **state) {
  (void)state;
  const size_t nt = 2, ny = 5, nx = 6, n = ny * nx;
  ecm_stack *s = NULL;
  assert_int_equal(ecm_stack_alloc(nt, ny, nx, &s), ECM_OK);
  for (size_t i = 0; i < nt * n; i++) s->data[i] = (float)(i % 17);
  ecm_mask *good = NULL;
  assert_int_equal(ecm_mask_alloc(ny, nx, &good), ECM_OK);
  good->inside[2 * nx + 2] = 0; /* interior: 8 good neighbours */
  good->inside[0] = 0;          /* corner: neighbours (0,1), (1,0), (1,1) */
  good->inside[1] = 0;          /* so the corner keeps 2 good neighbours */
  /* an isolated island: (4, 5) and all its neighbours bad */
  good->inside[3 * nx + 4] = good->inside[3 * nx + 5] = good->inside[4 * nx + 4] = 0;
  good->inside[4 * nx + 5] = 0;
  s->data[n + 1 * nx + 0] = NAN; /* frame 1: a non-finite good neighbour is skipped */
  ecm_stack *orig = NULL;
  ecm_view sv = ecm_stack_view(s);
  assert_int_equal(ecm_stack_from_view(&sv, &orig), ECM_OK);
  size_t unrep = 99;
  assert_int_equal(ecm_prep_repair(s, good, NULL, &unrep), ECM_OK);
  assert_int_equal(unrep, 1);
  for (size_t t = 0; t < nt; t++) {
    const float *o = orig->data + t * n, *f = s->data + t * n;
    double acc = 0;
    for (int dy = -1; dy <= 1; dy++)
      for (int dx = -1; dx <= 1; dx++)
        if (dy || dx) acc += o[(2 + dy) * nx + 2 + dx];
    assert_float_equal(f[2 * nx + 2], acc / 8, 1e-5);
    if (t == 0) {
      assert_float_equal(f[0], (o[nx] + o[nx + 1]) / 2.0, 1e-5);
    } else {
      assert_float_equal(f[0], o[nx + 1], 1e-5); /* (1, 0) is NaN in frame 1 */
    }
    assert_true(f[4 * nx + 5] == o[4 * nx + 5]); /* unrepaired: unchanged */
    for (size_t i = 0; i < n; i++)
      if (good->inside[i]) assert_memory_equal(&f[i], &o[i], sizeof(float));
  }
  ecm_mask *wrong = NULL;
  assert_int_equal(ecm_mask_alloc(ny + 1, nx, &wrong), ECM_OK);
  assert_int_equal(ecm_prep_repair(s, wrong, NULL, NULL), ECM_ESIZE);
  assert_int_equal(ecm_prep_repair(s, NULL, NULL, NULL), ECM_EINVAL);
  ecm_mask_free(wrong);
  ecm_mask_free(good);
  ecm_stack_free(s);
  ecm_stack_free(orig);
}

/* ---- normalisation ---------------------------------------------------------------------- */

static void test_normalize(void **state) {
  (void)state;
  const size_t nt = 50, ny = 16, nx = 20, n = ny * nx;
  /* a static sample S times a linear beam drift B(t) = 1 + 0.4 t / (nt - 1) */
  ecm_stack *s = noisy_stack(1, ny, nx, 50, 0, 5), *d = NULL;
  assert_int_equal(ecm_stack_alloc(nt, ny, nx, &d), ECM_OK);
  double bsum = 0;
  for (size_t t = 0; t < nt; t++) {
    const double B = 1.0 + 0.4 * (double)t / (double)(nt - 1);
    bsum += B;
    for (size_t i = 0; i < n; i++) d->data[t * n + i] = (float)(s->data[i] * B);
  }
  ecm_mask *ref = NULL;
  assert_int_equal(ecm_mask_alloc(ny, nx, &ref), ECM_OK);
  memset(ref->inside, 0, n);
  for (size_t y = 2; y < 6; y++)
    for (size_t x = 3; x < 9; x++) ref->inside[y * nx + x] = 1;
  double rs = 0;
  for (size_t i = 0; i < n; i++)
    if (ref->inside[i]) rs += s->data[i];
  rs /= (double)ecm_mask_count(ref);
  double level[50], mean_level = 0;
  size_t skipped = 9;
  assert_int_equal(ecm_prep_normalize(d, ref, NULL, level, &mean_level, &skipped), ECM_OK);
  assert_int_equal(skipped, 0);
  assert_float_equal(mean_level, rs * bsum / (double)nt, 1e-5 * mean_level);
  double worst = 0;
  for (size_t t = 0; t < nt; t++) {
    const double B = 1.0 + 0.4 * (double)t / (double)(nt - 1);
    assert_float_equal(level[t], rs * B, 1e-5 * level[t]);
    /* I'(t) = S * mean_t(B): the drift is gone */
    for (size_t i = 0; i < n; i++) {
      const double want = s->data[i] * bsum / (double)nt;
      worst = fmax(worst, fabs(d->data[t * n + i] - want) / fabs(want));
    }
  }
  print_message("  normalisation: largest relative deviation from S mean(B): %.2e\n", worst);
  assert_true(worst < 1e-6);

  /* a frame whose reference region is unusable is left alone and counted */
  for (size_t i = 0; i < n; i++)
    if (ref->inside[i]) d->data[7 * n + i] = NAN;
  const float keep = d->data[7 * n + 0];
  assert_int_equal(ecm_prep_normalize(d, ref, NULL, level, NULL, &skipped), ECM_OK);
  assert_int_equal(skipped, 1);
  assert_true(isnan(level[7]));
  assert_true(d->data[7 * n + 0] == keep);

  /* errors */
  ecm_mask *wrong = NULL;
  assert_int_equal(ecm_mask_alloc(ny, nx + 2, &wrong), ECM_OK);
  assert_int_equal(ecm_prep_normalize(d, wrong, NULL, NULL, NULL, NULL), ECM_ESIZE);
  memset(ref->inside, 0, n);
  assert_int_equal(ecm_prep_normalize(d, ref, NULL, NULL, NULL, NULL), ECM_ENODATA);
  assert_int_equal(ecm_prep_normalize(d, NULL, NULL, NULL, NULL, NULL), ECM_EINVAL);
  ecm_mask_free(wrong);
  ecm_mask_free(ref);
  ecm_stack_free(s);
  ecm_stack_free(d);
}

/* ---- threads, cancellation, budget ------------------------------------------------------ */

typedef struct progress_log {
  int calls, cancel_at;
} progress_log;

static int on_progress(void *user, double fraction, const char *stage) {
  progress_log *g = user;
  assert_true(fraction >= 0 && fraction <= 1);
  assert_non_null(strstr(stage, "prep"));
  return ++g->calls >= g->cancel_at;
}

static void test_threads_cancel_budget(void **state) {
  (void)state;
  const size_t nt = 100, ny = 24, nx = 24, n = ny * nx;
  ecm_stack *a = noisy_stack(nt, ny, nx, 100, 10, 6), *b = NULL;
  ecm_view av = ecm_stack_view(a);
  ecm_stack *dark = noisy_stack(1, ny, nx, 10, 0, 7), *gain = noisy_stack(1, ny, nx, 1, 0, 8);
  ecm_view dv = ecm_stack_view(dark), gv = ecm_stack_view(gain);
  ecm_mask *ref = NULL, *good = NULL;
  assert_int_equal(ecm_mask_alloc(ny, nx, &ref), ECM_OK);
  assert_int_equal(ecm_mask_alloc(ny, nx, &good), ECM_OK);
  good->inside[40] = good->inside[41] = 0;
  /* 1 vs 2 threads */
  assert_int_equal(ecm_stack_from_view(&av, &b), ECM_OK);
  ecm_run r1 = ecm_run_default(), r2 = ecm_run_default();
  r1.threads = 1;
  r2.threads = 2;
  assert_int_equal(ecm_prep_dark_gain(a, &dv, &gv, NULL, &r1, NULL, NULL), ECM_OK);
  assert_int_equal(ecm_prep_dark_gain(b, &dv, &gv, NULL, &r2, NULL, NULL), ECM_OK);
  assert_int_equal(ecm_prep_repair(a, good, &r1, NULL), ECM_OK);
  assert_int_equal(ecm_prep_repair(b, good, &r2, NULL), ECM_OK);
  assert_int_equal(ecm_prep_normalize(a, ref, &r1, NULL, NULL, NULL), ECM_OK);
  assert_int_equal(ecm_prep_normalize(b, ref, &r2, NULL, NULL, NULL), ECM_OK);
  assert_memory_equal(a->data, b->data, nt * n * sizeof(float));

  /* cancellation at the first and at a later report */
  ecm_run run = ecm_run_default();
  run.progress = on_progress;
  for (int at = 1; at <= 2; at++) {
    progress_log g = {0, at};
    run.user = &g;
    ecm_mask *m = (ecm_mask *)1;
    size_t nf = 77;
    assert_int_equal(ecm_prep_dark_gain(a, &dv, &gv, NULL, &run, &m, &nf), ECM_ECANCELED);
    assert_null(m);
    assert_int_equal(nf, 77);
    g.calls = 0;
    m = (ecm_mask *)1;
    assert_int_equal(ecm_prep_bad_pixels(&av, NULL, &run, &m, NULL), ECM_ECANCELED);
    assert_null(m);
    g.calls = 0;
    assert_int_equal(ecm_prep_repair(a, good, &run, NULL), ECM_ECANCELED);
    g.calls = 0;
    assert_int_equal(ecm_prep_normalize(a, ref, &run, NULL, NULL, NULL), ECM_ECANCELED);
  }
  /* memory budget */
  ecm_run small = ecm_run_default();
  small.memory_budget = 64;
  ecm_mask *m = NULL;
  assert_int_equal(ecm_prep_bad_pixels(&av, NULL, &small, &m, NULL), ECM_ENOMEM);
  assert_null(m);
  assert_int_equal(ecm_prep_dark_gain(a, &dv, NULL, NULL, &small, NULL, NULL), ECM_ENOMEM);
  assert_int_equal(ecm_prep_repair(a, good, &small, NULL), ECM_ENOMEM);
  assert_non_null(strstr(ecm_errmsg(), "budget"));
  ecm_mask_free(ref);
  ecm_mask_free(good);
  ecm_stack_free(a);
  ecm_stack_free(b);
  ecm_stack_free(dark);
  ecm_stack_free(gain);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_params),     cmocka_unit_test(test_dark_gain),
      cmocka_unit_test(test_bad_pixels), cmocka_unit_test(test_repair),
      cmocka_unit_test(test_normalize),  cmocka_unit_test(test_threads_cancel_budget),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
