/* relax (time-windowed maps): first/second-half maps and their comparison, sliding windows
 * (exactly ecm_relax_map of each sub-view), an aging series, the beta-tau scatter, errors
 * and cancellation. */
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

/* Series at 0.5 s per frame; tau in s (2.5 s = 5 frames). */
static ecm_sim_result *simulate(size_t nt, size_t n, double tau, double sigma, double bmin,
                                double bmax, double corr_px, uint64_t seed) {
  ecm_sim_params p = ecm_sim_default_params();
  p.nt = nt;
  p.ny = p.nx = n;
  p.frame_interval_s = 0.5;
  p.tau_median_s = tau;
  p.tau_sigma = sigma;
  p.beta_min = bmin;
  p.beta_max = bmax;
  p.contrast = 0.3;
  p.map_corr_px = corr_px;
  p.seed = seed;
  ecm_sim_result *r = NULL;
  assert_int_equal(ecm_sim_darkfield(&p, NULL, &r), ECM_OK);
  return r;
}

static int same_float(float a, float b) {
  return (isnan(a) && isnan(b)) || a == b;
}

static void assert_same_plane(const float *a, const float *b, size_t n) {
  for (size_t i = 0; i < n; i++) assert_true(same_float(a[i], b[i]));
}

/* Maps built by hand (no fit) for known-answer checks of compare and scatter. */
static ecm_relax_maps *fake_maps(size_t ny, size_t nx) {
  ecm_relax_maps *m = calloc(1, sizeof *m);
  assert_non_null(m);
  size_t npix = ny * nx;
  m->ny = ny;
  m->nx = nx;
  m->tau = calloc(npix, sizeof(float));
  m->beta = calloc(npix, sizeof(float));
  m->A = calloc(npix, sizeof(float));
  m->tau_err = calloc(npix, sizeof(float));
  m->status = calloc(npix, 1);
  assert_true(m->tau && m->beta && m->A && m->tau_err && m->status);
  return m;
}

/* ---- halves ----------------------------------------------------------------------------- */

/* Heterogeneous truth (sigma of ln tau 0.8, correlated over 3 px): the domains persist, so
 * the two halves' tau maps correlate strongly; a uniform truth gives r ~ 0 within the
 * scatter expected of unrelated maps. */
