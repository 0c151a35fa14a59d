/* Unit tests of the fft module: every transform kind and precision against a naive DFT
 * computed in long double, sizes, the plan cache and its error paths, concurrent use.
 * Tolerances: relative L2 error <= 2e-6 (float) and 1e-13 (double) — FFT round-off grows as
 * eps * O(log n), so these hold with a wide margin, while any indexing, sign or scaling
 * mistake gives errors of order 1. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ecm/fft.h"
#include "fft/fft_internal.h"

#define TOL_F 2e-6
#define TOL_D 1e-13

static const long double PI_L = 3.141592653589793238462643383279502884L;

/* Deterministic test data in [-1, 1). */
static double test_value(unsigned long i, unsigned long salt) {
  uint64_t z = (uint64_t)i * 0x9E3779B97F4A7C15ull + salt * 0xD1B54A32D192ED03ull + 1;
  z ^= z >> 31;
  z *= 0xBF58476D1CE4E5B9ull;
  z ^= z >> 29;
  return (double)(z >> 11) * 0x1p-53 * 2.0 - 1.0;
}

/* Naive 2D DFT (rank 1: n1 = 1) of complex data x (interleaved), sign -1 or +1. */
static void naive_dft(const long double *x, long double *y, size_t n0, size_t n1, int sign) {
  for (size_t k0 = 0; k0 < n0; k0++)
    for (size_t k1 = 0; k1 < n1; k1++) {
      long double re = 0, im = 0;
      for (size_t j0 = 0; j0 < n0; j0++)
        for (size_t j1 = 0; j1 < n1; j1++) {
          long double ph =
              sign * 2 * PI_L *
              ((long double)((j0 * k0) % n0) / n0 + (long double)((j1 * k1) % n1) / n1);
          long double c = cosl(ph), s = sinl(ph);
          long double xr = x[2 * (j0 * n1 + j1)], xi = x[2 * (j0 * n1 + j1) + 1];
          re += xr * c - xi * s;
          im += xr * s + xi * c;
        }
      y[2 * (k0 * n1 + k1)] = re;
      y[2 * (k0 * n1 + k1) + 1] = im;
    }
}

/* Relative L2 error of `got` (float or double scalars) against ref. */
static double rel_err_f(const float *got, const long double *ref, size_t m) {
  long double num = 0, den = 0;
  for (size_t i = 0; i < m; i++) {
    long double d = (long double)got[i] - ref[i];
    num += d * d;
    den += ref[i] * ref[i];
  }
  return den > 0 ? (double)sqrtl(num / den) : (double)sqrtl(num);
}

static double rel_err_d(const double *got, const long double *ref, size_t m) {
  long double num = 0, den = 0;
  for (size_t i = 0; i < m; i++) {
    long double d = (long double)got[i] - ref[i];
    num += d * d;
    den += ref[i] * ref[i];
  }
  return den > 0 ? (double)sqrtl(num / den) : (double)sqrtl(num);
}

/* ---- sizes --------------------------------------------------------------------------- */

static int is_smooth(size_t m) {
  const size_t primes[] = {2, 3, 5, 7};
  for (int i = 0; i < 4; i++)
    while (m % primes[i] == 0) m /= primes[i];
  return m == 1;
}

static void test_good_size(void **state) {
  (void)state;
  size_t g;
  assert_int_equal(ecm_fft_good_size(0, &g), ECM_OK);
  assert_int_equal(g, 1);
  assert_int_equal(ecm_fft_good_size(4001, &g), ECM_OK);
  assert_int_equal(g, 4032);
  assert_int_equal(ecm_fft_good_size(8000, &g), ECM_OK);
  assert_int_equal(g, 8000);
  for (size_t n = 1; n <= 3000; n++) {
    size_t want = n;
    while (!is_smooth(want)) want++;
    assert_int_equal(ecm_fft_good_size(n, &g), ECM_OK);
    assert_int_equal(g, want);
    size_t even = n;
    while (even % 2 || !is_smooth(even)) even++;
    assert_int_equal(ecm__fft_good_size_even(n, &g), ECM_OK);
    assert_int_equal(g, even);
  }
  assert_int_equal(ecm_fft_good_size(SIZE_MAX, &g), ECM_EOVERFLOW);
  assert_int_equal(ecm_fft_good_size(10, NULL), ECM_EINVAL);
}

