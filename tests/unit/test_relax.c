/* relax: maps from simulated series recover their truth; degenerate pixels get their own
 * status; masks, threads and cancellation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ecm/relax.h"
#include "ecm/sim.h"

static ecm_sim_result *simulate(size_t nt, size_t n, double tau, double sigma, double bmin,
                                double bmax, uint64_t seed) {
  ecm_sim_params p = ecm_sim_default_params();
  p.nt = nt;
  p.ny = p.nx = n;
  p.frame_interval_s = 0.5;
  p.tau_median_s = tau;
  p.tau_sigma = sigma;
  p.beta_min = bmin;
  p.beta_max = bmax;
  p.contrast = 0.3;
  p.seed = seed;
  ecm_sim_result *r = NULL;
  assert_int_equal(ecm_sim_darkfield(&p, NULL, &r), ECM_OK);
  return r;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, size_t n) {
  qsort(v, n, sizeof *v, cmp);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Uniform truth (tau = 10 s, beta = 0.7, A = 0.3; 150 tau long): the per-pixel fits scatter
 * around the truth, and their medians recover it. */
static void test_uniform_truth(void **state) {
  (void)state;
  size_t nt_u = getenv("ECM_NT") ? (size_t)atol(getenv("ECM_NT")) : 3000;
  ecm_sim_result *sim = simulate(nt_u, 24, 10.0, 0.0, 0.7, 0.7, 11);
  ecm_view v = ecm_stack_view(sim->stack);
  ecm_relax_params p = ecm_relax_default_params();
  if (getenv("ECM_FREEB")) p.kww.baseline_free = 1;
  if (getenv("ECM_UNW")) p.weighted = 0;
  if (getenv("ECM_BIAS")) p.bias_correction = atoi(getenv("ECM_BIAS"));
  ecm_relax_maps *m = NULL;
  assert_int_equal(ecm_relax_map(&v, NULL, &p, NULL, &m), ECM_OK);
  assert_string_equal(m->time_unit, "s");
  size_t npix = 24 * 24, nc = 0;
  double *lt = malloc(npix * sizeof *lt), *b = malloc(npix * sizeof *b),
         *a = malloc(npix * sizeof *a);
  double chi = 0;
  for (size_t i = 0; i < npix; i++)
    if (m->status[i] == ECM_RELAX_CONVERGED) {
      lt[nc] = log(m->tau[i] / 10.0);
      b[nc] = m->beta[i];
      a[nc] = m->A[i];
      chi += m->chi2[i];
      nc++;
    }
  double med_lt = median(lt, nc), med_b = median(b, nc), med_a = median(a, nc);
  for (size_t i = 0; i < nc; i++) lt[i] = fabs(lt[i]);
  double med_abs = median(lt, nc);
  print_message(
      "converged %zu/%zu, median tau ratio %.3f, median |ln ratio| %.3f, median beta "
      "%.3f, median A %.3f, mean chi2_red %.2f\n",
      nc, npix, exp(med_lt), med_abs, med_b, med_a, chi / (double)nc);
  assert_true(nc > 0.97 * npix);
  /* Measured (docs/map.md): per-pixel fits of a 150-tau series underestimate tau by ~9 %
   * (11 % without the bias correction) and overestimate beta by ~0.07 (0.1): the rest of
   * the finite-length bias of Eq. 4 plus the nonlinear fit of noisy curves; the bias shrinks
   * with the series length (ECM_NT=12000: 3 %). */
  assert_true(med_lt > log(0.8) && med_lt < log(1.02));
  assert_true(med_abs < 0.3);
  assert_true(med_b > 0.68 && med_b < 0.85);
  assert_true(fabs(med_a - 0.3) < 0.05);
  ecm_relax_summary s;
  assert_int_equal(ecm_relax_summarize(m, NULL, &p, &s), ECM_OK);
  assert_int_equal(s.n_pixels, npix);
  assert_int_equal(s.ens_fit.state, ECM_KWW_CONVERGED);
  print_message("ensemble fit tau %.3f beta %.3f A %.3f\n", s.ens_fit.tau, s.ens_fit.beta,
                s.ens_fit.A);
  assert_true(fabs(s.ens_fit.tau / 10.0 - 1) < 0.1);
  assert_true(fabs(s.ens_fit.beta - 0.7) < 0.08);
  assert_true(s.series_over_tau > 100 && s.series_over_tau < 200);
  ecm_relax_summary_clear(&s);
  ecm_relax_maps_free(m);
  free(lt);
  free(b);
  free(a);
  ecm_sim_result_free(sim);
}

