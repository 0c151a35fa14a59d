/* ecm map — tau, beta, A, chi2 and status maps of an image series, with their summary. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_input.h"
#include "ecm/io.h"
#include "ecm/relax.h"
#include "util/strbuf.h"

static int run_map(int argc, char **argv);

const cli_command cli_cmd_map = {
    "map", "relaxation-time (tau) and stretching (beta) maps with their statistics",
    "ecm map STACK.tif -o PREFIX [--dt S] [--mask M.tif] [--beta B] [--frames A:B] [options]",
    "For every pixel: g2 at every lag up to half the series (Zhang et al. 2018, Eq. 4) by\n"
    "FFT, averaged in log bins, standard errors per bin, and a weighted KWW fit\n"
    "g2 = 1 + A exp[-2 (t/tau)^beta]. Writes PREFIX_tau.tif (s), PREFIX_beta.tif, PREFIX_A.tif,\n"
    "PREFIX_chi2.tif, PREFIX_tau_err.tif (s), PREFIX_beta_err.tif (32-bit, calibrated, NaN\n"
    "where the fit failed), PREFIX_status.tif (8-bit codes, see docs/map.md) and\n"
    "PREFIX_summary.json (statistics inside the mask, the log-normal fit of tau, histograms,\n"
    "the ensemble g2 and its fit, the sampling check and every parameter).",
    run_map};

typedef struct map_files {
  char tau[4096], beta[4096], amp[4096], chi2[4096], tau_err[4096], beta_err[4096],
      status[4096], summary[4096];
} map_files;

static int write_float_map(const char *path, const float *data, size_t ny, size_t nx,
                           const ecm_calib *cal, const char *prov, int force, const char *input) {
  ecm_view v = ecm_view_contiguous(data, 1, ny, nx);
  v.calib = *cal;
  ecm_write_opts wo = ecm_write_default_opts();
  wo.overwrite = force;
  wo.provenance = prov;
  wo.protect_path = input;
  ecm_status st = ecm_io_write_stack(path, &v, &wo, NULL, NULL);
  return st == ECM_OK ? 0 : cli_fail("map", st);
}

static void json_summary_stats(ecm__strbuf *sb, const char *name, const ecm_summary *s,
                               const char *unit) {
  ecm__sb_printf(sb, "\"%s\": {\"n\": %zu", name, s->n);
  const struct { const char *k; double v; } f[] = {{"mean", s->mean}, {"sd", s->sd},
                                                   {"median", s->median}, {"q25", s->q25},
                                                   {"q75", s->q75}, {"min", s->min},
                                                   {"max", s->max}};
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
    ecm__sb_printf(sb, ", \"%s%s\": ", f[i].k, unit);
    ecm__sb_json_num(sb, s->n ? f[i].v : NAN);
  }
  ecm__sb_puts(sb, "}");
}

static void json_array(ecm__strbuf *sb, const char *key, const double *v, size_t n) {
  ecm__sb_printf(sb, "\"%s\": [", key);
  for (size_t i = 0; i < n; i++) {
    if (i) ecm__sb_puts(sb, ", ");
    ecm__sb_json_num(sb, v[i]);
  }
  ecm__sb_puts(sb, "]");
}

static void json_fit(ecm__strbuf *sb, const ecm_kww_result *r, const char *u) {
  ecm__sb_printf(sb, "{\"state\": \"%s\", \"A\": ", ecm_kww_state_name(r->state));
  ecm__sb_json_num(sb, r->A);
  ecm__sb_printf(sb, ", \"tau%s\": ", u);
  ecm__sb_json_num(sb, r->tau);
  ecm__sb_puts(sb, ", \"beta\": ");
  ecm__sb_json_num(sb, r->beta);
  ecm__sb_puts(sb, ", \"B\": ");
  ecm__sb_json_num(sb, r->B);
  ecm__sb_puts(sb, ", \"A_err\": ");
  ecm__sb_json_num(sb, r->A_err);
  ecm__sb_printf(sb, ", \"tau_err%s\": ", u);
  ecm__sb_json_num(sb, r->tau_err);
  ecm__sb_puts(sb, ", \"beta_err\": ");
  ecm__sb_json_num(sb, r->beta_err);
  ecm__sb_puts(sb, ", \"chi2_red\": ");
  ecm__sb_json_num(sb, r->chi2_red);
  ecm__sb_puts(sb, "}");
}

static void json_histogram(ecm__strbuf *sb, const char *key, const float *map,
                           const uint8_t *status, size_t npix, int log_bins) {
  double *v = malloc(npix * sizeof *v);
  if (!v) return;
  size_t n = 0;
  for (size_t i = 0; i < npix; i++)
    if (status[i] == ECM_RELAX_CONVERGED && isfinite(map[i])) v[n++] = map[i];
  ecm_summary s;
  if (n < 2 || ecm_stats_summary(v, n, &s) != ECM_OK || !(s.max > s.min)) {
    free(v);
    return;
  }
  size_t nb = 30, counts[30], outside;
  double edges[31];
  double lo = s.min, hi = s.max;
  if (log_bins && !(lo > 0)) {
    free(v);
    return;
  }
  if (ecm_stats_histogram(v, n, lo, hi, nb, log_bins, edges, counts, &outside) == ECM_OK) {
    ecm__sb_printf(sb, ", \"%s\": {\"log_bins\": %s, ", key, log_bins ? "true" : "false");
    json_array(sb, "edges", edges, nb + 1);
    ecm__sb_puts(sb, ", \"counts\": [");
    for (size_t i = 0; i < nb; i++) ecm__sb_printf(sb, "%s%zu", i ? ", " : "", counts[i]);
    ecm__sb_puts(sb, "]}");
  }
  free(v);
}

static int run_map(int argc, char **argv) {
  cli_common c = {0};
  double beta = 0, tmin = 0, tmax = INFINITY, ppd = 10, min_series = 20, max_dt = 0.1;
  int free_baseline = 0, unweighted = 0;
  cli_opt opts[] = {
      CLI_OPT_OUTPUT(c, "PREFIX", "output prefix (required)"),
      CLI_OPT_DT(c), CLI_OPT_MASK(c), CLI_OPT_FRAMES(c),
      {"beta", 0, CLI_DOUBLE, &beta, "B", NULL, "fitted", "hold beta fixed (Nakazawa et al. use 1)", 0, 1e-3, 3},
      {"tmin", 0, CLI_DOUBLE, &tmin, "S", "s", "0", "smallest delay fitted", 0, 0, 1e300},
      {"tmax", 0, CLI_DOUBLE, &tmax, "S", "s", "half the series", "largest delay fitted", 0, 0, 1e300},
      {"free-baseline", 0, CLI_FLAG, &free_baseline, NULL, NULL, NULL, "fit the baseline B instead of fixing it at 1", 0, CLI_NO_RANGE},
      {"unweighted", 0, CLI_FLAG, &unweighted, NULL, NULL, NULL, "fit without the per-bin standard errors", 0, CLI_NO_RANGE},
      {"ppd", 0, CLI_DOUBLE, &ppd, "N", "bins/decade", "10", "log lag bins per decade", 0, 1, 1000},
      {"min-series", 0, CLI_DOUBLE, &min_series, "X", "tau_med", "20", "warn when the series is shorter than X tau_med", 0, 0, 1e9},
      {"max-dt", 0, CLI_DOUBLE, &max_dt, "X", "tau_med", "0.1", "warn when the frame interval exceeds X tau_med", 0, 0, 1e9},
      CLI_OPT_THREADS(c), CLI_OPT_FORCE(c), CLI_OPT_JSON(c), CLI_OPT_QUIET(c), CLI_OPT_END};
  const char *pos[1];
  int npos;
  int rc = cli_parse(&cli_cmd_map, opts, argc, argv, pos, 1, &npos);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  if (npos != 1) return cli_usage_error("map", "expected one stack (usage: %s)", cli_cmd_map.usage);
  if (!c.output) return cli_usage_error("map", "give an output prefix with -o PREFIX");
  const char *path = pos[0];
  map_files f;
  if (cli_join(f.tau, sizeof f.tau, c.output, "_tau.tif") ||
      cli_join(f.beta, sizeof f.beta, c.output, "_beta.tif") ||
      cli_join(f.amp, sizeof f.amp, c.output, "_A.tif") ||
      cli_join(f.chi2, sizeof f.chi2, c.output, "_chi2.tif") ||
      cli_join(f.tau_err, sizeof f.tau_err, c.output, "_tau_err.tif") ||
      cli_join(f.beta_err, sizeof f.beta_err, c.output, "_beta_err.tif") ||
      cli_join(f.status, sizeof f.status, c.output, "_status.tif") ||
      cli_join(f.summary, sizeof f.summary, c.output, "_summary.json"))
    return cli_usage_error("map", "output prefix too long");
  const char *all[] = {f.tau, f.beta, f.amp, f.chi2, f.tau_err, f.beta_err, f.status, f.summary};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    if ((rc = cli_check_output("map", all[i], path, c.force))) return rc;

  ecm_run run = cli_run_options(&c, "map");
  ecm_stack *s = NULL;
  ecm_tiff_info info;
  size_t first = 0;
  if ((rc = cli_load_stack("map", path, &c, &run, &s, &info, &first))) return rc;
  ecm_mask *mask = NULL;
  if (c.mask && (rc = cli_load_mask("map", c.mask, s->ny, s->nx, &mask))) {
    ecm_stack_free(s);
    return rc;
  }
  ecm_relax_params p = ecm_relax_default_params();
  p.points_per_decade = ppd;
  p.weighted = !unweighted;
  p.kww.t_min = tmin;
  p.kww.t_max = tmax;
  p.kww.baseline_free = free_baseline;
  for (cli_opt *o = opts; o->name; o++)
    if (!strcmp(o->name, "beta") && o->given) {
      p.kww.beta_fixed = 1;
      p.kww.beta_value = beta;
    }
  ecm_view v = ecm_stack_view(s);
  ecm_relax_maps *m = NULL;
  ecm_relax_summary sum;
  memset(&sum, 0, sizeof sum);
  ecm_status st = ecm_relax_map(&v, mask, &p, &run, &m);
  cli_progress_done();
  if (st == ECM_OK) st = ecm_relax_summarize(m, mask ? mask->inside : NULL, &p, &sum);
  if (st != ECM_OK) {
    rc = cli_fail("map", st);
    goto done;
  }
  const char *u = strcmp(m->time_unit, "s") ? "_frames" : "_s";
  ecm__strbuf par;
  ecm__sb_init(&par);
  ecm__sb_printf(&par, "{\"frames\": %zu, \"first_frame\": %zu, \"frame_interval%s\": %.17g, "
                       "\"points_per_decade\": %g, \"weighted\": %s, \"beta_fixed\": %s, "
                       "\"beta_value\": %g, \"baseline_free\": %s, \"t_min%s\": %g, \"t_max%s\": ",
                 s->nt, first + 1, u, m->dt, ppd, p.weighted ? "true" : "false",
                 p.kww.beta_fixed ? "true" : "false", p.kww.beta_value,
                 p.kww.baseline_free ? "true" : "false", u, tmin, u);
  ecm__sb_json_num(&par, tmax);
  ecm__sb_puts(&par, ", \"mask\": ");
  if (c.mask) ecm__sb_json_str(&par, c.mask);
  else ecm__sb_puts(&par, "null");
  ecm__sb_puts(&par, "}");
  char *prov = cli_provenance("map", path, ecm__sb_str(&par));
  ecm__sb_free(&par);
  if (!prov) {
    rc = CLI_EXIT_FAIL;
    goto done;
  }
  ecm_calib cal = m->calib;
  if ((rc = write_float_map(f.tau, m->tau, m->ny, m->nx, &cal, prov, c.force, path)) ||
      (rc = write_float_map(f.beta, m->beta, m->ny, m->nx, &cal, prov, c.force, path)) ||
      (rc = write_float_map(f.amp, m->A, m->ny, m->nx, &cal, prov, c.force, path)) ||
      (rc = write_float_map(f.chi2, m->chi2, m->ny, m->nx, &cal, prov, c.force, path)) ||
      (rc = write_float_map(f.tau_err, m->tau_err, m->ny, m->nx, &cal, prov, c.force, path)) ||
      (rc = write_float_map(f.beta_err, m->beta_err, m->ny, m->nx, &cal, prov, c.force, path))) {
    free(prov);
    goto done;
  }
  {
    size_t npix = m->ny * m->nx;
    float *sf = malloc(npix * sizeof *sf);
    if (!sf) {
      free(prov);
      rc = cli_usage_error("map", "out of memory");
      goto done;
    }
    for (size_t i = 0; i < npix; i++) sf[i] = m->status[i];
    ecm_view sv = ecm_view_contiguous(sf, 1, m->ny, m->nx);
    sv.calib = cal;
    ecm_write_opts wo = ecm_write_default_opts();
    wo.pixel_type = ECM_PIXEL_U8;
    wo.overwrite = c.force;
    wo.provenance = prov;
    wo.protect_path = path;
    wo.display_min = 0;
    wo.display_max = ECM_RELAX_NSTATUS - 1;
    st = ecm_io_write_stack(f.status, &sv, &wo, NULL, NULL);
    free(sf);
    if (st != ECM_OK) {
      free(prov);
      rc = cli_fail("map", st);
      goto done;
    }
  }
  /* Summary JSON. */
  ecm__strbuf sb;
  ecm__sb_init(&sb);
  ecm__sb_printf(&sb, "{\n  \"schema\": \"ecm.map/1\",\n  \"provenance\": %s,\n  \"time_unit\": \"%s\",\n",
                 prov, m->time_unit);
  free(prov);
  ecm__sb_printf(&sb, "  \"pixels\": %zu, \"converged\": %zu, \"converged_fraction\": ",
                 sum.n_pixels, sum.n_converged);
  ecm__sb_json_num(&sb, sum.converged_fraction);
  ecm__sb_puts(&sb, ",\n  \"status_counts\": {");
  for (int k = 0; k < ECM_RELAX_NSTATUS; k++)
    ecm__sb_printf(&sb, "%s\"%s\": %zu", k ? ", " : "", ecm_relax_status_name((ecm_relax_status)k),
                   m->count[k]);
  ecm__sb_puts(&sb, "},\n  ");
  char tu[16];
  snprintf(tu, sizeof tu, "%s", u);
  json_summary_stats(&sb, "tau", &sum.tau, tu);
  ecm__sb_puts(&sb, ",\n  ");
  json_summary_stats(&sb, "beta", &sum.beta, "");
  ecm__sb_puts(&sb, ",\n  ");
  json_summary_stats(&sb, "A", &sum.A, "");
  ecm__sb_printf(&sb, ",\n  \"lognormal\": {\"n\": %zu, \"tau_med%s\": ", sum.lognormal.n, u);
  ecm__sb_json_num(&sb, sum.has_lognormal ? sum.lognormal.tau_med : NAN);
  ecm__sb_printf(&sb, ", \"tau_med_err%s\": ", u);
  ecm__sb_json_num(&sb, sum.has_lognormal ? sum.lognormal.tau_med_err : NAN);
  ecm__sb_puts(&sb, ", \"sigma\": ");
  ecm__sb_json_num(&sb, sum.has_lognormal ? sum.lognormal.sigma : NAN);
  ecm__sb_puts(&sb, ", \"sigma_err\": ");
  ecm__sb_json_num(&sb, sum.has_lognormal ? sum.lognormal.sigma_err : NAN);
  ecm__sb_printf(&sb, ", \"mode%s\": ", u);
  ecm__sb_json_num(&sb, sum.has_lognormal ? sum.lognormal.mode : NAN);
  ecm__sb_printf(&sb, ", \"fwhm%s\": ", u);
  ecm__sb_json_num(&sb, sum.has_lognormal ? sum.lognormal.fwhm : NAN);
  ecm__sb_puts(&sb, "}");
  json_histogram(&sb, "tau_histogram", m->tau, m->status, m->ny * m->nx, 1);
  json_histogram(&sb, "beta_histogram", m->beta, m->status, m->ny * m->nx, 0);
  ecm__sb_puts(&sb, ",\n  \"sampling\": {\"series_over_tau_med\": ");
  ecm__sb_json_num(&sb, sum.series_over_tau);
  ecm__sb_puts(&sb, ", \"frame_interval_over_tau_med\": ");
  ecm__sb_json_num(&sb, sum.dt_over_tau);
  ecm__sb_puts(&sb, ", \"tau_med_frames\": ");
  ecm__sb_json_num(&sb, sum.tau_med_frames);
  int short_series = sum.series_over_tau < min_series, slow_frames = sum.dt_over_tau > max_dt;
  ecm__sb_printf(&sb, ", \"min_series_over_tau\": %g, \"max_frame_interval_over_tau\": %g, "
                      "\"series_too_short\": %s, \"frames_too_slow\": %s}",
                 min_series, max_dt, short_series ? "true" : "false", slow_frames ? "true" : "false");
  ecm__sb_puts(&sb, ",\n  \"ensemble\": {");
  json_array(&sb, strcmp(u, "_s") ? "t_frames" : "t_s", m->t, m->nbins);
  ecm__sb_puts(&sb, ", ");
  json_array(&sb, "g2", sum.ens_g2, m->nbins);
  ecm__sb_puts(&sb, ", ");
  json_array(&sb, "sem", sum.ens_sem, m->nbins);
  ecm__sb_puts(&sb, ", \"fit\": ");
  json_fit(&sb, &sum.ens_fit, u);
  ecm__sb_puts(&sb, "},\n  \"files\": {");
  const char *keys[] = {"tau", "beta", "A", "chi2", "tau_err", "beta_err", "status"};
  for (size_t i = 0; i < 7; i++) {
    ecm__sb_printf(&sb, "%s\"%s\": ", i ? ", " : "", keys[i]);
    ecm__sb_json_str(&sb, all[i]);
  }
  ecm__sb_puts(&sb, "}\n}\n");
  if (sb.failed) {
    rc = cli_usage_error("map", "out of memory");
  } else {
    st = ecm_io_write_text(f.summary, ecm__sb_str(&sb), sb.len, c.force);
    if (st != ECM_OK) rc = cli_fail("map", st);
    else if (c.json) fputs(ecm__sb_str(&sb), stdout);
  }
  ecm__sb_free(&sb);
  if (!rc) {
    if (short_series)
      cli_note("map", c.quiet, "warning: the series is only %.1f tau_med long (fewer than %g): "
               "tau is underestimated and its spread overestimated", sum.series_over_tau, min_series);
    if (slow_frames)
      cli_note("map", c.quiet, "warning: the frame interval is %.2f tau_med (more than %g): the "
               "fastest relaxations are not sampled", sum.dt_over_tau, max_dt);
    if (!c.json && !c.quiet) {
      printf("%zu pixels, %zu converged (%.1f%%)", sum.n_pixels, sum.n_converged,
             100.0 * sum.converged_fraction);
      if (m->count[ECM_RELAX_NO_DECAY]) printf(", %zu never decorrelate", m->count[ECM_RELAX_NO_DECAY]);
      printf("\n");
      if (sum.has_lognormal)
        printf("tau_med %.4g %s (log-normal sigma %.3f, FWHM %.4g %s; %.1f frames), mean beta %.3f\n",
               sum.lognormal.tau_med, m->time_unit, sum.lognormal.sigma, sum.lognormal.fwhm,
               m->time_unit, sum.tau_med_frames, sum.beta.mean);
      printf("ensemble fit: tau %.4g %s, beta %.3f, A %.3f (%s)\n", sum.ens_fit.tau,
             m->time_unit, sum.ens_fit.beta, sum.ens_fit.A, ecm_kww_state_name(sum.ens_fit.state));
      printf("maps: %s_{tau,beta,A,chi2,tau_err,beta_err,status}.tif\nsummary: %s\n", c.output,
             f.summary);
    }
  }
done:
  ecm_relax_summary_clear(&sum);
  ecm_relax_maps_free(m);
  ecm_mask_free(mask);
  ecm_stack_free(s);
  return rc;
}
