/* bench_sim — speed of the dark-field simulator against a naive baseline measured in the
 * same run, and the table of expected dynamic correlation lengths.
 *
 *   bench_sim [--frames N] [--size S] [--threads T] [--baseline-pixels P] [--modes]
 *             [--xi-table]
 *
 * Default workload: 4000 frames of 256 x 256 px in basic mode (film, log-normal tau map
 * with sigma 0.5 and beta uniform in [0.5, 1] on correlated maps: a new spectrum for every
 * pixel; no domains, blur, drift or counting noise). The baseline is the textbook version
 * of the same synthesis, single-threaded: c_k by pow/exp, eigenvalues by GSL's mixed-radix
 * complex FFT of the full circulant row, GSL Mersenne-Twister Gaussians, GSL's inverse FFT;
 * it runs on P pixels and is scaled to the full image. The ratio baseline / ecm is what
 * carries over to other machines. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_fft_complex.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "ecm/fft.h"
#include "ecm/sim.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The naive synthesis of `npix` pixels (tau in frames, beta), N frames, into out (N each). */
static double baseline(size_t N, size_t L, size_t npix, const double *tau, const double *beta,
                       double A, float *out) {
  double t0 = now_s();
  gsl_fft_complex_wavetable *wt = gsl_fft_complex_wavetable_alloc(L);
  gsl_fft_complex_workspace *ws = gsl_fft_complex_workspace_alloc(L);
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  double *row = malloc(2 * L * sizeof *row), *z = malloc(2 * L * sizeof *z);
  if (!wt || !ws || !rng || !row || !z) {
    fprintf(stderr, "bench_sim: baseline allocation failed\n");
    exit(1);
  }
  double b = 1 / sqrt(A) - 1;
  for (size_t px = 0; px < npix; px++) {
    for (size_t k = 0; k < L; k++) {
      double lag = (double)(k < L - k ? k : L - k);
      row[2 * k] = exp(-pow(lag / tau[px], beta[px]));
      row[2 * k + 1] = 0;
    }
    gsl_fft_complex_forward(row, 1, L, wt, ws); /* eigenvalues of the circulant */
    for (size_t j = 0; j < L; j++) {
      double lam = row[2 * j] > 0 ? row[2 * j] : 0;
      double a = sqrt(lam / (double)L) / sqrt(2.0);
      z[2 * j] = a * gsl_ran_gaussian(rng, 1.0);
      z[2 * j + 1] = a * gsl_ran_gaussian(rng, 1.0);
    }
    gsl_fft_complex_backward(z, 1, L, wt, ws);
    for (size_t t = 0; t < N; t++)
      out[px * N + t] = (float)((z[2 * t] * z[2 * t] + z[2 * t + 1] * z[2 * t + 1] + b) / (1 + b));
  }
  free(row);
  free(z);
  gsl_rng_free(rng);
  gsl_fft_complex_wavetable_free(wt);
  gsl_fft_complex_workspace_free(ws);
  return now_s() - t0;
}

static ecm_sim_result *run_sim(const ecm_sim_params *p, int threads, double *secs) {
  ecm_run run = ecm_run_default();
  run.threads = threads;
  ecm_sim_result *r = NULL;
  double t0 = now_s();
  ecm_status st = ecm_sim_darkfield(p, &run, &r);
  *secs = now_s() - t0;
  if (st != ECM_OK) {
    fprintf(stderr, "bench_sim: %s: %s\n", ecm_strerror(st), ecm_errmsg());
    exit(1);
  }
  return r;
}

static void xi_table(int threads) {
  printf("\nxi_expected_px vs domain_size_px (256 x 256 px, xi_fit_max_px auto = 3 d):\n");
  printf("%10s %8s %14s %10s %10s\n", "domain_px", "seed", "xi_expected_px", "xi / d", "R_px");
  const double sizes[] = {2, 4, 8, 16, 32};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    double sum = 0;
    for (unsigned seed = 1; seed <= 3; seed++) {
      ecm_sim_params p = ecm_sim_default_params();
      p.nt = 2;
      p.ny = p.nx = 256;
      p.domain_size_px = sizes[i];
      p.seed = seed;
      double secs;
      ecm_sim_result *r = run_sim(&p, threads, &secs);
      printf("%10.0f %8u %14.3f %10.3f %10.3f\n", sizes[i], seed, r->xi_expected_px,
             r->xi_expected_px / sizes[i], r->xi_expected_px / 2);
      sum += r->xi_expected_px;
      ecm_sim_result_free(r);
    }
    printf("%10.0f %8s %14.3f %10.3f\n", sizes[i], "mean", sum / 3, sum / 3 / sizes[i]);
  }
}

