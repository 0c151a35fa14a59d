/* surface: Otsu, the exact distance transform against brute force, components and holes,
 * the nanowire of the simulator (mask, tau profile, regions, ratio, thickness) from its
 * truth tau map, NaN and status handling, and every error path. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ecm/relax.h"
#include "ecm/sim.h"
#include "ecm/surface.h"
#include "surface/surface_internal.h"

static uint64_t rng_next(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return *s >> 33;
}

/* ---- parameters, Otsu, mean image ------------------------------------------------ */

static void test_params(void **state) {
  (void)state;
  ecm_surface_params p = ecm_surface_default_params();
  assert_int_equal(ecm_surface_check_params(&p), ECM_OK);
  assert_true(p.threshold_mode == ECM_SURFACE_THRESHOLD_OTSU && p.bin_width_px == 1.0 &&
              p.surface_width_px == 3.0 && p.keep_largest && p.fill_holes);
  ecm_surface_params q = p;
  q.bin_width_px = 0;
  assert_int_equal(ecm_surface_check_params(&q), ECM_EINVAL);
  q = p;
  q.surface_width_px = NAN;
  assert_int_equal(ecm_surface_check_params(&q), ECM_EINVAL);
  q = p;
  q.threshold_mode = ECM_SURFACE_THRESHOLD_VALUE;
  q.threshold = INFINITY;
  assert_int_equal(ecm_surface_check_params(&q), ECM_EINVAL);
  q = p;
  q.otsu_bins = 1;
  assert_int_equal(ecm_surface_check_params(&q), ECM_EINVAL);
  q = p;
  q.min_bin_count = 0;
  assert_int_equal(ecm_surface_check_params(&q), ECM_EINVAL);
  assert_int_equal(ecm_surface_check_params(NULL), ECM_EINVAL);
}

static void test_otsu(void **state) {
  (void)state;
  /* two clusters, 0.1 +- 0.02 and 2.3 +- 0.05, with a NaN: the threshold lies in the gap */
  float img[201];
  uint64_t s = 11;
  for (int i = 0; i < 200; i++) {
    double u = (double)rng_next(&s) / 2147483648.0 - 0.5;
    img[i] = i < 130 ? (float)(0.1 + 0.04 * u) : (float)(2.3 + 0.1 * u);
  }
  img[200] = NAN;
  double thr = 0;
  assert_int_equal(ecm_surface_otsu(img, 201, 256, &thr), ECM_OK);
  assert_true(thr > 0.12 && thr < 2.25);
  /* the middle of the empty gap (plateau of equal maxima) */
  assert_true(fabs(thr - 1.2) < 0.1);
  float flat[10] = {0};
  assert_int_equal(ecm_surface_otsu(flat, 10, 256, &thr), ECM_ENODATA);
  float nan1[2] = {NAN, NAN};
  assert_int_equal(ecm_surface_otsu(nan1, 2, 256, &thr), ECM_ENODATA);
  assert_int_equal(ecm_surface_otsu(img, 201, 1, &thr), ECM_EINVAL);
}

static int cancel_cb(void *user, double f, const char *stage) {
  (void)f;
  (void)stage;
  return ++*(int *)user > 1;
}

