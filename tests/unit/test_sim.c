/* Unit tests of the dark-field simulator: simulated data against their ground truth.
 *
 * Statistical checks compare a mean over many independent pixels with its exact expectation
 * and accept |difference| <= 5 standard errors, the standard error being measured from the
 * spread across pixels (or across domains when pixels are correlated). With a fixed seed
 * the outcome is deterministic; a 5-sigma bound keeps a correct simulator passing for every
 * seed with probability ~1 - 6e-7 per check, while the wrong-parameter checks show that the
 * same bounds reject a simulator off by a realistic amount. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ecm/sim.h"
#include "sim/sim_internal.h"

#define NSIGMA 5.0

/* ECM_TEST_SEED=n reruns every statistical check with another seed (the checks must hold
 * for any seed); ECM_TEST_VERBOSE=1 prints each measured value next to its bound. */
static uint64_t seed_offset(void) {
  const char *e = getenv("ECM_TEST_SEED");
  return e ? strtoull(e, NULL, 10) : 0;
}

static void note(const char *fmt, ...) {
  if (!getenv("ECM_TEST_VERBOSE")) return;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
}

static ecm_sim_result *simulate(const ecm_sim_params *p, int threads) {
  ecm_run run = ecm_run_default();
  run.threads = threads;
  ecm_sim_result *r = NULL;
  ecm_status st = ecm_sim_darkfield(p, &run, &r);
  if (st != ECM_OK) fprintf(stderr, "simulation failed: %s: %s\n", ecm_strerror(st), ecm_errmsg());
  assert_int_equal(st, ECM_OK);
  assert_non_null(r);
  return r;
}

/* Uniform-map parameters: tau in frames (dt = 1 s), constant beta, independent pixels. */
static ecm_sim_params uniform_params(size_t nt, size_t ny, size_t nx, double tau, double beta) {
  ecm_sim_params p = ecm_sim_default_params();
  p.nt = nt;
  p.ny = ny;
  p.nx = nx;
  p.frame_interval_s = 1.0;
  p.tau_median_s = tau;
  p.tau_sigma = 0;
  p.beta_min = p.beta_max = beta;
  p.map_corr_px = 0;
  p.seed = 20240611 + seed_offset();
  return p;
}

static float at(const ecm_stack *s, size_t t, size_t y, size_t x) {
  return s->data[(t * s->ny + y) * s->nx + x];
}

/* ---- parameters ----------------------------------------------------------------------- */

static void test_defaults_and_json(void **state) {
  (void)state;
  ecm_sim_params p = ecm_sim_default_params();
  assert_int_equal(ecm_sim_check_params(&p), ECM_OK);
  char buf[2048];
  assert_int_equal(ecm_sim_params_json(&p, buf, sizeof buf), ECM_OK);
  assert_null(strchr(buf, '\n'));
  char gen[64];
  snprintf(gen, sizeof gen, "\"generator\": \"ecm %s\"", ecm_version());
  assert_non_null(strstr(buf, gen));
  const char *keys[] = {"\"frame_interval_s\": 0.5",
                        "\"pixel_size_nm\": 1",
                        "\"seed\": 1",
                        "\"tau_median_s\": 10",
                        "\"beta_min\": 0.5",
                        "\"contrast\": 0.3",
                        "\"map_corr_px\": 4",
                        "\"geometry\": \"film\"",
                        "\"drift_jitter_px\": 0",
                        "\"nt\": 1000"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) assert_non_null(strstr(buf, keys[i]));
  assert_int_equal(buf[0], '{');
  assert_int_equal(buf[strlen(buf) - 1], '}');
  char small[16];
  assert_int_equal(ecm_sim_params_json(&p, small, sizeof small), ECM_EOVERFLOW);
  /* the longest possible output fits ECM_SIM_PARAMS_JSON_CAP */
  double *fields[] = {
      &p.frame_interval_s, &p.pixel_size_nm,   &p.dose,         &p.tau_median_s,  &p.tau_sigma,
      &p.beta_min,         &p.beta_max,        &p.contrast,     &p.map_corr_px,   &p.domain_size_px,
      &p.shared_fraction,  &p.xi_fit_max_px,   &p.speckle_px,   &p.wire_width_px, &p.wire_angle_deg,
      &p.surface_px,       &p.surface_speedup, &p.vacuum_level, &p.drift_x_px,    &p.drift_y_px,
      &p.drift_jitter_px};
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
    *fields[i] = -1.2345678901234567e-300;
  p.seed = UINT64_MAX;
  p.nt = p.ny = p.nx = SIZE_MAX;
  p.geometry = ECM_SIM_NANOWIRE;
  p.crystal_count = SIZE_MAX;
  p.crystal_radius_px = p.crystal_brightness = -1.2345678901234567e-300;
  char big[ECM_SIM_PARAMS_JSON_CAP];
  assert_int_equal(ecm_sim_params_json(&p, big, sizeof big), ECM_OK);
  assert_non_null(strstr(big, "\"seed\": 18446744073709551615"));
  assert_non_null(strstr(big, "\"crystal_count\": 18446744073709551615"));
  /* the crystal keys appear only with crystals: the JSON without them is unchanged */
  assert_null(strstr(buf, "crystal"));
  ecm_sim_params q = ecm_sim_default_params();
  q.crystal_count = 2;
  q.crystal_radius_px = 2.5;
  assert_int_equal(ecm_sim_params_json(&q, buf, sizeof buf), ECM_OK);
  assert_non_null(
      strstr(buf, "\"crystal_count\": 2, \"crystal_radius_px\": 2.5, \"crystal_brightness\": 3}"));
  assert_int_equal(ecm_sim_params_json(NULL, buf, sizeof buf), ECM_EINVAL);
}

typedef struct bad_case {
  const char *field; /* expected in the detail message */
  void (*mutate)(ecm_sim_params *p);
} bad_case;

#define BAD(name, stmt)                       \
  static void bad_##name(ecm_sim_params *p) { \
    stmt;                                     \
  }
BAD(nt, p->nt = 1)
BAD(ny, p->ny = 0)
BAD(nx, p->nx = ECM_MAX_DIM + 1)
BAD(dt, p->frame_interval_s = 0)
BAD(dtnan, p->frame_interval_s = NAN)
BAD(px, p->pixel_size_nm = -1)
BAD(dose, p->dose = -1)
BAD(tau, p->tau_median_s = 0)
BAD(sigma, p->tau_sigma = 6)
BAD(bmin, p->beta_min = 0)
BAD(bmax, p->beta_max = 2.5)
BAD(border, (p->beta_min = 0.9, p->beta_max = 0.8))
BAD(contrast0, p->contrast = 0)
BAD(contrast1, p->contrast = 1.01)
BAD(corr, p->map_corr_px = 300)
BAD(domain, p->domain_size_px = 0.5)
BAD(shared, p->shared_fraction = 1.5)
BAD(speckle, p->speckle_px = 40)
BAD(geometry, p->geometry = (ecm_sim_geometry)7)
BAD(speedup, p->surface_speedup = 0)
BAD(vacuum, p->vacuum_level = INFINITY)
BAD(jitter, p->drift_jitter_px = -0.1)
BAD(drift, p->drift_x_px = 2e4)
BAD(width, p->wire_width_px = -3)
BAD(ncryst, p->crystal_count = 1001)
BAD(rcryst, p->crystal_radius_px = 0.4)
BAD(bcryst0, p->crystal_brightness = 0)
BAD(bcrystnan, p->crystal_brightness = NAN)