static void test_split_persistence(void **state) {
  (void)state;
  ecm_relax_params p = ecm_relax_default_params();
  double r_het, r_uni;
  {
    ecm_sim_result *sim = simulate(2000, 24, 2.5, 0.8, 0.6, 0.9, 3.0, 21);
    ecm_view v = ecm_stack_view(sim->stack);
    ecm_relax_halves *h = NULL;
    assert_int_equal(ecm_relax_split(&v, NULL, &p, NULL, &h), ECM_OK);
    assert_int_equal(h->nt, 1000);
    assert_int_equal(h->first[0], 0);
    assert_int_equal(h->first[1], 1000);
    const ecm_relax_compare_stats *s = &h->stats;
    print_message(
        "heterogeneous: n %zu, r(ln tau) %.3f [%.3f, %.3f], null sd %.3f, spearman "
        "%.3f, r(beta) %.3f, median tau2/tau1 %.3f, sd ln ratio %.3f (robust %.3f, "
        "expected from fit errors %.3f), sd ln tau %.3f / %.3f\n",
        s->n_both, s->pearson_lntau, s->pearson_lo, s->pearson_hi, s->pearson_null_sd,
        s->spearman_tau, s->pearson_beta, s->ratio_median, s->lnratio_sd, s->lnratio_sd_robust,
        s->lnratio_sd_expected, s->lntau_sd[0], s->lntau_sd[1]);
    assert_true(s->n_both > 0.85 * 576);
    /* Measured: Spearman 0.69, Pearson 0.37 (the few wild per-pixel fits, |ln ratio| of
     * several units, weigh on Pearson; docs/map.md). Unrelated maps: 0 +- 0.044. */
    assert_true(s->spearman_tau > 0.55);
    assert_true(s->pearson_lntau > 0.25);
    assert_true(s->pearson_lo > 5 * s->pearson_null_sd);
    assert_true(s->ratio_median > 0.9 && s->ratio_median < 1.1);
    assert_true(s->lntau_sd[0] > 0.5 && s->lntau_sd[1] > 0.5);
    /* The second half is exactly ecm_relax_map of frames 1000..1999. */
    ecm_view sub;
    assert_int_equal(ecm_view_sub(&v, 1000, 1000, 0, 24, 0, 24, &sub), ECM_OK);
    ecm_relax_maps *m = NULL;
    assert_int_equal(ecm_relax_map(&sub, NULL, &p, NULL, &m), ECM_OK);
    assert_same_plane(m->tau, h->half[1]->tau, 576);
    assert_memory_equal(m->status, h->half[1]->status, 576);
    ecm_relax_maps_free(m);
    /* The truth map itself: the first half's ln tau follows it. */
    double lt[576], lf[576];
    size_t n = 0;
    for (size_t i = 0; i < 576; i++)
      if (h->half[0]->status[i] == ECM_RELAX_CONVERGED) {
        lt[n] = log(sim->tau_s->data[i]);
        lf[n] = log(h->half[0]->tau[i]);
        n++;
      }
    double mt = 0, mf = 0, sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
      mt += lt[i] / (double)n;
      mf += lf[i] / (double)n;
    }
    for (size_t i = 0; i < n; i++) {
      sxy += (lt[i] - mt) * (lf[i] - mf);
      sxx += (lt[i] - mt) * (lt[i] - mt);
      syy += (lf[i] - mf) * (lf[i] - mf);
    }
    print_message("r(ln tau_fit, ln tau_true) first half %.3f\n", sxy / sqrt(sxx * syy));
    r_het = s->pearson_lntau;
    ecm_relax_halves_free(h);
    ecm_sim_result_free(sim);
  }
  {
    ecm_sim_result *sim = simulate(2000, 24, 2.5, 0.0, 0.7, 0.7, 3.0, 22);
    ecm_view v = ecm_stack_view(sim->stack);
    ecm_relax_halves *h = NULL;
    assert_int_equal(ecm_relax_split(&v, NULL, &p, NULL, &h), ECM_OK);
    const ecm_relax_compare_stats *s = &h->stats;
    print_message(
        "uniform: n %zu, r(ln tau) %.3f [%.3f, %.3f], null sd %.3f, spearman %.3f, "
        "median tau2/tau1 %.3f, sd ln ratio %.3f (robust %.3f, expected from fit "
        "errors %.3f)\n",
        s->n_both, s->pearson_lntau, s->pearson_lo, s->pearson_hi, s->pearson_null_sd,
        s->spearman_tau, s->ratio_median, s->lnratio_sd, s->lnratio_sd_robust,
        s->lnratio_sd_expected);
    assert_true(s->n_both > 0.85 * 576);
    assert_true(fabs(s->pearson_lntau) < 3 * s->pearson_null_sd);
    assert_true(fabs(s->spearman_tau) < 3 * s->pearson_null_sd);
    /* No assertion that the 95 % interval contains 0: it excludes 0 in 1 of 20 null maps, and
     * this seed is one (r = 0.10 [0.016, 0.187], +2.3 null sd; Spearman 0.008). Measured with
     * the 'unresolved' status over seeds 1-12 of this case: r = 0.006 +- 0.034 (mean +- sd;
     * null sd 0.044), flagged pixels of the two halves overlap by chance only (0-3 of ~15-25), so the
     * status selects on per-half noise, not on a persistent pixel property. Before the status
     * the same seeds gave r up to 0.18 (seed 9, +4 null sd), driven by a few wild fits
     * (docs/map.md, "Unresolved pixels"). The 3-sd bound above is the test. */
    assert_true(s->ratio_median > 0.9 && s->ratio_median < 1.1);
    /* Noise only: the fits' own errors account for the typical scatter of ln(tau2/tau1)
     * (measured 0.70 expected vs 0.62 observed, robust; docs/map.md). */
    assert_true(s->lnratio_sd_expected > 0.6 * s->lnratio_sd_robust &&
                s->lnratio_sd_expected < 1.6 * s->lnratio_sd_robust);
    assert_true(s->lnratio_sd_robust < s->lnratio_sd);
    r_uni = s->pearson_lntau;
    ecm_relax_halves_free(h);
    ecm_sim_result_free(sim);
  }
  assert_true(r_het > r_uni + 0.25);
}