static void test_mean_image(void **state) {
  (void)state;
  /* 3 frames of 2x3: pixel i in frame t = i + t; pixel 4 has a NaN in frame 1 */
  float d[18];
  for (int t = 0; t < 3; t++)
    for (int i = 0; i < 6; i++) d[t * 6 + i] = (float)(i + t);
  d[6 + 4] = NAN;
  ecm_view v = ecm_view_contiguous(d, 3, 2, 3);
  float m[6];
  assert_int_equal(ecm_surface_mean_image(&v, NULL, m, 6), ECM_OK);
  for (int i = 0; i < 6; i++) {
    if (i == 4)
      assert_true(isnan(m[i]));
    else
      assert_true(m[i] == (float)(i + 1));
  }
  assert_int_equal(ecm_surface_mean_image(&v, NULL, m, 5), ECM_ESIZE);
  assert_int_equal(ecm_surface_mean_image(NULL, NULL, m, 6), ECM_EINVAL);
  /* cancelled (many frames so that there are several chunks) */
  size_t nt = 100;
  float *big = calloc(nt * 6, sizeof *big);
  ecm_view vb = ecm_view_contiguous(big, nt, 2, 3);
  int calls = 0;
  ecm_run run = ecm_run_default();
  run.progress = cancel_cb;
  run.user = &calls;
  assert_int_equal(ecm_surface_mean_image(&vb, &run, m, 6), ECM_ECANCELED);
  ecm_surface_geom *g = (ecm_surface_geom *)1;
  assert_int_equal(ecm_surface_find(&vb, NULL, &run, &g), ECM_ECANCELED);
  assert_null(g);
  free(big);
}

/* ---- distance transform ------------------------------------------------------------ */

static double brute_d2(const uint8_t *a, size_t ny, size_t nx, size_t y, size_t x) {
  double best = INFINITY;
  for (size_t qy = 0; qy < ny; qy++)
    for (size_t qx = 0; qx < nx; qx++) {
      if (a[qy * nx + qx]) continue;
      double dy = (double)qy - (double)y, dx = (double)qx - (double)x;
      if (dy * dy + dx * dx < best) best = dy * dy + dx * dx;
    }
  return best;
}

static void test_edt_brute_force(void **state) {
  (void)state;
  const size_t shapes[][2] = {{17, 23}, {1, 40}, {40, 1}, {31, 31}, {5, 64}};
  const int density[] = {60, 85, 95}; /* percent of sample (foreground) pixels */
  uint64_t s = 2024;
  size_t checked = 0;
  for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++)
    for (size_t j = 0; j < 3; j++) {
      size_t ny = shapes[k][0], nx = shapes[k][1], n = ny * nx;
      uint8_t *a = malloc(n);
      double *d2 = malloc(n * sizeof *d2);
      size_t nbg = 0;
      for (size_t i = 0; i < n; i++) {
        a[i] = (int)(rng_next(&s) % 100) < density[j];
        nbg += !a[i];
      }
      if (nbg == 0) a[n / 2] = 0;
      assert_int_equal(ecm__surface_edt_sq(a, ny, nx, d2), ECM_OK);
      for (size_t y = 0; y < ny; y++)
        for (size_t x = 0; x < nx; x++) {
          double ref = brute_d2(a, ny, nx, y, x);
          if (ref != d2[y * nx + x])
            fail_msg("%zux%zu mask, pixel (%zu,%zu): EDT %.17g, brute force %.17g", ny, nx, y, x,
                     d2[y * nx + x], ref);
          checked++;
        }
      /* the public geometry (no component or hole processing) gives sqrt(d2) - 1/2 */
      ecm_mask m = {ny, nx, a};
      ecm_surface_params p = ecm_surface_default_params();
      p.keep_largest = 0;
      p.fill_holes = 0;
      ecm_surface_geom *g = NULL;
      assert_int_equal(ecm_surface_from_mask(&m, NULL, &p, &g), ECM_OK);
      size_t nedge = 0;
      for (size_t y = 0; y < ny; y++)
        for (size_t x = 0; x < nx; x++) {
          size_t i = y * nx + x;
          if (!a[i]) {
            assert_true(isnan(g->dist_px[i]) && !g->edge[i]);
            continue;
          }
          assert_true(g->dist_px[i] == (float)(sqrt(brute_d2(a, ny, nx, y, x)) - 0.5));
          int e = (y > 0 && !a[i - nx]) || (y + 1 < ny && !a[i + nx]) || (x > 0 && !a[i - 1]) ||
                  (x + 1 < nx && !a[i + 1]);
          assert_int_equal(g->edge[i], e);
          if (e) assert_true(g->dist_px[i] == 0.5f);
          nedge += (size_t)e;
        }
      assert_int_equal(g->n_edge, nedge);
      assert_string_equal(g->space_unit, "pixel");
      ecm_surface_geom_free(g);
      free(a);
      free(d2);
    }
  assert_true(checked > 5000);
}

