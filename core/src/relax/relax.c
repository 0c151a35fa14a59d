/* Relaxation maps: g2 -> KWW per pixel, and their summary. See ecm/relax.h. */
#include "ecm/relax.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "g2/g2_internal.h"
#include "stack/run_internal.h"
#include "status/status_internal.h"

const char *ecm_relax_status_name(ecm_relax_status s) {
  static const char *const names[ECM_RELAX_NSTATUS] = {
      "converged", "max-iter", "singular", "bad-input", "masked",
      "no-decay",  "dark",     "constant", "non-finite"};
  return (unsigned)s < ECM_RELAX_NSTATUS ? names[s] : "unknown";
}

ecm_relax_params ecm_relax_default_params(void) {
  ecm_relax_params p;
  memset(&p, 0, sizeof p);
  p.points_per_decade = 10;
  p.max_lag = 0;
  p.weighted = 1;
  p.kww = ecm_kww_default_params();
  return p;
}

void ecm_relax_maps_free(ecm_relax_maps *m) {
  if (!m) return;
  free(m->tau);
  free(m->beta);
  free(m->A);
  free(m->chi2);
  free(m->tau_err);
  free(m->beta_err);
  free(m->A_err);
  free(m->status);
  free(m->g2);
  free(m->t);
  free(m->edges);
  free(m);
}

static ecm_relax_status from_g2_state(ecm_g2_state s) {
  switch (s) {
    case ECM_G2_ZERO: return ECM_RELAX_DARK;
    case ECM_G2_CONSTANT: return ECM_RELAX_CONSTANT;
    case ECM_G2_NONFINITE: return ECM_RELAX_NONFINITE;
    case ECM_G2_MASKED: return ECM_RELAX_MASKED;
    default: return ECM_RELAX_CONVERGED;
  }
}

typedef struct thread_scratch {
  ecm__g2_fft_scratch fft;
  float *series;
  double *lags, *g2b, *sig;
} thread_scratch;

static void scratch_free(thread_scratch *s) {
  ecm__g2_fft_scratch_free(&s->fft);
  free(s->series);
  free(s->lags);
  free(s->g2b);
  free(s->sig);
}

static void one_pixel(const ecm_view *v, const ecm_mask *mask, const ecm_relax_params *p,
                      const ecm_g2_bins *bins, ecm_relax_maps *m, thread_scratch *s, size_t y,
                      size_t x) {
  size_t idx = y * v->nx + x, nb = bins->nbins, n = v->nt;
  float *g2row = m->g2 + idx * nb;
  ecm_relax_status status;
  ecm_kww_result r;
  memset(&r, 0, sizeof r);
  if (mask && !mask->inside[idx]) {
    status = ECM_RELAX_MASKED;
  } else {
    for (size_t i = 0; i < n; i++) s->series[i] = ecm_view_at(v, i, y, x);
    ecm_g2_state gs = ecm__g2_fft_lags(&s->fft, s->series, 1, n, bins->max_lag, s->lags);
    status = from_g2_state(gs);
    if (gs == ECM_G2_OK) {
      ecm_g2_bin_curve(bins, s->lags, s->g2b);
      const double *sig = NULL;
      if (p->weighted &&
          ecm_kww_g2_sigma(s->lags, bins->max_lag + 1, n, bins->edges, nb, s->sig) == ECM_OK)
        sig = s->sig;
      if (ecm_kww_fit(&p->kww, m->t, s->g2b, sig, nb, &r) == ECM_OK)
        status = (ecm_relax_status)r.state;
      else
        status = ECM_RELAX_BAD_FIT_INPUT;
      for (size_t k = 0; k < nb; k++) g2row[k] = (float)s->g2b[k];
    }
  }
  if (status != ECM_RELAX_CONVERGED && !(status <= ECM_RELAX_BAD_FIT_INPUT || status == ECM_RELAX_NO_DECAY))
    for (size_t k = 0; k < nb; k++) g2row[k] = NAN;
  int ok = status == ECM_RELAX_CONVERGED;
  m->status[idx] = (uint8_t)status;
  m->tau[idx] = ok || status == ECM_RELAX_NO_DECAY ? (float)r.tau : NAN;
  m->beta[idx] = ok ? (float)r.beta : NAN;
  m->A[idx] = ok ? (float)r.A : NAN;
  m->chi2[idx] = ok ? (float)r.chi2_red : NAN;
  m->tau_err[idx] = ok ? (float)r.tau_err_scaled : NAN;
  m->beta_err[idx] = ok ? (float)r.beta_err_scaled : NAN;
  m->A_err[idx] = ok ? (float)r.A_err_scaled : NAN;
}