typedef struct accuracy {
  size_t n_conv;
  double ratio, abs_ln, dbeta; /* medians of tau_fit/tau_true, |ln(tau_fit/tau_true)|,
                                  beta_fit - beta_true over converged pixels */
} accuracy;

static accuracy map_accuracy(const ecm_view *v, const ecm_sim_result *sim, int bias_correction) {
  ecm_relax_params p = ecm_relax_default_params();
  p.bias_correction = bias_correction;
  ecm_relax_maps *m = NULL;
  assert_int_equal(ecm_relax_map(v, NULL, &p, NULL, &m), ECM_OK);
  size_t npix = m->ny * m->nx;
  double *lr = malloc(npix * sizeof *lr), *la = malloc(npix * sizeof *la),
         *db = malloc(npix * sizeof *db);
  assert_true(lr && la && db);
  accuracy a = {0, NAN, NAN, NAN};
  for (size_t i = 0; i < npix; i++) {
    if (m->status[i] != ECM_RELAX_CONVERGED) continue;
    double l = log(m->tau[i] / sim->tau_s->data[i]);
    lr[a.n_conv] = l;
    la[a.n_conv] = fabs(l);
    db[a.n_conv] = m->beta[i] - sim->beta->data[i];
    a.n_conv++;
  }
  assert_true(a.n_conv > 0);
  a.ratio = exp(median(lr, a.n_conv));
  a.abs_ln = median(la, a.n_conv);
  a.dbeta = median(db, a.n_conv);
  free(lr);
  free(la);
  free(db);
  ecm_relax_maps_free(m);
  return a;
}

/* The accuracy of the issue: heterogeneous truth (log-normal tau, sigma 0.5, median 10 s =
 * 20 frames; beta uniform in 0.5-1; A 0.3; maps correlated over 3 px), a series 50 tau_med
 * long, 48 x 48 px. Per-pixel fits are biased (tau low, beta high); the finite-length bias
 * correction (docs/map.md) removes part of it. Tolerances measured over seeds 1-8 (docs). */
static void test_heterogeneous_accuracy(void **state) {
  (void)state;
  ecm_sim_params sp = ecm_sim_default_params();
  sp.nt = 1000;
  sp.ny = sp.nx = 48;
  sp.frame_interval_s = 0.5;
  sp.tau_median_s = 10.0;
  sp.tau_sigma = 0.5;
  sp.beta_min = 0.5;
  sp.beta_max = 1.0;
  sp.contrast = 0.3;
  sp.map_corr_px = 3;
  sp.seed = getenv("ECM_TEST_SEED") ? (uint64_t)atol(getenv("ECM_TEST_SEED")) : 7;
  ecm_sim_result *sim = NULL;
  assert_int_equal(ecm_sim_darkfield(&sp, NULL, &sim), ECM_OK);
  ecm_view v = ecm_stack_view(sim->stack);
  accuracy off = map_accuracy(&v, sim, 0), on = map_accuracy(&v, sim, 1);
  size_t npix = 48 * 48;
  print_message(
      "heterogeneous, 50 tau_med: correction off: converged %zu/%zu, median tau ratio %.3f, "
      "median |ln ratio| %.3f, median beta error %+.3f\n",
      off.n_conv, npix, off.ratio, off.abs_ln, off.dbeta);
  print_message(
      "heterogeneous, 50 tau_med: correction on:  converged %zu/%zu, median tau ratio %.3f, "
      "median |ln ratio| %.3f, median beta error %+.3f\n",
      on.n_conv, npix, on.ratio, on.abs_ln, on.dbeta);
  assert_true((double)off.n_conv > 0.97 * (double)npix);
  assert_true((double)on.n_conv > 0.97 * (double)npix);
  /* measured over seeds 1-8 without the correction: ratio 0.785-0.825, |ln| 0.31-0.36,
   * beta error +0.27-+0.31 */
  assert_true(off.ratio > 0.72 && off.ratio < 0.88);
  assert_true(off.abs_ln < 0.40);
  assert_true(off.dbeta > 0.18 && off.dbeta < 0.38);
  /* with it: ratio 0.83-0.87 (up by 0.042-0.054), beta error +0.22-+0.24, |ln| within
   * +-0.01 of its value without (the scatter, not the bias, dominates it) */
  assert_true(on.ratio > 0.76 && on.ratio < 0.92);
  assert_true(on.ratio - off.ratio > 0.03);
  assert_true(on.dbeta < off.dbeta - 0.03);
  assert_true(on.abs_ln < 0.40);
  ecm_sim_result_free(sim);
}