/* Known answers on hand-made maps: tau2 = 2 tau1 exactly. */
static void test_compare_known(void **state) {
  (void)state;
  ecm_relax_maps *a = fake_maps(4, 5), *b = fake_maps(4, 5);
  for (size_t i = 0; i < 20; i++) {
    a->tau[i] = (float)(1.0 + 0.37 * (double)i);
    b->tau[i] = 2 * a->tau[i];
    a->beta[i] = (float)(0.5 + 0.01 * (double)i);
    b->beta[i] = (float)(0.9 - 0.01 * (double)i);
    a->tau_err[i] = 0.1f * a->tau[i];
    b->tau_err[i] = 0.2f * b->tau[i];
  }
  a->status[3] = ECM_RELAX_MAX_ITER; /* excluded */
  b->status[7] = ECM_RELAX_MASKED;   /* excluded */
  ecm_relax_compare_stats s;
  assert_int_equal(ecm_relax_compare(a, b, NULL, &s), ECM_OK);
  assert_int_equal(s.n_both, 18);
  assert_float_equal(s.pearson_lntau, 1.0, 1e-12);
  assert_float_equal(s.spearman_tau, 1.0, 1e-12);
  assert_float_equal(s.pearson_beta, -1.0, 1e-6);
  assert_float_equal(s.ratio_median, 2.0, 1e-6);
  assert_float_equal(s.lnratio_sd, 0.0, 1e-6);
  assert_float_equal(s.lnratio_sd_robust, 0.0, 1e-6);
  assert_float_equal(s.lnratio_sd_expected, sqrt(0.01 + 0.04), 1e-6);
  assert_float_equal(s.tau_med[1] / s.tau_med[0], 2.0, 1e-6);
  assert_true(isnan(s.pearson_lo)); /* |r| = 1: no interval */
  /* A region of 2 pixels: too few for correlations, not an error. */
  uint8_t region[20] = {0};
  region[0] = region[1] = 1;
  assert_int_equal(ecm_relax_compare(a, b, region, &s), ECM_OK);
  assert_int_equal(s.n_both, 2);
  assert_true(isnan(s.pearson_lntau) && isnan(s.spearman_tau));
  assert_float_equal(s.ratio_median, 2.0, 1e-6);
  /* Ties share ranks: a constant second map has no rank correlation. */
  for (size_t i = 0; i < 20; i++) b->tau[i] = 3.0f;
  assert_int_equal(ecm_relax_compare(a, b, NULL, &s), ECM_OK);
  assert_true(isnan(s.spearman_tau) && isnan(s.pearson_lntau));
  ecm_relax_maps *c = fake_maps(5, 4);
  assert_int_equal(ecm_relax_compare(a, c, NULL, &s), ECM_ESIZE);
  assert_int_equal(ecm_relax_compare(a, NULL, NULL, &s), ECM_EINVAL);
  ecm_relax_maps_free(a);
  ecm_relax_maps_free(b);
  ecm_relax_maps_free(c);
}

/* ---- sliding windows -------------------------------------------------------------------- */

typedef struct progress_log {
  size_t calls;
  double last;
  int monotone;
  int bad_stage;
  double cancel_at; /* cancel when the fraction reaches this (> 1: never) */
  int skip;         /* ... but let this many such calls through first */
} progress_log;

static int log_progress(void *user, double f, const char *stage) {
  progress_log *l = user;
  if (f < l->last) l->monotone = 0;
  if (strcmp(stage, "windows") && strcmp(stage, "split")) l->bad_stage = 1;
  l->last = f;
  l->calls++;
  return f >= l->cancel_at && l->skip-- <= 0;
}