static ecm_status alloc_maps(size_t ny, size_t nx, size_t nt, const ecm_g2_bins *bins,
                             ecm_relax_maps **out) {
  size_t npix, cells;
  ECM__TRY(ecm_size_mul(ny, nx, &npix));
  ECM__TRY(ecm_size_mul(npix, bins->nbins, &cells));
  ecm_relax_maps *m = calloc(1, sizeof *m);
  if (!m) return ecm__status_set(ECM_ENOMEM, "cannot allocate maps");
  m->ny = ny;
  m->nx = nx;
  m->nt = nt;
  m->nbins = bins->nbins;
  float **fm[] = {&m->tau, &m->beta, &m->A, &m->chi2, &m->tau_err, &m->beta_err, &m->A_err};
  int fail = 0;
  for (size_t i = 0; i < sizeof fm / sizeof fm[0]; i++) fail |= !(*fm[i] = malloc(npix * sizeof(float)));
  fail |= !(m->status = malloc(npix));
  fail |= !(m->g2 = malloc(cells * sizeof(float)));
  fail |= !(m->t = malloc(bins->nbins * sizeof(double)));
  fail |= !(m->edges = malloc((bins->nbins + 1) * sizeof(size_t)));
  if (fail) {
    ecm_relax_maps_free(m);
    return ecm__status_set(ECM_ENOMEM, "cannot allocate maps of %zu x %zu pixels", nx, ny);
  }
  *out = m;
  return ECM_OK;
}

ecm_status ecm_relax_map(const ecm_view *stack, const ecm_mask *mask,
                         const ecm_relax_params *p, const ecm_run *run, ecm_relax_maps **out) {
  if (!stack || !p || !out) return ecm__status_set(ECM_EINVAL, "ecm_relax_map: NULL argument");
  *out = NULL;
  size_t n = stack->nt, ny = stack->ny, nx = stack->nx;
  ECM__TRY(ecm_kww_check_params(&p->kww));
  ECM__TRY(ecm_mask_check(mask, ny, nx));
  ecm_g2_params gp = ecm_g2_default_params();
  gp.max_lag = p->max_lag;
  size_t max_lag;
  ECM__TRY(ecm_g2_resolve_max_lag(&gp, n, &max_lag));
  ecm_g2_bins *bins = NULL;
  ECM__TRY(ecm_g2_bins_create(max_lag, p->points_per_decade, &bins));

  int threads = ecm__run_threads(run);
  size_t len, npix = ny * nx;
  ecm_status rc = ecm__fft_good_size_even(n + max_lag, &len);
  if (rc == ECM_OK) {
    double bytes = (double)threads * ((double)len * 3 * 4 + (double)(2 * n + max_lag) * 8) +
                   (double)npix * (7 * 4 + 1 + 4 * (double)bins->nbins);
    if (bytes > (double)SIZE_MAX) rc = ecm__status_set(ECM_EOVERFLOW, "maps too large");
    else rc = ecm__run_reserve(run, (size_t)bytes, "relaxation maps");
  }
  ecm_relax_maps *m = NULL;
  if (rc == ECM_OK) rc = alloc_maps(ny, nx, n, bins, &m);
  if (rc != ECM_OK) {
    ecm_g2_bins_destroy(bins);
    return rc;
  }
  double dt = ecm_calib_dt_seconds(&stack->calib);
  m->calib = stack->calib;
  m->dt = dt > 0 ? dt : 1.0;
  strcpy(m->time_unit, dt > 0 ? "s" : "frame");
  for (size_t k = 0; k < bins->nbins; k++) m->t[k] = bins->lag_mean[k] * m->dt;
  memcpy(m->edges, bins->edges, (bins->nbins + 1) * sizeof(size_t));

  size_t done = 0;
  int cancel = 0, failed = 0;
#pragma omp parallel num_threads(threads)
  {
    thread_scratch s;
    memset(&s, 0, sizeof s);
    int ok = ecm__g2_fft_scratch_init(&s.fft, n, max_lag) == ECM_OK;
    s.series = malloc(n * sizeof *s.series);
    s.lags = malloc((max_lag + 1) * sizeof *s.lags);
    s.g2b = malloc(bins->nbins * sizeof *s.g2b);
    s.sig = malloc(bins->nbins * sizeof *s.sig);
    ok = ok && s.series && s.lags && s.g2b && s.sig;
    if (!ok) {
#pragma omp atomic write
      failed = 1;
    }
#pragma omp barrier
    if (!failed) {
#pragma omp for schedule(dynamic, 1)
      for (size_t y = 0; y < ny; y++) {
        int stop;
#pragma omp atomic read
        stop = cancel;
        if (stop) continue;
        for (size_t x = 0; x < nx; x++) one_pixel(stack, mask, p, bins, m, &s, y, x);
        size_t now;
#pragma omp atomic capture
        now = ++done;
#ifdef _OPENMP
        if (omp_get_thread_num() == 0)
#endif
        {
          if (ecm__run_report(run, (double)now / (double)ny, "map") != ECM_OK) {
#pragma omp atomic write
            cancel = 1;
          }
        }
      }
    }
    scratch_free(&s);
  }
  ecm_g2_bins_destroy(bins);
  if (failed || cancel) {
    ecm_relax_maps_free(m);
    return failed ? ecm__status_set(ECM_ENOMEM, "map: cannot allocate per-thread scratch")
                  : ecm__status_set(ECM_ECANCELED, "map cancelled");
  }
  for (size_t i = 0; i < npix; i++) m->count[m->status[i]]++;
  *out = m;
  return ecm__run_report(run, 1.0, "map");
}