static void test_bad_params(void **state) {
  (void)state;
  const bad_case cases[] = {
      {"nt", bad_nt},
      {"ny", bad_ny},
      {"nx", bad_nx},
      {"frame_interval_s", bad_dt},
      {"frame_interval_s", bad_dtnan},
      {"pixel_size_nm", bad_px},
      {"dose", bad_dose},
      {"tau_median_s", bad_tau},
      {"tau_sigma", bad_sigma},
      {"beta_min", bad_bmin},
      {"beta_max", bad_bmax},
      {"beta_min", bad_border},
      {"contrast", bad_contrast0},
      {"contrast", bad_contrast1},
      {"map_corr_px", bad_corr},
      {"domain_size_px", bad_domain},
      {"shared_fraction", bad_shared},
      {"speckle_px", bad_speckle},
      {"geometry", bad_geometry},
      {"surface_speedup", bad_speedup},
      {"vacuum_level", bad_vacuum},
      {"drift_jitter_px", bad_jitter},
      {"drift_x_px", bad_drift},
      {"wire_width_px", bad_width},
      {"crystal_count", bad_ncryst},
      {"crystal_radius_px", bad_rcryst},
      {"crystal_brightness", bad_bcryst0},
      {"crystal_brightness", bad_bcrystnan},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ecm_sim_params p = ecm_sim_default_params();
    cases[i].mutate(&p);
    ecm_clear_error();
    assert_int_equal(ecm_sim_check_params(&p), ECM_EINVAL);
    if (!strstr(ecm_errmsg(), cases[i].field))
      fail_msg("case %zu: detail '%s' does not name '%s'", i, ecm_errmsg(), cases[i].field);
    ecm_sim_result *r = (ecm_sim_result *)&p; /* must be reset to NULL */
    assert_int_equal(ecm_sim_darkfield(&p, NULL, &r), ECM_EINVAL);
    assert_null(r);
  }
  assert_int_equal(ecm_sim_check_params(NULL), ECM_EINVAL);
  ecm_sim_params p = ecm_sim_default_params();
  assert_int_equal(ecm_sim_darkfield(&p, NULL, NULL), ECM_EINVAL);
  ecm_sim_result_free(NULL);
}

/* ---- g2 in basic mode --------------------------------------------------------------------- */

static double kww_c(double k, double tau, double beta) {
  return exp(-pow(fabs(k) / tau, beta));
}

/* Expectation of the Eq. 4 estimator to second order in the fluctuations of its three
 * sample means (delta method), for a stationary circular Gaussian speckle with field
 * correlation c_k and contrast A: with n = N - p, w_k = (n - |k|) / n^2,
 *   E[g2^] = g (1 + 2 Q0 + Qp) - Tx - Ty, g = 1 + A c_p^2,
 *   Q0 = A sum_k w_k c_k^2,  Qp = A sum_k w_k c_{k+p}^2,
 *   Tx = sum_k w_k [A c_k^2 + A c_{k-p}^2 + 2 A^1.5 c_p c_k c_{k-p}],
 *   Ty = sum_k w_k [A c_{k+p}^2 + A c_k^2 + 2 A^1.5 c_p c_k c_{k+p}],
 * using Cov(I_a, I_b) = A c_{a-b}^2 and E[d_a d_b d_c] = 2 A^1.5 c_ab c_bc c_ca for
 * d = I - 1 (the third cumulant of |E|^2 of a circular Gaussian field). The first-order
 * bias is about -2 A tau_int / n: 6 standard errors in the test below, so leaving it out
 * fails the test. */
static double g2_eq4_expected(double A, double tau, double beta, size_t N, size_t p) {
  double n = (double)(N - p), cp = kww_c((double)p, tau, beta), g = 1 + A * cp * cp;
  double q0 = 0, qp = 0, tx = 0, ty = 0, a15 = 2 * pow(A, 1.5) * cp;
  for (long k = -(long)(N - p - 1); k <= (long)(N - p - 1); k++) {
    double w = (n - fabs((double)k)) / (n * n);
    double ck = kww_c((double)k, tau, beta), ckp = kww_c((double)k + (double)p, tau, beta);
    double ckm = kww_c((double)k - (double)p, tau, beta);
    q0 += w * A * ck * ck;
    qp += w * A * ckp * ckp;
    tx += w * (A * ck * ck + A * ckm * ckm + a15 * ck * ckm);
    ty += w * (A * ckp * ckp + A * ck * ck + a15 * ck * ckp);
  }
  return g * (1 + 2 * q0 + qp) - tx - ty;
}

typedef struct g2_stats {
  double mean_eq4, se_eq4; /* Eq. 4 estimator */
  double mean_raw, se_raw; /* known-mean estimator (1/n) sum I(i) I(i+p) */
} g2_stats;

/* Per-pixel g2 at lag p by Eq. 4 of Zhang et al. 2018,
 *   g2(p) = (N - p) sum_{i<N-p} I(i) I(i+p) / (sum_{i<N-p} I(i) sum_{i<N-p} I(i+p)),
 * and by the known-mean estimator, averaged over pixels with their standard errors. Frames
 * are walked in order so that the frame-major stack is read contiguously. */
static g2_stats pixel_g2(const ecm_stack *s, size_t p) {
  size_t P = s->ny * s->nx, N = s->nt;
  double *sxy = calloc(3 * P, sizeof *sxy), *sx = sxy + P, *sy = sx + P;
  assert_non_null(sxy);
  for (size_t i = 0; i + p < N; i++) {
    const float *a = s->data + i * P, *b = s->data + (i + p) * P;
    for (size_t px = 0; px < P; px++) {
      sxy[px] += (double)a[px] * b[px];
      sx[px] += a[px];
      sy[px] += b[px];
    }
  }
  double a1 = 0, a2 = 0, b1 = 0, b2 = 0, n = (double)(N - p);
  for (size_t px = 0; px < P; px++) {
    double g = n * sxy[px] / (sx[px] * sy[px]), raw = sxy[px] / n;
    a1 += g;
    a2 += g * g;
    b1 += raw;
    b2 += raw * raw;
  }
  free(sxy);
  g2_stats st;
  st.mean_eq4 = a1 / P;
  st.se_eq4 = sqrt((a2 / P - st.mean_eq4 * st.mean_eq4) / (P - 1));
  st.mean_raw = b1 / P;
  st.se_raw = sqrt((b2 / P - st.mean_raw * st.mean_raw) / (P - 1));
  return st;
}

static void test_g2_basic(void **state) {
  (void)state;
  const double tau = 37.3, beta = 0.613, A = 0.3;
  const size_t N = 4000, ny = 64, nx = 128;
  ecm_sim_params p = uniform_params(N, ny, nx, tau, beta);
  p.contrast = A;
  ecm_sim_result *r = simulate(&p, 0);
  assert_true(r->embed_len >= 2 * N && r->embed_len % 2 == 0);
  assert_true(r->max_clipped_eigen <= 1e-12); /* beta <= 1: c_k convex, embedding exact */
  /* the truth maps */
  for (size_t i = 0; i < ny * nx; i++) {
    assert_float_equal(r->tau_s->data[i], tau, 1e-4);
    assert_float_equal(r->beta->data[i], beta, 1e-6);
    assert_float_equal(r->contrast->data[i], A, 1e-7);
    assert_float_equal(r->region->data[i], 1, 0);
  }
  assert_string_equal(r->stack->calib.time_unit, "s");
  assert_string_equal(r->stack->calib.space_unit, "nm");
  assert_float_equal(r->stack->calib.frame_interval, 1.0, 0);

  const size_t lags[] = {1, 3, 10, 37, 80, 150};
  int wrong_beta_lo = 0, wrong_beta_hi = 0, wrong_tau = 0, no_bias_fix = 0;
  for (size_t li = 0; li < sizeof lags / sizeof lags[0]; li++) {
    size_t lag = lags[li];
    g2_stats s = pixel_g2(r->stack, lag);
    double c = kww_c((double)lag, tau, beta);
    double model = 1 + A * c * c; /* = 1 + A exp(-2 (t/tau)^beta) */
    double expect = g2_eq4_expected(A, tau, beta, N, lag);
    if (fabs(s.mean_raw - model) > NSIGMA * s.se_raw ||
        fabs(s.mean_eq4 - expect) > NSIGMA * s.se_eq4)
      fail_msg("lag %zu: raw %.5f vs %.5f (se %.5f); Eq.4 %.5f vs %.5f (se %.5f)", lag, s.mean_raw,
               model, s.se_raw, s.mean_eq4, expect, s.se_eq4);
    note(
        "g2 lag %3zu: raw %.5f model %.5f (%+.1f se); Eq.4 %.5f expected %.5f (%+.1f se), "
        "uncorrected %+.1f se\n",
        lag, s.mean_raw, model, (s.mean_raw - model) / s.se_raw, s.mean_eq4, expect,
        (s.mean_eq4 - expect) / s.se_eq4, (s.mean_eq4 - model) / s.se_eq4);
    /* the same bounds reject realistic mistakes */
    if (fabs(s.mean_eq4 - g2_eq4_expected(A, tau, 0.5, N, lag)) > NSIGMA * s.se_eq4)
      wrong_beta_lo++;
    if (fabs(s.mean_eq4 - g2_eq4_expected(A, tau, 0.75, N, lag)) > NSIGMA * s.se_eq4)
      wrong_beta_hi++;
    if (fabs(s.mean_eq4 - g2_eq4_expected(A, 1.15 * tau, beta, N, lag)) > NSIGMA * s.se_eq4)
      wrong_tau++;
    if (fabs(s.mean_eq4 - model) > NSIGMA * s.se_eq4) no_bias_fix++;
  }
  assert_true(wrong_beta_lo > 0);
  assert_true(wrong_beta_hi > 0);
  assert_true(wrong_tau > 0);
  assert_true(no_bias_fix > 0); /* Eq. 4's finite-N bias is real and resolved */
  /* mean intensity 1 (exact expectation), variance A */
  double m = 0, v = 0;
  size_t n = N * ny * nx;
  for (size_t i = 0; i < n; i++) m += r->stack->data[i];
  m /= (double)n;
  for (size_t i = 0; i < n; i++) v += (r->stack->data[i] - m) * (r->stack->data[i] - m);
  v /= (double)n;
  note("basic: mean %.5f var/A %.5f\n", m, v / A);
  assert_true(fabs(m - 1) < 0.01);
  assert_true(fabs(v / A - 1) < 0.03);
  ecm_sim_result_free(r);
}