static void test_windows_exact(void **state) {
  (void)state;
  ecm_sim_result *sim = simulate(600, 16, 2.5, 0.5, 0.5, 1.0, 3.0, 5);
  ecm_view v = ecm_stack_view(sim->stack);
  ecm_mask *mask = NULL;
  assert_int_equal(ecm_mask_alloc(16, 16, &mask), ECM_OK);
  mask->inside[17] = 0;
  ecm_relax_params p = ecm_relax_default_params();
  ecm_run run = ecm_run_default();
  progress_log plog = {0, 0, 1, 0, 2.0, 0};
  run.progress = log_progress;
  run.user = &plog;
  ecm_relax_window_maps *w = NULL;
  const size_t W = 200, S = 70, npix = 256;
  assert_int_equal(ecm_relax_windows(&v, mask, &p, W, S, &run, &w), ECM_OK);
  assert_int_equal(w->n_windows, (600 - W) / S + 1); /* 6: frames 350..549 last */
  assert_int_equal(w->n_windows, 6);
  assert_int_equal(w->length, W);
  assert_int_equal(w->step, S);
  assert_string_equal(w->time_unit, "s");
  assert_true(plog.monotone && !plog.bad_stage && plog.calls > 6);
  assert_float_equal(plog.last, 1.0, 0);
  for (size_t k = 0; k < w->n_windows; k++) {
    assert_int_equal(w->first_frame[k], k * S);
    assert_float_equal(w->t_start[k], 0.5 * (double)(k * S), 1e-12);
    assert_float_equal(w->t_center[k], 0.5 * ((double)(k * S) + 99.5), 1e-12);
    ecm_view sub;
    assert_int_equal(ecm_view_sub(&v, k * S, W, 0, 16, 0, 16, &sub), ECM_OK);
    ecm_relax_maps *m = NULL;
    assert_int_equal(ecm_relax_map(&sub, mask, &p, NULL, &m), ECM_OK);
    assert_same_plane(w->tau + k * npix, m->tau, npix);
    assert_same_plane(w->beta + k * npix, m->beta, npix);
    assert_same_plane(w->A + k * npix, m->A, npix);
    assert_memory_equal(w->status + k * npix, m->status, npix);
    const ecm_relax_window_summary *s = &w->summary[k];
    assert_int_equal(s->n_pixels, 255);
    assert_int_equal(s->n_converged, m->count[ECM_RELAX_CONVERGED]);
    assert_memory_equal(s->count, m->count, sizeof s->count);
    double bs = 0, ls = 0;
    for (size_t i = 0; i < npix; i++)
      if (m->status[i] == ECM_RELAX_CONVERGED) {
        bs += m->beta[i];
        ls += log(m->tau[i]);
      }
    double nc = (double)s->n_converged;
    assert_float_equal(s->converged_fraction, nc / 255.0, 1e-12);
    assert_float_equal(s->beta_mean, bs / nc, 1e-9);
    assert_float_equal(log(s->tau_med), ls / nc, 1e-9);
    assert_true(s->converged_fraction > 0.9);
    ecm_relax_maps_free(m);
  }
  /* As an ImageJ stack: one frame per window, frame interval step * dt. */
  ecm_view sv = ecm_relax_window_view(w, w->tau);
  assert_int_equal(sv.nt, 6);
  assert_int_equal(sv.ny, 16);
  assert_true(sv.data == w->tau);
  assert_float_equal(ecm_calib_dt_seconds(&sv.calib), 35.0, 1e-12);
  assert_float_equal(ecm_view_at(&sv, 2, 3, 4), w->tau[(2 * 16 + 3) * 16 + 4], 0);
  ecm_relax_window_maps_free(w);
  /* One window spanning the whole series; a step beyond the end still gives one window. */
  assert_int_equal(ecm_relax_windows(&v, NULL, &p, 600, 1, NULL, &w), ECM_OK);
  assert_int_equal(w->n_windows, 1);
  ecm_relax_window_maps_free(w);
  assert_int_equal(ecm_relax_windows(&v, NULL, &p, 300, 1000, NULL, &w), ECM_OK);
  assert_int_equal(w->n_windows, 1);
  ecm_relax_window_maps_free(w);
  /* Uncalibrated input: times in frames. */
  ecm_view u = v;
  ecm_calib_init(&u.calib);
  assert_int_equal(ecm_relax_windows(&u, NULL, &p, 300, 150, NULL, &w), ECM_OK);
  assert_int_equal(w->n_windows, 3);
  assert_string_equal(w->time_unit, "frame");
  assert_float_equal(w->t_start[2], 300.0, 0);
  assert_float_equal(w->t_center[1], 150.0 + 149.5, 0);
  sv = ecm_relax_window_view(w, w->beta);
  assert_float_equal(ecm_calib_dt_seconds(&sv.calib), 0.0, 0);
  ecm_relax_window_maps_free(w);
  ecm_mask_free(mask);
  ecm_sim_result_free(sim);
}

