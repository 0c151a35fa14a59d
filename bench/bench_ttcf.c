/* bench_ttcf: two-time correlation of a float stack in memory.
 * Usage: bench_ttcf [frames] [pixels] [threads] [repeats]   (default 4000 1000, all cores, 5)
 * Prints the time of ecm_ttcf_compute (packing and centring, the SYRK, mirroring and + 1)
 * next to a baseline measured in the same run: OpenBLAS's bare cblas_ssyrk of the same
 * N x K single-precision matrix with the same thread count (best of `repeats` each), and the
 * ratio (DESIGN.md §6 target: <= 2). Also the time of the analysis (g(t), fit, band). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ecm/ttcf.h"
#include "stack/run_internal.h"
#include "ttcf/ttcf_internal.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  size_t nt = argc > 1 ? strtoul(argv[1], NULL, 10) : 4000;
  size_t k = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
  int threads = argc > 3 ? atoi(argv[3]) : 0;
  int reps = argc > 4 ? atoi(argv[4]) : 5;
  if (nt < 3 || k < 2 || reps < 1) {
    fprintf(stderr, "usage: bench_ttcf [frames >= 3] [pixels >= 2] [threads] [repeats]\n");
    return 2;
  }
  ecm_init();
  float *data = malloc(nt * k * sizeof *data), *G = malloc(nt * nt * sizeof *G);
  float *C = malloc(nt * nt * sizeof *C);
  if (!data || !G || !C) return 1;
  uint64_t s = 12345;
  for (size_t i = 0; i < nt * k; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    data[i] = 1.0f + (float)(s >> 40) / (float)(1 << 24);
  }
  ecm_run run = ecm_run_default();
  run.threads = threads;
  int nthr = ecm__run_threads(&run);
  /* the K pixels as one row of an image: the stack is N x 1 x K */
  ecm_view v = ecm_view_contiguous(data, nt, 1, k);
  ecm_ttcf_params p = ecm_ttcf_default_params();
  double best_t = 1e30, best_b = 1e30;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    ecm__ttcf_ssyrk(data, nt, k, 1.0f, C, nthr);
    double t1 = now();
    if (ecm_ttcf_compute(&v, NULL, &p, &run, G, nt * nt, NULL) != ECM_OK) {
      fprintf(stderr, "bench_ttcf: %s\n", ecm_errmsg());
      return 1;
    }
    double t2 = now();
    if (t1 - t0 < best_b) best_b = t1 - t0;
    if (t2 - t1 < best_t) best_t = t2 - t1;
  }
  ecm_ttcf_analysis *a = NULL;
  double t3 = now();
  if (ecm_ttcf_analysis_create(G, nt, 0.5, &p, NULL, &a) != ECM_OK) {
    fprintf(stderr, "bench_ttcf: %s\n", ecm_errmsg());
    return 1;
  }
  double t4 = now();
  double flops = (double)nt * (double)nt * (double)k; /* N(N+1)K multiply-adds ~ N^2 K flops */
  printf("bench_ttcf: %zu frames x %zu pixels, %d threads, best of %d; BLAS: %s\n", nt, k, nthr,
         reps, ecm__ttcf_blas_config());
  printf("  baseline OpenBLAS ssyrk %zu x %zu: %8.4f s  (%.1f GFLOP/s)\n", nt, k, best_b,
         flops / best_b / 1e9);
  printf("  ecm_ttcf_compute          : %8.4f s\n", best_t);
  printf("  ratio ttcf / ssyrk        : %8.2f   (target <= 2)\n", best_t / best_b);
  printf("  analysis (g, fit, band)   : %8.4f s\n", t4 - t3);
  ecm_ttcf_analysis_destroy(a);
  free(data);
  free(G);
  free(C);
  return 0;
}