/* ---- c2c ----------------------------------------------------------------------------- */

static void check_c2c(size_t n0, size_t n1, int rank, ecm__fft_prec prec, int sign, int inplace) {
  ecm__fft_spec s = rank == 1 ? ecm__fft_spec_1d(ECM__FFT_C2C, prec, n0, sign)
                              : ecm__fft_spec_2d(ECM__FFT_C2C, prec, n0, n1, sign);
  s.inplace = inplace;
  const ecm__fft_plan *p = NULL;
  assert_int_equal(ecm__fft_plan_get(&s, &p), ECM_OK);
  size_t n = n0 * (rank == 2 ? n1 : 1);
  assert_int_equal(ecm__fft_plan_in_scalars(p), 2 * n);
  assert_int_equal(ecm__fft_plan_out_scalars(p), 2 * n);
  long double *x = malloc(2 * n * sizeof *x), *y = malloc(2 * n * sizeof *y);
  assert_non_null(x);
  assert_non_null(y);
  for (size_t i = 0; i < 2 * n; i++) x[i] = test_value(i, n0 * 131 + n1);
  naive_dft(x, y, n0, rank == 2 ? n1 : 1, sign);
  if (prec == ECM__FFT_F32) {
    float *a = ecm__fft_alloc(2 * n * sizeof(float));
    float *b = inplace ? a : ecm__fft_alloc(2 * n * sizeof(float));
    assert_non_null(a);
    assert_non_null(b);
    for (size_t i = 0; i < 2 * n; i++) a[i] = (float)x[i];
    assert_int_equal(ecm__fft_exec_f(p, a, b), ECM_OK);
    /* the reference uses the float-rounded input */
    for (size_t i = 0; i < 2 * n; i++) x[i] = (long double)(float)x[i];
    naive_dft(x, y, n0, rank == 2 ? n1 : 1, sign);
    assert_true(rel_err_f(b, y, 2 * n) < TOL_F);
    if (!inplace) ecm__fft_free(b);
    ecm__fft_free(a);
  } else {
    double *a = ecm__fft_alloc(2 * n * sizeof(double));
    double *b = inplace ? a : ecm__fft_alloc(2 * n * sizeof(double));
    assert_non_null(a);
    assert_non_null(b);
    for (size_t i = 0; i < 2 * n; i++) a[i] = (double)x[i];
    assert_int_equal(ecm__fft_exec_d(p, a, b), ECM_OK);
    assert_true(rel_err_d(b, y, 2 * n) < TOL_D);
    if (!inplace) ecm__fft_free(b);
    ecm__fft_free(a);
  }
  free(x);
  free(y);
  ecm__fft_plan_release(p);
}

static void test_c2c_1d(void **state) {
  (void)state;
  const size_t sizes[] = {1, 2, 3, 5, 8, 12, 30, 97, 210, 1000};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    for (int prec = 0; prec < 2; prec++)
      for (int sign = -1; sign <= 1; sign += 2)
        for (int inplace = 0; inplace < 2; inplace++)
          check_c2c(sizes[i], 1, 1, (ecm__fft_prec)prec, sign, inplace);
}

static void test_c2c_2d(void **state) {
  (void)state;
  const size_t sizes[][2] = {{1, 4}, {3, 5}, {8, 6}, {7, 7}, {16, 9}};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    for (int prec = 0; prec < 2; prec++)
      for (int sign = -1; sign <= 1; sign += 2)
        check_c2c(sizes[i][0], sizes[i][1], 2, (ecm__fft_prec)prec, sign, sign > 0);
}