/* Aging: the second half of the series relaxes 3x slower. The windows' tau_med rises from
 * the first value to the second across the boundary, and the halves' median ratio is ~3. */
static void test_windows_aging(void **state) {
  (void)state;
  ecm_sim_result *a = simulate(1000, 16, 2.5, 0.3, 0.7, 0.7, 3.0, 31);
  ecm_sim_result *b = simulate(1000, 16, 7.5, 0.3, 0.7, 0.7, 3.0, 32);
  /* The realized truth maps' exp(mean ln tau) (2.785 s and 9.05 s for these seeds, not the
   * nominal 2.5 s and 7.5 s: 16 x 16 pixels correlated over 3 px average few independent
   * values), the reference for the windows' tau_med below. */
  double ta = 0, tb = 0;
  for (size_t i = 0; i < 256; i++) {
    ta += log(a->tau_s->data[i]);
    tb += log(b->tau_s->data[i]);
  }
  ta = exp(ta / 256);
  tb = exp(tb / 256);
  ecm_stack *s = NULL;
  assert_int_equal(ecm_stack_alloc(2000, 16, 16, &s), ECM_OK);
  memcpy(s->data, a->stack->data, 1000 * 256 * sizeof(float));
  memcpy(s->data + 1000 * 256, b->stack->data, 1000 * 256 * sizeof(float));
  s->calib = a->stack->calib;
  ecm_view v = ecm_stack_view(s);
  ecm_relax_params p = ecm_relax_default_params();
  ecm_relax_window_maps *w = NULL;
  assert_int_equal(ecm_relax_windows(&v, NULL, &p, 400, 200, NULL, &w), ECM_OK);
  assert_int_equal(w->n_windows, 9);
  double first_max = 0, last_min = INFINITY;
  for (size_t k = 0; k < 9; k++) {
    const ecm_relax_window_summary *ws = &w->summary[k];
    print_message(
        "window %zu: frames from t = %.0f s to %.0f s, tau_med %.3f s, beta %.3f, converged %.3f\n",
        k, w->t_start[k], w->t_start[k] + 200, ws->tau_med, ws->beta_mean, ws->converged_fraction);
    assert_true(ws->converged_fraction > 0.9);
    if (k <= 3) first_max = fmax(first_max, ws->tau_med); /* frames < 1000 only */
    if (k >= 5) last_min = fmin(last_min, ws->tau_med);   /* frames >= 1000 only */
  }
  /* Windows of 400 frames: 80 tau before, 27 tau after; each biased low (docs/map.md).
   * Bounds against the realized truth: with the 'unresolved' status the windows before the
   * change measure 0.94-1.01 of it (2.61-2.82 s; 0.88-0.94 before the status, when a few
   * noise fits with tau < 0.05 s pulled exp(mean ln tau) down), after it 0.69-0.74. */
  assert_true(first_max < ta * 1.1);
  assert_true(w->summary[0].tau_med > ta * 0.75);
  assert_true(last_min > tb * 0.65);
  assert_true(w->summary[4].tau_med > first_max && w->summary[4].tau_med < last_min);
  assert_true(last_min > 1.8 * first_max);
  ecm_relax_window_maps_free(w);
  ecm_relax_halves *h = NULL;
  assert_int_equal(ecm_relax_split(&v, NULL, &p, NULL, &h), ECM_OK);
  print_message("halves: median tau2/tau1 %.3f, r(ln tau) %.3f\n", h->stats.ratio_median,
                h->stats.pearson_lntau);
  assert_true(h->stats.ratio_median > 2.0 && h->stats.ratio_median < 3.3);
  ecm_relax_halves_free(h);
  ecm_stack_free(s);
  ecm_sim_result_free(a);
  ecm_sim_result_free(b);
}