static void test_components_and_holes(void **state) {
  (void)state;
  /* 20x20: a 12x12 square at (2,2) with a 2x3 hole, a 2x2 blob at (16,16) */
  const size_t ny = 20, nx = 20;
  uint8_t a[400] = {0};
  for (size_t y = 2; y < 14; y++)
    for (size_t x = 2; x < 14; x++) a[y * nx + x] = 1;
  for (size_t y = 6; y < 8; y++)
    for (size_t x = 7; x < 10; x++) a[y * nx + x] = 0;
  for (size_t y = 16; y < 18; y++)
    for (size_t x = 16; x < 18; x++) a[y * nx + x] = 1;
  ecm_mask m = {ny, nx, a};
  ecm_surface_geom *g = NULL;
  assert_int_equal(ecm_surface_from_mask(&m, NULL, NULL, &g), ECM_OK);
  assert_int_equal(g->n_components, 2);
  assert_int_equal(g->n_filled, 6);
  assert_int_equal(g->n_sample, 144);
  assert_int_equal(g->n_edge, 44);
  assert_false(g->sample[17 * nx + 17]);
  assert_true(g->sample[6 * nx + 8]);
  /* (8,8) beside the filled hole: nearest outside pixels (14,8) and (8,14), 6 px away */
  assert_true(g->dist_px[8 * nx + 8] == 5.5f);
  assert_true(isnan(g->threshold));
  ecm_surface_geom_free(g);
  /* without processing the hole is an edge */
  ecm_surface_params p = ecm_surface_default_params();
  p.fill_holes = 0;
  p.keep_largest = 0;
  assert_int_equal(ecm_surface_from_mask(&m, NULL, &p, &g), ECM_OK);
  assert_int_equal(g->n_sample, 144 - 6 + 4);
  assert_true(g->dist_px[8 * nx + 8] == 0.5f); /* the hole pixel (7,8) is outside */
  ecm_surface_geom_free(g);
}

/* ---- the simulated nanowire -------------------------------------------------------- */

static ecm_sim_result *nanowire(double sigma, double angle, double surface_px, double speedup,
                                double pixel_nm) {
  ecm_sim_params sp = ecm_sim_default_params();
  sp.geometry = ECM_SIM_NANOWIRE;
  sp.nt = 300;
  sp.ny = sp.nx = 64;
  sp.dose = 0;
  sp.tau_sigma = sigma;
  sp.wire_angle_deg = angle;
  sp.surface_px = surface_px;
  sp.surface_speedup = speedup;
  sp.pixel_size_nm = pixel_nm;
  sp.seed = 77;
  ecm_sim_result *r = NULL;
  assert_int_equal(ecm_sim_darkfield(&sp, NULL, &r), ECM_OK);
  return r;
}

/* Pixels where the found mask and the truth (region > 0) differ; each must touch the truth
 * edge (a 4-neighbour of a different truth class). */
static size_t mask_mismatch(const ecm_surface_geom *g, const ecm_stack *region) {
  size_t ny = g->ny, nx = g->nx, bad = 0;
  for (size_t y = 0; y < ny; y++)
    for (size_t x = 0; x < nx; x++) {
      size_t i = y * nx + x;
      int tr = region->data[i] > 0;
      if (tr == (int)g->sample[i]) continue;
      bad++;
      int near = (y > 0 && (region->data[i - nx] > 0) != tr) ||
                 (y + 1 < ny && (region->data[i + nx] > 0) != tr) ||
                 (x > 0 && (region->data[i - 1] > 0) != tr) ||
                 (x + 1 < nx && (region->data[i + 1] > 0) != tr);
      if (!near) fail_msg("mask differs from the truth at (%zu,%zu), away from the edge", y, x);
    }
  return bad;
}