static int cancel_cb(void *u, double f, const char *st) {
  (void)u;
  (void)st;
  return f > 0.2;
}

static void test_degenerate_and_threads(void **state) {
  (void)state;
  ecm_sim_result *sim = simulate(400, 12, 5.0, 0.5, 0.5, 1.0, 3);
  ecm_stack *s = sim->stack;
  size_t npix = 144;
  for (size_t t = 0; t < s->nt; t++) {
    s->data[t * npix + 0] = 0;                             /* dark */
    s->data[t * npix + 1] = 4.0f;                          /* constant */
    s->data[t * npix + 2] = 1.0f + (float)(t % 2) * 1e-3f; /* flickers, never decorrelates */
  }
  s->data[77 * npix + 3] = NAN;
  ecm_view v = ecm_stack_view(s);
  ecm_mask *mask = NULL;
  assert_int_equal(ecm_mask_alloc(12, 12, &mask), ECM_OK);
  mask->inside[143] = 0;
  ecm_relax_params p = ecm_relax_default_params();
  ecm_run run = ecm_run_default();
  run.threads = 1;
  ecm_relax_maps *m1 = NULL, *m2 = NULL;
  assert_int_equal(ecm_relax_map(&v, mask, &p, &run, &m1), ECM_OK);
  run.threads = 2;
  assert_int_equal(ecm_relax_map(&v, mask, &p, &run, &m2), ECM_OK);
  assert_int_equal(m1->status[0], ECM_RELAX_DARK);
  assert_int_equal(m1->status[1], ECM_RELAX_CONSTANT);
  assert_int_equal(m1->status[3], ECM_RELAX_NONFINITE);
  assert_int_equal(m1->status[143], ECM_RELAX_MASKED);
  assert_true(isnan(m1->tau[0]) && isnan(m1->beta[1]) && isnan(m1->A[3]) && isnan(m1->tau[143]));
  assert_int_equal(m1->count[ECM_RELAX_MASKED], 1);
  assert_memory_equal(m1->status, m2->status, npix);
  for (size_t i = 0; i < npix; i++)
    assert_true((isnan(m1->tau[i]) && isnan(m2->tau[i])) || m1->tau[i] == m2->tau[i]);
  ecm_relax_maps_free(m1);
  ecm_relax_maps_free(m2);
  /* Errors: a mask of the wrong size, too few frames, cancellation. */
  ecm_mask *wrong = NULL;
  assert_int_equal(ecm_mask_alloc(12, 11, &wrong), ECM_OK);
  assert_int_equal(ecm_relax_map(&v, wrong, &p, &run, &m1), ECM_ESIZE);
  assert_null(m1);
  ecm_view two = ecm_view_contiguous(s->data, 2, 12, 12);
  assert_int_equal(ecm_relax_map(&two, NULL, &p, &run, &m1), ECM_ENODATA);
  run.progress = cancel_cb;
  assert_int_equal(ecm_relax_map(&v, NULL, &p, &run, &m1), ECM_ECANCELED);
  assert_null(m1);
  ecm_mask_free(wrong);
  ecm_mask_free(mask);
  ecm_sim_result_free(sim);
}