int main(int argc, char **argv) {
  size_t nt = 4000, size = 256, bpix = 256;
  int threads = 0, modes = 0, xi = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--frames") && i + 1 < argc)
      nt = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--size") && i + 1 < argc)
      size = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--baseline-pixels") && i + 1 < argc)
      bpix = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--modes"))
      modes = 1;
    else if (!strcmp(argv[i], "--xi-table"))
      xi = 1;
    else {
      fprintf(stderr,
              "usage: bench_sim [--frames N] [--size S] [--threads T] [--baseline-pixels P] "
              "[--modes] [--xi-table]\n");
      return 2;
    }
  }
  ecm_init();
  ecm_sim_params p = ecm_sim_default_params();
  p.nt = nt;
  p.ny = p.nx = size;
  double secs;
  ecm_sim_result *r = run_sim(&p, threads, &secs);
  size_t L = r->embed_len, npix = size * size;
  printf(
      "ecm_sim_darkfield, basic mode: %zu frames x %zu x %zu px (L = %zu), threads %d "
      "(0 = all cores)\n",
      nt, size, size, L, threads);
  printf("  ecm:      %8.2f s  (%.1f us per pixel, %.1f Mpixel-frames/s)\n", secs,
         1e6 * secs / (double)npix, (double)(nt * npix) / secs / 1e6);

  /* the baseline on bpix pixels with the truth maps' tau and beta */
  if (bpix > npix) bpix = npix;
  double *tau = malloc(bpix * sizeof *tau), *beta = malloc(bpix * sizeof *beta);
  float *out = malloc(bpix * nt * sizeof *out);
  if (!tau || !beta || !out) return 1;
  for (size_t i = 0; i < bpix; i++) {
    size_t k = i * (npix / bpix);
    tau[i] = r->tau_s->data[k] / p.frame_interval_s;
    beta[i] = r->beta->data[k];
  }
  ecm_sim_result_free(r);
  double tb = baseline(nt, L, bpix, tau, beta, p.contrast, out);
  double scaled = tb * (double)npix / (double)bpix;
  printf(
      "  baseline: %8.2f s  (naive single-threaded GSL version: %.2f s for %zu pixels, "
      "scaled to %zu)\n",
      scaled, tb, bpix, npix);
  printf("  ratio baseline / ecm: %.1f\n", scaled / secs);
  double m = 0;
  for (size_t i = 0; i < bpix * nt; i++) m += out[i];
  printf("  (baseline mean intensity %.4f, expected 1)\n", m / (double)(bpix * nt));
  free(tau);
  free(beta);
  free(out);

  if (modes) {
    size_t mt = nt, ms = size / 2;
    printf("\nother modes, %zu frames x %zu x %zu px:\n", mt, ms, ms);
    const char *names[] = {"basic",    "domains d=8", "speckle FWHM 2", "drift 5 px + jitter",
                           "dose 100", "all of them"};
    for (int k = 0; k < 6; k++) {
      ecm_sim_params q = ecm_sim_default_params();
      q.nt = mt;
      q.ny = q.nx = ms;
      if (k == 1 || k == 5) q.domain_size_px = 8;
      if (k == 2 || k == 5) q.speckle_px = 2;
      if (k == 3 || k == 5) q.drift_x_px = 5, q.drift_jitter_px = 0.1;
      if (k == 4 || k == 5) q.dose = 100;
      ecm_sim_result *s = run_sim(&q, threads, &secs);
      printf("  %-22s %8.2f s\n", names[k], secs);
      ecm_sim_result_free(s);
    }
  }
  if (xi) xi_table(threads);
  ecm_fft_cleanup();
  return 0;
}
