/* bench_align: drift estimation and shift application on a 4000 x 256 x 256 float stack in
 * memory (the size of a dark-field ECM series), next to a baseline measured in the same run:
 * the bare FFT work of one phase-correlation pass (a forward real 2D FFT of the frame and an
 * inverse one of the cross-power spectrum, 256 x 256, float, same plans and threads). The
 * ratio (estimation time / baseline) is what travels to other machines.
 *
 * Usage: bench_align [frames] [size] [threads]   (defaults 4000 256 0 = all cores)
 * The stack: a speckle texture translated along a known drift by bilinear interpolation,
 * plus Gaussian noise; the estimate's error against the truth is printed too. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "ecm/align.h"
#include "ecm/fft.h"
#include "ecm/stack.h"
#include "fft/fft_internal.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t mix(uint64_t z) {
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

/* speckle texture m x m: |E|^2 with E band-limited to radius m / 12 (features ~6 px) */
static int make_canvas(size_t m, float *out) {
  ecm__fft_spec sp = ecm__fft_spec_2d(ECM__FFT_C2C, ECM__FFT_F64, m, m, ECM__FFT_BACKWARD);
  const ecm__fft_plan *plan = NULL;
  if (ecm__fft_plan_get(&sp, &plan) != ECM_OK) return -1;
  double *a = ecm__fft_alloc(2 * m * m * sizeof(double)),
         *b = ecm__fft_alloc(2 * m * m * sizeof(double));
  if (!a || !b) return -1;
  const double r = (double)m / 12.0;
  for (size_t ky = 0; ky < m; ky++)
    for (size_t kx = 0; kx < m; kx++) {
      double fy = ky <= m / 2 ? (double)ky : (double)ky - (double)m;
      double fx = kx <= m / 2 ? (double)kx : (double)kx - (double)m;
      double in = fy * fy + fx * fx < r * r;
      a[2 * (ky * m + kx)] = in * normal(ky * m + kx);
      a[2 * (ky * m + kx) + 1] = in * normal(ky * m + kx + m * m);
    }
  ecm__fft_exec_d(plan, a, b);
  double mean = 0;
  for (size_t i = 0; i < m * m; i++) mean += b[2 * i] * b[2 * i] + b[2 * i + 1] * b[2 * i + 1];
  mean /= (double)(m * m);
  for (size_t i = 0; i < m * m; i++)
    out[i] = (float)((b[2 * i] * b[2 * i] + b[2 * i + 1] * b[2 * i + 1]) / mean);
  ecm__fft_free(a);
  ecm__fft_free(b);
  ecm__fft_plan_release(plan);
  return 0;
}