/* ---- scatter ---------------------------------------------------------------------------- */

static void test_scatter(void **state) {
  (void)state;
  ecm_relax_maps *m = fake_maps(3, 4);
  for (size_t i = 0; i < 12; i++) {
    m->tau[i] = (float)exp(0.2 * (double)i);
    m->beta[i] = (float)(0.4 + 0.05 * (double)i); /* linear in ln tau: r = 1 */
  }
  m->status[2] = ECM_RELAX_NO_DECAY;
  m->beta[2] = NAN;
  m->status[5] = ECM_RELAX_SINGULAR;
  size_t n = 99;
  double r = 0, tau[12], beta[12];
  assert_int_equal(ecm_relax_scatter(m, NULL, NULL, NULL, 0, &n, &r), ECM_OK);
  assert_int_equal(n, 10);
  assert_float_equal(r, 1.0, 1e-6);
  assert_int_equal(ecm_relax_scatter(m, NULL, tau, beta, 12, &n, NULL), ECM_OK);
  assert_int_equal(n, 10);
  assert_float_equal(tau[2], m->tau[3], 0); /* row-major, skipping 2 and 5 */
  assert_float_equal(beta[4], m->beta[6], 0);
  assert_float_equal(tau[9], m->tau[11], 0);
  uint8_t region[12] = {0};
  region[0] = region[2] = region[4] = region[6] = 1;
  assert_int_equal(ecm_relax_scatter(m, region, tau, beta, 12, &n, &r), ECM_OK);
  assert_int_equal(n, 3);
  assert_float_equal(beta[2], m->beta[6], 0);
  /* Anti-correlated beta; then constant beta (no correlation defined). */
  for (size_t i = 0; i < 12; i++) m->beta[i] = (float)(1.0 - 0.05 * (double)i);
  assert_int_equal(ecm_relax_scatter(m, NULL, NULL, NULL, 0, &n, &r), ECM_OK);
  assert_float_equal(r, -1.0, 1e-6);
  for (size_t i = 0; i < 12; i++) m->beta[i] = 0.7f;
  assert_int_equal(ecm_relax_scatter(m, NULL, NULL, NULL, 0, &n, &r), ECM_OK);
  assert_true(isnan(r));
  /* Errors: too small a buffer (the count is still reported), NULL arguments. */
  assert_int_equal(ecm_relax_scatter(m, NULL, tau, beta, 4, &n, &r), ECM_ESIZE);
  assert_int_equal(n, 10);
  assert_int_equal(ecm_relax_scatter(m, NULL, NULL, beta, 4, &n, &r), ECM_EINVAL);
  assert_int_equal(ecm_relax_scatter(NULL, NULL, NULL, NULL, 0, &n, &r), ECM_EINVAL);
  ecm_relax_maps_free(m);
}

/* ---- errors and cancellation ------------------------------------------------------------ */

