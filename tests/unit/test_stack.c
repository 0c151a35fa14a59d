/* stack: allocation limits, views, masks, calibration, frame ranges, binning, run options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "ecm/stack.h"
#include "stack/run_internal.h"

static void test_size_arith(void **state) {
  (void)state;
  size_t n = 0;
  assert_int_equal(ecm_size_mul(1000, 1000, &n), ECM_OK);
  assert_int_equal(n, 1000000);
  assert_int_equal(ecm_size_mul(SIZE_MAX / 2 + 1, 2, &n), ECM_EOVERFLOW);
  assert_int_equal(ecm_size_mul3(1u << 22, 1u << 22, 1u << 22, &n), ECM_EOVERFLOW);
  assert_true(strstr(ecm_errmsg(), "overflows") != NULL);
  assert_int_equal(ecm_size_mul3(4000, 256, 256, &n), ECM_OK);
  assert_int_equal(n, (size_t)4000 * 256 * 256);
}

static void test_alloc(void **state) {
  (void)state;
  ecm_stack *s = NULL;
  assert_int_equal(ecm_stack_alloc(0, 4, 4, &s), ECM_EINVAL);
  assert_null(s);
  assert_int_equal(ecm_stack_alloc(ECM_MAX_DIM + 1, 4, 4, &s), ECM_EOVERFLOW);
  assert_int_equal(ecm_stack_alloc((size_t)1 << 24, (size_t)1 << 24, (size_t)1 << 24, &s),
                   ECM_EOVERFLOW);
  assert_int_equal(ecm_stack_alloc(3, 4, 5, &s), ECM_OK);
  assert_int_equal(s->nt, 3);
  assert_string_equal(s->calib.time_unit, "frame");
  assert_string_equal(s->calib.space_unit, "pixel");
  for (size_t i = 0; i < 60; i++) assert_true(s->data[i] == 0.0f);
  ecm_stack_free(s);
  ecm_stack_free(NULL);
}

static ecm_stack *ramp(size_t nt, size_t ny, size_t nx) {
  ecm_stack *s = NULL;
  if (ecm_stack_alloc(nt, ny, nx, &s) != ECM_OK) return NULL;
  for (size_t t = 0; t < nt; t++)
    for (size_t y = 0; y < ny; y++)
      for (size_t x = 0; x < nx; x++) s->data[(t * ny + y) * nx + x] = (float)(100 * t + 10 * y + x);
  return s;
}

static void test_views(void **state) {
  (void)state;
  ecm_stack *s = ramp(4, 5, 6);
  ecm_view v = ecm_stack_view(s), w;
  assert_true(ecm_view_at(&v, 2, 3, 4) == 234.0f);
  assert_int_equal(ecm_view_sub(&v, 1, 2, 1, 3, 2, 4, &w), ECM_OK);
  assert_int_equal(w.nt, 2);
  assert_true(ecm_view_at(&w, 0, 0, 0) == 112.0f);
  assert_true(ecm_view_at(&w, 1, 2, 3) == 235.0f);
  assert_int_equal(ecm_view_sub(&v, 3, 2, 0, 1, 0, 1, &w), ECM_EINVAL);
  assert_int_equal(ecm_view_sub(&v, 0, 0, 0, 1, 0, 1, &w), ECM_EINVAL);
  assert_int_equal(ecm_view_sub(&v, 0, 1, 0, 1, 5, 2, &w), ECM_EINVAL);
  /* A reversed-time view through a negative stride. */
  ecm_view r = v;
  r.data = v.data + 3 * v.st;
  r.st = -v.st;
  ecm_stack *c = NULL;
  assert_int_equal(ecm_stack_from_view(&r, &c), ECM_OK);
  assert_true(c->data[0] == 300.0f);
  assert_true(c->data[(3 * 5 + 4) * 6 + 5] == 45.0f);
  ecm_stack_free(c);
  ecm_stack_free(s);
}