static void test_clipping_reported(void **state) {
  (void)state;
  /* beta = 2 and tau comparable to the series: the embedding is not positive definite */
  ecm_sim_params p = uniform_params(64, 2, 2, 40, 2.0);
  ecm_sim_result *r = simulate(&p, 1);
  assert_true(r->max_clipped_eigen > 1e-6);
  ecm_sim_result_free(r);
  p = uniform_params(64, 2, 2, 5, 1.0);
  r = simulate(&p, 1);
  assert_true(r->max_clipped_eigen <= 1e-12);
  ecm_sim_result_free(r);
}

/* ---- heterogeneous maps ---------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Correlation of a map with itself shifted by (0, d) and (d, 0), averaged. */
static double map_autocorr(const float *m, size_t ny, size_t nx, size_t d, int use_log) {
  double mean = 0, var = 0;
  size_t n = ny * nx;
  for (size_t i = 0; i < n; i++) mean += use_log ? log(m[i]) : m[i];
  mean /= (double)n;
  for (size_t i = 0; i < n; i++) {
    double a = (use_log ? log(m[i]) : m[i]) - mean;
    var += a * a;
  }
  var /= (double)n;
  double acc = 0;
  size_t cnt = 0;
  for (size_t y = 0; y < ny; y++)
    for (size_t x = 0; x < nx; x++) {
      double a = (use_log ? log(m[y * nx + x]) : m[y * nx + x]) - mean;
      if (x + d < nx) {
        acc += a * ((use_log ? log(m[y * nx + x + d]) : m[y * nx + x + d]) - mean);
        cnt++;
      }
      if (y + d < ny) {
        acc += a * ((use_log ? log(m[(y + d) * nx + x]) : m[(y + d) * nx + x]) - mean);
        cnt++;
      }
    }
  return acc / (double)cnt / var;
}

static void test_maps(void **state) {
  (void)state;
  const size_t ny = 128, nx = 128, n = ny * nx;
  ecm_sim_params p = ecm_sim_default_params();
  p.nt = 2;
  p.ny = ny;
  p.nx = nx;
  p.tau_median_s = 12.7;
  p.tau_sigma = 0.5;
  p.beta_min = 0.4;
  p.beta_max = 1.6;
  p.map_corr_px = 0;
  p.seed = 77 + seed_offset();
  ecm_sim_result *r = simulate(&p, 0);
  double *lt = malloc(n * sizeof *lt);
  assert_non_null(lt);
  double m = 0, v = 0, bm = 0;
  size_t bins[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < n; i++) {
    lt[i] = log(r->tau_s->data[i]);
    m += lt[i];
    float b = r->beta->data[i];
    assert_true(b >= 0.4f && b <= 1.6f);
    bm += b;
    int k = (int)((b - 0.4) / 0.3);
    bins[k > 3 ? 3 : k]++;
  }
  m /= (double)n;
  for (size_t i = 0; i < n; i++) v += (lt[i] - m) * (lt[i] - m);
  double sd = sqrt(v / (double)(n - 1));
  qsort(lt, n, sizeof *lt, cmp_double);
  double med = 0.5 * (lt[n / 2 - 1] + lt[n / 2]);
  /* SE of a normal sample's median: 1.2533 sigma / sqrt(n); of its sd: sigma / sqrt(2n) */
  assert_true(fabs(med - log(12.7)) < NSIGMA * 1.2533 * 0.5 / sqrt((double)n));
  assert_true(fabs(sd - 0.5) < NSIGMA * 0.5 / sqrt(2.0 * n));
  /* beta uniform on [0.4, 1.6]: mean 1, quarters of 1/4 each (binomial SE) */
  assert_true(fabs(bm / n - 1.0) < NSIGMA * 1.2 / sqrt(12.0 * n));
  for (int k = 0; k < 4; k++)
    assert_true(fabs((double)bins[k] / n - 0.25) < NSIGMA * sqrt(0.25 * 0.75 / n));
  /* independent pixels */
  assert_true(fabs(map_autocorr(r->tau_s->data, ny, nx, 1, 1)) < NSIGMA / sqrt(2.0 * n));
  ecm_sim_result_free(r);
  free(lt);

  /* correlated maps: Gaussian correlation exp(-d^2 / (2 l^2)) of ln tau (and of the latent
   * field under beta); finite-image estimates are biased low by ~1/(number of correlation
   * areas), hence the 0.08 tolerance */
  const double ls[] = {3.0, 6.0};
  double prev = 0;
  for (int i = 0; i < 2; i++) {
    p.map_corr_px = ls[i];
    r = simulate(&p, 0);
    double c1 = map_autocorr(r->tau_s->data, ny, nx, 3, 1);
    double want = exp(-9.0 / (2 * ls[i] * ls[i]));
    note("maps: l %.0f lag-3 corr %.4f want %.4f; beta %.4f\n", ls[i], c1, want,
         map_autocorr(r->beta->data, ny, nx, 3, 0));
    if (fabs(c1 - want) > 0.08)
      fail_msg("l = %g: lag-3 autocorrelation %.3f, want %.3f", ls[i], c1, want);
    assert_true(c1 > prev);
    prev = c1;
    double cb = map_autocorr(r->beta->data, ny, nx, 3, 0);
    assert_true(cb > want - 0.12 && cb < want + 0.05); /* Phi(G) has a slightly lower correlation */
    ecm_sim_result_free(r);
  }
}

/* ---- determinism ----------------------------------------------------------------------------- */

static int same_stack(const ecm_stack *a, const ecm_stack *b) {
  size_t n = a->nt * a->ny * a->nx;
  if (a->nt != b->nt || a->ny != b->ny || a->nx != b->nx) return 0;
  for (size_t i = 0; i < n; i++) {
    float x = a->data[i], y = b->data[i];
    if (memcmp(&x, &y, sizeof x) != 0) return 0; /* bitwise, NaN included */
  }
  return 1;
}

