/* ecm map — tau, beta, A, chi2 and status maps of an image series, with their summary. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_input.h"
#include "ecm/io.h"
#include "ecm/relax.h"
#include "ecm/surface.h"
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
      status[4096], summary[4096], scatter[4096], depth[4096], profile[4096];
  char half_tau[2][4096], half_beta[2][4096];
  char win_tau[4096], win_beta[4096], win_A[4096], win_csv[4096];
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
  double no_decay = ecm_relax_default_params().no_decay_dchi2;
  double unresolved = ecm_relax_default_params().unresolved_frac;
  int free_baseline = 0, unweighted = 0, split = 0;
  const char *bias = "on";
  double win_s = 0, step_s = 0, surf_px = 0, surf_thr = NAN, surf_gap = 0;
  cli_opt opts[] = {
      CLI_OPT_OUTPUT(c, "PREFIX", "output prefix (required)"),
      CLI_OPT_DT(c), CLI_OPT_MASK(c), CLI_OPT_FRAMES(c),
      {"beta", 0, CLI_DOUBLE, &beta, "B", NULL, "fitted", "hold beta fixed (Nakazawa et al. use 1)", 0, 1e-3, 3},
      {"tmin", 0, CLI_DOUBLE, &tmin, "S", "s", "0", "smallest delay fitted", 0, 0, 1e300},
      {"tmax", 0, CLI_DOUBLE, &tmax, "S", "s", "half the series", "largest delay fitted", 0, 0, 1e300},
      {"free-baseline", 0, CLI_FLAG, &free_baseline, NULL, NULL, NULL, "fit the baseline B instead of fixing it at 1", 0, CLI_NO_RANGE},
      {"bias-correction", 0, CLI_STRING, &bias, "on|off", NULL, "on",
       "correct each fit for the finite-length bias of Eq. 4 (docs/map.md)", 0, CLI_NO_RANGE},
      {"unweighted", 0, CLI_FLAG, &unweighted, NULL, NULL, NULL, "fit without the per-bin standard errors", 0, CLI_NO_RANGE},
      {"ppd", 0, CLI_DOUBLE, &ppd, "N", "bins/decade", "10", "log lag bins per decade", 0, 1, 1000},
      {"no-decay-dchi2", 0, CLI_DOUBLE, &no_decay, "X", NULL, "6",
       "a pixel whose KWW fit beats a flat line by less than this chi2 is 'no-decay' (0 = off)", 0, 0, 1e9},
      {"unresolved", 0, CLI_DOUBLE, &unresolved, "X", NULL, "0.1",
       "a converged fit with tau below X times the first fitted delay is 'unresolved' (0 = off)", 0, 0, 1e9},
      {"split", 0, CLI_FLAG, &split, NULL, NULL, NULL, "also map the first and the second half and compare them", 0, CLI_NO_RANGE},
      {"window", 0, CLI_DOUBLE, &win_s, "S", "s", "off", "also map sliding windows of this length (a stack)", 0, 0, 1e12},
      {"step", 0, CLI_DOUBLE, &step_s, "S", "s", "window / 2", "step between sliding windows", 0, 0, 1e12},
      {"surface", 0, CLI_DOUBLE, &surf_px, "PX", "px", "off",
       "surface-layer analysis: the sample edge from the mean image, tau versus depth, and the regions surface (depth <= PX) and bulk", 0, 0.01, 1e6},
      {"surface-gap", 0, CLI_DOUBLE, &surf_gap, "PX", "px", "0", "guard band between the surface and bulk regions", 0, 0, 1e6},
      {"threshold", 0, CLI_DOUBLE, &surf_thr, "I", "intensity", "Otsu", "sample/vacuum threshold of the mean image", 0, -1e300, 1e300},
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
      cli_join(f.summary, sizeof f.summary, c.output, "_summary.json") ||
      cli_join(f.scatter, sizeof f.scatter, c.output, "_scatter.csv") ||
      cli_join(f.half_tau[0], sizeof f.half_tau[0], c.output, "_half1_tau.tif") ||
      cli_join(f.half_tau[1], sizeof f.half_tau[1], c.output, "_half2_tau.tif") ||
      cli_join(f.half_beta[0], sizeof f.half_beta[0], c.output, "_half1_beta.tif") ||
      cli_join(f.half_beta[1], sizeof f.half_beta[1], c.output, "_half2_beta.tif") ||
      cli_join(f.win_tau, sizeof f.win_tau, c.output, "_windows_tau.tif") ||
      cli_join(f.win_beta, sizeof f.win_beta, c.output, "_windows_beta.tif") ||
      cli_join(f.win_A, sizeof f.win_A, c.output, "_windows_A.tif") ||
      cli_join(f.win_csv, sizeof f.win_csv, c.output, "_windows.csv") ||
      cli_join(f.depth, sizeof f.depth, c.output, "_depth.tif") ||
      cli_join(f.profile, sizeof f.profile, c.output, "_surface_profile.csv"))
    return cli_usage_error("map", "output prefix too long");
  const char *all[] = {f.tau, f.beta, f.amp, f.chi2, f.tau_err, f.beta_err, f.status, f.summary,
                       f.scatter};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    if ((rc = cli_check_output("map", all[i], path, c.force))) return rc;
  const char *halves[] = {f.half_tau[0], f.half_tau[1], f.half_beta[0], f.half_beta[1]};
  for (size_t i = 0; split && i < 4; i++)
    if ((rc = cli_check_output("map", halves[i], path, c.force))) return rc;
  const char *wins[] = {f.win_tau, f.win_beta, f.win_A, f.win_csv};
  for (size_t i = 0; win_s > 0 && i < 4; i++)
    if ((rc = cli_check_output("map", wins[i], path, c.force))) return rc;
  if (step_s > 0 && !(win_s > 0)) return cli_usage_error("map", "--step needs --window");
  if (strcmp(bias, "on") && strcmp(bias, "off"))
    return cli_usage_error("map", "--bias-correction: expected on or off, got '%s'", bias);
  const char *surfs[] = {f.depth, f.profile};
  for (size_t i = 0; surf_px > 0 && i < 2; i++)
    if ((rc = cli_check_output("map", surfs[i], path, c.force))) return rc;

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
  p.no_decay_dchi2 = no_decay;
  p.unresolved_frac = unresolved;
  p.bias_correction = !strcmp(bias, "on");
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
  ecm_relax_halves *halves_r = NULL;
  ecm_relax_window_maps *wm = NULL;
  ecm_surface_geom *geom = NULL;
  ecm_surface_result *sr = NULL;
  size_t win_frames = 0, step_frames = 0;
  ecm_status st = ecm_relax_map(&v, mask, &p, &run, &m);
  cli_progress_done();
  if (st == ECM_OK) st = ecm_relax_summarize(m, mask ? mask->inside : NULL, &p, &sum);
  if (st == ECM_OK && split) {
    st = ecm_relax_split(&v, mask, &p, &run, &halves_r);
    cli_progress_done();
  }
  if (st == ECM_OK && win_s > 0) {
    double unit = m->dt;
    win_frames = (size_t)floor(win_s / unit + 0.5);
    step_frames = step_s > 0 ? (size_t)floor(step_s / unit + 0.5) : win_frames / 2;
    if (step_frames == 0) step_frames = 1;
    cli_note("map", c.quiet, "sliding windows of %zu frames every %zu frames", win_frames, step_frames);
    st = ecm_relax_windows(&v, mask, &p, win_frames, step_frames, &run, &wm);
    cli_progress_done();
  }
  if (st == ECM_OK && surf_px > 0) {
    ecm_surface_params sp = ecm_surface_default_params();
    sp.surface_width_px = surf_px;
    sp.bulk_gap_px = surf_gap;
    if (isfinite(surf_thr)) {
      sp.threshold_mode = ECM_SURFACE_THRESHOLD_VALUE;
      sp.threshold = surf_thr;
    }
    st = ecm_surface_find(&v, &sp, &run, &geom);
    cli_progress_done();
    if (st == ECM_OK)
      st = ecm_surface_analyze(geom, m->tau, m->status, ECM_RELAX_CONVERGED, m->ny, m->nx, &sp, &sr);
    if (st == ECM_ENODATA) {
      cli_note("map", c.quiet, "no surface analysis: %s", ecm_errmsg());
      st = ECM_OK;
    }
  }
  if (st != ECM_OK) {
    rc = cli_fail("map", st);
    goto done;
  }
  const char *u = strcmp(m->time_unit, "s") ? "_frames" : "_s";
  ecm__strbuf par;
  ecm__sb_init(&par);
  ecm__sb_printf(&par, "{\"frames\": %zu, \"first_frame\": %zu, \"frame_interval%s\": %.17g, "
                       "\"points_per_decade\": %g, \"weighted\": %s, \"beta_fixed\": %s, "
                       "\"beta_value\": %g, \"baseline_free\": %s, \"bias_correction\": %s, "
                       "\"no_decay_dchi2\": %g, \"unresolved_frac\": %g, "
                       "\"t_min%s\": %g, \"t_max%s\": ",
                 s->nt, first + 1, u, m->dt, ppd, p.weighted ? "true" : "false",
                 p.kww.beta_fixed ? "true" : "false", p.kww.beta_value,
                 p.kww.baseline_free ? "true" : "false", p.bias_correction ? "true" : "false",
                 p.no_decay_dchi2, p.unresolved_frac, u, tmin, u);
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
  if (halves_r) {
    for (int h = 0; h < 2 && !rc; h++) {
      const ecm_relax_maps *hm = halves_r->half[h];
      if ((rc = write_float_map(f.half_tau[h], hm->tau, hm->ny, hm->nx, &cal, prov, c.force, path)) ||
          (rc = write_float_map(f.half_beta[h], hm->beta, hm->ny, hm->nx, &cal, prov, c.force, path)))
        break;
    }
    if (rc) {
      free(prov);
      goto done;
    }
  }
  if (wm) {
    const float *planes[3] = {wm->tau, wm->beta, wm->A};
    const char *names[3] = {f.win_tau, f.win_beta, f.win_A};
    for (int i = 0; i < 3; i++) {
      ecm_view wv = ecm_relax_window_view(wm, planes[i]);
      ecm_write_opts wo = ecm_write_default_opts();
      wo.overwrite = c.force;
      wo.provenance = prov;
      wo.protect_path = path;
      st = ecm_io_write_stack(names[i], &wv, &wo, NULL, NULL);
      if (st != ECM_OK) {
        free(prov);
        rc = cli_fail("map", st);
        goto done;
      }
    }
    ecm__strbuf wc;
    ecm__sb_init(&wc);
    ecm__sb_printf(&wc, "window,t_start%s,t_center%s,tau_med%s,beta_mean,converged_fraction\n", u, u, u);
    for (size_t k = 0; k < wm->n_windows; k++) {
      ecm__sb_printf(&wc, "%zu,%.10g,%.10g,", k + 1, wm->t_start[k], wm->t_center[k]);
      ecm__sb_json_num(&wc, wm->summary[k].tau_med);
      ecm__sb_puts(&wc, ",");
      ecm__sb_json_num(&wc, wm->summary[k].beta_mean);
      ecm__sb_puts(&wc, ",");
      ecm__sb_json_num(&wc, wm->summary[k].converged_fraction);
      ecm__sb_puts(&wc, "\n");
    }
    st = wc.failed ? ECM_ENOMEM : ecm_io_write_text(f.win_csv, ecm__sb_str(&wc), wc.len, c.force);
    ecm__sb_free(&wc);
    if (st != ECM_OK) {
      free(prov);
      rc = cli_fail("map", st);
      goto done;
    }
  }
  if (geom && sr) {
    if ((rc = write_float_map(f.depth, geom->dist, geom->ny, geom->nx, &cal, prov, c.force, path))) {
      free(prov);
      goto done;
    }
    ecm__strbuf pc;
    ecm__sb_init(&pc);
    ecm__sb_printf(&pc, "depth_lo_px,depth_hi_px,depth_mean_px,n,tau_mean%s,tau_median%s,tau_sem%s,"
                        "tau_gmean%s,ln_tau_mean,ln_tau_sem\n", u, u, u, u);
    for (size_t k = 0; k < sr->nbins; k++) {
      const ecm_surface_bin *b = &sr->bins[k];
      ecm__sb_printf(&pc, "%g,%g,", b->d_lo, b->d_hi);
      ecm__sb_json_num(&pc, b->d_mean);
      ecm__sb_printf(&pc, ",%zu", b->n);
      const double vals[6] = {b->mean, b->median, b->sem, b->gmean, b->ln_mean, b->ln_sem};
      for (int i = 0; i < 6; i++) {
        ecm__sb_puts(&pc, ",");
        ecm__sb_json_num(&pc, b->n ? vals[i] : NAN);
      }
      ecm__sb_puts(&pc, "\n");
    }
    st = pc.failed ? ECM_ENOMEM : ecm_io_write_text(f.profile, ecm__sb_str(&pc), pc.len, c.force);
    ecm__sb_free(&pc);
    if (st != ECM_OK) {
      free(prov);
      rc = cli_fail("map", st);
      goto done;
    }
  }
  double r_scatter = NAN;
  {
    size_t ns = 0;
    const uint8_t *region = mask ? mask->inside : NULL;
    ecm_relax_scatter(m, region, NULL, NULL, 0, &ns, &r_scatter);
    double *ta = malloc((ns ? ns : 1) * sizeof *ta), *be = malloc((ns ? ns : 1) * sizeof *be);
    ecm__strbuf sc;
    ecm__sb_init(&sc);
    st = ta && be ? ecm_relax_scatter(m, region, ta, be, ns, &ns, NULL) : ECM_ENOMEM;
    if (st == ECM_OK) {
      ecm__sb_printf(&sc, "tau%s,beta\n", u);
      for (size_t i = 0; i < ns; i++) ecm__sb_printf(&sc, "%.8g,%.8g\n", ta[i], be[i]);
      st = sc.failed ? ECM_ENOMEM : ecm_io_write_text(f.scatter, ecm__sb_str(&sc), sc.len, c.force);
    }
    ecm__sb_free(&sc);
    free(ta);
    free(be);
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
  ecm__sb_puts(&sb, "},\n  \"scatter\": {\"pearson_lntau_beta\": ");
  ecm__sb_json_num(&sb, r_scatter);
  ecm__sb_puts(&sb, ", \"file\": ");
  ecm__sb_json_str(&sb, f.scatter);
  ecm__sb_puts(&sb, "}");
  if (halves_r) {
    const ecm_relax_compare_stats *cs = &halves_r->stats;
    ecm__sb_printf(&sb, ",\n  \"split\": {\"frames_per_half\": %zu, \"pixels_both\": %zu", halves_r->nt, cs->n_both);
    const struct { const char *k; double v; } sp[] = {
        {"pearson_lntau", cs->pearson_lntau}, {"pearson_lo", cs->pearson_lo},
        {"pearson_hi", cs->pearson_hi}, {"pearson_null_sd", cs->pearson_null_sd},
        {"spearman_tau", cs->spearman_tau}, {"pearson_beta", cs->pearson_beta},
        {"ratio_median", cs->ratio_median}, {"lnratio_sd", cs->lnratio_sd},
        {"lnratio_sd_robust", cs->lnratio_sd_robust}, {"lnratio_sd_expected", cs->lnratio_sd_expected}};
    for (size_t i = 0; i < sizeof sp / sizeof sp[0]; i++) {
      ecm__sb_printf(&sb, ", \"%s\": ", sp[i].k);
      ecm__sb_json_num(&sb, sp[i].v);
    }
    ecm__sb_printf(&sb, ", \"tau_med_half1%s\": ", u);
    ecm__sb_json_num(&sb, cs->tau_med[0]);
    ecm__sb_printf(&sb, ", \"tau_med_half2%s\": ", u);
    ecm__sb_json_num(&sb, cs->tau_med[1]);
    ecm__sb_puts(&sb, "}");
  }
  if (sr) {
    ecm__sb_printf(&sb, ",\n  \"surface\": {\"threshold\": ");
    ecm__sb_json_num(&sb, geom->threshold);
    ecm__sb_printf(&sb, ", \"sample_pixels\": %zu, \"edge_pixels\": %zu, \"surface_width_px\": %g, "
                        "\"bulk_gap_px\": %g, \"space_unit\": \"%s\"",
                   geom->n_sample, geom->n_edge, sr->surface_width_px, sr->bulk_gap_px, sr->space_unit);
    const ecm_surface_region *rg[2] = {&sr->surface, &sr->bulk};
    const char *rn[2] = {"surface_region", "bulk_region"};
    for (int i = 0; i < 2; i++) {
      ecm__sb_printf(&sb, ", \"%s\": {\"pixels\": %zu, \"used\": %zu, \"tau_med%s\": ", rn[i],
                     rg[i]->n_pixels, rg[i]->n_used, u);
      ecm__sb_json_num(&sb, rg[i]->has_lognormal ? rg[i]->lognormal.tau_med : NAN);
      ecm__sb_printf(&sb, ", \"tau_med_err%s\": ", u);
      ecm__sb_json_num(&sb, rg[i]->has_lognormal ? rg[i]->lognormal.tau_med_err : NAN);
      ecm__sb_puts(&sb, ", \"sigma\": ");
      ecm__sb_json_num(&sb, rg[i]->has_lognormal ? rg[i]->lognormal.sigma : NAN);
      ecm__sb_printf(&sb, ", \"tau_median%s\": ", u);
      ecm__sb_json_num(&sb, rg[i]->n_used ? rg[i]->tau.median : NAN);
      ecm__sb_puts(&sb, "}");
    }
    ecm__sb_puts(&sb, ", \"bulk_over_surface_tau\": ");
    ecm__sb_json_num(&sb, sr->ratio);
    ecm__sb_puts(&sb, ", \"bulk_over_surface_tau_err\": ");
    ecm__sb_json_num(&sb, sr->ratio_err);
    ecm__sb_puts(&sb, ", \"thickness_px\": ");
    ecm__sb_json_num(&sb, sr->thickness_ok ? sr->thickness_px : NAN);
    ecm__sb_puts(&sb, ", \"thickness_err_px\": ");
    ecm__sb_json_num(&sb, sr->thickness_ok ? sr->thickness_err_px : NAN);
    ecm__sb_printf(&sb, ", \"thickness_%s\": ", sr->space_unit);
    ecm__sb_json_num(&sb, sr->thickness_ok ? sr->thickness : NAN);
    ecm__sb_printf(&sb, ", \"thickness_err_%s\": ", sr->space_unit);
    ecm__sb_json_num(&sb, sr->thickness_ok ? sr->thickness_err : NAN);
    ecm__sb_printf(&sb, ", \"profile\": \"%s\", \"depth_map\": \"%s\"}", f.profile, f.depth);
  }
  if (wm)
    ecm__sb_printf(&sb, ",\n  \"windows\": {\"count\": %zu, \"length_frames\": %zu, "
                        "\"step_frames\": %zu, \"csv\": \"%s\"}",
                   wm->n_windows, wm->length, wm->step, f.win_csv);
  ecm__sb_puts(&sb, ",\n  \"files\": {");
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
      if (m->count[ECM_RELAX_UNRESOLVED])
        printf(", %zu unresolved (tau < %g x the first delay)", m->count[ECM_RELAX_UNRESOLVED],
               p.unresolved_frac);
      printf("\n");
      if (sum.has_lognormal)
        printf("tau_med %.4g %s (log-normal sigma %.3f, FWHM %.4g %s; %.1f frames), mean beta %.3f\n",
               sum.lognormal.tau_med, m->time_unit, sum.lognormal.sigma, sum.lognormal.fwhm,
               m->time_unit, sum.tau_med_frames, sum.beta.mean);
      printf("ensemble fit: tau %.4g %s, beta %.3f, A %.3f (%s)\n", sum.ens_fit.tau,
             m->time_unit, sum.ens_fit.beta, sum.ens_fit.A, ecm_kww_state_name(sum.ens_fit.state));
      printf("maps: %s_{tau,beta,A,chi2,tau_err,beta_err,status}.tif\nsummary: %s\n", c.output,
             f.summary);
      if (halves_r)
        printf("halves: Spearman %.3f, Pearson(ln tau) %.3f [%.3f, %.3f], median tau2/tau1 %.3f "
               "(%s_half{1,2}_{tau,beta}.tif)\n",
               halves_r->stats.spearman_tau, halves_r->stats.pearson_lntau,
               halves_r->stats.pearson_lo, halves_r->stats.pearson_hi,
               halves_r->stats.ratio_median, c.output);
      if (sr)
        printf("surface: tau_med %.4g %s (depth <= %g px), bulk %.4g %s; bulk/surface %.3g +- %.2g; "
               "layer thickness %.3g +- %.2g px (%s)\n",
               sr->surface.has_lognormal ? sr->surface.lognormal.tau_med : NAN, m->time_unit,
               sr->surface_width_px, sr->bulk.has_lognormal ? sr->bulk.lognormal.tau_med : NAN,
               m->time_unit, sr->ratio, sr->ratio_err, sr->thickness_ok ? sr->thickness_px : NAN,
               sr->thickness_ok ? sr->thickness_err_px : NAN, f.profile);
      if (wm) printf("windows: %zu maps in %s_windows_{tau,beta,A}.tif, summary %s\n",
                     wm->n_windows, c.output, f.win_csv);
    }
  }
done:
  ecm_surface_result_free(sr);
  ecm_surface_geom_free(geom);
  ecm_relax_halves_free(halves_r);
  ecm_relax_window_maps_free(wm);
  ecm_relax_summary_clear(&sum);
  ecm_relax_maps_free(m);
  ecm_mask_free(mask);
  ecm_stack_free(s);
  return rc;
}
