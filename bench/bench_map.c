/* bench_map: tau/beta maps (ecm_relax_map) of a simulated float stack already in memory.
 * Usage: bench_map [frames] [height] [width] [threads] [--no-baseline]
 *        (default 4000 256 256, 2 threads; --no-baseline: time the map only, for profiling)
 * Target (DESIGN.md §6): 4000 x 256 x 256 in <= 1.5 s on the 2-core reference machine, peak
 * memory <= 1.5x the stack. Prints the time, the peak resident memory during the map
 * relative to the stack, and a baseline measured in the same run: the straightforward
 * pipeline (per pixel, Eq. 4 by direct O(N * L) sums at every lag up to L = N/2, log bins,
 * ecm_kww_g2_sigma, GSL fitter ecm_kww_fit_reference), one thread, timed on a sample of
 * pixels and scaled to the whole image and divided by the thread count. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecm/g2.h"
#include "ecm/kww.h"
#include "ecm/relax.h"
#include "ecm/sim.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* VmHWM or VmRSS of this process, bytes (0 if unreadable). */
static double proc_kb(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  double kb = 0;
  size_t n = strlen(key);
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, key, n)) kb = atof(line + n + 1);
  fclose(f);
  return kb * 1024.0;
}

/* Reset the peak-RSS counter to the current RSS (Linux >= 4.0); 0 on success. */
static int reset_peak(void) {
  FILE *f = fopen("/proc/self/clear_refs", "w");
  if (!f) return -1;
  int rc = fputs("5", f) < 0;
  return fclose(f) || rc ? -1 : 0;
}