static void test_masks(void **state) {
  (void)state;
  ecm_stack *s = ramp(1, 4, 4);
  s->data[0] = 0.0f; /* (0,0) outside */
  ecm_view v = ecm_stack_view(s);
  ecm_mask *m = NULL;
  assert_int_equal(ecm_mask_from_view(&v, &m), ECM_OK);
  assert_int_equal(ecm_mask_count(m), 15);
  assert_int_equal(ecm_mask_check(m, 4, 4), ECM_OK);
  assert_int_equal(ecm_mask_check(m, 4, 5), ECM_ESIZE);
  assert_true(strstr(ecm_errmsg(), "4 x 4") != NULL);
  memset(m->inside, 0, 16);
  assert_int_equal(ecm_mask_check(m, 4, 4), ECM_ENODATA);
  assert_int_equal(ecm_mask_check(NULL, 4, 4), ECM_OK);
  ecm_mask_free(m);
  ecm_mask_free(NULL);
  ecm_stack_free(s);
}

static void test_calib(void **state) {
  (void)state;
  ecm_calib c;
  ecm_calib_init(&c);
  assert_false(ecm_calib_has_time(&c));
  assert_false(ecm_calib_has_space(&c));
  assert_true(ecm_calib_dt_seconds(&c) == 0.0);
  c.frame_interval = 250;
  strcpy(c.time_unit, "ms");
  assert_true(fabs(ecm_calib_dt_seconds(&c) - 0.25) < 1e-15);
  strcpy(c.time_unit, "sec");
  assert_true(ecm_calib_dt_seconds(&c) == 250.0);
  strcpy(c.time_unit, "min");
  assert_true(ecm_calib_dt_seconds(&c) == 15000.0);
  strcpy(c.time_unit, "frame");
  assert_true(ecm_calib_dt_seconds(&c) == 0.0);
  assert_int_equal(ecm_calib_set_dt(&c, 0.37), ECM_OK);
  assert_string_equal(c.time_unit, "s");
  assert_true(ecm_calib_dt_seconds(&c) == 0.37);
  assert_int_equal(ecm_calib_set_dt(&c, -1), ECM_EINVAL);
  assert_int_equal(ecm_calib_set_dt(&c, NAN), ECM_EINVAL);
  c.pixel_width = c.pixel_height = 0.25;
  assert_false(ecm_calib_has_space(&c));
  strcpy(c.space_unit, "nm");
  assert_true(ecm_calib_has_space(&c));
}

static void test_frames(void **state) {
  (void)state;
  size_t a, n;
  assert_int_equal(ecm_frames_parse("1:10", 100, &a, &n), ECM_OK);
  assert_int_equal(a, 0);
  assert_int_equal(n, 10);
  assert_int_equal(ecm_frames_parse("51:", 100, &a, &n), ECM_OK);
  assert_int_equal(a, 50);
  assert_int_equal(n, 50);
  assert_int_equal(ecm_frames_parse(":20", 100, &a, &n), ECM_OK);
  assert_int_equal(a, 0);
  assert_int_equal(n, 20);
  assert_int_equal(ecm_frames_parse("7", 100, &a, &n), ECM_OK);
  assert_int_equal(a, 6);
  assert_int_equal(n, 1);
  assert_int_equal(ecm_frames_parse("100:100", 100, &a, &n), ECM_OK);
  assert_int_equal(ecm_frames_parse("0:10", 100, &a, &n), ECM_EINVAL);
  assert_int_equal(ecm_frames_parse("10:5", 100, &a, &n), ECM_ENODATA);
  assert_int_equal(ecm_frames_parse("1:101", 100, &a, &n), ECM_ENODATA);
  assert_int_equal(ecm_frames_parse("abc", 100, &a, &n), ECM_EINVAL);
  assert_int_equal(ecm_frames_parse("1:2:3", 100, &a, &n), ECM_EINVAL);
  assert_int_equal(ecm_frames_parse("", 100, &a, &n), ECM_EINVAL);
  assert_int_equal(ecm_frames_parse("-3:4", 100, &a, &n), ECM_EINVAL);
  assert_int_equal(ecm_frames_parse("99999999999999999999999:1", 100, &a, &n), ECM_EINVAL);
}

