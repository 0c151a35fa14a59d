/* ttcf: symmetry and agreement with a direct O(N^2 K) double reference of Eq. 5 (also with
 * binning, pixel normalisation, blocks, empty frames and a large intensity offset); band and
 * one-time fit recovering tau on stationary simulated speckle; the band widening and the
 * verdict "aging" on a series whose tau triples; bad input; budget; cancellation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecm/sim.h"
#include "ecm/ttcf.h"

static uint64_t rng_state = 88172645463325252ull;
static double urand(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return ((rng_state * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0);
}

/* Random speckle-like data with static contrast: pixel q has mean level 0.5 + q-dependent
 * offset, multiplied by an AR(1) fluctuation shared in time. */
static float *make_data(size_t nt, size_t ny, size_t nx, double offset) {
  size_t npix = ny * nx;
  float *d = malloc(nt * npix * sizeof *d);
  double *state = malloc(npix * sizeof *state);
  for (size_t q = 0; q < npix; q++) state[q] = urand();
  for (size_t t = 0; t < nt; t++)
    for (size_t q = 0; q < npix; q++) {
      state[q] = 0.8 * state[q] + 0.2 * urand();
      d[t * npix + q] = (float)(offset + (0.5 + (double)(q % 7) / 3.0) * state[q] * 2);
    }
  free(state);
  return d;
}

/* Eq. 5 literally over pixels q with inside[q] (binned by b), long double sums. */
static void reference(const float *d, size_t nt, size_t npix, const uint8_t *inside, size_t b,
                      int normalize, double *G, size_t n) {
  long double *x = calloc(n * npix, sizeof *x);
  for (size_t q = 0; q < npix; q++) {
    if (!inside[q]) continue;
    long double mean = 0;
    for (size_t t = 0; t < n * b; t++) mean += d[t * npix + q];
    mean /= (long double)(n * b);
    for (size_t i = 0; i < n; i++) {
      long double v = 0;
      for (size_t f = 0; f < b; f++) v += d[(i * b + f) * npix + q];
      x[i * npix + q] = normalize ? v / mean : v;
    }
  }
  (void)nt;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      long double sij = 0, si = 0, sj = 0;
      size_t k = 0;
      for (size_t q = 0; q < npix; q++) {
        if (!inside[q]) continue;
        sij += x[i * npix + q] * x[j * npix + q];
        si += x[i * npix + q];
        sj += x[j * npix + q];
        k++;
      }
      G[i * n + j] = (double)((sij / k) / ((si / k) * (sj / k)));
    }
  free(x);
}

static double max_diff(const float *G, const double *R, size_t n, int *symmetric) {
  double md = 0;
  *symmetric = 1;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      double d = fabs((double)G[i * n + j] - R[i * n + j]);
      if (!(d <= md)) md = d; /* NaN propagates as "large" */
      if (G[i * n + j] != G[j * n + i]) *symmetric = 0;
    }
  return md;
}

static void test_reference(void **state) {
  (void)state;
  size_t nt = 301, ny = 9, nx = 11, npix = ny * nx;
  float *d = make_data(nt, ny, nx, 0.0);
  ecm_view v = ecm_view_contiguous(d, nt, ny, nx);
  ecm_mask *m = NULL;
  assert_int_equal(ecm_mask_alloc(ny, nx, &m), ECM_OK);
  for (size_t q = 0; q < npix; q++) m->inside[q] = (q * 7 + 3) % 5 != 0; /* irregular ROI */
  for (int normalize = 0; normalize < 2; normalize++)
    for (size_t b = 1; b <= 3; b += 2) {
      ecm_ttcf_params p = ecm_ttcf_default_params();
      p.bin_time = b;
      p.normalize_pixels = normalize;
      size_t n = 0, bytes = 0;
      assert_int_equal(ecm_ttcf_size(&v, &p, &n, &bytes), ECM_OK);
      assert_int_equal(n, nt / b);
      float *G = malloc(n * n * sizeof *G);
      double *R = malloc(n * n * sizeof *R);
      ecm_ttcf_info info;
      assert_int_equal(ecm_ttcf_compute(&v, m, &p, NULL, G, n * n, &info), ECM_OK);
      assert_int_equal(info.pixels, ecm_mask_count(m));
      assert_int_equal(info.sets, 1);
      reference(d, nt, npix, m->inside, b, normalize, R, n);
      int sym;
      double md = max_diff(G, R, n, &sym);
      /* measured: ~1.2e-7 (float storage of G ~ 1-3 is the floor) */
      printf("  reference: normalize %d bin %zu: max |G - Gref| = %.2e\n", normalize, b, md);
      assert_true(sym);
      assert_true(md < 1e-6);
      /* the diagonal is above the off-diagonal baseline (static + dynamic contrast) */
      assert_true(G[0] > G[n - 1]);
      free(G);
      free(R);
    }
  ecm_mask_free(m);
  free(d);
}

