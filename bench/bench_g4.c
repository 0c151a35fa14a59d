/* bench_g4: four-point correlation g4(Δt, Δr) of a float stack in memory, both variants.
 * Usage: bench_g4 [frames height width threads n_dt max_r]
 *        (default 4000 256 256, all cores, 30 lags log-spaced in [1, frames/4], R = 8)
 * Prints the time of ecm_g4_compute for the literal and the conventional variant next to a
 * baseline measured in the same run: the straightforward direct sums (conventional: the
 * four-fold product summed over every in-ROI pair offset of rings 1..R, for every lag and
 * frame; literal: ring means by direct summation per frame, then the products per lag),
 * single-threaded, timed on the first `sub` frames and scaled linearly to the full series
 * (both costs are linear in the number of frames). Issue 4 target: <= 30 s for
 * 256 x 256 x 4000 with 30 lags. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ecm/g4.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static long ring_of(long dy, long dx) {
  return (long)floor(sqrt((double)(dy * dy + dx * dx)) + 0.5);
}

/* Direct conventional sums over frames t < nsub for every lag and ring (whole image as the
 * ROI); returns a checksum so that the work is not optimised away. */
static double naive_conv(const float *d, size_t nsub, size_t ny, size_t nx, const size_t *dts,
                         size_t ndt, long R) {
  size_t np = ny * nx;
  double acc = 0;
  for (size_t l = 0; l < ndt; l++)
    for (long dy = -R; dy <= R; dy++)
      for (long dx = -R; dx <= R; dx++) {
        long k = ring_of(dy, dx);
        if (k > R) continue;
        double s = 0;
        for (size_t t = 0; t < nsub; t++) {
          const float *a = d + t * np, *b = d + (t + dts[l]) * np;
          for (long y = dy < 0 ? -dy : 0; y < (long)ny && y + dy < (long)ny; y++)
            for (long x = dx < 0 ? -dx : 0; x < (long)nx && x + dx < (long)nx; x++) {
              size_t p = (size_t)y * nx + (size_t)x, q = (size_t)(y + dy) * nx + (size_t)(x + dx);
              s += (double)a[p] * b[p] * a[q] * b[q];
            }
        }
        acc += s;
      }
  return acc;
}

/* Direct literal, timed in two parts: ring means of nsub frames by direct summation (the
 * full computation needs them for all N frames) and the products for every lag over nsub
 * frames (the mean of frame t + dt is stood in by an already computed frame: same cost);
 * one ring at a time. */
static double naive_lit(const float *d, size_t nsub, size_t ny, size_t nx, const size_t *dts,
                        size_t ndt, long R, double *t_means, double *t_prod) {
  size_t np = ny * nx, nf = nsub;
  float *ib = malloc(nf * np * sizeof *ib);
  if (!ib) return NAN;
  double acc = 0;
  *t_means = *t_prod = 0;
  for (long k = 1; k <= R; k++) {
    double t0 = now();
    for (size_t t = 0; t < nf; t++)
      for (long y = 0; y < (long)ny; y++)
        for (long x = 0; x < (long)nx; x++) {
          double s = 0;
          long c = 0;
          for (long dy = -k; dy <= k; dy++)
            for (long dx = -k; dx <= k; dx++) {
              long yy = y + dy, xx = x + dx;
              if (yy < 0 || xx < 0 || yy >= (long)ny || xx >= (long)nx || ring_of(dy, dx) != k)
                continue;
              s += d[t * np + (size_t)yy * nx + (size_t)xx];
              c++;
            }
          ib[t * np + (size_t)y * nx + (size_t)x] = c ? (float)(s / (double)c) : 0.0f;
        }
    double t1 = now();
    for (size_t l = 0; l < ndt; l++)
      for (size_t t = 0; t < nsub; t++)
        for (size_t p = 0; p < np; p++)
          acc += (double)d[t * np + p] * d[(t + dts[l]) * np + p] * ib[t * np + p] *
                 ib[((t + dts[l]) % nsub) * np + p]; /* timing stand-in for frame t + dt */
    *t_means += t1 - t0;
    *t_prod += now() - t1;
  }
  free(ib);
  return acc;
}