/* ---- r2c / c2r ----------------------------------------------------------------------- */

static void check_real(size_t n0, size_t n1, int rank, ecm__fft_prec prec) {
  size_t rows = rank == 2 ? n0 : 1, last = rank == 2 ? n1 : n0, n = rows * last;
  size_t h = last / 2 + 1;
  ecm__fft_spec sf = rank == 1 ? ecm__fft_spec_1d(ECM__FFT_R2C, prec, n0, 0)
                               : ecm__fft_spec_2d(ECM__FFT_R2C, prec, n0, n1, 0);
  ecm__fft_spec sb = sf;
  sb.kind = ECM__FFT_C2R;
  const ecm__fft_plan *pf = NULL, *pb = NULL;
  assert_int_equal(ecm__fft_plan_get(&sf, &pf), ECM_OK);
  assert_int_equal(ecm__fft_plan_get(&sb, &pb), ECM_OK);
  assert_int_equal(ecm__fft_plan_in_scalars(pf), n);
  assert_int_equal(ecm__fft_plan_out_scalars(pf), 2 * rows * h);
  assert_int_equal(ecm__fft_plan_in_scalars(pb), 2 * rows * h);
  long double *x = calloc(2 * n, sizeof *x), *y = malloc(2 * n * sizeof *y);
  long double *yh = malloc(2 * rows * h * sizeof *yh), *xn = malloc(n * sizeof *xn);
  assert_true(x && y && yh && xn);
  for (size_t i = 0; i < n; i++) {
    double v = test_value(i, 77 + n);
    x[2 * i] = prec == ECM__FFT_F32 ? (long double)(float)v : (long double)v;
    xn[i] = n * x[2 * i];
  }
  naive_dft(x, y, rows, last, -1);
  if (rank == 1) {
    for (size_t k = 0; k < h; k++) {
      yh[2 * k] = y[2 * k];
      yh[2 * k + 1] = y[2 * k + 1];
    }
  } else {
    for (size_t r = 0; r < rows; r++)
      for (size_t k = 0; k < h; k++) {
        yh[2 * (r * h + k)] = y[2 * (r * last + k)];
        yh[2 * (r * h + k) + 1] = y[2 * (r * last + k) + 1];
      }
  }
  if (prec == ECM__FFT_F32) {
    float *a = ecm__fft_alloc(n * sizeof(float)), *c = ecm__fft_alloc(2 * rows * h * sizeof(float));
    float *back = ecm__fft_alloc(n * sizeof(float));
    assert_true(a && c && back);
    for (size_t i = 0; i < n; i++) a[i] = (float)x[2 * i];
    assert_int_equal(ecm__fft_exec_f(pf, a, c), ECM_OK);
    assert_true(rel_err_f(c, yh, 2 * rows * h) < TOL_F);
    assert_int_equal(ecm__fft_exec_f(pb, c, back), ECM_OK); /* overwrites c */
    assert_true(rel_err_f(back, xn, n) < TOL_F);
    ecm__fft_free(a);
    ecm__fft_free(c);
    ecm__fft_free(back);
  } else {
    double *a = ecm__fft_alloc(n * sizeof(double)),
           *c = ecm__fft_alloc(2 * rows * h * sizeof(double));
    double *back = ecm__fft_alloc(n * sizeof(double));
    assert_true(a && c && back);
    for (size_t i = 0; i < n; i++) a[i] = (double)x[2 * i];
    assert_int_equal(ecm__fft_exec_d(pf, a, c), ECM_OK);
    assert_true(rel_err_d(c, yh, 2 * rows * h) < TOL_D);
    assert_int_equal(ecm__fft_exec_d(pb, c, back), ECM_OK);
    assert_true(rel_err_d(back, xn, n) < TOL_D);
    ecm__fft_free(a);
    ecm__fft_free(c);
    ecm__fft_free(back);
  }
  free(x);
  free(y);
  free(yh);
  free(xn);
  ecm__fft_plan_release(pf);
  ecm__fft_plan_release(pb);
}

