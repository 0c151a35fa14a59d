/* Unit tests of the align module: known integer and subpixel drifts recovered for every
 * reference mode, ROI registration, whole-pixel / bilinear / Fourier application and crops,
 * bad frames, thread-count independence, cancellation, memory budget, error paths, a
 * drift made by the dark-field simulator, and the peak significance test (weak_peak frames:
 * pure relaxing speckle, speckle with static crystals, unrelated frames in a series).
 *
 * Test data: a periodic "speckle" canvas (|E|^2 of a band-limited random field, so the
 * intensity is band-limited below Nyquist) is translated exactly by a Fourier phase ramp
 * and a window is cut from its centre, so content enters and leaves at the edges as in a
 * real series; Gaussian noise is added. Frame t shows the canvas moved by +s_t, so the
 * aligner must report -s_t (relative to the reference). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "align/align_internal.h"
#include "ecm/align.h"
#include "ecm/fft.h"
#include "ecm/sim.h"
#include "fft/fft_internal.h"

static const double TWO_PI = 6.283185307179586476925286766559;

/* ---- deterministic random numbers --------------------------------------------------- */

typedef struct rng {
  uint64_t s;
} rng;

static uint64_t rng_next(rng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static double rng_unif(rng *r) {
  return ((double)(rng_next(r) >> 11) + 0.5) * 0x1p-53;
}

static double rng_normal(rng *r) {
  double u = rng_unif(r), v = rng_unif(r);
  return sqrt(-2.0 * log(u)) * cos(TWO_PI * v);
}

/* ---- band-limited canvases ------------------------------------------------------------- */

typedef struct canvas {
  size_t n;
  double *spec; /* 2 n^2: DFT of the real canvas */
  const ecm__fft_plan *fwd, *bwd;
  double *work; /* 2 n^2 */
  double *work2;
} canvas;

static void canvas_plans(canvas *c, size_t n) {
  c->n = n;
  ecm__fft_spec s = ecm__fft_spec_2d(ECM__FFT_C2C, ECM__FFT_F64, n, n, ECM__FFT_FORWARD);
  assert_int_equal(ecm__fft_plan_get(&s, &c->fwd), ECM_OK);
  s.sign = ECM__FFT_BACKWARD;
  assert_int_equal(ecm__fft_plan_get(&s, &c->bwd), ECM_OK);
  c->spec = ecm__fft_alloc(2 * n * n * sizeof(double));
  c->work = ecm__fft_alloc(2 * n * n * sizeof(double));
  c->work2 = ecm__fft_alloc(2 * n * n * sizeof(double));
  assert_non_null(c->spec);
  assert_non_null(c->work);
  assert_non_null(c->work2);
}

static void canvas_free(canvas *c) {
  ecm__fft_free(c->spec);
  ecm__fft_free(c->work);
  ecm__fft_free(c->work2);
  ecm__fft_plan_release(c->fwd);
  ecm__fft_plan_release(c->bwd);
  memset(c, 0, sizeof *c);
}

static double signed_freq(size_t k, size_t n) {
  return k <= n / 2 ? (double)k : (double)k - (double)n;
}

/* Canvas from a real image (n x n). */
static void canvas_set_real(canvas *c, const double *img) {
  const size_t n = c->n;
  for (size_t i = 0; i < n * n; i++) {
    c->work[2 * i] = img[i];
    c->work[2 * i + 1] = 0;
  }
  assert_int_equal(ecm__fft_exec_d(c->fwd, c->work, c->spec), ECM_OK);
  /* no content at Nyquist: keeps the translated canvas real */
  for (size_t k = 0; k < n; k++) {
    size_t a = (n / 2) * n + k, b = k * n + n / 2;
    c->spec[2 * a] = c->spec[2 * a + 1] = c->spec[2 * b] = c->spec[2 * b + 1] = 0;
  }
}

/* Speckle texture |E|^2 with E band-limited to |k| < radius (frequency units of the canvas),
 * scaled to mean `level`; written to img (n x n). */
static void speckle_image(canvas *c, double radius, double level, uint64_t seed, double *img) {
  const size_t n = c->n;
  rng r = {seed};
  for (size_t ky = 0; ky < n; ky++)
    for (size_t kx = 0; kx < n; kx++) {
      double fy = signed_freq(ky, n), fx = signed_freq(kx, n);
      double in = fy * fy + fx * fx < radius * radius;
      double a = rng_normal(&r), b = rng_normal(&r);
      c->work[2 * (ky * n + kx)] = in * a;
      c->work[2 * (ky * n + kx) + 1] = in * b;
    }
  assert_int_equal(ecm__fft_exec_d(c->bwd, c->work, c->work2), ECM_OK);
  double mean = 0;
  for (size_t i = 0; i < n * n; i++) {
    img[i] = c->work2[2 * i] * c->work2[2 * i] + c->work2[2 * i + 1] * c->work2[2 * i + 1];
    mean += img[i];
  }
  mean /= (double)(n * n);
  for (size_t i = 0; i < n * n; i++) img[i] *= level / mean;
}

/* The canvas moved by (+sy, +sx): out(y, x) = canvas(y - sy, x - sx), n x n, exact for the
 * band-limited canvas. */
static void canvas_shifted(canvas *c, double sy, double sx, double *out) {
  const size_t n = c->n;
  for (size_t ky = 0; ky < n; ky++)
    for (size_t kx = 0; kx < n; kx++) {
      double a = -TWO_PI * (signed_freq(ky, n) * sy + signed_freq(kx, n) * sx) / (double)n;
      double pr = cos(a), pi = sin(a);
      const double *s = c->spec + 2 * (ky * n + kx);
      c->work[2 * (ky * n + kx)] = s[0] * pr - s[1] * pi;
      c->work[2 * (ky * n + kx) + 1] = s[0] * pi + s[1] * pr;
    }
  assert_int_equal(ecm__fft_exec_d(c->bwd, c->work, c->work2), ECM_OK);
  for (size_t i = 0; i < n * n; i++) out[i] = c->work2[2 * i] / (double)(n * n);
}

/* Drift of frame t in the standard series: still for frames 0..3, then linear, passing
 * (2.37, -1.61) px at t = 7 (the content moves by +s). */
static void drift_subpixel(size_t t, double *sy, double *sx) {
  double k = t < 4 ? 0.0 : ((double)t - 3.0) / 4.0;
  *sx = 2.37 * k;
  *sy = -1.61 * k;
}

static void drift_integer(size_t t, double *sy, double *sx) {
  double k = t < 4 ? 0.0 : (double)t - 3.0;
  *sx = 1.0 * k;
  *sy = -2.0 * k + (t < 4 ? 0.0 : (double)(t % 3));
}

typedef void (*drift_fn)(size_t t, double *sy, double *sx);

/* A stack of nt frames of n x n cut from the centre of a 2n canvas moved by drift(t), with
 * Gaussian noise of sd `noise` (relative to the mean 1). */
static ecm_stack *make_series(size_t nt, size_t n, drift_fn drift, double noise, uint64_t seed,
                              double *truth_y, double *truth_x) {
  canvas c;
  const size_t m = 2 * n;
  canvas_plans(&c, m);
  double *img = malloc(m * m * sizeof(double));
  assert_non_null(img);
  speckle_image(&c, (double)m / 12.0, 1.0, seed, img);
  canvas_set_real(&c, img);
  ecm_stack *s = NULL;
  assert_int_equal(ecm_stack_alloc(nt, n, n, &s), ECM_OK);
  rng r = {seed ^ 0x5555};
  for (size_t t = 0; t < nt; t++) {
    double sy, sx;
    drift(t, &sy, &sx);
    if (truth_y) truth_y[t] = sy;
    if (truth_x) truth_x[t] = sx;
    canvas_shifted(&c, sy, sx, img);
    float *f = ecm_stack_frame(s, t);
    for (size_t y = 0; y < n; y++)
      for (size_t x = 0; x < n; x++)
        f[y * n + x] = (float)(img[(y + n / 2) * m + x + n / 2] + noise * rng_normal(&r));
  }
  free(img);
  canvas_free(&c);
  return s;
}

/* Largest |estimate - expected| over frames with state OK; expected = -(s_t - s_ref). */
static double max_error(const ecm_align_result *r, const double *ty, const double *tx, double ref_y,
                        double ref_x, double *rms) {
  double worst = 0, ss = 0;
  size_t n = 0;
  for (size_t t = 0; t < r->nt; t++) {
    if (r->state[t] != ECM_ALIGN_OK) continue;
    double ey = r->shift_y[t] + (ty[t] - ref_y), ex = r->shift_x[t] + (tx[t] - ref_x);
    double e = fmax(fabs(ey), fabs(ex));
    if (e > worst) worst = e;
    ss += ey * ey + ex * ex;
    n += 2;
  }
  if (rms) *rms = n ? sqrt(ss / (double)n) : 0;
  return worst;
}

#define NT 20
#define NPX 128

/* ---- parameters, names --------------------------------------------------------------- */

static void test_params(void **state) {
  (void)state;
  ecm_align_params p = ecm_align_default_params();
  assert_int_equal(ecm_align_check_params(&p), ECM_OK);
  assert_int_equal(p.upsample, 20);
  assert_int_equal(p.apply, ECM_ALIGN_APPLY_WHOLE);
  assert_int_equal(p.reference, ECM_ALIGN_REF_RUNNING);
  ecm_align_params q = p;
  q.upsample = 0;
  assert_int_equal(ecm_align_check_params(&q), ECM_EINVAL);
  assert_non_null(strstr(ecm_errmsg(), "upsample"));
  q = p;
  q.tukey_alpha = 1.5;
  assert_int_equal(ecm_align_check_params(&q), ECM_EINVAL);
  q = p;
  q.max_shift_px = -1;
  assert_int_equal(ecm_align_check_params(&q), ECM_EINVAL);
  q = p;
  q.max_shift_px = NAN;
  assert_int_equal(ecm_align_check_params(&q), ECM_EINVAL);
  q = p;
  q.ref_count = 0;
  assert_int_equal(ecm_align_check_params(&q), ECM_EINVAL);
  q = p;
  q.running_block = 0;
  assert_int_equal(ecm_align_check_params(&q), ECM_EINVAL);
  q = p;
  q.reference = (ecm_align_ref)7;
  assert_int_equal(ecm_align_check_params(&q), ECM_EINVAL);
  q = p;
  q.apply = (ecm_align_apply_mode)9;
  assert_int_equal(ecm_align_check_params(&q), ECM_EINVAL);
  assert_int_equal(ecm_align_check_params(NULL), ECM_EINVAL);

  ecm_align_ref r;
  ecm_align_window w;
  ecm_align_apply_mode a;
  assert_int_equal(ecm_align_ref_parse("Running", &r), ECM_OK);
  assert_int_equal(r, ECM_ALIGN_REF_RUNNING);
  assert_int_equal(ecm_align_ref_parse("first", &r), ECM_OK);
  assert_int_equal(r, ECM_ALIGN_REF_FRAME);
  assert_int_equal(ecm_align_ref_parse("median", &r), ECM_EINVAL);
  assert_non_null(strstr(ecm_errmsg(), "running"));
  assert_int_equal(ecm_align_window_parse("hann", &w), ECM_OK);
  assert_int_equal(w, ECM_ALIGN_WINDOW_HANN);
  assert_int_equal(ecm_align_apply_parse("fourier", &a), ECM_OK);
  assert_int_equal(a, ECM_ALIGN_APPLY_FOURIER);
  assert_string_equal(ecm_align_ref_name(ECM_ALIGN_REF_MEAN), "mean");
  assert_string_equal(ecm_align_apply_name(ECM_ALIGN_APPLY_BILINEAR), "bilinear");
  assert_string_equal(ecm_align_window_name(ECM_ALIGN_WINDOW_TUKEY), "tukey");
  assert_string_equal(ecm_align_state_name(ECM_ALIGN_BAD_FRAME), "bad_frame");
  assert_string_equal(ecm_align_state_name(ECM_ALIGN_WEAK_PEAK), "weak_peak");
  assert_int_equal(ECM_ALIGN_WEAK_PEAK, 3);
  assert_float_equal(p.psr_margin, 3.5, 0);
  q = p;
  q.psr_margin = 101;
  assert_int_equal(ecm_align_check_params(&q), ECM_EINVAL);
  assert_non_null(strstr(ecm_errmsg(), "psr_margin"));
  q.psr_margin = NAN;
  assert_int_equal(ecm_align_check_params(&q), ECM_EINVAL);
  q.psr_margin = -100;
  assert_int_equal(ecm_align_check_params(&q), ECM_OK);
  assert_string_equal(ecm_align_state_name((ecm_align_state)77), "?");

  char buf[512];
  assert_int_equal(ecm_align_params_json(&p, buf, sizeof buf), ECM_OK);
  assert_non_null(strstr(buf, "\"reference\": \"running\""));
  assert_non_null(strstr(buf, "\"upsample\": 20"));
  assert_non_null(strstr(buf, "\"apply\": \"whole\""));
  assert_non_null(strstr(buf, "\"psr_margin\": 3.5"));
  assert_int_equal(ecm_align_params_json(&p, buf, 10), ECM_EOVERFLOW);
}

static void test_window(void **state) {
  (void)state;
  float w[16];
  ecm__align_window_1d(ECM_ALIGN_WINDOW_HANN, 0.0, 16, w);
  for (int k = 0; k < 8; k++) {
    assert_float_equal(w[k], w[15 - k], 1e-7); /* symmetric */
    assert_true(w[k] > 0 && w[k] <= 1);
    if (k) assert_true(w[k] > w[k - 1]);
  }
  ecm__align_window_1d(ECM_ALIGN_WINDOW_TUKEY, 0.5, 16, w);
  for (int k = 4; k < 12; k++) assert_float_equal(w[k], 1.0, 0); /* flat top */
  assert_true(w[0] < 0.1f);
  ecm__align_window_1d(ECM_ALIGN_WINDOW_NONE, 0.5, 16, w);
  for (int k = 0; k < 16; k++) assert_float_equal(w[k], 1.0, 0);
}

/* ---- accuracy ------------------------------------------------------------------------ */

static void check_modes(drift_fn drift, double noise, double tol, unsigned upsample,
                        const char *label) {
  double ty[NT], tx[NT];
  ecm_stack *s = make_series(NT, NPX, drift, noise, 11, ty, tx);
  ecm_view v = ecm_stack_view(s);
  const ecm_align_ref modes[] = {ECM_ALIGN_REF_FRAME, ECM_ALIGN_REF_MEAN, ECM_ALIGN_REF_RUNNING,
                                 ECM_ALIGN_REF_RUNNING};
  const size_t blocks[] = {16, 16, 16, 1};
  for (int m = 0; m < 4; m++) {
    ecm_align_params p = ecm_align_default_params();
    p.reference = modes[m];
    p.ref_count = 4;
    p.running_block = blocks[m];
    p.upsample = upsample;
    ecm_align_result *r = NULL;
    assert_int_equal(ecm_align_estimate(&v, NULL, &p, NULL, &r), ECM_OK);
    assert_int_equal(r->n_bad, 0);
    assert_int_equal(r->n_weak, 0);
    double rms, e = max_error(r, ty, tx, 0, 0, &rms);
    print_message(
        "  %s, reference %-7s (block %2zu): max error %.4f px, rms %.4f px, "
        "peak %.3f..%.3f\n",
        label, ecm_align_ref_name(p.reference), p.running_block, e, rms, r->peak[NT - 1],
        r->peak[0]);
    assert_true(e <= tol);
    assert_true(r->peak[0] > 0.05 && r->peak[0] <= 1.0);
    ecm_align_result_free(r);
  }
  ecm_stack_free(s);
}

static void test_integer_drift(void **state) {
  (void)state;
  /* noise-free integer translations: the integer estimate is exact, the subpixel one stays
   * on the integer (no spurious fraction) */
  check_modes(drift_integer, 0.0, 0.0, 1, "integer drift, U=1 ");
  check_modes(drift_integer, 0.0, 0.051, 20, "integer drift, U=20");
}

static void test_subpixel_drift(void **state) {
  (void)state;
  /* (2.37, -1.61) px steps with noise of sd 0.2 x mean: 0.1 px required, 1/U = 0.05 */
  check_modes(drift_subpixel, 0.2, 0.1, 20, "subpixel + noise");
  /* the same with a finer grid: accuracy beyond the default quantisation */
  check_modes(drift_subpixel, 0.05, 0.03, 100, "subpixel, U=100  ");
}

/* A static textured background fills the field; an opaque textured chunk (a disk of radius
 * 18 px, another texture of the same mean) drifts over it. Registering a ROI around the chunk must
 * give the chunk's drift; the whole frame, dominated by the larger background, must not. */
static void test_roi(void **state) {
  (void)state;
  const size_t n = NPX, m = 2 * n, nt = 16;
  canvas bg, ch, mk;
  canvas_plans(&bg, m);
  canvas_plans(&ch, m);
  canvas_plans(&mk, m);
  double *img = malloc(m * m * sizeof(double)), *img2 = malloc(m * m * sizeof(double)),
         *img3 = malloc(m * m * sizeof(double));
  assert_non_null(img);
  assert_non_null(img2);
  assert_non_null(img3);
  speckle_image(&bg, (double)m / 12.0, 1.0, 21, img);
  canvas_set_real(&bg, img);
  /* chunk: another texture of the same mean under a smooth disk centred at (y, x) = (40, 44) */
  for (size_t y = 0; y < m; y++)
    for (size_t x = 0; x < m; x++) {
      double dy = (double)y - (double)(n / 2 + 40), dx = (double)x - (double)(n / 2 + 44);
      img3[y * m + x] = 1.0 / (1.0 + exp((sqrt(dy * dy + dx * dx) - 18.0) / 1.5));
    }
  canvas_set_real(&mk, img3);
  speckle_image(&ch, (double)m / 12.0, 1.0, 22, img);
  for (size_t i = 0; i < m * m; i++) img[i] *= img3[i];
  canvas_set_real(&ch, img);
  ecm_stack *s = NULL;
  assert_int_equal(ecm_stack_alloc(nt, n, n, &s), ECM_OK);
  double ty[16], tx[16];
  double *bgi = malloc(m * m * sizeof(double));
  assert_non_null(bgi);
  canvas_shifted(&bg, 0, 0, bgi);
  rng r = {99};
  for (size_t t = 0; t < nt; t++) {
    ty[t] = 0.43 * (double)t;
    tx[t] = -0.71 * (double)t;
    canvas_shifted(&ch, ty[t], tx[t], img);
    canvas_shifted(&mk, ty[t], tx[t], img2);
    float *f = ecm_stack_frame(s, t);
    for (size_t y = 0; y < n; y++)
      for (size_t x = 0; x < n; x++) {
        size_t i = (y + n / 2) * m + x + n / 2;
        f[y * n + x] = (float)(img[i] + (1.0 - img2[i]) * bgi[i] + 0.1 * rng_normal(&r));
      }
  }
  free(bgi);
  free(img3);
  canvas_free(&mk);
  /* ROI: a disk of radius 22 px around the chunk in the reference frame (the window and the
   * ROI follow the content in the second pass, so no room for the drift is needed) */
  ecm_mask *roi = NULL;
  assert_int_equal(ecm_mask_alloc(n, n, &roi), ECM_OK);
  for (size_t y = 0; y < n; y++)
    for (size_t x = 0; x < n; x++) {
      double dy = (double)y - 40.0, dx = (double)x - 44.0;
      roi->inside[y * n + x] = dy * dy + dx * dx <= 22.0 * 22.0;
    }
  ecm_view v = ecm_stack_view(s);
  ecm_align_params p = ecm_align_default_params();
  ecm_align_result *a = NULL, *b = NULL;
  assert_int_equal(ecm_align_estimate(&v, roi, &p, NULL, &a), ECM_OK);
  assert_int_equal(a->region.x0, 22);
  assert_int_equal(a->region.y0, 18);
  assert_int_equal(a->region.nx, 45);
  assert_int_equal(a->region.ny, 45);
  print_message("  ROI: %zu weak frames\n", a->n_weak);
  assert_int_equal(a->n_weak, 0);
  double rms, e = max_error(a, ty, tx, 0, 0, &rms);
  print_message("  ROI around the drifting chunk: max error %.4f px, rms %.4f px\n", e, rms);
  assert_true(e <= 0.1);
  assert_int_equal(ecm_align_estimate(&v, NULL, &p, NULL, &b), ECM_OK);
  /* the whole frame follows the larger static background (shift 0) once the two correlation
   * peaks are apart (near the start they merge and the estimate lies in between) */
  double eb = fmax(fabs(b->shift_x[nt - 1]), fabs(b->shift_y[nt - 1]));
  print_message("  whole frame: %zu weak frames\n", b->n_weak);
  print_message("  whole frame, last frame (chunk moved by %.1f px): shift %.2f px\n",
                hypot(tx[nt - 1], ty[nt - 1]), eb);
  assert_true(eb < 0.3);
  /* a ROI of another size, an empty one, a tiny one */
  ecm_mask *bad = NULL;
  ecm_align_result *c = NULL;
  assert_int_equal(ecm_mask_alloc(n, n + 1, &bad), ECM_OK);
  assert_int_equal(ecm_align_estimate(&v, bad, &p, NULL, &c), ECM_ESIZE);
  assert_null(c);
  ecm_mask_free(bad);
  assert_int_equal(ecm_mask_alloc(n, n, &bad), ECM_OK);
  memset(bad->inside, 0, n * n);
  assert_int_equal(ecm_align_estimate(&v, bad, &p, NULL, &c), ECM_ENODATA);
  bad->inside[5 * n + 5] = bad->inside[7 * n + 7] = 1;
  assert_int_equal(ecm_align_estimate(&v, bad, &p, NULL, &c), ECM_ENODATA);
  assert_non_null(strstr(ecm_errmsg(), "at least"));
  assert_null(c);
  ecm_mask_free(bad);
  ecm_mask_free(roi);
  ecm_align_result_free(a);
  ecm_align_result_free(b);
  ecm_stack_free(s);
  free(img);
  free(img2);
  canvas_free(&bg);
  canvas_free(&ch);
}

/* max_shift_px bounds the search; a peak on the bound is flagged */
static void test_max_shift(void **state) {
  (void)state;
  double ty[NT], tx[NT];
  ecm_stack *s = make_series(NT, NPX, drift_integer, 0.0, 5, ty, tx);
  ecm_view v = ecm_stack_view(s);
  ecm_align_params p = ecm_align_default_params();
  p.max_shift_px = 6.5;
  ecm_align_result *r = NULL;
  assert_int_equal(ecm_align_estimate(&v, NULL, &p, NULL, &r), ECM_OK);
  size_t limited = 0;
  for (size_t t = 0; t < NT; t++) {
    assert_true(fabs(r->shift_x[t]) <= 6.75 && fabs(r->shift_y[t]) <= 6.75);
    if (fabs(ty[t]) <= 5 && fabs(tx[t]) <= 5) {
      assert_int_equal(r->state[t], ECM_ALIGN_OK);
      assert_true(fabs(r->shift_y[t] + ty[t]) < 0.06 && fabs(r->shift_x[t] + tx[t]) < 0.06);
    }
    limited += r->state[t] == ECM_ALIGN_AT_LIMIT;
  }
  assert_int_equal(limited, r->n_at_limit);
  assert_true(limited > 0);
  ecm_align_result_free(r);
  ecm_stack_free(s);
}

/* ---- application ---------------------------------------------------------------------- */

static ecm_stack *random_stack(size_t nt, size_t ny, size_t nx, uint64_t seed) {
  ecm_stack *s = NULL;
  assert_int_equal(ecm_stack_alloc(nt, ny, nx, &s), ECM_OK);
  rng r = {seed};
  for (size_t i = 0; i < nt * ny * nx; i++) s->data[i] = (float)floor(100 * rng_unif(&r));
  return s;
}

static void test_apply_whole(void **state) {
  (void)state;
  const size_t nt = 6, ny = 20, nx = 24;
  ecm_stack *s = random_stack(nt, ny, nx, 3);
  s->calib.frame_interval = 0.25;
  const double sx[6] = {0, 2, -3, 1.4, -0.5, 0.5};
  const double sy[6] = {0, -1, 4, 0.49, 2.51, NAN};
  /* rounded: x {0, 2, -3, 1, 0, 1}, y {0, -1, 4, 0, 3, 0 (NaN counts as 0)} */
  ecm_align_box box;
  assert_int_equal(ecm_align_crop_box(sx, sy, nt, ny, nx, ECM_ALIGN_APPLY_WHOLE, &box), ECM_OK);
  assert_int_equal(box.x0, 2);
  assert_int_equal(box.nx, nx - 3 - 2);
  assert_int_equal(box.y0, 4);
  assert_int_equal(box.ny, ny - 1 - 4);
  ecm_view v = ecm_stack_view(s);
  ecm_stack *o = NULL;
  ecm_align_box got;
  assert_int_equal(ecm_align_apply_shifts(&v, sx, sy, ECM_ALIGN_APPLY_WHOLE, NULL, &o, &got),
                   ECM_OK);
  assert_memory_equal(&got, &box, sizeof box);
  assert_int_equal(o->nt, nt);
  assert_int_equal(o->ny, box.ny);
  assert_int_equal(o->nx, box.nx);
  assert_true(o->calib.frame_interval == 0.25);
  const long rx[6] = {0, 2, -3, 1, 0, 1}, ry[6] = {0, -1, 4, 0, 3, 0};
  for (size_t t = 0; t < nt; t++)
    for (size_t y = 0; y < box.ny; y++)
      for (size_t x = 0; x < box.nx; x++) {
        size_t iy = (size_t)((long)(box.y0 + y) - ry[t]), ix = (size_t)((long)(box.x0 + x) - rx[t]);
        assert_true(o->data[(t * box.ny + y) * box.nx + x] == s->data[(t * ny + iy) * nx + ix]);
      }
  ecm_stack_free(o);

  /* a strided view (every other column, reversed rows) gives the same as its copy */
  ecm_view w = v;
  w.nx = nx / 2;
  w.sx = 2;
  w.data = s->data + (ny - 1) * nx;
  w.sy = -(ptrdiff_t)nx;
  ecm_stack *copy = NULL, *o1 = NULL, *o2 = NULL;
  assert_int_equal(ecm_stack_from_view(&w, &copy), ECM_OK);
  ecm_view cv = ecm_stack_view(copy);
  const double sx2[6] = {0, 1, -2, 1, 0, 0};
  for (int mode = 0; mode < 3; mode++) {
    const double sy2[6] = {0, 0.5, -1, 0.25, 0.75, 1};
    assert_int_equal(
        ecm_align_apply_shifts(&w, sx2, sy2, (ecm_align_apply_mode)mode, NULL, &o1, NULL), ECM_OK);
    assert_int_equal(
        ecm_align_apply_shifts(&cv, sx2, sy2, (ecm_align_apply_mode)mode, NULL, &o2, NULL), ECM_OK);
    assert_memory_equal(o1->data, o2->data, o1->nt * o1->ny * o1->nx * sizeof(float));
    ecm_stack_free(o1);
    ecm_stack_free(o2);
  }
  ecm_stack_free(copy);

  /* a drift larger than the frame leaves nothing */
  const double big[6] = {0, 30, 0, 0, 0, 0};
  assert_int_equal(ecm_align_crop_box(big, big, 2, ny, nx, ECM_ALIGN_APPLY_WHOLE, &box),
                   ECM_ENODATA);
  assert_int_equal(ecm_align_apply_shifts(&v, big, big, ECM_ALIGN_APPLY_WHOLE, NULL, &o, NULL),
                   ECM_ENODATA);
  assert_null(o);
  assert_int_equal(ecm_align_crop_box(sx, sy, nt, ny, nx, (ecm_align_apply_mode)5, &box),
                   ECM_EINVAL);
  ecm_stack_free(s);
}

static void test_crop_helpers(void **state) {
  (void)state;
  ecm_mask *m = NULL, *c = NULL;
  assert_int_equal(ecm_mask_alloc(10, 12, &m), ECM_OK);
  for (size_t i = 0; i < 120; i++) m->inside[i] = (uint8_t)(i % 7 == 0);
  ecm_align_box b = {3, 2, 5, 4};
  assert_int_equal(ecm_align_crop_mask(m, &b, &c), ECM_OK);
  assert_int_equal(c->ny, 4);
  assert_int_equal(c->nx, 5);
  for (size_t y = 0; y < 4; y++)
    for (size_t x = 0; x < 5; x++)
      assert_int_equal(c->inside[y * 5 + x], m->inside[(y + 2) * 12 + x + 3]);
  ecm_mask_free(c);
  ecm_align_box out = {10, 2, 5, 4};
  assert_int_equal(ecm_align_crop_mask(m, &out, &c), ECM_ESIZE);
  assert_null(c);

  ecm_stack *s = random_stack(2, 10, 12, 4);
  ecm_view v = ecm_stack_view(s), w;
  assert_int_equal(ecm_align_crop_view(&v, &b, &w), ECM_OK);
  assert_int_equal(w.nt, 2);
  assert_true(ecm_view_at(&w, 1, 3, 4) == ecm_view_at(&v, 1, 5, 7));
  assert_int_equal(ecm_align_crop_view(&v, &out, &w), ECM_EINVAL);
  ecm_mask_free(m);
  ecm_stack_free(s);
}

/* Bilinear interpolation reproduces a linear ramp exactly (up to float rounding). */
static void test_apply_bilinear(void **state) {
  (void)state;
  const size_t nt = 3, ny = 16, nx = 18;
  ecm_stack *s = NULL;
  assert_int_equal(ecm_stack_alloc(nt, ny, nx, &s), ECM_OK);
  for (size_t t = 0; t < nt; t++)
    for (size_t y = 0; y < ny; y++)
      for (size_t x = 0; x < nx; x++)
        s->data[(t * ny + y) * nx + x] = (float)(10.0 + 3.0 * (double)y - 2.0 * (double)x);
  const double sx[3] = {0, 0.3, -1.7}, sy[3] = {0, 0.6, 2.25};
  ecm_view v = ecm_stack_view(s);
  ecm_stack *o = NULL;
  ecm_align_box b;
  assert_int_equal(ecm_align_apply_shifts(&v, sx, sy, ECM_ALIGN_APPLY_BILINEAR, NULL, &o, &b),
                   ECM_OK);
  assert_int_equal(b.x0, 1);              /* ceil(0.3) */
  assert_int_equal(b.nx, 17 - 2 - 1 + 1); /* last x: floor(17 - 1.7) = 15 */
  assert_int_equal(b.y0, 3);              /* ceil(2.25) */
  assert_int_equal(b.ny, 15 - 3 + 1);     /* last y: floor(15 + 0) = 15 */
  for (size_t t = 0; t < nt; t++)
    for (size_t y = 0; y < b.ny; y++)
      for (size_t x = 0; x < b.nx; x++) {
        double Y = (double)(b.y0 + y) - sy[t], X = (double)(b.x0 + x) - sx[t];
        assert_float_equal(o->data[(t * b.ny + y) * b.nx + x], 10.0 + 3.0 * Y - 2.0 * X, 2e-5);
      }
  ecm_stack_free(o);
  /* integer shifts: bilinear equals whole-pixel exactly, and a NaN neighbour does not leak */
  s->data[5 * nx + 5] = NAN;
  const double ix[3] = {0, 1, -2}, iy[3] = {0, 2, 0};
  ecm_stack *o2 = NULL;
  assert_int_equal(ecm_align_apply_shifts(&v, ix, iy, ECM_ALIGN_APPLY_BILINEAR, NULL, &o, NULL),
                   ECM_OK);
  assert_int_equal(ecm_align_apply_shifts(&v, ix, iy, ECM_ALIGN_APPLY_WHOLE, NULL, &o2, NULL),
                   ECM_OK);
  size_t nnan = 0;
  for (size_t i = 0; i < o->nt * o->ny * o->nx; i++) {
    nnan += isnan(o->data[i]);
    assert_true(isnan(o->data[i]) ? isnan(o2->data[i]) : o->data[i] == o2->data[i]);
  }
  assert_int_equal(nnan, 1);
  ecm_stack_free(o);
  ecm_stack_free(o2);
  ecm_stack_free(s);
}

/* Fourier shift: exact for periodic band-limited frames; shifting by s then -s restores. */
static void test_apply_fourier(void **state) {
  (void)state;
  const size_t n = 64;
  canvas c;
  canvas_plans(&c, n);
  double *img = malloc(n * n * sizeof(double));
  assert_non_null(img);
  speckle_image(&c, (double)n / 8.0, 1.0, 7, img);
  canvas_set_real(&c, img);
  ecm_stack *s = NULL;
  assert_int_equal(ecm_stack_alloc(3, n, n, &s), ECM_OK);
  const double ty[3] = {0, 1.37, -2.81}, tx[3] = {0, -0.62, 3.5};
  for (size_t t = 0; t < 3; t++) {
    canvas_shifted(&c, ty[t], tx[t], img);
    for (size_t i = 0; i < n * n; i++) s->data[t * n * n + i] = (float)img[i];
  }
  double sy[3], sx[3];
  for (int t = 0; t < 3; t++) {
    sy[t] = -ty[t];
    sx[t] = -tx[t];
  }
  ecm_view v = ecm_stack_view(s);
  ecm_stack *o = NULL;
  ecm_align_box b;
  assert_int_equal(ecm_align_apply_shifts(&v, sx, sy, ECM_ALIGN_APPLY_FOURIER, NULL, &o, &b),
                   ECM_OK);
  double worst = 0;
  for (size_t t = 1; t < 3; t++)
    for (size_t y = 0; y < b.ny; y++)
      for (size_t x = 0; x < b.nx; x++) {
        double ref = s->data[(b.y0 + y) * n + b.x0 + x];
        double got = o->data[(t * b.ny + y) * b.nx + x];
        worst = fmax(worst, fabs(got - ref));
      }
  print_message("  Fourier shift of a band-limited frame: max error %.2e (mean 1)\n", worst);
  assert_true(worst < 1e-4);
  /* frame 0 has shift 0: copied exactly */
  for (size_t y = 0; y < b.ny; y++)
    for (size_t x = 0; x < b.nx; x++)
      assert_true(o->data[y * b.nx + x] == s->data[(b.y0 + y) * n + b.x0 + x]);
  ecm_stack_free(o);
  ecm_stack_free(s);
  free(img);
  canvas_free(&c);
}

/* End to end: estimate an integer drift and apply it: every aligned frame equals the
 * reference inside the crop. */
static void test_estimate_then_apply(void **state) {
  (void)state;
  double ty[NT], tx[NT];
  ecm_stack *s = make_series(NT, NPX, drift_integer, 0.0, 13, ty, tx);
  ecm_view v = ecm_stack_view(s);
  ecm_align_params p = ecm_align_default_params();
  ecm_align_result *r = NULL;
  assert_int_equal(ecm_align_estimate(&v, NULL, &p, NULL, &r), ECM_OK);
  ecm_stack *o = NULL;
  assert_int_equal(ecm_align_apply(&v, r, NULL, &o), ECM_OK);
  assert_int_equal(o->nx, r->crop.nx);
  assert_int_equal(o->ny, r->crop.ny);
  /* expected crop from the true integer drifts */
  long maxx = 0, minx = 0, maxy = 0, miny = 0;
  for (size_t t = 0; t < NT; t++) {
    maxx = (long)fmax(maxx, -tx[t]);
    minx = (long)fmin(minx, -tx[t]);
    maxy = (long)fmax(maxy, -ty[t]);
    miny = (long)fmin(miny, -ty[t]);
  }
  assert_int_equal(r->crop.x0, maxx);
  assert_int_equal(r->crop.nx, NPX + minx - maxx);
  assert_int_equal(r->crop.y0, maxy);
  assert_int_equal(r->crop.ny, NPX + miny - maxy);
  const size_t fn = o->ny * o->nx;
  for (size_t t = 1; t < NT; t++)
    for (size_t i = 0; i < fn; i++) assert_float_equal(o->data[t * fn + i], o->data[i], 1e-4);
  /* the mask helper crops an input-coordinate mask to the same box */
  ecm_mask *m = NULL, *mc = NULL;
  assert_int_equal(ecm_mask_alloc(NPX, NPX, &m), ECM_OK);
  assert_int_equal(ecm_align_crop_mask(m, &r->crop, &mc), ECM_OK);
  assert_int_equal(mc->nx, o->nx);
  assert_int_equal(mc->ny, o->ny);
  ecm_mask_free(m);
  ecm_mask_free(mc);
  /* a stack of another size */
  ecm_view w = v;
  w.nt = NT - 1;
  ecm_stack *o2 = NULL;
  assert_int_equal(ecm_align_apply(&w, r, NULL, &o2), ECM_ESIZE);
  assert_null(o2);
  ecm_stack_free(o);
  ecm_align_result_free(r);
  ecm_stack_free(s);
}

/* ---- bad frames ------------------------------------------------------------------------- */

static void test_bad_frames(void **state) {
  (void)state;
  double ty[NT], tx[NT];
  ecm_stack *s = make_series(NT, NPX, drift_subpixel, 0.1, 17, ty, tx);
  const size_t fn = NPX * NPX;
  for (size_t i = 0; i < fn; i++) {
    s->data[5 * fn + i] = NAN;                                      /* frame 5: all NaN */
    s->data[8 * fn + i] = 7.0f;                                     /* frame 8: constant */
    s->data[11 * fn + i] = i % 3 ? s->data[11 * fn + i] : INFINITY; /* frame 11: a third Inf */
  }
  for (size_t k = 0; k < 40; k++) s->data[9 * fn + k * 97] = NAN; /* frame 9: a few NaN */
  ecm_view v = ecm_stack_view(s);
  const ecm_align_ref modes[] = {ECM_ALIGN_REF_FRAME, ECM_ALIGN_REF_MEAN, ECM_ALIGN_REF_RUNNING};
  for (int m = 0; m < 3; m++) {
    ecm_align_params p = ecm_align_default_params();
    p.reference = modes[m];
    p.ref_count = 4;
    p.running_block = 4;
    ecm_align_result *r = NULL;
    assert_int_equal(ecm_align_estimate(&v, NULL, &p, NULL, &r), ECM_OK);
    assert_int_equal(r->n_bad, 2);
    assert_int_equal(r->n_weak, 0);
    assert_int_equal(r->state[5], ECM_ALIGN_BAD_FRAME);
    assert_int_equal(r->state[8], ECM_ALIGN_BAD_FRAME);
    for (int t = 5; t <= 8; t += 3) {
      assert_true(r->shift_x[t] == 0 && r->shift_y[t] == 0 && r->peak[t] == 0);
    }
    double e = max_error(r, ty, tx, 0, 0, NULL);
    print_message("  bad frames, reference %-7s: max error of the others %.4f px\n",
                  ecm_align_ref_name(p.reference), e);
    assert_true(e <= 0.1);
    assert_int_equal(r->state[9], ECM_ALIGN_OK);
    assert_int_equal(r->state[11], ECM_ALIGN_OK);
    /* applying keeps the bad frames where they are */
    ecm_stack *o = NULL;
    r->params.apply = ECM_ALIGN_APPLY_FOURIER;
    assert_int_equal(
        ecm_align_apply_shifts(&v, r->shift_x, r->shift_y, ECM_ALIGN_APPLY_FOURIER, NULL, &o, NULL),
        ECM_OK);
    assert_true(isnan(o->data[5 * o->ny * o->nx]));
    assert_true(o->data[8 * o->ny * o->nx] == 7.0f);
    ecm_stack_free(o);
    ecm_align_result_free(r);
  }
  /* the chosen reference frame unusable: a clear error; the running mean starts later */
  ecm_align_params p = ecm_align_default_params();
  ecm_align_result *r = NULL;
  p.reference = ECM_ALIGN_REF_FRAME;
  p.ref_frame = 5;
  assert_int_equal(ecm_align_estimate(&v, NULL, &p, NULL, &r), ECM_ENODATA);
  assert_non_null(strstr(ecm_errmsg(), "reference frame 5"));
  assert_null(r);
  p.ref_frame = NT;
  assert_int_equal(ecm_align_estimate(&v, NULL, &p, NULL, &r), ECM_EINVAL);
  for (size_t i = 0; i < fn; i++) s->data[i] = NAN;
  p.reference = ECM_ALIGN_REF_RUNNING;
  assert_int_equal(ecm_align_estimate(&v, NULL, &p, NULL, &r), ECM_OK);
  assert_int_equal(r->ref_first, 1);
  assert_int_equal(r->state[0], ECM_ALIGN_BAD_FRAME);
  assert_true(r->shift_x[1] == 0 && r->shift_y[1] == 0);
  ecm_align_result_free(r);
  /* nothing usable at all */
  for (size_t i = 0; i < NT * fn; i++) s->data[i] = 1.0f;
  for (int m = 0; m < 3; m++) {
    p.reference = modes[m];
    p.ref_frame = 0;
    assert_int_equal(ecm_align_estimate(&v, NULL, &p, NULL, &r), ECM_ENODATA);
    assert_null(r);
  }
  ecm_stack_free(s);
}

/* ---- threads, cancellation, memory, arguments ------------------------------------------- */

static void test_threads(void **state) {
  (void)state;
  ecm_stack *s = make_series(NT, NPX, drift_subpixel, 0.2, 23, NULL, NULL);
  ecm_view v = ecm_stack_view(s);
  const ecm_align_ref modes[] = {ECM_ALIGN_REF_FRAME, ECM_ALIGN_REF_MEAN, ECM_ALIGN_REF_RUNNING};
  ecm_mask *roi = NULL;
  assert_int_equal(ecm_mask_alloc(NPX, NPX, &roi), ECM_OK);
  for (size_t i = 0; i < NPX * NPX; i++) {
    const double y = (double)(i / NPX) - 40.0, x = (double)(i % NPX) - 50.0;
    roi->inside[i] = y * y + x * x < 900.0; /* a disk of radius 30 px */
  }
  for (int m = 0; m < 4; m++) {
    ecm_align_params p = ecm_align_default_params();
    p.reference = modes[m % 3];
    p.running_block = 5;
    const ecm_mask *mk = m == 3 ? roi : NULL; /* the ROI path: template search, moved taper */
    ecm_align_result *r1 = NULL, *r2 = NULL;
    ecm_run run = ecm_run_default();
    run.threads = 1;
    assert_int_equal(ecm_align_estimate(&v, mk, &p, &run, &r1), ECM_OK);
    run.threads = 2;
    assert_int_equal(ecm_align_estimate(&v, mk, &p, &run, &r2), ECM_OK);
    assert_memory_equal(r1->shift_x, r2->shift_x, NT * sizeof(double));
    assert_memory_equal(r1->shift_y, r2->shift_y, NT * sizeof(double));
    assert_memory_equal(r1->peak, r2->peak, NT * sizeof(double));
    assert_memory_equal(r1->state, r2->state, NT);
    for (int mode = 1; mode < 3; mode++) {
      ecm_stack *o1 = NULL, *o2 = NULL;
      run.threads = 1;
      assert_int_equal(ecm_align_apply_shifts(&v, r1->shift_x, r1->shift_y,
                                              (ecm_align_apply_mode)mode, &run, &o1, NULL),
                       ECM_OK);
      run.threads = 2;
      assert_int_equal(ecm_align_apply_shifts(&v, r1->shift_x, r1->shift_y,
                                              (ecm_align_apply_mode)mode, &run, &o2, NULL),
                       ECM_OK);
      assert_memory_equal(o1->data, o2->data, o1->nt * o1->ny * o1->nx * sizeof(float));
      ecm_stack_free(o1);
      ecm_stack_free(o2);
    }
    ecm_align_result_free(r1);
    ecm_align_result_free(r2);
  }
  ecm_mask_free(roi);
  ecm_stack_free(s);
}

typedef struct progress_log {
  int calls, cancel_at;
  double last;
  int monotonic;
} progress_log;

static int on_progress(void *user, double fraction, const char *stage) {
  progress_log *g = user;
  assert_non_null(stage);
  assert_non_null(strstr(stage, "align"));
  if (fraction < g->last) g->monotonic = 0;
  g->last = fraction;
  return ++g->calls >= g->cancel_at;
}

static void test_cancel_and_budget(void **state) {
  (void)state;
  const size_t nt = 150;
  ecm_stack *s = random_stack(nt, 32, 32, 8);
  ecm_view v = ecm_stack_view(s);
  const ecm_align_ref modes[] = {ECM_ALIGN_REF_FRAME, ECM_ALIGN_REF_MEAN, ECM_ALIGN_REF_RUNNING};
  for (int m = 0; m < 3; m++) {
    ecm_align_params p = ecm_align_default_params();
    p.reference = modes[m];
    ecm_run run = ecm_run_default();
    run.threads = 2;
    run.progress = on_progress;
    /* full run: progress from 0 to 1, monotonic */
    progress_log g = {0, 1 << 30, 0, 1};
    run.user = &g;
    ecm_align_result *r = NULL;
    assert_int_equal(ecm_align_estimate(&v, NULL, &p, &run, &r), ECM_OK);
    assert_true(g.monotonic);
    assert_float_equal(g.last, 1.0, 1e-12);
    ecm_align_result_free(r);
    r = NULL;
    for (int at = 1; at <= 3; at++) {
      progress_log c = {0, at, 0, 1};
      run.user = &c;
      assert_int_equal(ecm_align_estimate(&v, NULL, &p, &run, &r), ECM_ECANCELED);
      assert_null(r);
      assert_int_equal(c.calls, at);
    }
  }
  ecm_run run = ecm_run_default();
  run.progress = on_progress;
  const double *zero = calloc(nt, sizeof(double));
  assert_non_null(zero);
  for (int mode = 0; mode < 3; mode++) {
    for (int at = 1; at <= 2; at++) {
      progress_log c = {0, at, 0, 1};
      run.user = &c;
      ecm_stack *o = NULL;
      assert_int_equal(
          ecm_align_apply_shifts(&v, zero, zero, (ecm_align_apply_mode)mode, &run, &o, NULL),
          ECM_ECANCELED);
      assert_null(o);
    }
  }
  /* memory budget */
  ecm_run small = ecm_run_default();
  small.memory_budget = 10000;
  ecm_align_result *r = NULL;
  assert_int_equal(ecm_align_estimate(&v, NULL, NULL, &small, &r), ECM_ENOMEM);
  assert_non_null(strstr(ecm_errmsg(), "budget"));
  assert_null(r);
  ecm_stack *o = NULL;
  assert_int_equal(ecm_align_apply_shifts(&v, zero, zero, ECM_ALIGN_APPLY_WHOLE, &small, &o, NULL),
                   ECM_ENOMEM);
  assert_null(o);
  free((void *)zero);
  ecm_stack_free(s);
}

static void test_arguments(void **state) {
  (void)state;
  ecm_stack *s = random_stack(3, 16, 16, 9);
  ecm_view v = ecm_stack_view(s);
  ecm_align_result *r = NULL;
  ecm_stack *o = NULL;
  assert_int_equal(ecm_align_estimate(NULL, NULL, NULL, NULL, &r), ECM_EINVAL);
  assert_int_equal(ecm_align_estimate(&v, NULL, NULL, NULL, NULL), ECM_EINVAL);
  ecm_align_params p = ecm_align_default_params();
  p.upsample = 5000;
  assert_int_equal(ecm_align_estimate(&v, NULL, &p, NULL, &r), ECM_EINVAL);
  assert_null(r);
  ecm_view tiny;
  assert_int_equal(ecm_view_sub(&v, 0, 3, 0, 3, 0, 16, &tiny), ECM_OK);
  assert_int_equal(ecm_align_estimate(&tiny, NULL, NULL, NULL, &r), ECM_ENODATA);
  assert_int_equal(ecm_align_apply(&v, NULL, NULL, &o), ECM_EINVAL);
  assert_int_equal(ecm_align_apply_shifts(&v, NULL, NULL, ECM_ALIGN_APPLY_WHOLE, NULL, &o, NULL),
                   ECM_EINVAL);
  ecm_align_result_free(NULL);
  /* a one-frame stack aligns to itself */
  ecm_view one;
  assert_int_equal(ecm_view_sub(&v, 1, 1, 0, 16, 0, 16, &one), ECM_OK);
  assert_int_equal(ecm_align_estimate(&one, NULL, NULL, NULL, &r), ECM_OK);
  assert_true(r->shift_x[0] == 0 && r->shift_y[0] == 0);
  assert_true(r->peak[0] > 0.99);
  assert_int_equal(r->crop.nx, 16);
  ecm_align_result_free(r);
  ecm_stack_free(s);
}

/* ---- the simulator's drift -------------------------------------------------------------- */

static void test_simulated_drift(void **state) {
  (void)state;
  ecm_sim_params sp = ecm_sim_default_params();
  sp.nt = 40;
  sp.ny = sp.nx = 96;
  sp.tau_median_s = 1e6; /* nearly static speckle: a texture to track */
  sp.speckle_px = 2.5;
  sp.dose = 200;
  sp.drift_x_px = 3.3;
  sp.drift_y_px = -2.2;
  sp.drift_jitter_px = 0.15;
  sp.seed = 5;
  ecm_sim_result *sim = NULL;
  assert_int_equal(ecm_sim_darkfield(&sp, NULL, &sim), ECM_OK);
  ecm_view v = ecm_stack_view(sim->stack);
  const ecm_align_ref modes[] = {ECM_ALIGN_REF_FRAME, ECM_ALIGN_REF_RUNNING};
  for (int m = 0; m < 2; m++) {
    ecm_align_params p = ecm_align_default_params();
    p.reference = modes[m];
    ecm_align_result *r = NULL;
    assert_int_equal(ecm_align_estimate(&v, NULL, &p, NULL, &r), ECM_OK);
    assert_int_equal(r->n_weak, 0);
    double rms, e = max_error(r, sim->shift_y, sim->shift_x, 0, 0, &rms);
    print_message(
        "  simulator drift (3.3, -2.2) px + jitter, dose 200, reference %s: max error "
        "%.4f px, rms %.4f px\n",
        ecm_align_ref_name(p.reference), e, rms);
    assert_true(e <= 0.1);
    ecm_align_result_free(r);
  }
  ecm_sim_result_free(sim);
}

/* ---- weak peaks ---------------------------------------------------------------------- */

/* Largest |shift| over all frames. */
static double max_abs_shift(const ecm_align_result *r) {
  double m = 0;
  for (size_t t = 0; t < r->nt; t++) m = fmax(m, fmax(fabs(r->shift_x[t]), fabs(r->shift_y[t])));
  return m;
}

/* Weak frames keep the shift of the previous ok / at_limit frame (0 before the first). */
static void check_carry(const ecm_align_result *r) {
  double lx = 0, ly = 0;
  size_t weak = 0;
  for (size_t t = 0; t < r->nt; t++) {
    if (r->state[t] == ECM_ALIGN_WEAK_PEAK) {
      assert_true(r->shift_x[t] == lx && r->shift_y[t] == ly);
      weak++;
    } else if (r->state[t] != ECM_ALIGN_BAD_FRAME) {
      lx = r->shift_x[t];
      ly = r->shift_y[t];
    }
  }
  assert_int_equal(weak, r->n_weak);
}

/* Pure relaxing speckle (nothing static, no drift): once the speckle has decorrelated from
 * the reference there is no distinct correlation peak. Those frames must be weak_peak and
 * keep the last registered shift, instead of jumping to noise maxima (before the test:
 * shifts up to 15.75 px and a 1 x 7 px crop on this series). */
static void test_weak_pure_speckle(void **state) {
  (void)state;
  ecm_sim_params sp = ecm_sim_default_params();
  sp.nt = 400;
  sp.ny = sp.nx = 32;
  sp.seed = 1; /* as `ecm simulate darkfield -n 400 --width 32 --height 32 --seed 1` */
  ecm_sim_result *sim = NULL;
  assert_int_equal(ecm_sim_darkfield(&sp, NULL, &sim), ECM_OK);
  ecm_view v = ecm_stack_view(sim->stack);
  const ecm_align_ref modes[] = {ECM_ALIGN_REF_RUNNING, ECM_ALIGN_REF_FRAME, ECM_ALIGN_REF_MEAN};
  for (int m = 0; m < 3; m++) {
    ecm_align_params p = ecm_align_default_params();
    p.reference = modes[m];
    ecm_align_result *r = NULL;
    assert_int_equal(ecm_align_estimate(&v, NULL, &p, NULL, &r), ECM_OK);
    const double ms = max_abs_shift(r);
    print_message("  pure speckle 400 x 32 x 32, reference %-7s: %zu weak frames, largest |shift| "
                  "%.2f px, crop %zu x %zu\n",
                  ecm_align_ref_name(p.reference), r->n_weak, ms, r->crop.nx, r->crop.ny);
    assert_true(r->n_weak > sp.nt * 3 / 4);
    assert_true(ms < 1.0);
    assert_true(r->crop.nx >= 30 && r->crop.ny >= 30);
    assert_int_equal(r->n_bad, 0);
    check_carry(r);
    for (size_t t = 0; t < r->nt; t++)
      if (r->state[t] == ECM_ALIGN_WEAK_PEAK)
        assert_true(r->psr[t] < sqrt(2 * log(31.0 * 31.0)) + p.psr_margin);
    ecm_align_result_free(r);
  }
  /* the test off (psr_margin <= -10): the noise maxima are taken as shifts */
  ecm_align_params p = ecm_align_default_params();
  p.psr_margin = -10;
  ecm_align_result *r = NULL;
  assert_int_equal(ecm_align_estimate(&v, NULL, &p, NULL, &r), ECM_OK);
  print_message("  same, peak test off: largest |shift| %.2f px\n", max_abs_shift(r));
  assert_int_equal(r->n_weak, 0);
  assert_true(max_abs_shift(r) > 3);
  ecm_align_result_free(r);
  ecm_sim_result_free(sim);
}

/* Relaxing speckle with static crystals and a drift (the bundled sample's kind of data):
 * the crystals give every frame a distinct peak, so no frame is weak, and the drift is
 * recovered. */
static void test_weak_none_with_crystals(void **state) {
  (void)state;
  ecm_sim_params sp = ecm_sim_default_params();
  sp.nt = 400;
  sp.ny = sp.nx = 48;
  sp.frame_interval_s = 0.5;
  sp.tau_median_s = 10;
  sp.speckle_px = 2.5;
  sp.map_corr_px = 3;
  sp.crystal_count = 2;
  sp.dose = 200;
  sp.drift_x_px = 2;
  sp.drift_y_px = -1;
  sp.seed = 2026;
  ecm_sim_result *sim = NULL;
  assert_int_equal(ecm_sim_darkfield(&sp, NULL, &sim), ECM_OK);
  ecm_view v = ecm_stack_view(sim->stack);
  ecm_align_result *r = NULL;
  assert_int_equal(ecm_align_estimate(&v, NULL, NULL, NULL, &r), ECM_OK);
  double rms, e = max_error(r, sim->shift_y, sim->shift_x, 0, 0, &rms);
  double pmin = INFINITY;
  for (size_t t = 0; t < r->nt; t++) pmin = fmin(pmin, r->psr[t]);
  print_message("  speckle + 2 crystals, drift (2, -1) px, 400 x 48 x 48: %zu weak frames, "
                "smallest PSR %.1f (threshold %.1f), max error %.3f px, rms %.3f px\n",
                r->n_weak, pmin, sqrt(2 * log(47.0 * 47.0)) + r->params.psr_margin, e, rms);
  assert_int_equal(r->n_weak, 0);
  assert_int_equal(r->n_bad, 0);
  assert_true(e <= 0.5 && rms <= 0.2);
  ecm_align_result_free(r);
  ecm_sim_result_free(sim);
}

/* Frames replaced by unrelated content in the middle of a drifting series: weak, they keep
 * the previous frame's shift and stay out of the running reference, so the frames after
 * them register as before. */
static void test_weak_frames_in_series(void **state) {
  (void)state;
  double ty[NT], tx[NT];
  ecm_stack *s = make_series(NT, NPX, drift_subpixel, 0.1, 29, ty, tx);
  ecm_stack *other = make_series(3, NPX, drift_subpixel, 0.1, 31, NULL, NULL);
  const size_t fn = NPX * NPX;
  memcpy(s->data + 9 * fn, other->data, 3 * fn * sizeof(float)); /* frames 9..11 */
  ecm_stack_free(other);
  ecm_view v = ecm_stack_view(s);
  const ecm_align_ref modes[] = {ECM_ALIGN_REF_FRAME, ECM_ALIGN_REF_MEAN, ECM_ALIGN_REF_RUNNING};
  for (int m = 0; m < 3; m++) {
    ecm_align_params p = ecm_align_default_params();
    p.reference = modes[m];
    p.ref_count = 4;
    p.running_block = 1;
    ecm_align_result *r = NULL;
    assert_int_equal(ecm_align_estimate(&v, NULL, &p, NULL, &r), ECM_OK);
    assert_int_equal(r->n_weak, 3);
    for (size_t t = 9; t <= 11; t++) {
      assert_int_equal(r->state[t], ECM_ALIGN_WEAK_PEAK);
      assert_true(r->shift_x[t] == r->shift_x[8] && r->shift_y[t] == r->shift_y[8]);
      assert_true(r->peak[t] < 0.5);
    }
    check_carry(r);
    double e = max_error(r, ty, tx, 0, 0, NULL);
    print_message("  3 unrelated frames, reference %-7s: weak %zu, max error of the others %.4f px\n",
                  ecm_align_ref_name(p.reference), r->n_weak, e);
    assert_true(e <= 0.1);
    ecm_align_result_free(r);
  }
  ecm_stack_free(s);
}

static int teardown(void **state) {
  (void)state;
  ecm_fft_cleanup();
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_params),
      cmocka_unit_test(test_window),
      cmocka_unit_test(test_integer_drift),
      cmocka_unit_test(test_subpixel_drift),
      cmocka_unit_test(test_roi),
      cmocka_unit_test(test_max_shift),
      cmocka_unit_test(test_apply_whole),
      cmocka_unit_test(test_crop_helpers),
      cmocka_unit_test(test_apply_bilinear),
      cmocka_unit_test(test_apply_fourier),
      cmocka_unit_test(test_estimate_then_apply),
      cmocka_unit_test(test_bad_frames),
      cmocka_unit_test(test_threads),
      cmocka_unit_test(test_cancel_and_budget),
      cmocka_unit_test(test_arguments),
      cmocka_unit_test(test_simulated_drift),
      cmocka_unit_test(test_weak_pure_speckle),
      cmocka_unit_test(test_weak_none_with_crystals),
      cmocka_unit_test(test_weak_frames_in_series),
  };
  return cmocka_run_group_tests(tests, NULL, teardown);
}