/* A large offset makes G - 1 tiny (~1e-6): the centred SYRK keeps it relative-accurate. */
static void test_offset_accuracy(void **state) {
  (void)state;
  size_t nt = 120, ny = 8, nx = 8, npix = ny * nx;
  float *d = make_data(nt, ny, nx, 1000.0);
  ecm_view v = ecm_view_contiguous(d, nt, ny, nx);
  ecm_ttcf_params p = ecm_ttcf_default_params();
  float *G = malloc(nt * nt * sizeof *G);
  double *R = malloc(nt * nt * sizeof *R);
  uint8_t *all = malloc(npix);
  memset(all, 1, npix);
  assert_int_equal(ecm_ttcf_compute(&v, NULL, &p, NULL, G, nt * nt, NULL), ECM_OK);
  reference(d, nt, npix, all, 1, 0, R, nt);
  /* compare G - 1 where float can resolve it: relative to the scale of G - 1 */
  double scale = 0, md = 0;
  for (size_t q = 0; q < nt * nt; q++) scale = fmax(scale, fabs(R[q] - 1));
  for (size_t q = 0; q < nt * nt; q++) md = fmax(md, fabs((double)G[q] - R[q]));
  printf("  offset 1000: |G-1| up to %.2e, max error %.2e (%.1e of the scale)\n", scale, md,
         md / scale);
  assert_true(scale > 1e-6 && scale < 1e-3);
  /* measured 5.96e-8: the error is the float output's own quantum near 1 (half an ulp,
   * 5.96e-8); an uncentred product would lose G - 1 entirely at this offset */
  assert_true(md <= 6.5e-8);
  free(all);
  free(G);
  free(R);
  free(d);
}

/* Blocks: mean over blocks of each block's own G; a block with a dark frame drops out of
 * that frame's pairs only. */
static void test_blocks(void **state) {
  (void)state;
  size_t nt = 80, ny = 7, nx = 10, npix = ny * nx, bp = 3;
  float *d = make_data(nt, ny, nx, 0.0);
  /* block (0,0) dark at frame 5 */
  for (size_t y = 0; y < 3; y++)
    for (size_t x = 0; x < 3; x++) d[5 * npix + y * nx + x] = 0;
  ecm_view v = ecm_view_contiguous(d, nt, ny, nx);
  ecm_ttcf_params p = ecm_ttcf_default_params();
  p.block_px = bp;
  float *G = malloc(nt * nt * sizeof *G);
  ecm_ttcf_info info;
  assert_int_equal(ecm_ttcf_compute(&v, NULL, &p, NULL, G, nt * nt, &info), ECM_OK);
  /* 3 x 4 tiles; the last column of tiles is 1 px wide (3 px), the last row 1 px tall: a
   * 1 x 1 corner tile is skipped */
  assert_int_equal(info.sets, 11);
  assert_int_equal(info.sets_skipped, 1);
  assert_int_equal(info.empty_cells, 1);
  double *sum = calloc(nt * nt, sizeof *sum), *R = malloc(nt * nt * sizeof *R);
  size_t *cnt = calloc(nt * nt, sizeof *cnt);
  uint8_t *in = malloc(npix);
  for (size_t by = 0; by < ny; by += bp)
    for (size_t bx = 0; bx < nx; bx += bp) {
      size_t k = 0;
      for (size_t q = 0; q < npix; q++) {
        size_t y = q / nx, x = q % nx;
        in[q] = y >= by && y < by + bp && x >= bx && x < bx + bp;
        k += in[q];
      }
      if (k < 2) continue;
      reference(d, nt, npix, in, 1, 0, R, nt);
      for (size_t q = 0; q < nt * nt; q++)
        if (isfinite(R[q])) {
          sum[q] += R[q];
          cnt[q]++;
        }
    }
  double md = 0;
  for (size_t q = 0; q < nt * nt; q++) md = fmax(md, fabs((double)G[q] - sum[q] / (double)cnt[q]));
  printf("  blocks: max |G - mean of block references| = %.2e\n", md);
  assert_true(md < 1e-6);
  for (size_t i = 0; i < nt; i++) assert_true(G[i * nt + i] == G[i * nt + i]);
  free(sum);
  free(R);
  free(cnt);
  free(in);
  free(G);
  free(d);
}

