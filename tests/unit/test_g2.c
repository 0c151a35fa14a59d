/* g2: log bins, exact direct sums vs a literal Eq. 4 reference, FFT and multi-tau agreement,
 * degenerate pixels, maps, ensembles, threads and cancellation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ecm/g2.h"

/* Small deterministic generator (xorshift64*) and normals for test series. */
static uint64_t rng_state = 88172645463325252ull;
static double urand(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return ((rng_state * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0);
}
static double nrand(void) {
  double u = urand(), v = urand();
  if (u < 1e-300) u = 1e-300;
  return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

/* A speckle series: I = |E|^2 + b, E a complex AR(1) process with correlation exp(-t/tau). */
static void speckle(float *x, size_t stride, size_t n, double tau, double b) {
  double r = exp(-1.0 / tau), s = sqrt((1 - r * r) / 2);
  double re = nrand() / sqrt(2), im = nrand() / sqrt(2);
  for (size_t i = 0; i < n; i++) {
    x[i * stride] = (float)(re * re + im * im + b);
    re = r * re + s * nrand();
    im = r * im + s * nrand();
  }
}

/* Eq. 4 exactly as printed, in long double. */
static double eq4(const float *x, size_t n, size_t p) {
  long double num = 0, a = 0, b = 0;
  for (size_t i = 0; i + p < n; i++) {
    num += (long double)x[i] * x[i + p];
    a += x[i];
    b += x[i + p];
  }
  return (double)((long double)(n - p) * num / (a * b));
}

static void test_bins(void **state) {
  (void)state;
  ecm_g2_bins *b = NULL;
  assert_int_equal(ecm_g2_bins_create(2000, 10, &b), ECM_OK);
  assert_int_equal(b->edges[0], 1);
  assert_int_equal(b->edges[1], 2); /* lag 1 alone */
  assert_int_equal(b->edges[b->nbins], 2001);
  assert_int_equal(b->max_lag, 2000);
  for (size_t k = 0; k < b->nbins; k++) {
    assert_true(b->edges[k + 1] > b->edges[k]);
    assert_true(fabs(b->lag_mean[k] - 0.5 * (b->edges[k] + b->edges[k + 1] - 1)) < 1e-12);
    assert_true(b->lag_rep[k] >= b->edges[k] && b->lag_rep[k] < b->edges[k + 1]);
  }
  /* Ten points per decade: about 10 bins per decade once lags are dense (lags 100..1000). */
  size_t in_decade = 0;
  for (size_t k = 0; k < b->nbins; k++) in_decade += b->lag_mean[k] >= 100 && b->lag_mean[k] < 1000;
  assert_true(in_decade >= 9 && in_decade <= 11);
  ecm_g2_bins_destroy(b);
  assert_int_equal(ecm_g2_bins_create(0, 10, &b), ECM_EINVAL);
  assert_int_equal(ecm_g2_bins_create(10, 0.5, &b), ECM_EINVAL);
  assert_int_equal(ecm_g2_bins_create(1, 10, &b), ECM_OK);
  assert_int_equal(b->nbins, 1);
  ecm_g2_bins_destroy(b);
  ecm_g2_bins_destroy(NULL);
}

static void test_direct_equals_eq4(void **state) {
  (void)state;
  size_t n = 1500, L = 700;
  float *x = malloc(n * sizeof *x);
  double *g = malloc((L + 1) * sizeof *g);
  speckle(x, 1, n, 37.3, 0.8257);
  ecm_g2_state st;
  assert_int_equal(ecm_g2_series_direct(x, 1, n, L, g, &st), ECM_OK);
  assert_int_equal(st, ECM_G2_OK);
  for (size_t p = 0; p <= L; p++) assert_true(fabs(g[p] - eq4(x, n, p)) <= 1e-12 * fabs(g[p]));
  /* The speckle series decorrelates: g2(1) well above 1, g2 at 20 tau near 1. */
  assert_true(g[1] > 1.15);
  assert_true(fabs(g[700] - 1) < 0.1);
  free(x);
  free(g);
}

static void test_fft_matches_direct(void **state) {
  (void)state;
  size_t n = 4000, L = 2000;
  float *x = malloc(n * sizeof *x);
  double *gd = malloc((L + 1) * sizeof *gd), *gf = malloc((L + 1) * sizeof *gf);
  speckle(x, 1, n, 30, 0.8257);
  ecm_g2_state s1, s2;
  assert_int_equal(ecm_g2_series_direct(x, 1, n, L, gd, &s1), ECM_OK);
  assert_int_equal(ecm_g2_series_fft(x, 1, n, L, gf, &s2), ECM_OK);
  assert_int_equal(s2, ECM_G2_OK);
  double worst_rel = 0, worst_abs = 0;
  for (size_t p = 0; p <= L; p++) {
    double d = fabs(gf[p] - gd[p]);
    if (fabs(gd[p] - 1) > 0.01)
      worst_rel = fmax(worst_rel, d / fabs(gd[p] - 1));
    worst_abs = fmax(worst_abs, d);
  }
  print_message("FFT vs direct: max relative error of g2-1 (|g2-1| > 0.01) %.3g, max abs %.3g\n",
                worst_rel, worst_abs);
  assert_true(worst_rel <= 1e-5);
  assert_true(worst_abs <= 1e-6);
  free(x);
  free(gd);
  free(gf);
}

static void test_multitau(void **state) {
  (void)state;
  size_t n = 20000, L = 5000, m = 16;
  float *x = malloc(n * sizeof *x);
  double *gd = malloc((L + 2049) * sizeof *gd), lag[512], gm[512];
  speckle(x, 1, n, 200, 0.8257);
  ecm_g2_state st;
  size_t cnt;
  double worst = 0;
  assert_int_equal(ecm_g2_series_direct(x, 1, n, L + 2048, gd, &st), ECM_OK);
  assert_int_equal(ecm_g2_series_multitau(x, 1, n, L, m, lag, gm, 512, &cnt, &st), ECM_OK);
  assert_true(cnt > 40);
  for (size_t k = 0; k < cnt; k++) {
    size_t p = (size_t)lag[k];
    assert_true(p >= 1 && p <= L);
    if (k + 1 < cnt) assert_true(lag[k + 1] > lag[k]);
    if (p < m) /* level 0 is exact */
      assert_true(fabs(gm[k] - gd[p]) < 1e-12);
    else { /* coarser levels: the triangular average of the exact g2 around the lag */
      size_t w = 1;
      while (p / w >= m) w *= 2;
      double tri = 0;
      for (long d = -(long)w + 1; d < (long)w; d++)
        tri += (double)(w - (size_t)labs(d)) / (double)(w * w) * gd[(long)p + d];
      /* They differ only through the partial blocks at the ends of the series, whose
       * weight grows with the block width w: allow a quarter of sqrt(w/N). */
      double tol = 0.25 * sqrt((double)w / (double)n) + 1e-4;
      assert_true(fabs(gm[k] - tri) < tol);
      worst = fmax(worst, fabs(gm[k] - tri) / tol);
    }
  }
  print_message("multi-tau vs triangular average of the exact g2: worst |difference| / tolerance %.3g\n", worst);
  assert_int_equal(ecm_g2_series_multitau(x, 1, n, L, 5, lag, gm, 512, &cnt, &st), ECM_EINVAL);
  assert_int_equal(ecm_g2_series_multitau(x, 1, n, L, m, lag, gm, 3, &cnt, &st), ECM_EINVAL);
  free(x);
  free(gd);
}

static void test_white_noise(void **state) {
  (void)state;
  size_t n = 20000, L = 100;
  float *x = malloc(n * sizeof *x);
  double g[101];
  for (size_t i = 0; i < n; i++) x[i] = (float)(10 + nrand());
  ecm_g2_state st;
  assert_int_equal(ecm_g2_series_fft(x, 1, n, L, g, &st), ECM_OK);
  /* Lag 0 carries the variance (1/100); other lags scatter by (1/100)/sqrt(N). */
  assert_true(fabs(g[0] - 1.01) < 0.001);
  for (size_t p = 1; p <= L; p++) assert_true(fabs(g[p] - 1) < 5 * 0.01 / sqrt((double)n));
  free(x);
}

static void test_degenerate(void **state) {
  (void)state;
  float x[50];
  double g[20];
  ecm_g2_state st;
  memset(x, 0, sizeof x);
  assert_int_equal(ecm_g2_series_direct(x, 1, 50, 10, g, &st), ECM_OK);
  assert_int_equal(st, ECM_G2_ZERO);
  assert_true(isnan(g[3]));
  assert_int_equal(ecm_g2_series_fft(x, 1, 50, 10, g, &st), ECM_OK);
  assert_int_equal(st, ECM_G2_ZERO);
  for (int i = 0; i < 50; i++) x[i] = 7.0f;
  assert_int_equal(ecm_g2_series_fft(x, 1, 50, 10, g, &st), ECM_OK);
  assert_int_equal(st, ECM_G2_CONSTANT);
  assert_true(isnan(g[0]));
  x[17] = NAN;
  assert_int_equal(ecm_g2_series_direct(x, 1, 50, 10, g, &st), ECM_OK);
  assert_int_equal(st, ECM_G2_NONFINITE);
  /* Too short series and absurd lags are errors, not states. */
  assert_int_equal(ecm_g2_series_direct(x, 1, 2, 1, g, &st), ECM_ENODATA);
  assert_int_equal(ecm_g2_series_direct(x, 1, 50, 49, g, &st), ECM_EINVAL);
  assert_int_equal(ecm_g2_series_direct(NULL, 1, 50, 10, g, &st), ECM_EINVAL);
  assert_string_equal(ecm_g2_state_name(ECM_G2_CONSTANT), "constant");
}

typedef struct fixture {
  size_t nt, ny, nx;
  float *data;
  ecm_view v;
} fixture;

static void make_stack(fixture *f, size_t nt, size_t ny, size_t nx) {
  f->nt = nt;
  f->ny = ny;
  f->nx = nx;
  f->data = malloc(nt * ny * nx * sizeof *f->data);
  for (size_t i = 0; i < ny * nx; i++) speckle(f->data + i, ny * nx, nt, 5 + (double)(i % 13), 0.8);
  f->v = ecm_view_contiguous(f->data, nt, ny, nx);
}

static int cancel_cb(void *user, double f, const char *stage) {
  (void)user;
  (void)stage;
  return f > 0.3;
}

static void test_map(void **state) {
  (void)state;
  fixture f;
  make_stack(&f, 600, 5, 37); /* 37 columns: a partial block of the direct method */
  f.data[(0 * 5 + 2) * 37 + 3] = NAN; /* pixel (2,3) has a NaN frame */
  for (size_t t = 0; t < f.nt; t++) f.data[(t * 5 + 4) * 37 + 36] = 0; /* pixel (4,36) dark */
  ecm_g2_params p = ecm_g2_default_params();
  ecm_g2_bins *b = NULL;
  assert_int_equal(ecm_g2_bins_create(300, 8, &b), ECM_OK);
  size_t npix = 5 * 37, nb = b->nbins;
  float *mf = malloc(npix * nb * sizeof *mf), *md = malloc(npix * nb * sizeof *md),
        *m1 = malloc(npix * nb * sizeof *m1);
  uint8_t *sf = malloc(npix), *sd = malloc(npix);
  ecm_run run = ecm_run_default();
  p.method = ECM_G2_FFT;
  assert_int_equal(ecm_g2_map(&f.v, NULL, &p, b, &run, mf, sf), ECM_OK);
  p.method = ECM_G2_DIRECT;
  assert_int_equal(ecm_g2_map(&f.v, NULL, &p, b, &run, md, sd), ECM_OK);
  assert_int_equal(sf[2 * 37 + 3], ECM_G2_NONFINITE);
  assert_int_equal(sd[2 * 37 + 3], ECM_G2_NONFINITE);
  assert_int_equal(sd[4 * 37 + 36], ECM_G2_ZERO);
  assert_true(isnan(md[(4 * 37 + 36) * nb]));
  double *lags = malloc(301 * sizeof *lags), *binned = malloc(nb * sizeof *binned);
  for (size_t i = 0; i < npix; i++) {
    if (sd[i] != ECM_G2_OK) continue;
    ecm_g2_state st;
    assert_int_equal(ecm_g2_series_direct(f.data + i, npix, f.nt, 300, lags, &st), ECM_OK);
    ecm_g2_bin_curve(b, lags, binned);
    for (size_t k = 0; k < nb; k++) {
      /* direct map = exact g2 at the representative lag; FFT map = exact bin average */
      assert_true(fabs(md[i * nb + k] - lags[b->lag_rep[k]]) < 1e-6);
      assert_true(fabs(mf[i * nb + k] - binned[k]) < 1e-5);
    }
  }
  /* Threads do not change results. */
  run.threads = 1;
  assert_int_equal(ecm_g2_map(&f.v, NULL, &p, b, &run, m1, NULL), ECM_OK);
  assert_memory_equal(m1, md, npix * nb * sizeof *m1);
  run.threads = 2;
  p.method = ECM_G2_FFT;
  assert_int_equal(ecm_g2_map(&f.v, NULL, &p, b, &run, m1, NULL), ECM_OK);
  for (size_t i = 0; i < npix * nb; i++)
    assert_true((isnan(m1[i]) && isnan(mf[i])) || m1[i] == mf[i]);
  /* Mask: outside pixels are NaN and masked; mismatched masks are refused. */
  ecm_mask *mask = NULL;
  assert_int_equal(ecm_mask_alloc(5, 37, &mask), ECM_OK);
  mask->inside[0] = 0;
  assert_int_equal(ecm_g2_map(&f.v, mask, &p, b, &run, m1, sf), ECM_OK);
  assert_int_equal(sf[0], ECM_G2_MASKED);
  assert_true(isnan(m1[0]));
  ecm_mask *wrong = NULL;
  assert_int_equal(ecm_mask_alloc(5, 36, &wrong), ECM_OK);
  assert_int_equal(ecm_g2_map(&f.v, wrong, &p, b, &run, m1, sf), ECM_ESIZE);
  /* Ensemble over the mask: mean of the pixels' curves, with its standard error. */
  double eg[64], es[64];
  size_t nv;
  p.method = ECM_G2_DIRECT;
  assert_int_equal(ecm_g2_ensemble(&f.v, mask, &p, b, &run, eg, es, &nv), ECM_OK);
  assert_int_equal(nv, npix - 3);
  double s = 0;
  size_t c = 0;
  for (size_t i = 1; i < npix; i++)
    if (sd[i] == ECM_G2_OK) {
      s += md[i * nb + 0];
      c++;
    }
  assert_true(fabs(eg[0] - s / (double)c) < 1e-6);
  assert_true(es[0] > 0 && es[0] < 0.05);
  /* Cancellation. */
  run.progress = cancel_cb;
  assert_int_equal(ecm_g2_map(&f.v, NULL, &p, b, &run, m1, NULL), ECM_ECANCELED);
  p.method = ECM_G2_FFT;
  assert_int_equal(ecm_g2_map(&f.v, NULL, &p, b, &run, m1, NULL), ECM_ECANCELED);
  run.progress = NULL;
  /* A 2-frame stack has no g2. */
  ecm_view two = ecm_view_contiguous(f.data, 2, 5, 37);
  assert_int_equal(ecm_g2_map(&two, NULL, &p, b, &run, m1, NULL), ECM_ENODATA);
  /* All-dark region: no valid pixel. */
  memset(f.data, 0, f.nt * npix * sizeof(float));
  assert_int_equal(ecm_g2_ensemble(&f.v, NULL, &p, b, &run, eg, es, &nv), ECM_ENODATA);
  ecm_mask_free(mask);
  ecm_mask_free(wrong);
  ecm_g2_bins_destroy(b);
  free(mf); free(md); free(m1); free(sf); free(sd); free(lags); free(binned); free(f.data);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bins),          cmocka_unit_test(test_direct_equals_eq4),
      cmocka_unit_test(test_fft_matches_direct), cmocka_unit_test(test_multitau),
      cmocka_unit_test(test_white_noise),   cmocka_unit_test(test_degenerate),
      cmocka_unit_test(test_map)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