int main(int argc, char **argv) {
  size_t nt = argc > 1 ? strtoul(argv[1], NULL, 10) : 4000;
  size_t ny = argc > 2 ? strtoul(argv[2], NULL, 10) : 256;
  size_t nx = argc > 3 ? strtoul(argv[3], NULL, 10) : 256;
  int threads = argc > 4 ? atoi(argv[4]) : 0;
  size_t ndt = argc > 5 ? strtoul(argv[5], NULL, 10) : 30;
  size_t R = argc > 6 ? strtoul(argv[6], NULL, 10) : 8;
  if (nt < 8 || ny < 4 || nx < 4 || ndt < 1 || R < 1 || R > ECM_G4_MAX_R) {
    fprintf(stderr, "usage: bench_g4 [frames >= 8] [height] [width] [threads] [n_dt] [max_r]\n");
    return 2;
  }
  ecm_init();
  size_t np = ny * nx;
  float *data = malloc(nt * np * sizeof *data);
  size_t *dts = malloc(ndt * sizeof *dts);
  if (!data || !dts) return 1;
  /* AR(1) per pixel in time around 1 (positive intensities) */
  uint64_t s = 12345;
  for (size_t t = 0; t < nt; t++)
    for (size_t p = 0; p < np; p++) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      float u = (float)(s >> 40) / (float)(1 << 24);
      data[t * np + p] = t ? 0.9f * data[(t - 1) * np + p] + 0.1f * (0.5f + u) : 0.5f + u;
    }
  /* ndt lags, log-spaced over [1, nt/4], made distinct */
  size_t maxlag = nt / 4 > ndt ? nt / 4 : ndt;
  for (size_t i = 0; i < ndt; i++) {
    double v = ndt > 1 ? pow((double)maxlag, (double)i / (double)(ndt - 1)) : 1.0;
    size_t d = (size_t)llround(v);
    if (i && d <= dts[i - 1]) d = dts[i - 1] + 1;
    dts[i] = d;
  }
  size_t maxdt = dts[ndt - 1];
  ecm_run run = ecm_run_default();
  run.threads = threads;
  ecm_view v = ecm_view_contiguous(data, nt, ny, nx);
  printf("bench_g4: %zu frames x %zu x %zu, %zu lags (%zu..%zu), R = %zu, threads %d\n", nt, ny, nx,
         ndt, dts[0], maxdt, R, threads);
  double tv[2];
  for (int var = 0; var < 2; var++) {
    ecm_g4_params p = ecm_g4_default_params();
    p.variant = var ? ECM_G4_CONVENTIONAL : ECM_G4_LITERAL;
    p.dt = dts;
    p.n_dt = ndt;
    p.max_r = R;
    ecm_g4_result *r = NULL;
    double t0 = now();
    if (ecm_g4_compute(&v, NULL, &p, &run, &r) != ECM_OK) {
      fprintf(stderr, "bench_g4: %s\n", ecm_errmsg());
      return 1;
    }
    tv[var] = now() - t0;
    printf("  %-12s ecm_g4_compute %.2f s (g4(dt1, 1) = %.6f)\n", ecm_g4_variant_name(p.variant),
           tv[var], r->g4[1]);
    ecm_g4_result_free(r);
  }
  /* baselines on a few frames, scaled */
  size_t sub = nt - maxdt < 4 ? nt - maxdt : 4;
  double t0 = now();
  double c1 = naive_conv(data, sub, ny, nx, dts, ndt, (long)R);
  double tc = (now() - t0) * (double)(nt - dts[0]) / (double)sub;
  /* literal: the ring means are needed for all N frames, the products for N - dt; ring
   * means timed on `sub` frames */
  double tm = 0, tp = 0;
  double c2 = naive_lit(data, sub, ny, nx, dts, ndt, (long)R, &tm, &tp);
  double tl = tm * (double)nt / (double)sub + tp * (double)(nt - dts[0]) / (double)sub;
  printf("  baseline (direct sums, 1 thread, %zu frames timed and scaled; checksums %.3g %.3g):\n",
         sub, c1, c2);
  printf("  literal      direct %.0f s   ratio %.0fx\n", tl, tl / tv[0]);
  printf("  conventional direct %.0f s   ratio %.0fx\n", tc, tc / tv[1]);
  printf("  target <= 30 s per variant: literal %s, conventional %s\n",
         tv[0] <= 30 ? "met" : "NOT met", tv[1] <= 30 ? "met" : "NOT met");
  free(data);
  free(dts);
  return 0;
}