static void test_real_1d(void **state) {
  (void)state;
  const size_t sizes[] = {1, 2, 7, 16, 45, 128};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    check_real(sizes[i], 1, 1, ECM__FFT_F32);
    check_real(sizes[i], 1, 1, ECM__FFT_F64);
  }
}

static void test_real_2d(void **state) {
  (void)state;
  const size_t sizes[][2] = {{4, 6}, {5, 9}, {8, 8}, {3, 1}};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    check_real(sizes[i][0], sizes[i][1], 2, ECM__FFT_F32);
    check_real(sizes[i][0], sizes[i][1], 2, ECM__FFT_F64);
  }
}

/* ---- DCT-I = DFT of the even extension ------------------------------------------------ */

static void test_dct1(void **state) {
  (void)state;
  const size_t sizes[] = {2, 3, 9, 33, 101};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t n = sizes[i], m = 2 * (n - 1);
    long double *ext = calloc(2 * m, sizeof *ext), *y = malloc(2 * m * sizeof *y);
    assert_true(ext && y);
    double *a = ecm__fft_alloc(n * sizeof(double)), *b = ecm__fft_alloc(n * sizeof(double));
    float *af = ecm__fft_alloc(n * sizeof(float)), *bf = ecm__fft_alloc(n * sizeof(float));
    assert_true(a && b && af && bf);
    for (size_t k = 0; k < n; k++) {
      a[k] = test_value(k, 5 + n);
      af[k] = (float)a[k];
    }
    /* even extension of length m: ext[k] = a[min(k, m - k)] */
    for (size_t k = 0; k < m; k++) ext[2 * k] = a[k < m - k ? k : m - k];
    naive_dft(ext, y, m, 1, -1);
    long double *ref = malloc(n * sizeof *ref);
    assert_non_null(ref);
    for (size_t k = 0; k < n; k++) {
      ref[k] = y[2 * k];
      assert_true(fabsl(y[2 * k + 1]) < 1e-12L); /* the spectrum of an even sequence is real */
    }
    ecm__fft_spec s = ecm__fft_spec_1d(ECM__FFT_DCT1, ECM__FFT_F64, n, 0);
    const ecm__fft_plan *p = NULL;
    assert_int_equal(ecm__fft_plan_get(&s, &p), ECM_OK);
    assert_int_equal(ecm__fft_exec_d(p, a, b), ECM_OK);
    assert_true(rel_err_d(b, ref, n) < TOL_D);
    ecm__fft_plan_release(p);
    s.prec = ECM__FFT_F32;
    s.inplace = 1;
    assert_int_equal(ecm__fft_plan_get(&s, &p), ECM_OK);
    assert_int_equal(ecm__fft_exec_f(p, af, af), ECM_OK);
    assert_true(rel_err_f(af, ref, n) < TOL_F);
    ecm__fft_plan_release(p);
    ecm__fft_free(a);
    ecm__fft_free(b);
    ecm__fft_free(af);
    ecm__fft_free(bf);
    free(ext);
    free(y);
    free(ref);
  }
}

/* ---- cache ----------------------------------------------------------------------------- */