static void test_determinism(void **state) {
  (void)state;
  ecm_sim_params p = ecm_sim_default_params();
  p.nt = 96;
  p.ny = 26;
  p.nx = 37;
  p.domain_size_px = 6;
  p.speckle_px = 2.0;
  p.drift_x_px = 1.5;
  p.drift_y_px = -0.7;
  p.drift_jitter_px = 0.3;
  p.dose = 20;
  p.seed = 99 + seed_offset();
  for (int geo = 0; geo < 2; geo++) {
    p.geometry = geo ? ECM_SIM_NANOWIRE : ECM_SIM_FILM;
    p.wire_width_px = 14;
    p.wire_angle_deg = 20;
    ecm_sim_result *a = simulate(&p, 1), *b = simulate(&p, 2), *c = simulate(&p, 3);
    assert_true(same_stack(a->stack, b->stack));
    assert_true(same_stack(a->stack, c->stack));
    assert_true(same_stack(a->tau_s, b->tau_s));
    assert_true(same_stack(a->beta, c->beta));
    assert_true(same_stack(a->region, b->region));
    assert_memory_equal(a->shift_x, b->shift_x, p.nt * sizeof(double));
    assert_memory_equal(a->shift_y, c->shift_y, p.nt * sizeof(double));
    assert_true(a->xi_expected_px == b->xi_expected_px);
    ecm_sim_params q = p;
    q.seed = p.seed + 1000;
    ecm_sim_result *d = simulate(&q, 2);
    assert_false(same_stack(a->stack, d->stack));
    assert_false(same_stack(a->tau_s, d->tau_s));
    ecm_sim_result_free(a);
    ecm_sim_result_free(b);
    ecm_sim_result_free(c);
    ecm_sim_result_free(d);
  }
}

/* ---- shared rearrangement domains -------------------------------------------------------- */

static double pearson(const float *a, const float *b, size_t st, size_t n) {
  double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
  for (size_t i = 0; i < n; i++) {
    ma += a[i * st];
    mb += b[i * st];
  }
  ma /= (double)n;
  mb /= (double)n;
  for (size_t i = 0; i < n; i++) {
    double x = a[i * st] - ma, y = b[i * st] - mb;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
  }
  return sab / sqrt(saa * sbb);
}

typedef struct labelled {
  uint64_t label;
  double v;
} labelled;

static int cmp_labelled(const void *a, const void *b) {
  uint64_t x = ((const labelled *)a)->label, y = ((const labelled *)b)->label;
  return (x > y) - (x < y);
}

static void test_domains(void **state) {
  (void)state;
  const size_t ny = 128, nx = 128, N = 2000, P = ny * nx;
  const double f = 0.8, d = 10, tau = 5.0;
  ecm_sim_params p = uniform_params(N, ny, nx, tau, 1.0);
  p.domain_size_px = d;
  p.shared_fraction = f;
  ecm_sim_result *r = simulate(&p, 0);
  uint64_t *lab = malloc(P * sizeof *lab);
  assert_non_null(lab);
  for (size_t y = 0; y < ny; y++)
    for (size_t x = 0; x < nx; x++)
      lab[y * nx + x] = ecm__sim_domain_label(p.seed, d, (double)y, (double)x);
  /* same-domain neighbours: intensity correlation |rho|^2 = f^2; different domains: 0 */
  double same = 0, diff = 0;
  size_t ns = 0, nd = 0;
  const float *I = r->stack->data;
  for (size_t y = 0; y < ny; y += 2)
    for (size_t x = 0; x + 1 < nx; x++) {
      double c = pearson(I + y * nx + x, I + y * nx + x + 1, P, N);
      if (lab[y * nx + x] == lab[y * nx + x + 1]) {
        same += c;
        ns++;
      } else {
        diff += c;
        nd++;
      }
    }
  assert_true(ns > 1000 && nd > 200);
  same /= (double)ns;
  diff /= (double)nd;
  note("domains: same %.4f (want %.2f) across %.4f\n", same, f * f, diff);
  if (fabs(same - f * f) > 0.05 || fabs(diff) > 0.03)
    fail_msg("same-domain correlation %.3f (want %.3f), across domains %.3f (want 0)", same, f * f,
             diff);
  /* each pixel is still the same Gaussian process: its g2 is unchanged. Pixels of a domain
   * share innovations, so the standard error comes from the spread of domain means. */
  labelled *lv = malloc(P * sizeof *lv);
  double *sxy = calloc(P, sizeof *sxy);
  assert_true(lv && sxy);
  const size_t lags[] = {1, 5};
  for (int i = 0; i < 2; i++) {
    size_t lag = lags[i];
    memset(sxy, 0, P * sizeof *sxy);
    for (size_t t = 0; t + lag < N; t++)
      for (size_t px = 0; px < P; px++) sxy[px] += (double)I[t * P + px] * I[(t + lag) * P + px];
    for (size_t px = 0; px < P; px++) {
      lv[px].label = lab[px];
      lv[px].v = sxy[px] / (double)(N - lag);
    }
    qsort(lv, P, sizeof *lv, cmp_labelled);
    double s1 = 0, s2 = 0;
    size_t ndom = 0;
    for (size_t a = 0; a < P;) {
      size_t b = a;
      double m = 0;
      while (b < P && lv[b].label == lv[a].label) m += lv[b++].v;
      m /= (double)(b - a);
      s1 += m;
      s2 += m * m;
      ndom++;
      a = b;
    }
    double mean = s1 / ndom, se = sqrt((s2 / ndom - mean * mean) / (ndom - 1));
    double c = kww_c((double)lag, tau, 1.0), want = 1 + p.contrast * c * c;
    assert_true(ndom > 150);
    note("domains: lag %zu g2 %.4f want %.4f (%+.1f se)\n", lag, mean, want, (mean - want) / se);
    if (fabs(mean - want) > NSIGMA * se)
      fail_msg("lag %zu: g2 %.4f vs %.4f (se %.4f over %zu domains)", lag, mean, want, se, ndom);
  }
  free(lv);
  free(sxy);
  free(lab);
  assert_true(isfinite(r->xi_expected_px) && r->xi_expected_px > 0);
  ecm_sim_result_free(r);

  /* xi_expected grows with the domain size; 0 when domains are off or share nothing */
  ecm_sim_params q = uniform_params(2, 128, 128, 5.0, 1.0);
  double prev = 0;
  const double sizes[] = {4, 8, 16};
  for (int i = 0; i < 3; i++) {
    q.domain_size_px = sizes[i];
    r = simulate(&q, 0);
    assert_true(isfinite(r->xi_expected_px));
    assert_true(r->xi_expected_px > prev);
    assert_true(r->xi_expected_px > 0.3 * sizes[i] && r->xi_expected_px < 3 * sizes[i]);
    prev = r->xi_expected_px;
    ecm_sim_result_free(r);
  }
  q.shared_fraction = 0;
  r = simulate(&q, 0);
  assert_true(r->xi_expected_px == 0);
  ecm_sim_result_free(r);
  q.shared_fraction = 0.5;
  q.domain_size_px = 0;
  r = simulate(&q, 0);
  assert_true(r->xi_expected_px == 0);
  ecm_sim_result_free(r);
}

static void test_psame_and_fit(void **state) {
  (void)state;
  /* two half-planes: P_same(k) over rows of a 2 x 40 map is exact arithmetic */
  uint64_t lab[2 * 40];
  for (size_t y = 0; y < 2; y++)
    for (size_t x = 0; x < 40; x++) lab[y * 40 + x] = x < 20;
  double ps[3], np[3];
  assert_int_equal(ecm__sim_psame(lab, NULL, 2, 40, 3, 2, ps, np), ECM_OK);
  /* ring 1 = distances in [0.5, 1.5): horizontal (2 x 39), vertical (40) and both
   * diagonals (39 each) = 196 pairs, of which 4 cross the boundary */
  assert_float_equal(np[0], 196, 0);
  assert_float_equal(ps[0], 192.0 / 196.0, 1e-12);
  /* the exponential fit recovers R from exact data */
  double y[30];
  for (int k = 1; k <= 30; k++) y[k - 1] = 0.7 * exp(-k / 4.3) + 0.05;
  assert_float_equal(ecm__sim_fit_exp(y, 30), 4.3, 1e-6);
  for (int k = 0; k < 30; k++) y[k] = 1.0 + 0.01 * k; /* growing: no decay */
  assert_true(isnan(ecm__sim_fit_exp(y, 30)));
}