/* Static crystalline inclusions (truth tau = +inf, region 3) never decorrelate: their
 * pixels get ECM_RELAX_NO_DECAY by the flatness test (docs/map.md; >= 95 %), while the dynamic
 * pixels still converge. With the test disabled the crystals come out as fits of noise. */
static void test_no_decay_crystals(void **state) {
  (void)state;
  ecm_sim_params sp = ecm_sim_default_params();
  sp.nt = 1000;
  sp.ny = sp.nx = 48;
  sp.frame_interval_s = 0.5;
  sp.tau_median_s = 5.0;
  sp.dose = 20;
  sp.crystal_count = 4;
  sp.crystal_radius_px = 5;
  sp.seed = 21;
  ecm_sim_result *sim = NULL;
  assert_int_equal(ecm_sim_darkfield(&sp, NULL, &sim), ECM_OK);
  ecm_view v = ecm_stack_view(sim->stack);
  ecm_relax_params p = ecm_relax_default_params();
  ecm_relax_maps *m = NULL, *off = NULL;
  assert_int_equal(ecm_relax_map(&v, NULL, &p, NULL, &m), ECM_OK);
  p.no_decay_dchi2 = 0;
  assert_int_equal(ecm_relax_map(&v, NULL, &p, NULL, &off), ECM_OK);
  size_t npix = 48 * 48, n_cry = 0, cry_nd = 0, cry_nd_off = 0, n_dyn = 0, dyn_ok = 0;
  const float *reg = sim->region->data;
  for (size_t i = 0; i < npix; i++) {
    size_t y = i / 48, x = i % 48;
    if (reg[i] == 3) {
      /* interior: the whole 3x3 neighbourhood is crystal */
      int interior = y > 0 && x > 0 && y < 47 && x < 47;
      for (int dy = -1; interior && dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) interior &= reg[(y + dy) * 48 + x + dx] == 3;
      if (!interior) continue;
      n_cry++;
      cry_nd += m->status[i] == ECM_RELAX_NO_DECAY;
      cry_nd_off += off->status[i] == ECM_RELAX_NO_DECAY;
      if (m->status[i] == ECM_RELAX_NO_DECAY) assert_true(isnan(m->A[i]) && isnan(m->beta[i]));
    } else if (reg[i] == 1) {
      n_dyn++;
      dyn_ok += m->status[i] == ECM_RELAX_CONVERGED;
    }
  }
  print_message(
      "crystal interior %zu: no-decay %zu (test off: %zu); dynamic %zu: converged "
      "%zu\n",
      n_cry, cry_nd, cry_nd_off, n_dyn, dyn_ok);
  assert_true(n_cry > 40);
  /* no_decay_dchi2 = 6 is the 95 % point of chi2 with 2 degrees of freedom: a few crystal
   * pixels in a hundred may pass as (near-zero-contrast) fits. */
  assert_true((double)cry_nd >= 0.95 * (double)n_cry);
  assert_true(cry_nd_off < n_cry / 2); /* the test, not the fit, finds them */
  assert_true((double)dyn_ok >= 0.95 * (double)n_dyn);
  p.no_decay_dchi2 = -1;
  ecm_relax_maps *bad = NULL;
  assert_int_equal(ecm_relax_map(&v, NULL, &p, NULL, &bad), ECM_EINVAL);
  assert_null(bad);
  ecm_relax_maps_free(m);
  ecm_relax_maps_free(off);
  ecm_sim_result_free(sim);
}

/* Unresolved pixels (docs/map.md): a converged fit with tau below unresolved_frac (0.1) times
 * the first fitted delay is a noise fit (tiny beta), not a measurement. The status changes
 * exactly those pixels, keeps their g2 in the ensemble, and narrows the log-normal. */