static ecm_mask *truth_mask(const ecm_stack *region) {
  ecm_mask *m = NULL;
  assert_int_equal(ecm_mask_alloc(region->ny, region->nx, &m), ECM_OK);
  for (size_t i = 0; i < region->ny * region->nx; i++) m->inside[i] = region->data[i] > 0;
  return m;
}

/* Uniform tau (sigma 0): the profile is the truth step exactly. */
static void test_nanowire_exact(void **state) {
  (void)state;
  ecm_sim_result *sim = nanowire(0.0, 0.0, 3.0, 10.0, 0.25);
  ecm_view sv = ecm_stack_view(sim->stack);
  ecm_surface_geom *g = NULL;
  assert_int_equal(ecm_surface_find(&sv, NULL, NULL, &g), ECM_OK);
  size_t bad = mask_mismatch(g, sim->region);
  print_message(
      "nanowire (horizontal): Otsu threshold %.3f, %zu sample px, %zu edge px, "
      "%zu px differ from the truth\n",
      g->threshold, g->n_sample, g->n_edge, bad);
  assert_true(bad <= 4);
  assert_string_equal(g->space_unit, "nm");
  assert_true(g->unit_per_px == 0.25);
  ecm_surface_geom_free(g);

  /* the truth mask: exact distances, so exact statistics */
  ecm_mask *tm = truth_mask(sim->region);
  assert_int_equal(ecm_surface_from_mask(tm, &sim->stack->calib, NULL, &g), ECM_OK);
  const float *tau = sim->tau_s->data;
  ecm_surface_result *r = NULL;
  assert_int_equal(ecm_surface_analyze(g, tau, NULL, 0, 64, 64, NULL, &r), ECM_OK);
  const double tb = 10.0, ts = 1.0;
  assert_true(r->nbins >= 19);
  for (size_t b = 0; b < r->nbins; b++) {
    const ecm_surface_bin *bn = &r->bins[b];
    if (bn->n == 0) continue;
    const double want = b < 3 ? ts : tb;
    assert_int_equal(bn->n, 128); /* two rows of 64 per distance */
    assert_true(fabs(bn->d_mean - ((double)b + 0.5)) < 1e-12);
    assert_true(fabs(bn->gmean / want - 1) < 1e-6 && fabs(bn->median / want - 1) < 1e-6);
    assert_true(fabs(bn->mean / want - 1) < 1e-6 && bn->sem < 1e-6 * want);
  }
  assert_int_equal(r->surface.n_used, 3 * 128);
  assert_true(fabs(r->surface.tau.median / ts - 1) < 1e-6);
  assert_true(fabs(r->bulk.tau.median / tb - 1) < 1e-6);
  assert_true(fabs(r->ratio / 10.0 - 1) < 1e-5);
  assert_true(r->thickness_ok);
  assert_true(fabs(r->thickness_px - 3.0) < 1e-6);
  assert_true(fabs(r->thickness - 0.75) < 1e-6); /* 0.25 nm pixels */
  assert_true(fabs(r->thickness_err_px - 1.0 / sqrt(12.0)) < 1e-3);
  assert_string_equal(r->space_unit, "nm");
  assert_int_equal(r->n_excluded, 0);
  ecm_surface_result_free(r);
  /* a 1 px guard band: the bulk starts at d = 4.5, still exactly tau_b */
  ecm_surface_params pg = ecm_surface_default_params();
  pg.bulk_gap_px = 1.0;
  assert_int_equal(ecm_surface_analyze(g, tau, NULL, 0, 64, 64, &pg, &r), ECM_OK);
  assert_int_equal(r->n_gap, 128);
  assert_int_equal(r->bulk.n_used, g->n_sample - 4 * 128);
  assert_true(r->bulk.tau.min == (float)tb && r->bulk.tau.max == (float)tb);
  assert_true(r->surface.tau.min == (float)ts && r->surface.tau.max == (float)ts);
  ecm_surface_result_free(r);

  /* NaNs and a status array: excluded pixels do not change the uniform answers */
  float *t2 = malloc(64 * 64 * sizeof *t2);
  uint8_t *stat = malloc(64 * 64);
  size_t nsample = g->n_sample, nexcl = 0;
  for (size_t i = 0; i < 64 * 64; i++) {
    t2[i] = tau[i];
    stat[i] = ECM_RELAX_CONVERGED;
    if (i % 7 == 0) t2[i] = NAN;
    if (i % 11 == 0) stat[i] = ECM_RELAX_MAX_ITER;
    if (i % 13 == 0) t2[i] = -1.0f;
    if (g->sample[i] && (i % 7 == 0 || i % 11 == 0 || i % 13 == 0)) nexcl++;
  }
  assert_int_equal(ecm_surface_analyze(g, t2, stat, ECM_RELAX_CONVERGED, 64, 64, NULL, &r), ECM_OK);
  assert_int_equal(r->n_excluded, nexcl);
  assert_int_equal(r->surface.n_used + r->bulk.n_used, nsample - nexcl);
  assert_true(fabs(r->ratio / 10.0 - 1) < 1e-5 && fabs(r->thickness_px - 3.0) < 1e-6);
  for (size_t b = 0; b < r->nbins; b++)
    if (r->bins[b].n) assert_true(r->bins[b].n < 128 && isfinite(r->bins[b].gmean));
  ecm_surface_result_free(r);
  /* max distance and a wider bin */
  ecm_surface_params p = ecm_surface_default_params();
  p.max_distance_px = 6.0;
  p.bin_width_px = 2.0;
  assert_int_equal(ecm_surface_analyze(g, tau, NULL, 0, 64, 64, &p, &r), ECM_OK);
  assert_int_equal(r->nbins, 4);
  assert_int_equal(r->bins[0].n, 256);
  assert_true(fabs(r->bins[1].d_mean - 3.0) < 1e-12);         /* [2, 4): rows at 2.5 and 3.5 */
  assert_true(fabs(r->bins[1].gmean - sqrt(ts * tb)) < 1e-5); /* one surface, one bulk row */
  ecm_surface_result_free(r);
  /* all NaN: nothing to analyse */
  for (size_t i = 0; i < 64 * 64; i++) t2[i] = NAN;
  r = (ecm_surface_result *)1;
  assert_int_equal(ecm_surface_analyze(g, t2, NULL, 0, 64, 64, NULL, &r), ECM_ENODATA);
  assert_null(r);
  /* a map of the wrong size */
  assert_int_equal(ecm_surface_analyze(g, tau, NULL, 0, 64, 63, NULL, &r), ECM_ESIZE);
  assert_int_equal(ecm_surface_analyze(g, tau, NULL, 0, 32, 64, NULL, &r), ECM_ESIZE);
  free(t2);
  free(stat);
  ecm_mask_free(tm);
  ecm_surface_geom_free(g);
  ecm_sim_result_free(sim);
}