/* A frame with no light over the single set gives a NaN row and column, nothing else. */
static void test_dark_frame(void **state) {
  (void)state;
  size_t nt = 40, ny = 4, nx = 4, npix = 16;
  float *d = make_data(nt, ny, nx, 0.0);
  memset(d + 7 * npix, 0, npix * sizeof *d);
  ecm_view v = ecm_view_contiguous(d, nt, ny, nx);
  ecm_ttcf_params p = ecm_ttcf_default_params();
  float *G = malloc(nt * nt * sizeof *G);
  ecm_ttcf_info info;
  assert_int_equal(ecm_ttcf_compute(&v, NULL, &p, NULL, G, nt * nt, &info), ECM_OK);
  assert_int_equal(info.empty_cells, 1);
  for (size_t j = 0; j < nt; j++) {
    assert_true(isnan(G[7 * nt + j]) && isnan(G[j * nt + 7]));
    if (j != 7) assert_true(isfinite(G[(j == 0 ? 1 : 0) * nt + j]));
  }
  ecm_ttcf_analysis *a = NULL;
  assert_int_equal(ecm_ttcf_analysis_create(G, nt, 0, &p, NULL, &a), ECM_OK);
  for (size_t k = 0; k < a->n_g; k++) assert_true(isfinite(a->g[k]));
  ecm_ttcf_analysis_destroy(a);
  free(G);
  free(d);
}

static ecm_stack *simulate(size_t nt, double tau, double beta, uint64_t seed) {
  ecm_sim_params sp = ecm_sim_default_params();
  sp.nt = nt;
  sp.ny = 32;
  sp.nx = 32;
  sp.frame_interval_s = 0.5;
  sp.tau_median_s = tau;
  sp.tau_sigma = 0;
  sp.beta_min = sp.beta_max = beta;
  sp.contrast = 0.3;
  sp.map_corr_px = 0;
  sp.seed = seed;
  ecm_sim_result *r = NULL;
  assert_int_equal(ecm_sim_darkfield(&sp, NULL, &r), ECM_OK);
  ecm_stack *s = r->stack;
  r->stack = NULL;
  ecm_sim_result_free(r);
  return s;
}

static void run_ttcf(const ecm_stack *s, const ecm_ttcf_params *p, float **G, size_t *n,
                     ecm_ttcf_analysis **a) {
  ecm_view v = ecm_stack_view(s);
  ecm_ttcf_info info;
  assert_int_equal(ecm_ttcf_size(&v, p, n, NULL), ECM_OK);
  *G = malloc(*n * *n * sizeof **G);
  assert_int_equal(ecm_ttcf_compute(&v, NULL, p, NULL, *G, *n * *n, &info), ECM_OK);
  assert_true(fabs(info.dt_s - 0.5 * (double)p->bin_time) < 1e-12);
  assert_int_equal(ecm_ttcf_analysis_create(*G, *n, info.dt_s, p, NULL, a), ECM_OK);
}

static double median(const double *x, size_t n) {
  double *c = malloc(n * sizeof *c);
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(x[i])) c[m++] = x[i];
  for (size_t i = 1; i < m; i++)
    for (size_t j = i; j > 0 && c[j - 1] > c[j]; j--) {
      double t = c[j];
      c[j] = c[j - 1];
      c[j - 1] = t;
    }
  double r = m ? (m % 2 ? c[m / 2] : 0.5 * (c[m / 2 - 1] + c[m / 2])) : NAN;
  free(c);
  return r;
}

