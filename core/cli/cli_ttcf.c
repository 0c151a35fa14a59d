/* ecm ttcf — two-time correlation G(t1, t2) of a region (Huang & Voyles Eq. 5; Nakazawa et
 * al. Eq. 1), the one-time g(t) from it with its KWW fit, and the band width versus age with
 * a stationarity verdict. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_input.h"
#include "ecm/io.h"
#include "ecm/ttcf.h"
#include "util/strbuf.h"

static int run_ttcf(int argc, char **argv);

const cli_command cli_cmd_ttcf = {
    "ttcf", "two-time correlation G(t1,t2) of a region, one-time g(t), band width vs age",
    "ecm ttcf STACK.tif -o PREFIX [--mask M.tif] [--bin-time N] [--block PX] [options]",
    "Computes G(t1,t2) = <I(t1)I(t2)>_k / (<I(t1)>_k <I(t2)>_k) over the pixels k of the mask\n"
    "(or the whole image) as one OpenBLAS SYRK. A single pixel's G is identically 1, so a set\n"
    "needs at least 2 pixels. --block PX averages the G of every PX x PX block instead (the\n"
    "Fig. 7b average of Huang & Voyles). --normalize-pixels divides each pixel by its time mean\n"
    "first (static contrast between pixels otherwise raises the baseline). The diagonal\n"
    "G(t,t), spiked by counting noise, is left out of g(t), the fit and the band unless\n"
    "--include-diagonal. Writes PREFIX_ttcf.tif (N x N 32-bit; both axes are time: pixel size =\n"
    "frame interval, unit s), PREFIX_g.csv (t_s,g,sem), PREFIX_band.csv (age_s,tau_band_s,err:\n"
    "the lag where G-1 along the anti-diagonals falls to 1/e^2 of the KWW contrast A, equal to\n"
    "tau for a stationary KWW decay) and PREFIX_ttcf.json (fit, verdict, provenance). An\n"
    "uncalibrated stack runs in frames (columns t_frames, age_frames, tau_band_frames).",
    run_ttcf};

static int write_all(const char *cmd, const char *path, const char *text, size_t len, int force) {
  ecm_status st = ecm_io_write_text(path, text, len, force);
  return st == ECM_OK ? 0 : cli_fail(cmd, st);
}

static void json_num_key(ecm__strbuf *sb, const char *key, double v) {
  ecm__sb_printf(sb, ", \"%s\": ", key);
  ecm__sb_json_num(sb, v);
}

static int run_ttcf(int argc, char **argv) {
  cli_common c = {0};
  size_t bin = 1, block = 0, window = 0;
  int normalize = 0, diagonal = 0;
  double ppd = 10, factor = 1.25;
  cli_opt opts[] = {
      CLI_OPT_OUTPUT(c, "PREFIX", "output prefix: PREFIX_ttcf.tif, _g.csv, _band.csv, _ttcf.json"),
      CLI_OPT_MASK(c),
      {"bin-time", 0, CLI_SIZE, &bin, "N", "frames", "1", "sum N frames into one time bin", 0, 1,
       1e7},
      {"block", 0, CLI_SIZE, &block, "PX", "px", "one set",
       "average the G of every PX x PX block (PX >= 2)", 0, 2, 1e6},
      {"normalize-pixels", 0, CLI_FLAG, &normalize, NULL, NULL, NULL,
       "divide each pixel by its time mean first (removes static contrast)", 0, CLI_NO_RANGE},
      {"include-diagonal", 0, CLI_FLAG, &diagonal, NULL, NULL, NULL,
       "use G(t,t) in g(t) and as the band reference (off: it holds counting noise)", 0,
       CLI_NO_RANGE},
      {"ppd", 0, CLI_DOUBLE, &ppd, "N", "bins/decade", "10", "log lag bins per decade of g(t)", 0,
       1, 1000},
      {"band-window", 0, CLI_SIZE, &window, "N", "frames", "max(8, N/16)",
       "age window of the band width", 0, 1, 1e9},
      {"change-factor", 0, CLI_DOUBLE, &factor, "F", NULL, "1.25",
       "verdict: stationary when the fitted band change over the series is below F", 0, 1.000001,
       1e6},
      CLI_OPT_DT(c),
      CLI_OPT_FRAMES(c),
      CLI_OPT_THREADS(c),
      CLI_OPT_FORCE(c),
      CLI_OPT_QUIET(c),
      CLI_OPT_END};
  const char *pos[1];
  int npos;
  int rc = cli_parse(&cli_cmd_ttcf, opts, argc, argv, pos, 1, &npos);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  if (npos != 1)
    return cli_usage_error("ttcf", "expected one stack (usage: %s)", cli_cmd_ttcf.usage);
  if (!c.output) return cli_usage_error("ttcf", "-o PREFIX is required");
  const char *path = pos[0];
  char f_tif[4096], f_g[4096], f_band[4096], f_json[4096];
  if (cli_join(f_tif, sizeof f_tif, c.output, "_ttcf.tif") ||
      cli_join(f_g, sizeof f_g, c.output, "_g.csv") ||
      cli_join(f_band, sizeof f_band, c.output, "_band.csv") ||
      cli_join(f_json, sizeof f_json, c.output, "_ttcf.json"))
    return cli_usage_error("ttcf", "output prefix too long");
  const char *outs[4] = {f_tif, f_g, f_band, f_json};
  for (int i = 0; i < 4; i++)
    if ((rc = cli_check_output("ttcf", outs[i], path, c.force))) return rc;

  ecm_ttcf_params p = ecm_ttcf_default_params();
  p.bin_time = bin;
  p.block_px = block;
  p.normalize_pixels = normalize;
  p.include_diagonal = diagonal;
  p.points_per_decade = ppd;
  p.band_window = window;
  p.change_factor = factor;

  ecm_run run = cli_run_options(&c, "ttcf");
  ecm_stack *s = NULL;
  ecm_mask *mask = NULL;
  ecm_tiff_info tinfo;
  size_t first = 0, n = 0, bytes = 0;
  float *G = NULL;
  ecm_ttcf_analysis *a = NULL;
  char *prov = NULL;
  ecm__strbuf sb, par;
  ecm__sb_init(&sb);
  ecm__sb_init(&par);
  if ((rc = cli_load_stack("ttcf", path, &c, &run, &s, &tinfo, &first))) return rc;
  if (c.mask && (rc = cli_load_mask("ttcf", c.mask, s->ny, s->nx, &mask))) goto done;
  ecm_view v = ecm_stack_view(s);
  ecm_status st = ecm_ttcf_size(&v, &p, &n, &bytes);
  if (st == ECM_OK && n < 3) {
    float dummy = 0; /* too few frames: let the library word the error */
    st = ecm_ttcf_compute(&v, mask, &p, &run, &dummy, 1, NULL);
  }
  if (st != ECM_OK) {
    rc = cli_fail("ttcf", st);
    goto done;
  }
  cli_note("ttcf", c.quiet, "G is %zu x %zu (%.1f MB)", n, n, (double)n * n * 4 / 1e6);
  G = malloc(n * n * sizeof *G);
  if (!G) {
    rc = cli_usage_error("ttcf", "out of memory for a %zu x %zu TTCF", n, n);
    goto done;
  }
  ecm_ttcf_info info;
  st = ecm_ttcf_compute(&v, mask, &p, &run, G, n * n, &info);
  if (st == ECM_OK) st = ecm_ttcf_analysis_create(G, n, info.dt_s, &p, &run, &a);
  cli_progress_done();
  if (st != ECM_OK) {
    rc = cli_fail("ttcf", st);
    goto done;
  }
  int cal = info.dt_s > 0;
  const char *tu = cal ? "s" : "frames";
  if (block)
    cli_note("ttcf", c.quiet, "mean of %zu blocks of %zu x %zu px (%zu pixels; %zu blocks skipped)",
             info.sets, block, block, info.pixels, info.sets_skipped);
  else
    cli_note("ttcf", c.quiet, "%zu pixels%s%s", info.pixels, mask ? " inside the mask" : "",
             info.pixels_dropped ? " (some dark pixels left out)" : "");
  if (info.empty_cells)
    cli_note("ttcf", c.quiet, "%zu (set, frame) pairs had no light and were left out",
             info.empty_cells);

  /* Parameters and provenance. */
  ecm__sb_printf(&par, "{\"frames\": %zu, \"first_frame\": %zu, \"bin_time_frames\": %zu", s->nt,
                 first + 1, bin);
  json_num_key(&par, "frame_interval_s", cal ? info.dt_s / (double)bin : NAN);
  ecm__sb_printf(&par, ", \"block_px\": %zu, \"normalize_pixels\": %s, \"include_diagonal\": %s",
                 block, normalize ? "true" : "false", diagonal ? "true" : "false");
  ecm__sb_printf(&par,
                 ", \"points_per_decade\": %g, \"band_window_frames\": %zu, "
                 "\"band_level\": %.17g, \"change_factor\": %g",
                 ppd, a->band_window, p.band_level, factor);
  if (c.mask) {
    ecm__sb_puts(&par, ", \"mask\": ");
    ecm__sb_json_str(&par, c.mask);
  }
  ecm__sb_puts(&par, "}");
  if (par.failed || !(prov = cli_provenance("ttcf", path, ecm__sb_str(&par)))) {
    rc = par.failed ? cli_usage_error("ttcf", "out of memory") : CLI_EXIT_FAIL;
    goto done;
  }

  /* PREFIX_ttcf.tif: both axes time, one pixel = one (binned) frame interval. */
  {
    ecm_view gv = ecm_view_contiguous(G, 1, n, n);
    ecm_calib_init(&gv.calib);
    if (cal) {
      gv.calib.pixel_width = gv.calib.pixel_height = info.dt_s;
      snprintf(gv.calib.space_unit, sizeof gv.calib.space_unit, "s");
    }
    ecm_write_opts wo = ecm_write_default_opts();
    wo.overwrite = c.force;
    wo.provenance = prov;
    wo.protect_path = path;
    st = ecm_io_write_stack(f_tif, &gv, &wo, NULL, NULL);
    if (st != ECM_OK) {
      rc = cli_fail("ttcf", st);
      goto done;
    }
  }
  /* PREFIX_g.csv */
  ecm__sb_printf(&sb, "t_%s,g,sem\n", tu);
  for (size_t k = 0; k < a->n_g; k++)
    ecm__sb_printf(&sb, "%.10g,%.10g,%.6g\n", a->g_t[k], a->g[k], a->g_sem[k]);
  if (sb.failed) {
    rc = cli_usage_error("ttcf", "out of memory");
    goto done;
  }
  if ((rc = write_all("ttcf", f_g, ecm__sb_str(&sb), sb.len, c.force))) goto done;
  ecm__sb_free(&sb);
  ecm__sb_init(&sb);
  /* PREFIX_band.csv */
  ecm__sb_printf(&sb, "age_%s,tau_band_%s,err\n", tu, tu);
  for (size_t k = 0; k < a->n_band; k++)
    ecm__sb_printf(&sb, "%.10g,%.10g,%.6g\n", a->band_age[k], a->band_tau[k], a->band_err[k]);
  if (sb.failed) {
    rc = cli_usage_error("ttcf", "out of memory");
    goto done;
  }
  if ((rc = write_all("ttcf", f_band, ecm__sb_str(&sb), sb.len, c.force))) goto done;
  ecm__sb_free(&sb);
  ecm__sb_init(&sb);
  /* PREFIX_ttcf.json */
  static const char *ref_names[] = {"kww_A", "lag1", "diagonal"};
  const ecm_kww_result *f = &a->fit;
  ecm__sb_printf(&sb, "{\"schema\": \"ecm.ttcf/1\", \"provenance\": %s", prov);
  ecm__sb_printf(&sb,
                 ", \"time_unit\": \"%s\", \"n\": %zu, \"pixels\": %zu, \"sets\": %zu, "
                 "\"sets_skipped\": %zu, \"pixels_dropped\": %zu, \"empty_cells\": %zu",
                 tu, n, info.pixels, info.sets, info.sets_skipped, info.pixels_dropped,
                 info.empty_cells);
  ecm__sb_printf(&sb, ", \"fit\": {\"state\": \"%s\"", ecm_kww_state_name(f->state));
  const char *suf = cal ? "_s" : "_frames";
  char key[64];
  snprintf(key, sizeof key, "tau%s", suf);
  json_num_key(&sb, key, f->tau);
  snprintf(key, sizeof key, "tau_err%s", suf);
  json_num_key(&sb, key, f->tau_err_scaled);
  json_num_key(&sb, "beta", f->beta);
  json_num_key(&sb, "beta_err", f->beta_err_scaled);
  json_num_key(&sb, "A", f->A);
  json_num_key(&sb, "A_err", f->A_err_scaled);
  json_num_key(&sb, "chi2_red", f->chi2_red);
  ecm__sb_printf(&sb, ", \"n_used\": %zu}", f->n_used);
  ecm__sb_printf(&sb, ", \"band\": {\"reference\": \"%s\", \"window_frames\": %zu, \"ages\": %zu",
                 ref_names[a->ref_used], a->band_window, a->n_band);
  snprintf(key, sizeof key, "slope_per%s", suf);
  json_num_key(&sb, key, a->slope);
  snprintf(key, sizeof key, "slope_err_per%s", suf);
  json_num_key(&sb, key, a->slope_err);
  json_num_key(&sb, "change_over_series", a->change);
  ecm__sb_printf(&sb, ", \"verdict\": \"%s\"}", ecm_ttcf_verdict_name(a->verdict));
  ecm__sb_printf(&sb, ", \"files\": {\"ttcf\": ");
  ecm__sb_json_str(&sb, f_tif);
  ecm__sb_puts(&sb, ", \"g\": ");
  ecm__sb_json_str(&sb, f_g);
  ecm__sb_puts(&sb, ", \"band\": ");
  ecm__sb_json_str(&sb, f_band);
  ecm__sb_puts(&sb, "}}\n");
  if (sb.failed) {
    rc = cli_usage_error("ttcf", "out of memory");
    goto done;
  }
  if ((rc = write_all("ttcf", f_json, ecm__sb_str(&sb), sb.len, c.force))) goto done;
  cli_note("ttcf", c.quiet, "g(t) fit: tau = %.4g %s, beta = %.3g (%s); band %s", f->tau, tu,
           f->beta, ecm_kww_state_name(f->state), ecm_ttcf_verdict_name(a->verdict));
  if (f->state != ECM_KWW_CONVERGED && !normalize)
    cli_note("ttcf", c.quiet,
             "hint: the g(t) fit did not converge; static contrast between pixels (e.g. bright "
             "crystalline regions) adds a non-decaying part to G: try --normalize-pixels");
done:
  ecm__sb_free(&sb);
  ecm__sb_free(&par);
  free(prov);
  ecm_ttcf_analysis_destroy(a);
  free(G);
  ecm_mask_free(mask);
  ecm_stack_free(s);
  return rc;
}