/* Log-normal tau (sigma 0.5, correlated over 4 px), a tilted wire, a 5 px layer 20x faster.
 * Tolerances measured on this seed and stated in docs/surface.md. */
static void test_nanowire_lognormal(void **state) {
  (void)state;
  ecm_sim_result *sim = nanowire(0.5, 30.0, 5.0, 20.0, 1.0);
  ecm_view sv = ecm_stack_view(sim->stack);
  ecm_surface_geom *g = NULL;
  assert_int_equal(ecm_surface_find(&sv, NULL, NULL, &g), ECM_OK);
  size_t bad = mask_mismatch(g, sim->region);
  /* the realised truth ratio: log-normal medians of the truth regions 1 and 2 */
  double *vb = malloc(64 * 64 * sizeof *vb), *vs = malloc(64 * 64 * sizeof *vs);
  size_t nb = 0, ns = 0;
  for (size_t i = 0; i < 64 * 64; i++) {
    if (sim->region->data[i] == 1) vb[nb++] = sim->tau_s->data[i];
    if (sim->region->data[i] == 2) vs[ns++] = sim->tau_s->data[i];
  }
  ecm_lognormal lb, ls;
  assert_int_equal(ecm_stats_lognormal_fit(vb, nb, &lb), ECM_OK);
  assert_int_equal(ecm_stats_lognormal_fit(vs, ns, &ls), ECM_OK);
  const double truth_ratio = lb.tau_med / ls.tau_med;
  free(vb);
  free(vs);
  /* d_s a pixel inside the 5 px layer and a 2 px guard band: neither region straddles the
   * layer's boundary (the discrete edge is up to ~0.7 px off the continuous one) */
  ecm_surface_params p = ecm_surface_default_params();
  p.surface_width_px = 4.0;
  p.bulk_gap_px = 2.0;
  ecm_surface_result *r = NULL;
  assert_int_equal(ecm_surface_analyze(g, sim->tau_s->data, NULL, 0, 64, 64, &p, &r), ECM_OK);
  print_message(
      "nanowire (30 deg, sigma 0.5): %zu px differ from the truth; ratio %.2f +- "
      "%.2f (realised truth %.2f, nominal 20); thickness %.2f +- %.2f px (stat %.2f; "
      "truth 5)\n",
      bad, r->ratio, r->ratio_err, truth_ratio, r->thickness_px, r->thickness_err_px,
      r->thickness_err_stat_px);
  for (size_t b = 0; b < r->nbins && b < 10; b++)
    print_message("  d [%4.1f, %4.1f): n %4zu  gmean %7.3f s  ln_sem %.3f\n", r->bins[b].d_lo,
                  r->bins[b].d_hi, r->bins[b].n, r->bins[b].gmean, r->bins[b].ln_sem);
  assert_true(bad <= 16);
  assert_true(r->thickness_ok);
  assert_true(fabs(r->thickness_px - 5.0) <= 0.75);
  assert_true(fabs(r->thickness_px - 5.0) <= 2.0 * r->thickness_err_px);
  assert_true(fabs(log(r->ratio / truth_ratio)) <= 0.1); /* measured 0.054 */
  assert_true(r->ratio > 10.0 && r->ratio < 40.0);
  assert_true(r->ratio_err > 0 && r->ratio_err < r->ratio);
  /* the regions are exactly the pixels d <= 4 and d > 6 (the gap belongs to neither) */
  double *rs = malloc(64 * 64 * sizeof *rs), *rb = malloc(64 * 64 * sizeof *rb);
  size_t nrs = 0, nrb = 0, ngap = 0;
  for (size_t i = 0; i < 64 * 64; i++) {
    if (!g->sample[i]) continue;
    if (g->dist_px[i] <= 4.0)
      rs[nrs++] = sim->tau_s->data[i];
    else if (g->dist_px[i] > 6.0)
      rb[nrb++] = sim->tau_s->data[i];
    else
      ngap++;
  }
  ecm_lognormal fs, fb;
  assert_int_equal(ecm_stats_lognormal_fit(rs, nrs, &fs), ECM_OK);
  assert_int_equal(ecm_stats_lognormal_fit(rb, nrb, &fb), ECM_OK);
  assert_int_equal(r->surface.n_used, nrs);
  assert_int_equal(r->bulk.n_used, nrb);
  assert_int_equal(r->n_gap, ngap);
  assert_true(fabs(r->surface.lognormal.tau_med / fs.tau_med - 1) < 1e-12);
  assert_true(fabs(r->bulk.lognormal.tau_med / fb.tau_med - 1) < 1e-12);
  assert_true(fabs(r->ratio / (fb.tau_med / fs.tau_med) - 1) < 1e-12);
  free(rs);
  free(rb);
  /* the surface bins are ~20x faster than the bulk plateau */
  assert_true(r->bins[0].gmean < r->bins[8].gmean / 8.0);
  ecm_surface_result_free(r);
  /* a region boundary beyond the layer mixes bulk pixels in: the ratio falls */
  p.surface_width_px = 6.0;
  p.bulk_gap_px = 0.0;
  assert_int_equal(ecm_surface_analyze(g, sim->tau_s->data, NULL, 0, 64, 64, &p, &r), ECM_OK);
  print_message("  with d_s = 6 px: ratio %.2f\n", r->ratio);
  assert_true(r->ratio < 0.8 * truth_ratio);
  ecm_surface_result_free(r);
  ecm_surface_geom_free(g);
  ecm_sim_result_free(sim);
}