/* ---- speckle blur -------------------------------------------------------------------------- */

static void test_speckle(void **state) {
  (void)state;
  const size_t ny = 48, nx = 48, N = 800;
  const double fwhm = 3.0, A = 0.3;
  ecm_sim_params p = uniform_params(N, ny, nx, 4.0, 1.0);
  p.speckle_px = fwhm;
  p.contrast = A;
  ecm_sim_result *r = simulate(&p, 0);
  const float *I = r->stack->data;
  size_t P = ny * nx;
  double m = 0, var = 0, c1 = 0, c3 = 0;
  for (size_t i = 0; i < N * P; i++) m += I[i];
  m /= (double)(N * P);
  size_t n1 = 0, n3 = 0;
  for (size_t y = 0; y < ny; y++)
    for (size_t x = 0; x < nx; x++) {
      const float *a = I + y * nx + x;
      double mv = 0, vv = 0;
      for (size_t t = 0; t < N; t++) mv += a[t * P];
      mv /= (double)N;
      for (size_t t = 0; t < N; t++) vv += (a[t * P] - mv) * (a[t * P] - mv);
      var += vv / (double)(N - 1);
      if (x + 1 < nx) c1 += pearson(a, a + 1, P, N), n1++;
      if (x + 3 < nx) c3 += pearson(a, a + 3, P, N), n3++;
    }
  var /= (double)P;
  c1 /= (double)n1;
  c3 /= (double)n3;
  /* the discrete kernel's field correlation along x: sum_a h_a h_{a+d} / sum h_a^2 */
  double sigma = fwhm / 2.3548200450309493, h[64], hh = 0, h1 = 0, h3 = 0;
  int rad = (int)ceil(ECM__SIM_KERNEL_NSIGMA * sigma);
  for (int a = -rad; a <= rad; a++) h[a + rad] = exp(-a * a / (2 * sigma * sigma));
  for (int a = 0; a <= 2 * rad; a++) {
    hh += h[a] * h[a];
    if (a + 1 <= 2 * rad) h1 += h[a] * h[a + 1];
    if (a + 3 <= 2 * rad) h3 += h[a] * h[a + 3];
  }
  double want1 = (h1 / hh) * (h1 / hh), want3 = (h3 / hh) * (h3 / hh);
  note("speckle: mean %.4f var/A %.4f c1 %.4f (%.4f) c3 %.4f (%.4f)\n", m, var / A, c1, want1, c3,
       want3);
  if (fabs(m - 1) > 0.02 || fabs(var / A - 1) > 0.06 || fabs(c1 - want1) > 0.04 ||
      fabs(c3 - want3) > 0.04)
    fail_msg("blur: mean %.4f var/A %.4f corr(1) %.3f (want %.3f) corr(3) %.3f (want %.3f)", m,
             var / A, c1, want1, c3, want3);
  ecm_sim_result_free(r);

  /* blur + domains with uniform spectra: m(r) keeps the mean intensity at 1 */
  p.domain_size_px = 8;
  p.shared_fraction = 0.8;
  p.nt = 1000;
  r = simulate(&p, 0);
  m = 0;
  for (size_t i = 0; i < p.nt * P; i++) m += r->stack->data[i];
  m /= (double)(p.nt * P);
  note("blur + domains: mean %.4f\n", m);
  if (fabs(m - 1) > 0.05) fail_msg("blur + domains: mean %.4f", m);
  ecm_sim_result_free(r);
}

/* ---- drift ---------------------------------------------------------------------------------- */