static void test_binning(void **state) {
  (void)state;
  ecm_stack *s = ramp(5, 4, 6);
  s->calib.frame_interval = 0.5;
  strcpy(s->calib.time_unit, "s");
  s->calib.pixel_width = s->calib.pixel_height = 0.2;
  strcpy(s->calib.space_unit, "nm");
  ecm_view v = ecm_stack_view(s);
  ecm_stack *b = NULL;
  assert_int_equal(ecm_stack_bin(&v, 2, 2, ECM_BIN_SUM, &b), ECM_OK);
  assert_int_equal(b->nt, 2);
  assert_int_equal(b->ny, 2);
  assert_int_equal(b->nx, 3);
  /* Frames 0-1, rows 0-1, columns 0-1: sum of 100t + 10y + x over the 8 values = 100*4+10*4+4. */
  assert_true(b->data[0] == 444.0f);
  assert_true(fabs(b->calib.frame_interval - 1.0) < 1e-12);
  assert_true(fabs(b->calib.pixel_width - 0.4) < 1e-12);
  ecm_stack_free(b);
  assert_int_equal(ecm_stack_bin(&v, 1, 1, ECM_BIN_MEAN, &b), ECM_OK);
  assert_memory_equal(b->data, s->data, 5 * 4 * 6 * sizeof(float));
  ecm_stack_free(b);
  assert_int_equal(ecm_stack_bin(&v, 5, 1, ECM_BIN_MEAN, &b), ECM_OK);
  assert_true(fabs(b->data[7] - (200.0f + 10 + 1)) < 1e-4);
  ecm_stack_free(b);
  assert_int_equal(ecm_stack_bin(&v, 0, 1, ECM_BIN_SUM, &b), ECM_EINVAL);
  assert_int_equal(ecm_stack_bin(&v, 6, 1, ECM_BIN_SUM, &b), ECM_ENODATA);
  assert_null(b);
  ecm_stack_free(s);
}

static int cancel_at_half(void *user, double f, const char *stage) {
  (void)stage;
  int *calls = user;
  (*calls)++;
  return f >= 0.5;
}

static void test_run(void **state) {
  (void)state;
  ecm_run r = ecm_run_default();
  assert_int_equal(r.threads, 0);
  assert_true(ecm__run_threads(&r) >= 1);
  r.threads = 3;
  assert_int_equal(ecm__run_threads(&r), 3);
  assert_int_equal(ecm__run_report(&r, 0.9, "x"), ECM_OK); /* no callback */
  int calls = 0;
  r.progress = cancel_at_half;
  r.user = &calls;
  assert_int_equal(ecm__run_report(&r, 0.25, "g2"), ECM_OK);
  assert_int_equal(ecm__run_report(&r, 0.75, "g2"), ECM_ECANCELED);
  assert_int_equal(calls, 2);
  assert_true(strstr(ecm_errmsg(), "g2") != NULL);
  r.memory_budget = 1000;
  assert_int_equal(ecm__run_reserve(&r, 999, "x"), ECM_OK);
  assert_int_equal(ecm__run_reserve(&r, 1001, "the g2 scratch"), ECM_ENOMEM);
  assert_true(strstr(ecm_errmsg(), "the g2 scratch") != NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_size_arith), cmocka_unit_test(test_alloc),
      cmocka_unit_test(test_views),      cmocka_unit_test(test_masks),
      cmocka_unit_test(test_calib),      cmocka_unit_test(test_frames),
      cmocka_unit_test(test_binning),    cmocka_unit_test(test_run)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