/* ---- error paths ------------------------------------------------------------------- */

static void test_errors(void **state) {
  (void)state;
  float *z = calloc(32 * 32, sizeof *z);
  ecm_view v = ecm_view_contiguous(z, 1, 32, 32);
  ecm_surface_geom *g = (ecm_surface_geom *)1;
  /* an all-zero image: Otsu has nothing to separate */
  assert_int_equal(ecm_surface_find(&v, NULL, NULL, &g), ECM_ENODATA);
  assert_null(g);
  /* a user threshold above everything: no sample pixel */
  ecm_surface_params p = ecm_surface_default_params();
  p.threshold_mode = ECM_SURFACE_THRESHOLD_VALUE;
  p.threshold = 0.5;
  assert_int_equal(ecm_surface_find(&v, &p, NULL, &g), ECM_ENODATA);
  /* everything above the threshold: no edge */
  for (size_t i = 0; i < 32 * 32; i++) z[i] = 1.0f;
  assert_int_equal(ecm_surface_find(&v, &p, NULL, &g), ECM_ENODATA);
  /* a disc above a user threshold works and reports it */
  for (size_t y = 0; y < 32; y++)
    for (size_t x = 0; x < 32; x++)
      z[y * 32 + x] = (y - 15.5) * (y - 15.5) + (x - 15.5) * (x - 15.5) < 100 ? 2.0f : 0.1f;
  assert_int_equal(ecm_surface_find(&v, &p, NULL, &g), ECM_OK);
  assert_true(g->threshold == 0.5 && g->n_sample > 250 && g->n_sample < 380);
  /* a tau map and a status array of the wrong size */
  ecm_surface_result *r = (ecm_surface_result *)1;
  assert_int_equal(ecm_surface_analyze(g, z, NULL, 0, 32, 31, NULL, &r), ECM_ESIZE);
  assert_null(r);
  assert_int_equal(ecm_surface_analyze(g, NULL, NULL, 0, 32, 32, NULL, &r), ECM_EINVAL);
  p = ecm_surface_default_params();
  p.bin_width_px = 0.001;
  assert_int_equal(ecm_surface_analyze(g, z, NULL, 0, 32, 32, &p, &r), ECM_EINVAL);
  ecm_surface_geom_free(g);
  /* an empty mask, a full mask, NULLs */
  ecm_mask *m = NULL;
  assert_int_equal(ecm_mask_alloc(8, 8, &m), ECM_OK);
  assert_int_equal(ecm_surface_from_mask(m, NULL, NULL, &g), ECM_ENODATA);
  memset(m->inside, 0, 64);
  assert_int_equal(ecm_surface_from_mask(m, NULL, NULL, &g), ECM_ENODATA);
  assert_int_equal(ecm_surface_from_mask(NULL, NULL, NULL, &g), ECM_EINVAL);
  assert_int_equal(ecm_surface_find(NULL, NULL, NULL, &g), ECM_EINVAL);
  ecm_mask_free(m);
  ecm_surface_geom_free(NULL);
  ecm_surface_result_free(NULL);
  free(z);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_params),
      cmocka_unit_test(test_otsu),
      cmocka_unit_test(test_mean_image),
      cmocka_unit_test(test_edt_brute_force),
      cmocka_unit_test(test_components_and_holes),
      cmocka_unit_test(test_nanowire_exact),
      cmocka_unit_test(test_nanowire_lognormal),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