static void test_drift(void **state) {
  (void)state;
  ecm_sim_params p = ecm_sim_default_params();
  p.nt = 7;
  p.ny = 40;
  p.nx = 48;
  p.frame_interval_s = 1;
  p.tau_median_s = 4; /* a live sample: frames differ, the shift must still be exact */
  p.seed = 5 + seed_offset();
  ecm_sim_result *a = simulate(&p, 0);
  p.drift_x_px = 6; /* shift(t) = (t, -2t): integers */
  p.drift_y_px = -12;
  ecm_sim_result *b = simulate(&p, 0);
  for (size_t t = 0; t < p.nt; t++) {
    assert_true(b->shift_x[t] == (double)t);
    assert_true(b->shift_y[t] == -2.0 * (double)t);
    assert_true(a->shift_x[t] == 0 && a->shift_y[t] == 0);
  }
  /* frame t of b at (y, x) is the sample at (y - sy, x - sx): frame t of a there */
  size_t compared = 0;
  for (size_t t = 0; t < p.nt; t++)
    for (size_t y = 0; y < p.ny; y++)
      for (size_t x = 0; x < p.nx; x++) {
        long ys = (long)y + 2 * (long)t, xs = (long)x - (long)t;
        if (ys < 0 || ys >= (long)p.ny || xs < 0 || xs >= (long)p.nx) continue;
        float va = at(a->stack, t, (size_t)ys, (size_t)xs), vb = at(b->stack, t, y, x);
        if (va != vb) fail_msg("t %zu (%zu, %zu): %g != %g", t, y, x, vb, va);
        compared++;
      }
  assert_true(compared > 5000);
  /* truth maps are in frame 0's coordinates: unchanged by the drift */
  assert_true(same_stack(a->tau_s, b->tau_s));
  assert_true(same_stack(a->beta, b->beta));
  ecm_sim_result_free(a);
  ecm_sim_result_free(b);

  /* half-pixel shifts average two independent pixels: variance halves */
  ecm_sim_params q = uniform_params(3, 64, 64, 1e9, 1.0);
  q.drift_x_px = 1.0; /* shift 0, 0.5, 1 */
  ecm_sim_result *r = simulate(&q, 0);
  double v[3];
  for (size_t t = 0; t < 3; t++) {
    double m = 0, s = 0;
    size_t n = 64 * 64;
    for (size_t i = 0; i < n; i++) m += r->stack->data[t * n + i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
      s += (r->stack->data[t * n + i] - m) * (r->stack->data[t * n + i] - m);
    v[t] = s / (double)(n - 1);
  }
  note("drift: var ratio half-pixel %.4f integer %.4f\n", v[1] / v[0], v[2] / v[0]);
  assert_true(fabs(v[1] / v[0] - 0.5) < 0.1);
  assert_true(fabs(v[2] / v[0] - 1.0) < 0.1);
  ecm_sim_result_free(r);

  /* random walk: per-axis steps of rms drift_jitter_px, starting at 0 */
  ecm_sim_params w = uniform_params(2000, 4, 4, 10, 1.0);
  w.drift_jitter_px = 0.5;
  r = simulate(&w, 0);
  assert_true(r->shift_x[0] == 0 && r->shift_y[0] == 0);
  double sx = 0, sy = 0;
  for (size_t t = 1; t < w.nt; t++) {
    double dx = r->shift_x[t] - r->shift_x[t - 1], dy = r->shift_y[t] - r->shift_y[t - 1];
    sx += dx * dx;
    sy += dy * dy;
  }
  assert_true(fabs(sqrt(sx / (w.nt - 1)) - 0.5) < 0.05);
  assert_true(fabs(sqrt(sy / (w.nt - 1)) - 0.5) < 0.05);
  ecm_sim_result_free(r);
}

/* ---- nanowire ------------------------------------------------------------------------------ */

static void test_nanowire(void **state) {
  (void)state;
  const size_t ny = 64, nx = 64;
  ecm_sim_params p = uniform_params(50, ny, nx, 30, 0.8);
  p.geometry = ECM_SIM_NANOWIRE;
  p.wire_width_px = 20;
  p.wire_angle_deg = 0;
  p.surface_px = 3;
  p.surface_speedup = 10;
  p.vacuum_level = 0.05;
  ecm_sim_result *r = simulate(&p, 0);
  /* horizontal wire through row 31.5: rows 22..41 sample, 22..24 and 39..41 surface */
  size_t count[3] = {0, 0, 0};
  for (size_t y = 0; y < ny; y++)
    for (size_t x = 0; x < nx; x++) {
      size_t i = y * nx + x;
      int reg = (int)r->region->data[i];
      count[reg]++;
      int want = (y < 22 || y > 41) ? 0 : ((y <= 24 || y >= 39) ? 2 : 1);
      assert_int_equal(reg, want);
      if (reg == 0) {
        assert_true(isnan(r->tau_s->data[i]) && isnan(r->beta->data[i]) &&
                    isnan(r->contrast->data[i]));
        for (size_t t = 0; t < p.nt; t++) assert_true(at(r->stack, t, y, x) == 0.05f);
      } else {
        assert_float_equal(r->tau_s->data[i], reg == 2 ? 3.0 : 30.0, 1e-4);
        assert_float_equal(r->beta->data[i], 0.8, 1e-6);
      }
    }
  assert_int_equal(count[1], 14 * nx);
  assert_int_equal(count[2], 6 * nx);
  assert_int_equal(count[0], 44 * nx);
  ecm_sim_result_free(r);
  /* a vertical wire (90 degrees) of default (auto) width 0.6 nx */
  p.wire_angle_deg = 90;
  p.wire_width_px = 0;
  r = simulate(&p, 0);
  size_t ns = 0;
  for (size_t i = 0; i < ny * nx; i++) ns += r->region->data[i] != 0;
  /* |x - 31.5| < 19.2: columns 13..50 */
  assert_int_equal(ns, 38 * ny);
  for (size_t y = 0; y < ny; y++)
    assert_true(r->region->data[y * nx + 12] == 0 && r->region->data[y * nx + 13] != 0);
  ecm_sim_result_free(r);
}

/* ---- static crystalline inclusions ---------------------------------------------------------- */

/* Crystal site test: within radius of a centre (frame 0 coordinates). */
static int in_crystal(const ecm_sim_result *r, double rad, double y, double x) {
  for (size_t k = 0; k < r->crystal_count; k++) {
    double dy = y - r->crystal_y[k], dx = x - r->crystal_x[k];
    if (dy * dy + dx * dx <= rad * rad) return 1;
  }
  return 0;
}

static void test_crystals(void **state) {
  (void)state;
  const size_t ny = 96, nx = 112, P = ny * nx, K = 40;
  const double rad = 3, bright = 2.7, A = 0.3;
  ecm_sim_params p = uniform_params(12, ny, nx, 2.0, 1.0); /* live: frames decorrelate */
  p.crystal_count = K;
  p.crystal_radius_px = rad;
  p.crystal_brightness = bright;
  p.contrast = A;
  ecm_sim_result *r = simulate(&p, 2);
  assert_int_equal(r->crystal_count, K);
  assert_non_null(r->crystal_x);
  /* whole-pixel centres at least rad inside the field of view, discs disjoint */
  for (size_t k = 0; k < K; k++) {
    double y = r->crystal_y[k], x = r->crystal_x[k];
    assert_true(y == floor(y) && x == floor(x));
    assert_true(y >= rad && y <= (double)ny - 1 - rad && x >= rad && x <= (double)nx - 1 - rad);
    for (size_t j = 0; j < k; j++) {
      double dy = y - r->crystal_y[j], dx = x - r->crystal_x[j];
      assert_true(dy * dy + dx * dx > 4 * rad * rad);
    }
  }
  /* region 3 exactly on the discs (29 sites each for radius 3), static, truth tau = +inf */
  size_t ncr = 0, moving = 0;
  double s1 = 0, s2 = 0;
  for (size_t y = 0; y < ny; y++)
    for (size_t x = 0; x < nx; x++) {
      size_t i = y * nx + x;
      int cr = in_crystal(r, rad, (double)y, (double)x);
      assert_int_equal((int)r->region->data[i], cr ? 3 : 1);
      if (!cr) {
        moving += at(r->stack, 0, y, x) != at(r->stack, 1, y, x);
        assert_true(isfinite(r->tau_s->data[i]));
        continue;
      }
      ncr++;
      float v = at(r->stack, 0, y, x);
      for (size_t t = 1; t < p.nt; t++) assert_true(at(r->stack, t, y, x) == v);
      assert_true(isinf(r->tau_s->data[i]) && r->tau_s->data[i] > 0);
      assert_true(isnan(r->beta->data[i]));
      assert_float_equal(r->contrast->data[i], A, 1e-6);
      s1 += v;
      s2 += (double)v * v;
    }
  assert_int_equal(ncr, 29 * K);
  assert_int_equal(moving, P - ncr); /* every other pixel changes from frame to frame */
  /* mean brightness, and the static speckle's spatial contrast A: Var / mean^2 = A */
  double m = s1 / (double)ncr, var = s2 / (double)ncr - m * m, se = sqrt(var / (double)ncr);
  note("crystals: mean %.4f (%+.1f se), contrast %.4f\n", m, (m - bright) / se, var / (m * m));
  if (fabs(m - bright) > NSIGMA * se)
    fail_msg("crystal mean %.4f, want %.4f (se %.4f)", m, bright, se);
  assert_true(fabs(var / (m * m) - A) < 0.125); /* 5 se of a variance ratio */

  /* deterministic for a seed whatever the thread count; a new seed moves the crystals */
  ecm_sim_result *b = simulate(&p, 1);
  assert_true(same_stack(r->stack, b->stack));
  assert_true(same_stack(r->region, b->region));
  assert_memory_equal(r->crystal_x, b->crystal_x, K * sizeof(double));
  assert_memory_equal(r->crystal_y, b->crystal_y, K * sizeof(double));
  ecm_sim_result_free(b);
  ecm_sim_params q = p;
  q.seed = p.seed + 1;
  b = simulate(&q, 3);
  assert_false(same_stack(r->region, b->region));
  ecm_sim_result_free(b);

  /* the rest of the sample is the same sample: crystals only replace their own sites */
  q = p;
  q.crystal_count = 0;
  b = simulate(&q, 2);
  for (size_t t = 0; t < p.nt; t++)
    for (size_t i = 0; i < P; i++)
      if (r->region->data[i] != 3)
        assert_true(r->stack->data[t * P + i] == b->stack->data[t * P + i]);
  ecm_sim_result_free(b);
  ecm_sim_result_free(r);

  /* bit-identity without crystals: radius and brightness are then ignored */
  q = uniform_params(20, 24, 28, 5, 0.7);
  q.dose = 30;
  q.drift_x_px = 1.5;
  q.speckle_px = 1.2;
  r = simulate(&q, 2);
  q.crystal_radius_px = 7;
  q.crystal_brightness = 9;
  b = simulate(&q, 1);
  assert_true(same_stack(r->stack, b->stack));
  assert_true(same_stack(r->region, b->region));
  assert_true(same_stack(r->tau_s, b->tau_s));
  assert_true(r->crystal_count == 0 && r->crystal_x == NULL && r->crystal_y == NULL);
  ecm_sim_result_free(r);
  ecm_sim_result_free(b);
}

static void test_crystals_drift_dose_wire(void **state) {
  (void)state;
  /* integer drift: a crystal stays in view and moves with the sample, exactly */
  ecm_sim_params p = uniform_params(7, 40, 48, 3, 1.0);
  p.drift_x_px = 6; /* shift(t) = (t, -2t) */
  p.drift_y_px = -12;
  p.crystal_count = 3;
  p.crystal_radius_px = 2;
  ecm_sim_result *r = simulate(&p, 2);
  for (size_t k = 0; k < 3; k++) {
    /* in view with its margin in every frame */
    assert_true(r->crystal_y[k] >= 2 + 12 && r->crystal_y[k] <= 39 - 2);
    assert_true(r->crystal_x[k] >= 2 && r->crystal_x[k] <= 47 - 2 - 6);
    size_t y0 = (size_t)r->crystal_y[k], x0 = (size_t)r->crystal_x[k];
    float v = at(r->stack, 0, y0, x0);
    for (size_t t = 1; t < p.nt; t++) assert_true(at(r->stack, t, y0 - 2 * t, x0 + t) == v);
  }
  ecm_sim_result_free(r);

  /* counting noise: crystal counts vary from frame to frame by Poisson noise only */
  p = uniform_params(400, 32, 32, 3, 1.0);
  p.crystal_count = 6;
  p.crystal_radius_px = 2.5;
  p.dose = 40;
  r = simulate(&p, 2);
  ecm_sim_params q = p;
  q.dose = 0;
  ecm_sim_result *z = simulate(&q, 2);
  double ratio = 0;
  size_t n = 0;
  for (size_t i = 0; i < 32 * 32; i++) {
    if (r->region->data[i] != 3) continue;
    assert_true(z->region->data[i] == 3);
    double m = 0, v = 0;
    for (size_t t = 0; t < p.nt; t++) m += r->stack->data[t * 1024 + i];
    m /= (double)p.nt;
    for (size_t t = 0; t < p.nt; t++) {
      double d = r->stack->data[t * 1024 + i] - m;
      v += d * d;
    }
    v /= (double)(p.nt - 1);
    /* the noiseless intensity sets the Poisson mean */
    double mu = p.dose * z->stack->data[i];
    assert_true(fabs(m - mu) < NSIGMA * sqrt(mu / (double)p.nt) + 1e-9);
    ratio += v / mu;
    n++;
  }
  assert_int_equal(n, 6 * 21); /* 21 sites within 2.5 px */
  ratio /= (double)n;
  note("crystals: Poisson variance / mean %.4f over %zu pixels\n", ratio, n);
  assert_true(fabs(ratio - 1) < 0.05);
  ecm_sim_result_free(r);
  ecm_sim_result_free(z);

  /* nanowire: crystals are inside the wire, never in vacuum */
  p = uniform_params(10, 64, 64, 5, 1.0);
  p.geometry = ECM_SIM_NANOWIRE;
  p.wire_width_px = 20;
  p.wire_angle_deg = 30;
  p.crystal_count = 5;
  p.crystal_radius_px = 3;
  r = simulate(&p, 2);
  q = p;
  q.crystal_count = 0;
  z = simulate(&q, 2);
  size_t nc = 0;
  for (size_t i = 0; i < 64 * 64; i++) {
    int a = (int)r->region->data[i], b = (int)z->region->data[i];
    if (a == 3) {
      assert_true(b != 0);
      nc++;
    } else {
      assert_int_equal(a, b);
    }
  }
  for (size_t k = 0; k < 5; k++)
    assert_int_equal(ecm__sim_region(&p, r->crystal_y[k], r->crystal_x[k]), 1);
  assert_int_equal(nc, 5 * 29);
  ecm_sim_result_free(r);
  ecm_sim_result_free(z);

  /* speckle blur: a crystal's centre, whose kernel lies inside the crystal, is static */
  p = uniform_params(20, 40, 40, 3, 1.0);
  p.speckle_px = 1.0; /* kernel radius 2 px */
  p.crystal_count = 2;
  p.crystal_radius_px = 4;
  r = simulate(&p, 2);
  for (size_t k = 0; k < 2; k++) {
    size_t y0 = (size_t)r->crystal_y[k], x0 = (size_t)r->crystal_x[k];
    for (size_t t = 1; t < p.nt; t++)
      assert_true(at(r->stack, t, y0, x0) == at(r->stack, 0, y0, x0));
  }
  ecm_sim_result_free(r);
}

/* ---- counting noise ---------------------------------------------------------------------- */

static void test_dose(void **state) {
  (void)state;
  const size_t ny = 32, nx = 32, N = 500, P = ny * nx;
  const double dose = 50, A = 0.3;
  ecm_sim_params p = uniform_params(N, ny, nx, 3, 1.0);
  p.dose = dose;
  p.contrast = A;
  ecm_sim_result *r = simulate(&p, 0);
  double m1 = 0, m2 = 0, vs = 0;
  for (size_t px = 0; px < P; px++) {
    double m = 0, v = 0;
    for (size_t t = 0; t < N; t++) {
      float c = r->stack->data[t * P + px];
      assert_true(c >= 0 && c == floorf(c));
      m += c;
    }
    m /= (double)N;
    for (size_t t = 0; t < N; t++) {
      double d = r->stack->data[t * P + px] - m;
      v += d * d;
    }
    m1 += m;
    m2 += m * m;
    vs += v / (double)(N - 1);
  }
  double mean = m1 / P, se = sqrt((m2 / P - mean * mean) / (P - 1)), var = vs / P;
  /* Var(counts) = dose (Poisson) + dose^2 Var(I) = dose + dose^2 A */
  double want = dose + dose * dose * A;
  note("dose: mean %.3f (%+.1f se) var/want %.4f\n", mean, (mean - dose) / se, var / want);
  if (fabs(mean - dose) > NSIGMA * se || fabs(var / want - 1) > 0.04)
    fail_msg("dose: mean %.3f (se %.3f), variance %.1f (want %.1f)", mean, se, var, want);
  ecm_sim_result_free(r);

  /* Poisson generator: both branches, mean and variance */
  ecm__sim_rng g;
  ecm__sim_rng_seed(&g, 1 + seed_offset(), 2, 3, 4);
  const double mus[] = {0.3, 4.0, 9.99, 10.0, 123.4};
  for (int i = 0; i < 5; i++) {
    double s = 0, s2 = 0;
    const int n = 200000;
    for (int k = 0; k < n; k++) {
      double x = ecm__sim_poisson(&g, mus[i]);
      s += x;
      s2 += x * x;
    }
    double m = s / n, v = s2 / n - m * m;
    assert_true(fabs(m - mus[i]) < NSIGMA * sqrt(mus[i] / n));
    assert_true(fabs(v / mus[i] - 1) < 0.02);
  }
  assert_true(ecm__sim_poisson(&g, 0) == 0);
}

static void test_cnormals(void **state) {
  (void)state;
  ecm__sim_rng g;
  ecm__sim_rng_seed(&g, 11 + seed_offset(), 3, 0, 0);
  const size_t n = 1 << 20;
  float *z = malloc(2 * n * sizeof *z);
  assert_non_null(z);
  ecm__sim_cnormals(&g, z, n);
  double mr = 0, mi = 0, a2 = 0, a4 = 0, rr = 0, ri = 0;
  for (size_t i = 0; i < n; i++) {
    double a = z[2 * i], b = z[2 * i + 1], q = a * a + b * b;
    mr += a;
    mi += b;
    a2 += q;
    a4 += q * q;
    rr += a * a - b * b; /* E Z^2 = 0: Re part */
    ri += a * b;
  }
  /* E|Z|^2 = 1 (SE 1/sqrt n), E|Z|^4 = 2 (SE sqrt(20)/sqrt n), E Z = 0, E Z^2 = 0 */
  double sn = sqrt((double)n);
  assert_true(fabs(mr / n) < NSIGMA * sqrt(0.5) / sn && fabs(mi / n) < NSIGMA * sqrt(0.5) / sn);
  assert_true(fabs(a2 / n - 1) < NSIGMA / sn);
  assert_true(fabs(a4 / n - 2) < NSIGMA * sqrt(20.0) / sn);
  assert_true(fabs(rr / n) < NSIGMA / sn && fabs(ri / n) < NSIGMA * 0.5 / sn);
  free(z);
}

/* ---- cancellation and memory budget ------------------------------------------------------- */

typedef struct prog_log {
  int calls, cancel_at;
  double last;
  int monotone;
} prog_log;

static int progress_cb(void *user, double fraction, const char *stage) {
  prog_log *l = user;
  assert_non_null(stage);
  if (fraction < l->last) l->monotone = 0;
  l->last = fraction;
  l->calls++;
  return l->cancel_at > 0 && l->calls >= l->cancel_at;
}

static void test_cancel_and_budget(void **state) {
  (void)state;
  ecm_sim_params p = ecm_sim_default_params();
  p.nt = 300;
  p.ny = 48;
  p.nx = 48;
  p.domain_size_px = 6;
  p.dose = 10;
  p.drift_x_px = 2.5;
  p.speckle_px = 1.5;
  p.crystal_count = 2; /* their arrays are freed on every failure path too */
  const int stops[] = {1, 3, 40};
  for (int i = 0; i < 3; i++) {
    prog_log l = {0, stops[i], 0, 1};
    ecm_run run = ecm_run_default();
    run.threads = 2;
    run.progress = progress_cb;
    run.user = &l;
    ecm_sim_result *r = (ecm_sim_result *)&l;
    assert_int_equal(ecm_sim_darkfield(&p, &run, &r), ECM_ECANCELED);
    assert_null(r);
    assert_int_equal(l.calls, stops[i]); /* nothing called back after the cancel */
    assert_non_null(strstr(ecm_errmsg(), "cancel"));
  }
  /* a full run reports monotone progress up to 1 */
  prog_log l = {0, 0, 0, 1};
  ecm_run run = ecm_run_default();
  run.progress = progress_cb;
  run.user = &l;
  ecm_sim_result *r = NULL;
  assert_int_equal(ecm_sim_darkfield(&p, &run, &r), ECM_OK);
  assert_true(l.monotone && l.calls > 5 && l.last == 1.0);
  ecm_sim_result_free(r);
  /* memory budget */
  run = ecm_run_default();
  run.memory_budget = 1000000; /* 1 MB < 300 x 48 x 48 floats */
  r = (ecm_sim_result *)&l;
  assert_int_equal(ecm_sim_darkfield(&p, &run, &r), ECM_ENOMEM);
  assert_null(r);
  assert_non_null(strstr(ecm_errmsg(), "budget"));
}

/* Aging: the ensemble intensity correlation C(t, d) = <I(t) I(t+d)> / (<I(t)> <I(t+d)>) - 1
 * over 1024 independent pixels (beta = 1, A = 1: C = exp(-2 d / tau(t))) gives the local tau
 * of an early and a late window; their ratio follows tau(t) = tau_map a^(t / (nt - 1)).
 * aging_factor = 1 is the stationary synthesis, byte for byte. */
/* Relative tolerance of the aging tau checks: measured errors (seed 1) -0.4 % early, +0.6 %
 * late, -0.8 % / +0.1 % stationary; statistical error ~1-2 %. */
#define AGING_TOL 0.05

static double aging_local_tau(const ecm_stack *st, size_t t0, size_t t1) {
  const size_t np = st->ny * st->nx;
  double acc = 0;
  int nd = 0;
  for (size_t d = 1; d <= 2; d++) {
    double sab = 0, sa = 0, sb = 0;
    size_t n = 0;
    for (size_t t = t0; t < t1; t++)
      for (size_t i = 0; i < np; i++) {
        double a = st->data[t * np + i], b = st->data[(t + d) * np + i];
        sab += a * b;
        sa += a;
        sb += b;
        n++;
      }
    double c = sab * (double)n / (sa * sb) - 1.0;
    acc += -2.0 * (double)d / log(c);
    nd++;
  }
  return acc / nd;
}

static void test_aging(void **state) {
  (void)state;
  ecm_sim_params p = ecm_sim_default_params();
  p.nt = 2000;
  p.ny = p.nx = 32;
  p.frame_interval_s = 1.0;
  p.tau_median_s = 4.0;
  p.tau_sigma = 0;
  p.beta_min = p.beta_max = 1.0;
  p.contrast = 1.0;
  p.map_corr_px = 0;
  ecm_sim_result *r0 = NULL, *r1 = NULL, *ra = NULL;
  assert_int_equal(ecm_sim_darkfield(&p, NULL, &r0), ECM_OK);
  p.aging_factor = 1.0; /* explicitly: the same bytes */
  assert_int_equal(ecm_sim_darkfield(&p, NULL, &r1), ECM_OK);
  assert_memory_equal(r0->stack->data, r1->stack->data, p.nt * p.ny * p.nx * sizeof(float));
  p.aging_factor = 4.0;
  assert_int_equal(ecm_sim_darkfield(&p, NULL, &ra), ECM_OK);
  /* the truth map is tau at t = 0 */
  assert_float_equal(ra->tau_s->data[0], 4.0, 1e-6);
  assert_float_equal(ecm_sim_aging_tau_factor(&p, 1999), 4.0, 1e-12);
  /* mean intensity stays 1 (the warp keeps unit-variance fields) */
  double m = 0;
  for (size_t i = 0; i < p.nt * p.ny * p.nx; i++) m += ra->stack->data[i];
  m /= (double)(p.nt * p.ny * p.nx);
  assert_true(fabs(m - 1.0) < 0.02);
  double te = aging_local_tau(ra->stack, 0, 200), tl = aging_local_tau(ra->stack, 1797, 1997);
  double se = aging_local_tau(r0->stack, 0, 200), sl = aging_local_tau(r0->stack, 1797, 1997);
  double want_e = 4.0 * ecm_sim_aging_tau_factor(&p, 100),
         want_l = 4.0 * ecm_sim_aging_tau_factor(&p, 1897);
  print_message("aging: tau early %.3f (want %.3f), late %.3f (want %.3f); stationary %.3f %.3f\n",
                te, want_e, tl, want_l, se, sl);
  assert_true(fabs(te / want_e - 1) < AGING_TOL);
  assert_true(fabs(tl / want_l - 1) < AGING_TOL);
  assert_true(fabs((tl / te) / (want_l / want_e) - 1) < AGING_TOL);
  assert_true(fabs(sl / se - 1) < AGING_TOL);
  /* range */
  p.aging_factor = 0;
  assert_int_equal(ecm_sim_check_params(&p), ECM_EINVAL);
  p.aging_factor = 1e3;
  assert_int_equal(ecm_sim_check_params(&p), ECM_EINVAL);
  ecm_sim_result_free(r0);
  ecm_sim_result_free(r1);
  ecm_sim_result_free(ra);
}

/* Temperature-series law. */
static void test_tseries_params(void **state) {
  (void)state;
  ecm_sim_params b = ecm_sim_default_params(), q;
  ecm_sim_tseries_law law = {0.3, 3.7e-5, 300.0, 4.0, 2.0};
  assert_int_equal(ecm_sim_tseries_params(&b, &law, 280.0, &q), ECM_OK);
  assert_float_equal(q.tau_median_s, 3.7e-5 * exp(0.3 / (8.617333262e-5 * 280.0)), 1e-9);
  assert_float_equal(q.domain_size_px, 4.0 * pow(300.0 / 280.0, 2.0), 1e-12);
  assert_int_equal((int)q.seed, (int)b.seed);
  assert_int_equal(ecm_sim_tseries_params(&b, &law, 0.0, &q), ECM_EINVAL);
  assert_int_equal(ecm_sim_tseries_params(NULL, &law, 300.0, &q), ECM_EINVAL);
  law.domain_ref_px = 0.5; /* d(T) < 1 px: rejected by the parameter check */
  assert_int_equal(ecm_sim_tseries_params(&b, &law, 300.0, &q), ECM_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults_and_json),
      cmocka_unit_test(test_aging),
      cmocka_unit_test(test_tseries_params),
      cmocka_unit_test(test_bad_params),
      cmocka_unit_test(test_cnormals),
      cmocka_unit_test(test_g2_basic),
      cmocka_unit_test(test_clipping_reported),
      cmocka_unit_test(test_maps),
      cmocka_unit_test(test_determinism),
      cmocka_unit_test(test_domains),
      cmocka_unit_test(test_psame_and_fit),
      cmocka_unit_test(test_speckle),
      cmocka_unit_test(test_drift),
      cmocka_unit_test(test_nanowire),
      cmocka_unit_test(test_crystals),
      cmocka_unit_test(test_crystals_drift_dose_wire),
      cmocka_unit_test(test_dose),
      cmocka_unit_test(test_cancel_and_budget),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