static void test_cache(void **state) {
  (void)state;
  ecm_fft_cleanup();
  size_t before = ecm__fft_cache_size();
  ecm__fft_spec s = ecm__fft_spec_1d(ECM__FFT_C2C, ECM__FFT_F32, 48, ECM__FFT_FORWARD);
  const ecm__fft_plan *a = NULL, *b = NULL, *c = NULL;
  assert_int_equal(ecm__fft_plan_get(&s, &a), ECM_OK);
  assert_int_equal(ecm__fft_plan_get(&s, &b), ECM_OK);
  assert_ptr_equal(a, b); /* same key, same shared plan */
  assert_int_equal(ecm__fft_cache_size(), before + 1);
  s.sign = ECM__FFT_BACKWARD;
  assert_int_equal(ecm__fft_plan_get(&s, &c), ECM_OK);
  assert_ptr_not_equal(a, c); /* the direction is part of the key */
  /* an ESTIMATE request is served by a MEASURE plan of the same key */
  ecm__fft_spec m = ecm__fft_spec_1d(ECM__FFT_R2C, ECM__FFT_F64, 60, 0);
  m.effort = ECM__FFT_MEASURE;
  const ecm__fft_plan *pm = NULL, *pe = NULL;
  assert_int_equal(ecm__fft_plan_get(&m, &pm), ECM_OK);
  m.effort = ECM__FFT_ESTIMATE;
  assert_int_equal(ecm__fft_plan_get(&m, &pe), ECM_OK);
  assert_ptr_equal(pm, pe);
  /* held plans survive cleanup; released ones do not */
  assert_true(ecm_fft_cleanup() >= 3);
  ecm__fft_plan_release(a);
  ecm__fft_plan_release(b);
  ecm__fft_plan_release(c);
  ecm__fft_plan_release(pm);
  ecm__fft_plan_release(pe);
  /* more distinct plans than the cap: unreferenced ones are evicted */
  for (size_t n = 1; n <= ECM__FFT_CACHE_CAP + 20; n++) {
    ecm__fft_spec t = ecm__fft_spec_1d(ECM__FFT_C2C, ECM__FFT_F64, n, ECM__FFT_FORWARD);
    const ecm__fft_plan *p = NULL;
    assert_int_equal(ecm__fft_plan_get(&t, &p), ECM_OK);
    ecm__fft_plan_release(p);
  }
  assert_true(ecm__fft_cache_size() <= ECM__FFT_CACHE_CAP);
  assert_int_equal(ecm_fft_cleanup(), 0);
  assert_int_equal(ecm__fft_cache_size(), 0);
  /* private plans */
  ecm__fft_plan *own = NULL;
  assert_int_equal(ecm__fft_plan_create(&s, &own), ECM_OK);
  assert_int_equal(ecm__fft_cache_size(), 0);
  assert_int_equal(ecm__fft_plan_spec(own)->n[0], 48);
  ecm__fft_plan_destroy(own);
  ecm__fft_plan_destroy(NULL);
  ecm__fft_plan_release(NULL);
}

/* ---- error paths ----------------------------------------------------------------------- */

static void test_errors(void **state) {
  (void)state;
  const ecm__fft_plan *p = NULL;
  ecm__fft_spec s = ecm__fft_spec_1d(ECM__FFT_C2C, ECM__FFT_F32, 0, ECM__FFT_FORWARD);
  assert_int_equal(ecm__fft_plan_get(&s, &p), ECM_EINVAL);
  assert_null(p);
  assert_non_null(strstr(ecm_errmsg(), "zero size"));
  s.n[0] = 16;
  s.sign = 0;
  assert_int_equal(ecm__fft_plan_get(&s, &p), ECM_EINVAL);
  s.sign = ECM__FFT_FORWARD;
  s.rank = 3;
  assert_int_equal(ecm__fft_plan_get(&s, &p), ECM_EINVAL);
  s = ecm__fft_spec_1d(ECM__FFT_R2C, ECM__FFT_F32, 16, 0);
  s.inplace = 1;
  assert_int_equal(ecm__fft_plan_get(&s, &p), ECM_EINVAL);
  s = ecm__fft_spec_1d(ECM__FFT_DCT1, ECM__FFT_F64, 1, 0);
  assert_int_equal(ecm__fft_plan_get(&s, &p), ECM_EINVAL);
  s = ecm__fft_spec_2d(ECM__FFT_DCT1, ECM__FFT_F64, 4, 4, 0);
  assert_int_equal(ecm__fft_plan_get(&s, &p), ECM_EINVAL);
  s = ecm__fft_spec_1d(ECM__FFT_C2C, ECM__FFT_F64, (size_t)1 << 40, ECM__FFT_FORWARD);
  assert_int_equal(ecm__fft_plan_get(&s, &p), ECM_EOVERFLOW);
  assert_int_equal(ecm__fft_plan_get(NULL, &p), ECM_EINVAL);

  s = ecm__fft_spec_1d(ECM__FFT_C2C, ECM__FFT_F32, 16, ECM__FFT_FORWARD);
  assert_int_equal(ecm__fft_plan_get(&s, &p), ECM_OK);
  float *a = ecm__fft_alloc(40 * sizeof(float)), *b = ecm__fft_alloc(40 * sizeof(float));
  double *d = ecm__fft_alloc(40 * sizeof(double));
  assert_true(a && b && d);
  memset(a, 0, 40 * sizeof(float));
  assert_int_equal(ecm__fft_exec_d(p, d, d + 0), ECM_EINVAL); /* wrong precision */
  assert_int_equal(ecm__fft_exec_f(p, a, a), ECM_EINVAL);     /* plan is out of place */
  assert_int_equal(ecm__fft_exec_f(p, a + 1, b), ECM_EINVAL); /* misaligned */
  assert_non_null(strstr(ecm_errmsg(), "aligned"));
  assert_int_equal(ecm__fft_exec_f(p, NULL, b), ECM_EINVAL);
  assert_int_equal(ecm__fft_exec_f(p, a, b), ECM_OK);
  ecm__fft_free(a);
  ecm__fft_free(b);
  ecm__fft_free(d);
  ecm__fft_free(NULL);
  assert_null(ecm__fft_alloc(0));
  ecm__fft_plan_release(p);
}