/* Stationary speckle, tau = 6.13 s (12.3 frames), beta = 0.85, A = 0.3. */
static void test_stationary(void **state) {
  (void)state;
  const double tau = 6.13, beta = 0.85;
  ecm_stack *s = simulate(3200, tau, beta, 11);
  ecm_ttcf_params p = ecm_ttcf_default_params();
  float *G;
  size_t n;
  ecm_ttcf_analysis *a;
  run_ttcf(s, &p, &G, &n, &a);
  printf(
      "  stationary: fit tau %.3f s beta %.3f A %.3f (%s); band ref %d, median %.3f s;"
      " slope %.2e +- %.2e /s change %.3f -> %s\n",
      a->fit.tau, a->fit.beta, a->fit.A, ecm_kww_state_name(a->fit.state), (int)a->ref_used,
      median(a->band_tau, a->n_band), a->slope, a->slope_err, a->change,
      ecm_ttcf_verdict_name(a->verdict));
  for (size_t k = 0; k < a->n_band; k++)
    printf("    age %7.1f s  tau_band %.3f +- %.3f s\n", a->band_age[k], a->band_tau[k],
           a->band_err[k]);
  assert_int_equal(a->fit.state, ECM_KWW_CONVERGED);
  assert_true(fabs(a->fit.tau / tau - 1) < 0.08);
  assert_true(fabs(a->fit.beta / beta - 1) < 0.1);
  assert_true(fabs(a->fit.A / 0.3 - 1) < 0.1);
  assert_int_equal(a->ref_used, ECM_TTCF_REF_FIT);
  assert_true(fabs(median(a->band_tau, a->n_band) / tau - 1) < 0.1);
  for (size_t k = 0; k < a->n_band; k++) assert_true(fabs(a->band_tau[k] / tau - 1) < 0.3);
  assert_int_equal(a->verdict, ECM_TTCF_STATIONARY);
  /* the one-time g is G - 1 ~ A exp(-2 (t/tau)^beta) and decreasing */
  assert_true(a->g[0] > a->g[a->n_g - 1]);
  assert_true(fabs(a->g[a->n_g - 1] - 1) < 0.01);

  /* time binning by 2 keeps tau (in s) */
  ecm_ttcf_analysis *a2;
  float *G2;
  size_t n2;
  p.bin_time = 2;
  run_ttcf(s, &p, &G2, &n2, &a2);
  assert_int_equal(n2, 1600);
  printf("  bin 2: fit tau %.3f s, band median %.3f s\n", a2->fit.tau,
         median(a2->band_tau, a2->n_band));
  assert_true(fabs(a2->fit.tau / tau - 1) < 0.1);
  assert_true(fabs(median(a2->band_tau, a2->n_band) / tau - 1) < 0.15);

  /* diagonal included: lag-0 point first, reference = diagonal */
  ecm_ttcf_analysis *a3;
  p.include_diagonal = 1;
  p.bin_time = 1;
  assert_int_equal(ecm_ttcf_analysis_create(G, n, 0.5, &p, NULL, &a3), ECM_OK);
  assert_true(a3->g_t[0] == 0 && a3->n_g == a->n_g + 1);
  assert_true(a3->g[0] > a3->g[1]);
  assert_int_equal(a3->ref_used, ECM_TTCF_REF_DIAGONAL);
  ecm_ttcf_analysis_destroy(a3);
  ecm_ttcf_analysis_destroy(a2);
  ecm_ttcf_analysis_destroy(a);
  free(G2);
  free(G);
  ecm_stack_free(s);
}

