/* ecm prep — preprocessing: frame range, binning, dark and gain references, hot/dead
 * pixels, and per-frame normalisation by a reference region. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_input.h"
#include "ecm/io.h"
#include "ecm/prep.h"
#include "util/strbuf.h"

static int run_prep(int argc, char **argv);

const cli_command cli_cmd_prep = {
    "prep", "preprocess a stack: dark/gain, hot and dead pixels, beam normalisation, binning",
    "ecm prep STACK.tif -o OUT.tif [--dark D.tif] [--gain G.tif] [--bad-pixels] "
    "[--normalize R.tif] [--bin-time N] [--bin-space N] [options]",
    "Applies, in this order: the frame range (--frames), binning in time and space (frames\n"
    "and pixels summed), dark subtraction and gain division I' = (I - D) / G (D, G: the\n"
    "mean of each reference stack; G divided by its mean), repair of hot, cold and dead\n"
    "pixels (replaced by the mean of their good neighbours: a fixed hot pixel pulls drift\n"
    "correction towards zero), and normalisation of every frame by the mean of a reference\n"
    "region R (non-zero pixels of R.tif): I'(t) = I(t) mean_t(R) / R(t), which removes a\n"
    "beam-current drift that would bias g2. Writes a calibrated 32-bit stack (docs/align.md).",
    run_prep};

static int load_ref(const char *path, ecm_stack **out) {
  ecm_tiff_info info;
  ecm_status st = ecm_io_read_stack(path, 0, 0, NULL, out, &info);
  return st == ECM_OK ? 0 : cli_fail("prep", st);
}

static int run_prep(int argc, char **argv) {
  cli_common c = {0};
  const char *dark = NULL, *gain = NULL, *norm = NULL;
  int bad = 0;
  size_t bt = 1, bs = 1;
  ecm_prep_params pp = ecm_prep_default_params();
  double hot = pp.hot_sigma;
  cli_opt opts[] = {
      CLI_OPT_OUTPUT(c, "OUT.tif", "the preprocessed stack (required)"),
      {"dark", 0, CLI_STRING, &dark, "D.tif", NULL, "none", "dark reference (its frames are averaged)", 0, CLI_NO_RANGE},
      {"gain", 0, CLI_STRING, &gain, "G.tif", NULL, "none", "gain (flat-field) reference", 0, CLI_NO_RANGE},
      {"bad-pixels", 0, CLI_FLAG, &bad, NULL, NULL, NULL, "find and repair hot, cold and dead pixels", 0, CLI_NO_RANGE},
      {"hot-sigma", 0, CLI_DOUBLE, &hot, "K", "robust SD", "6", "threshold of the hot/cold test", 0, 0.1, 1e6},
      {"normalize", 0, CLI_STRING, &norm, "R.tif", NULL, "none", "normalise each frame by the mean of this region", 0, CLI_NO_RANGE},
      {"bin-time", 0, CLI_SIZE, &bt, "N", "frames", "1", "sum N frames into one (frame interval x N)", 0, 1, 1e6},
      {"bin-space", 0, CLI_SIZE, &bs, "N", "px", "1", "sum N x N pixels into one (pixel size x N)", 0, 1, 1e4},
      CLI_OPT_DT(c), CLI_OPT_FRAMES(c), CLI_OPT_THREADS(c), CLI_OPT_FORCE(c), CLI_OPT_QUIET(c),
      CLI_OPT_END};
  const char *pos[1];
  int npos;
  int rc = cli_parse(&cli_cmd_prep, opts, argc, argv, pos, 1, &npos);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  if (npos != 1) return cli_usage_error("prep", "expected one stack (usage: %s)", cli_cmd_prep.usage);
  if (!c.output) return cli_usage_error("prep", "give the output file with -o OUT.tif");
  pp.hot_sigma = hot;
  const char *path = pos[0];
  if ((rc = cli_check_output("prep", c.output, path, c.force))) return rc;

  ecm_run run = cli_run_options(&c, "prep");
  ecm_stack *s = NULL, *d = NULL, *g = NULL, *binned = NULL;
  ecm_mask *good = NULL, *ref = NULL;
  char *prov = NULL;
  ecm_tiff_info info;
  size_t first = 0, n_flag = 0, n_unrep = 0, n_skip = 0;
  ecm_prep_pixel_counts counts;
  memset(&counts, 0, sizeof counts);
  ecm_status st = ECM_OK;
  if ((rc = cli_load_stack("prep", path, &c, &run, &s, &info, &first))) return rc;
  if (bt > 1 || bs > 1) {
    ecm_view v = ecm_stack_view(s);
    st = ecm_stack_bin(&v, bt, bs, ECM_BIN_SUM, &binned);
    if (st != ECM_OK) {
      rc = cli_fail("prep", st);
      goto done;
    }
    ecm_stack_free(s);
    s = binned;
    binned = NULL;
  }
  if (dark || gain) {
    if ((dark && (rc = load_ref(dark, &d))) || (gain && (rc = load_ref(gain, &g)))) goto done;
    ecm_view dv, gv;
    if (d) dv = ecm_stack_view(d);
    if (g) gv = ecm_stack_view(g);
    st = ecm_prep_dark_gain(s, d ? &dv : NULL, g ? &gv : NULL, &pp, &run, NULL, &n_flag);
    cli_progress_done();
    if (st != ECM_OK) {
      rc = cli_fail("prep", st);
      goto done;
    }
    if (n_flag) cli_note("prep", c.quiet, "%zu pixels have an unusable gain or dark value: set to NaN", n_flag);
  }
  if (bad) {
    ecm_view v = ecm_stack_view(s);
    st = ecm_prep_bad_pixels(&v, &pp, &run, &good, &counts);
    if (st == ECM_OK) st = ecm_prep_repair(s, good, &run, &n_unrep);
    cli_progress_done();
    if (st != ECM_OK) {
      rc = cli_fail("prep", st);
      goto done;
    }
    cli_note("prep", c.quiet, "bad pixels: %zu hot, %zu cold, %zu dead (of %zu); %zu could not be repaired",
             counts.n_hot, counts.n_cold, counts.n_dead, counts.n_pixels, n_unrep);
  }
  if (norm) {
    if ((rc = cli_load_mask("prep", norm, s->ny, s->nx, &ref))) goto done;
    double level = 0;
    st = ecm_prep_normalize(s, ref, &run, NULL, &level, &n_skip);
    cli_progress_done();
    if (st != ECM_OK) {
      rc = cli_fail("prep", st);
      goto done;
    }
    cli_note("prep", c.quiet, "normalised to the reference region's mean %.6g%s", level,
             n_skip ? " (some frames had no usable reference and were left as they were)" : "");
  }
  {
    ecm__strbuf par;
    ecm__sb_init(&par);
    ecm__sb_printf(&par, "{\"first_frame\": %zu, \"bin_time\": %zu, \"bin_space\": %zu, "
                         "\"bad_pixels\": %s, \"hot_sigma\": %g, \"hot\": %zu, \"cold\": %zu, "
                         "\"dead\": %zu, \"dark\": ",
                   first + 1, bt, bs, bad ? "true" : "false", hot, counts.n_hot, counts.n_cold,
                   counts.n_dead);
    const char *refs[3] = {dark, gain, norm};
    const char *keys[3] = {"dark", "gain", "normalize"};
    for (int i = 0; i < 3; i++) {
      if (i) ecm__sb_printf(&par, ", \"%s\": ", keys[i]);
      if (refs[i]) ecm__sb_json_str(&par, refs[i]);
      else ecm__sb_puts(&par, "null");
    }
    ecm__sb_puts(&par, "}");
    prov = cli_provenance("prep", path, ecm__sb_str(&par));
    ecm__sb_free(&par);
    if (!prov) {
      rc = CLI_EXIT_FAIL;
      goto done;
    }
  }
  ecm_write_opts wo = ecm_write_default_opts();
  wo.overwrite = c.force;
  wo.provenance = prov;
  wo.protect_path = path;
  ecm_view ov = ecm_stack_view(s);
  int big = 0;
  st = ecm_io_write_stack(c.output, &ov, &wo, &run, &big);
  cli_progress_done();
  if (st != ECM_OK) {
    rc = cli_fail("prep", st);
    goto done;
  }
  if (!c.quiet)
    printf("%zu frames of %zu x %zu px written to %s\n", s->nt, s->nx, s->ny, c.output);
done:
  free(prov);
  ecm_mask_free(good);
  ecm_mask_free(ref);
  ecm_stack_free(d);
  ecm_stack_free(g);
  ecm_stack_free(binned);
  ecm_stack_free(s);
  return rc;
}