static void test_errors_and_cancel(void **state) {
  (void)state;
  ecm_sim_result *sim = simulate(300, 12, 2.5, 0.5, 0.5, 1.0, 3.0, 7);
  ecm_view v = ecm_stack_view(sim->stack);
  ecm_relax_params p = ecm_relax_default_params();
  ecm_relax_window_maps *w = (ecm_relax_window_maps *)&v; /* must come back NULL */
  assert_int_equal(ecm_relax_windows(&v, NULL, &p, 301, 10, NULL, &w), ECM_EINVAL);
  assert_null(w);
  assert_non_null(strstr(ecm_errmsg(), "exceeds"));
  assert_int_equal(ecm_relax_windows(&v, NULL, &p, 100, 0, NULL, &w), ECM_EINVAL);
  assert_non_null(strstr(ecm_errmsg(), "step"));
  assert_int_equal(ecm_relax_windows(&v, NULL, &p, 2, 1, NULL, &w), ECM_EINVAL);
  assert_int_equal(ecm_relax_windows(NULL, NULL, &p, 100, 10, NULL, &w), ECM_EINVAL);
  assert_int_equal(ecm_relax_windows(&v, NULL, &p, 100, 10, NULL, NULL), ECM_EINVAL);
  ecm_view two = ecm_view_contiguous(sim->stack->data, 2, 12, 12);
  assert_int_equal(ecm_relax_windows(&two, NULL, &p, 3, 1, NULL, &w), ECM_ENODATA);
  ecm_mask *wrong = NULL;
  assert_int_equal(ecm_mask_alloc(11, 12, &wrong), ECM_OK);
  assert_int_equal(ecm_relax_windows(&v, wrong, &p, 100, 10, NULL, &w), ECM_ESIZE);
  assert_null(w);
  /* A max_lag longer than a window fails inside ecm_relax_map, named by the window. */
  ecm_relax_params bad = p;
  bad.max_lag = 250;
  assert_int_equal(ecm_relax_windows(&v, NULL, &bad, 100, 50, NULL, &w) == ECM_OK, 0);
  assert_null(w);
  assert_non_null(strstr(ecm_errmsg(), "window 1 of 5"));
  /* Memory budget: 21 windows of 144 pixels need 21 * 144 * 13 bytes for the planes alone. */
  ecm_run run = ecm_run_default();
  run.memory_budget = 21 * 144 * 13;
  assert_int_equal(ecm_relax_windows(&v, NULL, &p, 100, 10, &run, &w), ECM_ENOMEM);
  assert_null(w);
  /* Split: too short, NULL output. */
  ecm_relax_halves *h = (ecm_relax_halves *)&v;
  ecm_view five = ecm_view_contiguous(sim->stack->data, 5, 12, 12);
  assert_int_equal(ecm_relax_split(&five, NULL, &p, NULL, &h), ECM_ENODATA);
  assert_null(h);
  assert_int_equal(ecm_relax_split(&v, wrong, &p, NULL, &h), ECM_ESIZE);
  assert_null(h);
  assert_non_null(strstr(ecm_errmsg(), "half 1"));
  /* Cancellation mid-way, at the first report, and (one thread, the row loop's own report
   * of 1.0 let through) at the final report of the first window or half, after its maps
   * exist: ECM_ECANCELED, no result, nothing leaked (ASan). */
  const double cancel_at[] = {0.5, 1e-9, 1.0 / 21.0};
  const int skip[] = {0, 0, 1};
  for (size_t i = 0; i < 3; i++) {
    progress_log plog = {0, 0, 1, 0, cancel_at[i], skip[i]};
    run = ecm_run_default();
    run.threads = 1;
    run.progress = log_progress;
    run.user = &plog;
    w = (ecm_relax_window_maps *)&v;
    assert_int_equal(ecm_relax_windows(&v, NULL, &p, 100, 10, &run, &w), ECM_ECANCELED);
    assert_null(w);
    assert_true(plog.last >= cancel_at[i] && plog.last < cancel_at[i] + 1.0 / 21.0 + 1e-12);
  }
  const double split_at[] = {0.75, 0.5};
  for (size_t i = 0; i < 2; i++) {
    progress_log plog = {0, 0, 1, 0, split_at[i], (int)i};
    run.user = &plog;
    h = (ecm_relax_halves *)&v;
    assert_int_equal(ecm_relax_split(&v, NULL, &p, &run, &h), ECM_ECANCELED);
    assert_null(h);
    assert_true(!plog.bad_stage && plog.monotone);
  }
  /* Progress of a whole split reaches 1 monotonically under the stage "split". */
  progress_log plog = {0, 0, 1, 0, 2.0, 0};
  run.user = &plog;
  assert_int_equal(ecm_relax_split(&v, NULL, &p, &run, &h), ECM_OK);
  assert_true(plog.monotone && !plog.bad_stage);
  assert_float_equal(plog.last, 1.0, 0);
  assert_int_equal(h->nt, 150);
  ecm_relax_halves_free(h);
  ecm_relax_halves_free(NULL);
  ecm_relax_window_maps_free(NULL);
  ecm_mask_free(wrong);
  ecm_sim_result_free(sim);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_split_persistence), cmocka_unit_test(test_compare_known),
      cmocka_unit_test(test_windows_exact),     cmocka_unit_test(test_windows_aging),
      cmocka_unit_test(test_scatter),           cmocka_unit_test(test_errors_and_cancel)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