/* Aging: the second half relaxes 3x slower. */
static void test_aging(void **state) {
  (void)state;
  ecm_stack *s1 = simulate(1600, 3.0, 1.0, 21), *s2 = simulate(1600, 9.0, 1.0, 22), *s = NULL;
  assert_int_equal(ecm_stack_alloc(3200, 32, 32, &s), ECM_OK);
  s->calib = s1->calib;
  memcpy(s->data, s1->data, 1600 * 1024 * sizeof(float));
  memcpy(s->data + 1600 * 1024, s2->data, 1600 * 1024 * sizeof(float));
  ecm_ttcf_params p = ecm_ttcf_default_params();
  float *G;
  size_t n;
  ecm_ttcf_analysis *a;
  run_ttcf(s, &p, &G, &n, &a);
  double early = median(a->band_tau, a->n_band / 2);
  double late = median(a->band_tau + a->n_band / 2, a->n_band - a->n_band / 2);
  printf("  aging: band early %.2f s, late %.2f s; slope %.2e +- %.2e /s, change %.2f -> %s\n",
         early, late, a->slope, a->slope_err, a->change, ecm_ttcf_verdict_name(a->verdict));
  assert_true(late / early > 2.0 && late / early < 4.5);
  assert_int_equal(a->verdict, ECM_TTCF_AGING);
  assert_true(a->slope > 2 * a->slope_err);
  /* the line's intercept: the residuals of ln tau_band about it sum to zero (OLS) */
  {
    double res = 0, scale = 0;
    size_t m = 0;
    for (size_t k = 0; k < a->n_band; k++) {
      double t = a->band_tau[k];
      if (!(t > 0) || !isfinite(t)) continue;
      res += log(t) - a->intercept - a->slope * a->band_age[k];
      scale += fabs(log(t));
      m++;
    }
    assert_true(m >= 3 && isfinite(a->intercept));
    assert_true(fabs(res) <= 1e-9 * (scale + 1));
  }
  ecm_ttcf_analysis_destroy(a);
  free(G);
  /* the reverse order is the opposite verdict */
  memcpy(s->data, s2->data, 1600 * 1024 * sizeof(float));
  memcpy(s->data + 1600 * 1024, s1->data, 1600 * 1024 * sizeof(float));
  run_ttcf(s, &p, &G, &n, &a);
  assert_int_equal(a->verdict, ECM_TTCF_ACCELERATING);
  ecm_ttcf_analysis_destroy(a);
  free(G);
  ecm_stack_free(s);
  ecm_stack_free(s1);
  ecm_stack_free(s2);
}

