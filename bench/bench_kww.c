/* bench_kww: KWW fits per second per core on 60-point series (DESIGN.md §6 target:
 * >= 100 k fits/s per core), the lean Levenberg–Marquardt batch driver against GSL's
 * gsl_multifit_nlinear (ecm_kww_fit_reference) measured in the same run, with the ratio.
 *
 * The curves look like per-pixel g2 of a dark-field series: 60 log-spaced lags from 1 to
 * 2000 frames, tau log-normal around 37.3 frames (sigma of ln tau 0.5), beta uniform in
 * [0.5, 1], A = 0.3, Gaussian noise of sd `noise` (given as sigma). Usage:
 *   bench_kww [curves (20000)] [noise (0.01)] [gsl curves (2000)] */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ecm/kww.h"

#define NPTS 60

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* splitmix64 + Box–Muller: reproducible without other dependencies */
static uint64_t rng_state = 0x5eed;
static double uniform(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}
static double gauss(void) {
  return sqrt(-2.0 * log(uniform())) * cos(6.283185307179586 * uniform());
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  size_t m = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 20000;
  double noise = argc > 2 ? strtod(argv[2], NULL) : 0.01;
  size_t mg = argc > 3 ? (size_t)strtoull(argv[3], NULL, 10) : 2000;
  if (m == 0 || mg == 0 || mg > m || !(noise >= 0.0)) {
    fprintf(stderr, "usage: bench_kww [curves] [noise] [gsl curves <= curves]\n");
    return 2;
  }
  double t[NPTS];
  for (size_t i = 0; i < NPTS; i++) t[i] = pow(2000.0, (double)i / (NPTS - 1));
  float *y = malloc(sizeof(float) * m * NPTS), *sg = malloc(sizeof(float) * m * NPTS);
  ecm_kww_result *r1 = malloc(sizeof(ecm_kww_result) * m), *r2 = malloc(sizeof(ecm_kww_result) * m),
                 *rg = malloc(sizeof(ecm_kww_result) * mg);
  double *yd = malloc(sizeof(double) * NPTS), *sd = malloc(sizeof(double) * NPTS);
  double *dev = malloc(sizeof(double) * mg);
  if (!y || !sg || !r1 || !r2 || !rg || !yd || !sd || !dev) return 1;
  const double sig = noise > 0.0 ? noise : 1e-3; /* weights for noise-free curves */
  for (size_t c = 0; c < m; c++) {
    double tau = 37.3 * exp(0.5 * gauss()), beta = 0.5 + 0.5 * uniform();
    for (size_t i = 0; i < NPTS; i++) {
      y[c * NPTS + i] = (float)(1.0 + 0.3 * exp(-2.0 * pow(t[i] / tau, beta)) + noise * gauss());
      sg[c * NPTS + i] = (float)sig;
    }
  }
  ecm_kww_params p = ecm_kww_default_params();
  ecm_run run = ecm_run_default();

  /* lean fitter, one thread (per core), best of 3 */
  run.threads = 1;
  double best1 = 1e30;
  for (int rep = 0; rep < 3; rep++) {
    double t0 = now_s();
    if (ecm_kww_fit_batch(&p, t, NPTS, y, NPTS, sg, NPTS, NULL, m, &run, r1) != ECM_OK) {
      fprintf(stderr, "batch failed: %s\n", ecm_errmsg());
      return 1;
    }
    double dt = now_s() - t0;
    if (dt < best1) best1 = dt;
  }
  /* all threads */
  run.threads = 0;
  double t0 = now_s();
  if (ecm_kww_fit_batch(&p, t, NPTS, y, NPTS, sg, NPTS, NULL, m, &run, r2) != ECM_OK) return 1;
  double bestn = now_s() - t0;

  /* GSL reference on the first mg curves, one thread */
  t0 = now_s();
  for (size_t c = 0; c < mg; c++) {
    for (size_t i = 0; i < NPTS; i++) {
      yd[i] = y[c * NPTS + i];
      sd[i] = sg[c * NPTS + i];
    }
    if (ecm_kww_fit_reference(&p, t, yd, sd, NPTS, &rg[c]) != ECM_OK) return 1;
  }
  double dtg = now_s() - t0;

  size_t conv = 0, iters = 0, giters = 0, both = 0;
  for (size_t c = 0; c < m; c++) {
    conv += r1[c].state == ECM_KWW_CONVERGED;
    iters += r1[c].iterations;
  }
  for (size_t c = 0; c < mg; c++) {
    giters += rg[c].iterations;
    if (r1[c].state == ECM_KWW_CONVERGED && rg[c].state == ECM_KWW_CONVERGED)
      dev[both++] = fabs(r1[c].tau - rg[c].tau) / rg[c].tau;
  }
  qsort(dev, both, sizeof *dev, cmp_double);

  double lean = (double)m / best1, gsl = (double)mg / dtg;
  printf("bench_kww: %zu curves x %d points, noise %.3g\n", m, NPTS, noise);
  printf(
      "  lean LM (batch, 1 thread):  %10.0f fits/s per core  (%.2f us/fit, %.1f iterations,"
      " %.1f %% converged)\n",
      lean, 1e6 / lean, (double)iters / (double)m, 100.0 * (double)conv / (double)m);
  printf("  lean LM (batch, all threads): %8.0f fits/s\n", (double)m / bestn);
  printf("  GSL nlinear (baseline, 1 thread): %6.0f fits/s per core  (%.1f iterations)\n", gsl,
         (double)giters / (double)mg);
  printf("  ratio lean / GSL: %.1f x   target >= 100000 fits/s per core: %s\n", lean / gsl,
         lean >= 1e5 ? "met" : "NOT met");
  if (both)
    printf("  |tau_lean - tau_gsl| / tau over %zu curves: median %.2g, max %.2g\n", both,
           dev[both / 2], dev[both - 1]);
  free(y);
  free(sg);
  free(r1);
  free(r2);
  free(rg);
  free(yd);
  free(sd);
  free(dev);
  return 0;
}