static void test_unresolved(void **state) {
  (void)state;
  ecm_sim_params sp = ecm_sim_default_params();
  sp.nt = 1000;
  sp.ny = sp.nx = 64;
  sp.frame_interval_s = 0.5;
  sp.tau_median_s = 5;
  sp.tau_sigma = 0.5;
  sp.map_corr_px = 8;
  sp.seed = 1;
  ecm_sim_result *sim = NULL;
  assert_int_equal(ecm_sim_darkfield(&sp, NULL, &sim), ECM_OK);
  ecm_view v = ecm_stack_view(sim->stack);
  ecm_relax_params p = ecm_relax_default_params();
  assert_float_equal(p.unresolved_frac, 0.1, 0);
  assert_string_equal(ecm_relax_status_name(ECM_RELAX_UNRESOLVED), "unresolved");
  ecm_relax_maps *m = NULL, *off = NULL;
  assert_int_equal(ecm_relax_map(&v, NULL, &p, NULL, &m), ECM_OK);
  ecm_relax_params q = p;
  q.unresolved_frac = 0;
  assert_int_equal(ecm_relax_map(&v, NULL, &q, NULL, &off), ECM_OK);
  size_t npix = 64 * 64, nun = 0;
  double t0 = m->t[0]; /* first fitted delay (t_min = 0): one frame */
  for (size_t i = 0; i < npix; i++) {
    if (m->status[i] == ECM_RELAX_UNRESOLVED) {
      nun++;
      assert_int_equal(off->status[i], ECM_RELAX_CONVERGED);
      assert_true(off->tau[i] < 0.1 * t0);
      assert_true(isnan(m->tau[i]) && isnan(m->beta[i]) && isnan(m->A[i]));
    } else {
      assert_int_equal(m->status[i], off->status[i]);
      assert_true(m->tau[i] == off->tau[i] || (isnan(m->tau[i]) && isnan(off->tau[i])));
      if (m->status[i] == ECM_RELAX_CONVERGED) assert_true(m->tau[i] >= 0.1 * t0);
    }
    for (size_t k = 0; k < m->nbins; k++) {
      float a = m->g2[i * m->nbins + k], b = off->g2[i * m->nbins + k];
      assert_true(a == b || (isnan(a) && isnan(b)));
    }
  }
  assert_int_equal(m->count[ECM_RELAX_UNRESOLVED], nun);
  assert_int_equal(off->count[ECM_RELAX_UNRESOLVED], 0);
  ecm_relax_summary s1, s0;
  assert_int_equal(ecm_relax_summarize(m, NULL, &p, &s1), ECM_OK);
  assert_int_equal(ecm_relax_summarize(off, NULL, &q, &s0), ECM_OK);
  print_message("unresolved %zu of %zu; tau_med %.3f s sigma %.3f (off: %.3f s, %.3f; truth "
                "median 5 s, sigma 0.5)\n",
                nun, npix, s1.lognormal.tau_med, s1.lognormal.sigma, s0.lognormal.tau_med,
                s0.lognormal.sigma);
  /* 128 x 128 of this series: 174 of 16206 converged fits below dt / 10 (1.1 %) */
  assert_true(nun > 0 && (double)nun < 0.05 * (double)npix);
  assert_true(s1.lognormal.sigma < s0.lognormal.sigma - 0.1);
  assert_true(s1.lognormal.tau_med > s0.lognormal.tau_med);
  for (size_t k = 0; k < m->nbins; k++) /* the ensemble keeps every pixel's g2 */
    assert_true(s1.ens_g2[k] == s0.ens_g2[k] || (isnan(s1.ens_g2[k]) && isnan(s0.ens_g2[k])));
  ecm_relax_summary_clear(&s1);
  ecm_relax_summary_clear(&s0);
  ecm_relax_maps *bad = NULL;
  q.unresolved_frac = -1;
  assert_int_equal(ecm_relax_map(&v, NULL, &q, NULL, &bad), ECM_EINVAL);
  q.unresolved_frac = NAN;
  assert_int_equal(ecm_relax_map(&v, NULL, &q, NULL, &bad), ECM_EINVAL);
  assert_null(bad);
  ecm_relax_maps_free(m);
  ecm_relax_maps_free(off);
  ecm_sim_result_free(sim);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_uniform_truth), cmocka_unit_test(test_heterogeneous_accuracy),
      cmocka_unit_test(test_degenerate_and_threads), cmocka_unit_test(test_no_decay_crystals),
      cmocka_unit_test(test_unresolved)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