void ecm_relax_summary_clear(ecm_relax_summary *s) {
  if (!s) return;
  free(s->ens_g2);
  free(s->ens_sem);
  memset(s, 0, sizeof *s);
}

ecm_status ecm_relax_summarize(const ecm_relax_maps *m, const uint8_t *region,
                               const ecm_relax_params *p, ecm_relax_summary *out) {
  if (!m || !p || !out) return ecm__status_set(ECM_EINVAL, "ecm_relax_summarize: NULL argument");
  memset(out, 0, sizeof *out);
  size_t npix = m->ny * m->nx, nb = m->nbins;
  double *tau = malloc(npix * sizeof *tau), *beta = malloc(npix * sizeof *beta),
         *amp = malloc(npix * sizeof *amp);
  out->ens_g2 = calloc(nb, sizeof *out->ens_g2);
  out->ens_sem = calloc(nb, sizeof *out->ens_sem);
  if (!tau || !beta || !amp || !out->ens_g2 || !out->ens_sem) {
    free(tau);
    free(beta);
    free(amp);
    ecm_relax_summary_clear(out);
    return ecm__status_set(ECM_ENOMEM, "summary: cannot allocate %zu values", npix);
  }
  size_t nc = 0;
  for (size_t i = 0; i < npix; i++) {
    if (region && !region[i]) continue;
    if (m->status[i] == ECM_RELAX_MASKED) continue;
    out->n_pixels++;
    if (m->status[i] != ECM_RELAX_CONVERGED) continue;
    tau[nc] = m->tau[i];
    beta[nc] = m->beta[i];
    amp[nc] = m->A[i];
    nc++;
  }
  out->n_converged = nc;
  out->converged_fraction = out->n_pixels ? (double)nc / (double)out->n_pixels : NAN;
  ecm_status rc = ECM_OK;
  if (nc) {
    ecm_stats_summary(tau, nc, &out->tau);
    ecm_stats_summary(beta, nc, &out->beta);
    ecm_stats_summary(amp, nc, &out->A);
    out->has_lognormal = ecm_stats_lognormal_fit(tau, nc, &out->lognormal) == ECM_OK;
  }
  /* Ensemble: every pixel of the region with a g2, whether or not its own fit converged. */
  size_t ng = 0;
  for (size_t k = 0; k < nb; k++) {
    double s = 0, s2 = 0;
    size_t c = 0;
    for (size_t i = 0; i < npix; i++) {
      if (region && !region[i]) continue;
      double v = m->g2[i * nb + k];
      if (m->status[i] >= ECM_RELAX_DARK || m->status[i] == ECM_RELAX_MASKED || !isfinite(v)) continue;
      s += v;
      s2 += v * v;
      c++;
    }
    out->ens_g2[k] = c ? s / (double)c : NAN;
    out->ens_sem[k] = c > 1 ? sqrt(fmax(0, (s2 - s * s / (double)c) / (double)(c - 1)) / (double)c) : NAN;
    if (c > ng) ng = c;
  }
  if (ng > 1) {
    rc = ecm_kww_fit(&p->kww, m->t, out->ens_g2, out->ens_sem, nb, &out->ens_fit);
  } else {
    memset(&out->ens_fit, 0, sizeof out->ens_fit);
    out->ens_fit.state = ECM_KWW_BAD_INPUT;
  }
  double tau_med = out->has_lognormal ? out->lognormal.tau_med : nc ? out->tau.median : NAN;
  out->series_over_tau = (double)m->nt * m->dt / tau_med;
  out->dt_over_tau = m->dt / tau_med;
  out->tau_med_frames = tau_med / m->dt;
  free(tau);
  free(beta);
  free(amp);
  if (rc != ECM_OK) ecm_relax_summary_clear(out);
  return rc;
}