/* ---- concurrency: plans created and executed from several threads at once ------------- */

typedef struct worker_arg {
  int id;
  int failures;
} worker_arg;

static void *worker(void *argp) {
  worker_arg *arg = argp;
  for (int rep = 0; rep < 20; rep++) {
    size_t n = 20 + (size_t)((rep * 7 + arg->id * 3) % 40); /* overlapping sizes */
    ecm__fft_spec s = ecm__fft_spec_1d(ECM__FFT_C2C, ECM__FFT_F64, n, ECM__FFT_FORWARD);
    const ecm__fft_plan *p = NULL;
    if (ecm__fft_plan_get(&s, &p) != ECM_OK) {
      arg->failures++;
      continue;
    }
    double *a = ecm__fft_alloc(2 * n * sizeof(double)), *b = ecm__fft_alloc(2 * n * sizeof(double));
    long double *x = malloc(2 * n * sizeof *x), *y = malloc(2 * n * sizeof *y);
    if (!a || !b || !x || !y) {
      arg->failures++;
    } else {
      for (size_t i = 0; i < 2 * n; i++) a[i] = (double)(x[i] = test_value(i, (size_t)arg->id));
      naive_dft(x, y, n, 1, -1);
      if (ecm__fft_exec_d(p, a, b) != ECM_OK || rel_err_d(b, y, 2 * n) > TOL_D) arg->failures++;
    }
    ecm__fft_free(a);
    ecm__fft_free(b);
    free(x);
    free(y);
    ecm__fft_plan_release(p);
  }
  return NULL;
}

static void test_threads(void **state) {
  (void)state;
  enum { NT = 4 };
  pthread_t th[NT];
  worker_arg args[NT];
  for (int i = 0; i < NT; i++) {
    args[i].id = i;
    args[i].failures = 0;
    assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
  }
  for (int i = 0; i < NT; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(args[i].failures, 0);
  }
  assert_int_equal(ecm_fft_cleanup(), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_size), cmocka_unit_test(test_c2c_1d),
      cmocka_unit_test(test_c2c_2d),    cmocka_unit_test(test_real_1d),
      cmocka_unit_test(test_real_2d),   cmocka_unit_test(test_dct1),
      cmocka_unit_test(test_cache),     cmocka_unit_test(test_errors),
      cmocka_unit_test(test_threads),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  ecm_fft_cleanup();
  return rc;
}