static void test_bad_input(void **state) {
  (void)state;
  size_t nt = 20, ny = 4, nx = 5;
  float *d = make_data(nt, ny, nx, 0.0);
  ecm_view v = ecm_view_contiguous(d, nt, ny, nx);
  ecm_ttcf_params p = ecm_ttcf_default_params();
  float *G = malloc(nt * nt * sizeof *G);
  ecm_mask *m = NULL, *bad = NULL;
  assert_int_equal(ecm_mask_alloc(ny, nx, &m), ECM_OK);
  memset(m->inside, 0, ny * nx);
  m->inside[7] = 1; /* one pixel */
  assert_int_equal(ecm_ttcf_compute(&v, m, &p, NULL, G, nt * nt, NULL), ECM_ENODATA);
  assert_non_null(strstr(ecm_errmsg(), "identically 1"));
  memset(m->inside, 0, ny * nx);
  assert_int_equal(ecm_ttcf_compute(&v, m, &p, NULL, G, nt * nt, NULL), ECM_ENODATA);
  assert_int_equal(ecm_mask_alloc(ny + 1, nx, &bad), ECM_OK);
  assert_int_equal(ecm_ttcf_compute(&v, bad, &p, NULL, G, nt * nt, NULL), ECM_ESIZE);
  ecm_view two = ecm_view_contiguous(d, 2, ny, nx);
  assert_int_equal(ecm_ttcf_compute(&two, NULL, &p, NULL, G, nt * nt, NULL), ECM_EINVAL);
  assert_non_null(strstr(ecm_errmsg(), "at least 3 frames"));
  p.bin_time = 7; /* 20 / 7 = 2 binned frames */
  assert_int_equal(ecm_ttcf_compute(&v, NULL, &p, NULL, G, nt * nt, NULL), ECM_EINVAL);
  p = ecm_ttcf_default_params();
  p.block_px = 1;
  assert_int_equal(ecm_ttcf_compute(&v, NULL, &p, NULL, G, nt * nt, NULL), ECM_EINVAL);
  assert_non_null(strstr(ecm_errmsg(), "identically 1"));
  p = ecm_ttcf_default_params();
  assert_int_equal(ecm_ttcf_compute(&v, NULL, &p, NULL, G, nt * nt - 1, NULL), ECM_EINVAL);
  assert_int_equal(ecm_ttcf_compute(&v, NULL, &p, NULL, NULL, nt * nt, NULL), ECM_EINVAL);
  p.band_level = 1;
  assert_int_equal(ecm_ttcf_compute(&v, NULL, &p, NULL, G, nt * nt, NULL), ECM_EINVAL);
  p = ecm_ttcf_default_params();
  d[3 * ny * nx + 6] = NAN;
  assert_int_equal(ecm_ttcf_compute(&v, NULL, &p, NULL, G, nt * nt, NULL), ECM_EINVAL);
  assert_non_null(strstr(ecm_errmsg(), "frame 4, pixel (1, 1)"));
  p.normalize_pixels = 1;
  assert_int_equal(ecm_ttcf_compute(&v, NULL, &p, NULL, G, nt * nt, NULL), ECM_EINVAL);
  /* the NaN pixel outside the mask is fine */
  memset(m->inside, 1, ny * nx);
  m->inside[6] = 0;
  assert_int_equal(ecm_ttcf_compute(&v, m, &p, NULL, G, nt * nt, NULL), ECM_OK);
  /* memory budget: N^2 floats do not fit */
  ecm_run run = ecm_run_default();
  run.memory_budget = nt * nt * sizeof(float);
  assert_int_equal(ecm_ttcf_compute(&v, m, &p, &run, G, nt * nt, NULL), ECM_ENOMEM);
  /* analysis: too small, bad max_lag */
  ecm_ttcf_analysis *a = NULL;
  assert_int_equal(ecm_ttcf_analysis_create(G, 2, 0, &p, NULL, &a), ECM_EINVAL);
  p.max_lag = nt - 1;
  assert_int_equal(ecm_ttcf_analysis_create(G, nt, 0, &p, NULL, &a), ECM_EINVAL);
  assert_null(a);
  ecm_ttcf_analysis_destroy(NULL);
  ecm_mask_free(m);
  ecm_mask_free(bad);
  free(G);
  free(d);
}

static int cancel_at(void *user, double fraction, const char *stage) {
  (void)fraction;
  return strcmp(stage, (const char *)user) == 0;
}

static void test_cancel(void **state) {
  (void)state;
  size_t nt = 60, ny = 5, nx = 5;
  float *d = make_data(nt, ny, nx, 0.0);
  ecm_view v = ecm_view_contiguous(d, nt, ny, nx);
  ecm_ttcf_params p = ecm_ttcf_default_params();
  float *G = malloc(nt * nt * sizeof *G);
  const char *stages[] = {"ttcf-pack", "ttcf-syrk", "ttcf-finish"};
  for (int i = 0; i < 3; i++) {
    ecm_run run = ecm_run_default();
    run.progress = cancel_at;
    run.user = (void *)stages[i];
    assert_int_equal(ecm_ttcf_compute(&v, NULL, &p, &run, G, nt * nt, NULL), ECM_ECANCELED);
  }
  ecm_run run = ecm_run_default();
  run.progress = cancel_at;
  run.user = (void *)"none";
  assert_int_equal(ecm_ttcf_compute(&v, NULL, &p, &run, G, nt * nt, NULL), ECM_OK);
  const char *astages[] = {"ttcf-g", "ttcf-band"};
  for (int i = 0; i < 2; i++) {
    ecm_ttcf_analysis *a = NULL;
    run.user = (void *)astages[i];
    assert_int_equal(ecm_ttcf_analysis_create(G, nt, 0, &p, &run, &a), ECM_ECANCELED);
    assert_null(a);
  }
  free(G);
  free(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference),  cmocka_unit_test(test_offset_accuracy),
      cmocka_unit_test(test_blocks),     cmocka_unit_test(test_dark_frame),
      cmocka_unit_test(test_stationary), cmocka_unit_test(test_aging),
      cmocka_unit_test(test_bad_input),  cmocka_unit_test(test_cancel),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