int main(int argc, char **argv) {
  size_t nt = argc > 1 ? (size_t)atol(argv[1]) : 4000, n = argc > 2 ? (size_t)atol(argv[2]) : 256;
  int threads = argc > 3 ? atoi(argv[3]) : 0;
  if (nt < 2 || n < 16) {
    fprintf(stderr, "usage: bench_align [frames >= 2] [size >= 16] [threads]\n");
    return 2;
  }
  ecm_run run = ecm_run_default();
  run.threads = threads;
#ifdef _OPENMP
  int nth = threads > 0 ? threads : omp_get_max_threads();
#else
  int nth = 1;
#endif
  /* drift: 12 px x, -7 px y over the series, with a slow wobble */
  const size_t m = 2 * n;
  float *canvas = malloc(m * m * sizeof(float));
  double *ty = malloc(nt * sizeof(double)), *tx = malloc(nt * sizeof(double));
  ecm_stack *s = NULL;
  if (!canvas || !ty || !tx || make_canvas(m, canvas) != 0 ||
      ecm_stack_alloc(nt, n, n, &s) != ECM_OK) {
    fprintf(stderr, "bench_align: out of memory\n");
    return 1;
  }
  double t0 = now();
#ifdef _OPENMP
#pragma omp parallel for num_threads(nth) schedule(static)
#endif
  for (size_t t = 0; t < nt; t++) {
    double u = (double)t / (double)(nt - 1);
    tx[t] = 12.0 * u + 0.8 * sin(6.0 * u);
    ty[t] = -7.0 * u + 0.5 * sin(11.0 * u);
    /* frame pixel (y, x) shows the canvas at (y - ty, x - tx) (content moves by +t) */
    float *f = ecm_stack_frame(s, t);
    for (size_t y = 0; y < n; y++) {
      double Y = (double)y + (double)(n / 2) - ty[t], fy = Y - floor(Y);
      size_t iy = (size_t)floor(Y);
      for (size_t x = 0; x < n; x++) {
        double X = (double)x + (double)(n / 2) - tx[t], fx = X - floor(X);
        size_t ix = (size_t)floor(X);
        const float *c = canvas + iy * m + ix;
        double v =
            (1 - fy) * ((1 - fx) * c[0] + fx * c[1]) + fy * ((1 - fx) * c[m] + fx * c[m + 1]);
        f[y * n + x] = (float)(v + 0.3 * normal((uint64_t)t * n * n + y * n + x + 7));
      }
    }
  }
  printf("bench_align: %zu frames of %zu x %zu float (%.2f GB), %d threads; stack made in %.1f s\n",
         nt, n, n, (double)nt * n * n * 4 / 1e9, nth, now() - t0);

  /* baseline: the FFTs of one phase-correlation pass, per frame, same threads */
  ecm__fft_spec fs = ecm__fft_spec_2d(ECM__FFT_R2C, ECM__FFT_F32, n, n, ECM__FFT_FORWARD);
  ecm__fft_spec bs = ecm__fft_spec_2d(ECM__FFT_C2R, ECM__FFT_F32, n, n, ECM__FFT_BACKWARD);
  const ecm__fft_plan *fp = NULL, *bp = NULL;
  if (ecm__fft_plan_get(&fs, &fp) != ECM_OK || ecm__fft_plan_get(&bs, &bp) != ECM_OK) return 1;
  t0 = now();
#ifdef _OPENMP
#pragma omp parallel num_threads(nth)
#endif
  {
    float *re = ecm__fft_alloc(n * n * sizeof(float)),
          *sp = ecm__fft_alloc(n * (n / 2 + 1) * 2 * sizeof(float));
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
    for (size_t t = 0; t < nt; t++) {
      memcpy(re, ecm_stack_frame(s, t), n * n * sizeof(float));
      ecm__fft_exec_f(fp, re, sp);
      ecm__fft_exec_f(bp, sp, re);
    }
    ecm__fft_free(re);
    ecm__fft_free(sp);
  }
  const double base = now() - t0;
  ecm__fft_plan_release(fp);
  ecm__fft_plan_release(bp);
  printf("  baseline: 2 FFTs per frame (one correlation pass)   %7.3f s  (%6.1f frames/s)\n", base,
         (double)nt / base);

  ecm_view v = ecm_stack_view(s);
  const ecm_align_ref refs[] = {ECM_ALIGN_REF_FRAME, ECM_ALIGN_REF_RUNNING};
  ecm_align_result *keep = NULL;
  for (int k = 0; k < 2; k++) {
    ecm_align_params p = ecm_align_default_params();
    p.reference = refs[k];
    ecm_align_result *r = NULL;
    t0 = now();
    ecm_status st = ecm_align_estimate(&v, NULL, &p, &run, &r);
    double el = now() - t0;
    if (st != ECM_OK) {
      fprintf(stderr, "estimate: %s: %s\n", ecm_strerror(st), ecm_errmsg());
      return 1;
    }
    double worst = 0, ss = 0;
    for (size_t t = 0; t < nt; t++) {
      double ey = r->shift_y[t] + ty[t], ex = r->shift_x[t] + tx[t];
      worst = fmax(worst, fmax(fabs(ey), fabs(ex)));
      ss += ey * ey + ex * ex;
    }
    printf(
        "  estimate, reference %-7s (U=%u)                %7.3f s  (%6.1f frames/s)  ratio %.2f"
        "  | error max %.3f px rms %.3f px\n",
        ecm_align_ref_name(p.reference), p.upsample, el, (double)nt / el, el / base, worst,
        sqrt(ss / (2.0 * (double)nt)));
    if (k == 0)
      keep = r;
    else
      ecm_align_result_free(r);
  }
  /* whole pixels twice: the first output stack pays the page faults of fresh memory */
  const ecm_align_apply_mode modes[] = {ECM_ALIGN_APPLY_WHOLE, ECM_ALIGN_APPLY_WHOLE,
                                        ECM_ALIGN_APPLY_BILINEAR, ECM_ALIGN_APPLY_FOURIER};
  for (int k = 0; k < 4; k++) {
    ecm_stack *o = NULL;
    ecm_align_box box;
    t0 = now();
    ecm_status st =
        ecm_align_apply_shifts(&v, keep->shift_x, keep->shift_y, modes[k], &run, &o, &box);
    double el = now() - t0;
    if (st != ECM_OK) {
      fprintf(stderr, "apply: %s: %s\n", ecm_strerror(st), ecm_errmsg());
      return 1;
    }
    printf("  apply %-8s -> %zu x %zu crop at (%zu, %zu)          %7.3f s  (%6.1f frames/s)\n",
           ecm_align_apply_name(modes[k]), box.nx, box.ny, box.x0, box.y0, el, (double)nt / el);
    ecm_stack_free(o);
  }
  ecm_align_result_free(keep);
  ecm_stack_free(s);
  free(canvas);
  free(ty);
  free(tx);
  ecm_fft_cleanup();
  return 0;
}