int main(int argc, char **argv) {
  size_t nt = argc > 1 ? strtoul(argv[1], NULL, 10) : 4000;
  size_t ny = argc > 2 ? strtoul(argv[2], NULL, 10) : 256;
  size_t nx = argc > 3 ? strtoul(argv[3], NULL, 10) : 256;
  int threads = argc > 4 ? atoi(argv[4]) : 2;
  ecm_init();
  ecm_sim_params sp = ecm_sim_default_params();
  sp.nt = nt;
  sp.ny = ny;
  sp.nx = nx;
  sp.frame_interval_s = 1.0;
  sp.tau_median_s = 10.0; /* 10 frames */
  sp.dose = 0;            /* basic mode: noiseless intensity of mean 1 */
  ecm_run run = ecm_run_default();
  run.threads = threads;
  ecm_sim_result *sim = NULL;
  double t0 = now();
  if (ecm_sim_darkfield(&sp, &run, &sim) != ECM_OK) {
    fprintf(stderr, "simulator: %s\n", ecm_errmsg());
    return 1;
  }
  double t_sim = now() - t0;
  ecm_view v = ecm_stack_view(sim->stack);
  double stack_bytes = (double)nt * (double)ny * (double)nx * sizeof(float);
  printf("stack %zu x %zu x %zu (%.0f MB), simulated in %.1f s; %d threads\n", nt, ny, nx,
         stack_bytes / 1e6, t_sim, threads);

  ecm_relax_params p = ecm_relax_default_params();
  int peak_ok = reset_peak() == 0;
  double rss0 = proc_kb("VmRSS:");
  ecm_relax_maps *m = NULL;
  t0 = now();
  if (ecm_relax_map(&v, NULL, &p, &run, &m) != ECM_OK) {
    fprintf(stderr, "map: %s\n", ecm_errmsg());
    return 1;
  }
  double t_map = now() - t0;
  double hwm = proc_kb("VmHWM:");
  size_t npix = ny * nx;
  printf("ecm_relax_map      : %8.3f s  (%.2f us/pixel/thread), converged %.1f %%\n", t_map,
         t_map * 1e6 * threads / (double)npix,
         100.0 * (double)m->count[ECM_RELAX_CONVERGED] / (double)npix);
  if (peak_ok)
    printf("peak RSS during map: %.0f MB = %.3fx the stack (RSS before: %.0f MB; target <= 1.5x)\n",
           hwm / 1e6, hwm / stack_bytes, rss0 / 1e6);
  else
    printf("peak RSS (whole process, simulator included): %.0f MB = %.3fx the stack\n", hwm / 1e6,
           hwm / stack_bytes);

  /* The same map without the finite-length bias correction (what the baseline computes). */
  ecm_relax_params p_plain = p;
  p_plain.bias_correction = 0;
  ecm_relax_maps *m_plain = NULL;
  t0 = now();
  if (ecm_relax_map(&v, NULL, &p_plain, &run, &m_plain) != ECM_OK) {
    fprintf(stderr, "map: %s\n", ecm_errmsg());
    return 1;
  }
  double t_plain = now() - t0;
  printf("ecm_relax_map, bias correction off: %8.3f s\n", t_plain);
  if (argc > 5 && !strcmp(argv[5], "--no-baseline")) {
    ecm_relax_maps_free(m_plain);
    ecm_relax_maps_free(m);
    ecm_sim_result_free(sim);
    return 0;
  }
  /* Baseline on a sample of pixels spread over the image. */
  ecm_g2_params gp = ecm_g2_default_params();
  size_t max_lag;
  ecm_g2_bins *b = NULL;
  if (ecm_g2_resolve_max_lag(&gp, nt, &max_lag) ||
      ecm_g2_bins_create(max_lag, p.points_per_decade, &b)) {
    fprintf(stderr, "%s\n", ecm_errmsg());
    return 1;
  }
  size_t sample = npix < 48 ? npix : 48;
  double *g = malloc((max_lag + 1) * sizeof *g), *gb = malloc(b->nbins * sizeof *gb),
         *sig = malloc(b->nbins * sizeof *sig), *t = malloc(b->nbins * sizeof *t);
  float *series = malloc(nt * sizeof *series);
  if (!g || !gb || !sig || !t || !series) return 1;
  for (size_t k = 0; k < b->nbins; k++) t[k] = b->lag_mean[k] * m->dt;
  size_t agree = 0, fitted = 0;
  t0 = now();
  for (size_t i = 0; i < sample; i++) {
    size_t idx = i * (npix / sample), y = idx / nx, x = idx % nx;
    for (size_t f = 0; f < nt; f++) series[f] = ecm_view_at(&v, f, y, x);
    ecm_g2_state st;
    ecm_g2_series_direct(series, 1, nt, max_lag, g, &st);
    if (st != ECM_G2_OK) continue;
    ecm_g2_bin_curve(b, g, gb);
    ecm_kww_g2_sigma(g, max_lag + 1, nt, b->edges, b->nbins, sig);
    ecm_kww_result r;
    ecm_kww_fit_reference(&p.kww, t, gb, sig, b->nbins, &r);
    if (r.state == ECM_KWW_CONVERGED && m_plain->status[idx] == ECM_RELAX_CONVERGED) {
      fitted++;
      agree += fabs(r.tau / m_plain->tau[idx] - 1) < 1e-3;
    }
  }
  double t_base = (now() - t0) * (double)npix / (double)sample / (threads > 0 ? threads : 1);
  printf("baseline (direct O(N*L) g2 + GSL fit, scaled from %zu px, / %d threads): %8.1f s\n",
         sample, threads, t_base);
  printf(
      "ratio baseline / ecm_relax_map: %.0fx   (tau of the uncorrected map agrees to 1e-3 on %zu "
      "of %zu sampled pixels)\n",
      t_base / t_map, agree, fitted);
  printf("target 1.5 s: %s\n", t_map <= 1.5 ? "met" : "NOT met");
  free(series);
  free(g);
  free(gb);
  free(sig);
  free(t);
  ecm_g2_bins_destroy(b);
  ecm_relax_maps_free(m);
  ecm_relax_maps_free(m_plain);
  ecm_sim_result_free(sim);
  return 0;
}
