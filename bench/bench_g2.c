/* bench_g2: per-pixel g2 maps of a float stack in memory.
 * Usage: bench_g2 [frames] [height] [width] [threads]   (default 4000 256 256, all cores)
 * Prints the time of the direct method at the log lags and of the FFT method, next to a
 * baseline measured in the same run: the straightforward O(N * L) direct sum over every lag
 * up to L = N/2 for each pixel (timed on a sample of pixels and scaled), and the ratios. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecm/g2.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  size_t nt = argc > 1 ? strtoul(argv[1], NULL, 10) : 4000;
  size_t ny = argc > 2 ? strtoul(argv[2], NULL, 10) : 256;
  size_t nx = argc > 3 ? strtoul(argv[3], NULL, 10) : 256;
  int threads = argc > 4 ? atoi(argv[4]) : 0;
  ecm_init();
  size_t npix = ny * nx, n = nt * npix;
  float *data = malloc(n * sizeof *data);
  if (!data) return 1;
  uint64_t s = 12345;
  for (size_t i = 0; i < n; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    data[i] = 1.0f + (float)(s >> 40) / (float)(1 << 24);
  }
  ecm_view v = ecm_view_contiguous(data, nt, ny, nx);
  ecm_g2_params p = ecm_g2_default_params();
  ecm_g2_bins *b = NULL;
  size_t max_lag;
  if (ecm_g2_resolve_max_lag(&p, nt, &max_lag) || ecm_g2_bins_create(max_lag, 10, &b)) {
    fprintf(stderr, "%s\n", ecm_errmsg());
    return 1;
  }
  float *out = malloc(npix * b->nbins * sizeof *out);
  ecm_run run = ecm_run_default();
  run.threads = threads;
  printf("stack %zu x %zu x %zu (%.0f MB), %zu log bins up to lag %zu\n", nt, ny, nx,
         (double)n * 4 / 1e6, b->nbins, max_lag);

  p.method = ECM_G2_DIRECT;
  double t0 = now();
  ecm_g2_map(&v, NULL, &p, b, &run, out, NULL);
  double t_direct = now() - t0;
  p.method = ECM_G2_FFT;
  t0 = now();
  ecm_g2_map(&v, NULL, &p, b, &run, out, NULL);
  double t_fft = now() - t0;

  /* Baseline: every lag 1..L by direct sums, one pixel at a time, on a sample of pixels. */
  size_t sample = npix < 64 ? npix : 64;
  double *g = malloc((max_lag + 1) * sizeof *g);
  t0 = now();
  for (size_t i = 0; i < sample; i++) {
    ecm_g2_state st;
    ecm_g2_series_direct(data + i * (npix / sample), npix, nt, max_lag, g, &st);
  }
  double t_base = (now() - t0) * (double)npix / (double)sample;
  printf("direct at log lags : %8.3f s\n", t_direct);
  printf("FFT, all lags      : %8.3f s\n", t_fft);
  printf("baseline (O(N*L) direct, every lag, 1 thread, scaled from %zu px): %8.1f s\n", sample,
         t_base);
  printf("ratio baseline/direct-log %.0fx, baseline/FFT %.0fx\n", t_base / t_direct,
         t_base / t_fft);
  free(g);
  free(out);
  free(data);
  ecm_g2_bins_destroy(b);
  return 0;
}
