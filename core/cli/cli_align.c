/* ecm align — drift correction by phase correlation: shifts table and aligned stack. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_input.h"
#include "ecm/align.h"
#include "ecm/io.h"
#include "util/strbuf.h"

static int run_align(int argc, char **argv);

const cli_command cli_cmd_align = {
    "align", "drift correction: measure each frame's shift and write the aligned stack",
    "ecm align STACK.tif -o PREFIX [--reference frame|mean|running] [--mask ROI.tif] [options]",
    "Registers every frame against a reference by FFT phase correlation, refined to 1/U px\n"
    "by an upsampled DFT (Guizar-Sicairos et al. 2008), optionally inside a ROI (a bright\n"
    "feature or an edge that stays in view). Writes PREFIX_shifts.csv\n"
    "(frame,t_s,shift_x_px,shift_y_px,peak,state: the shift that aligns the frame, px;\n"
    "state ok, bad_frame, at_limit or weak_peak: no distinct correlation peak, the frame\n"
    "keeps the previous frame's shift) and\n"
    "PREFIX_aligned.tif: the frames shifted by whole pixels (default: counts are kept\n"
    "exactly) or by interpolation, cropped to the region valid in every frame. The crop\n"
    "offset (x0, y0) is printed and stored in the output: a mask drawn on the input must be\n"
    "cropped the same way. Details in docs/align.md.",
    run_align};

static int run_align(int argc, char **argv) {
  cli_common c = {0};
  const char *reference = "running", *window = "tukey", *apply = "whole";
  size_t ref_frame = 1, ref_count = 10, block = 16, upsample = 20;
  double max_shift = 0, reg = 10, psr_margin = 3.5;
  int no_stack = 0;
  ecm_align_params ap = ecm_align_default_params();
  upsample = ap.upsample;
  reg = ap.regularization;
  block = ap.running_block;
  ref_count = ap.ref_count;
  psr_margin = ap.psr_margin;
  cli_opt opts[] = {
      CLI_OPT_OUTPUT(c, "PREFIX", "output prefix (required)"),
      {"reference", 0, CLI_STRING, &reference, "frame|mean|running", NULL, "running",
       "register against one frame, the mean of the first K frames, or the running aligned mean", 0, CLI_NO_RANGE},
      {"ref-frame", 0, CLI_SIZE, &ref_frame, "N", "frame", "1", "the reference frame, 1-based", 0, 1, 1e9},
      {"ref-count", 0, CLI_SIZE, &ref_count, "K", "frames", "10", "frames averaged by --reference mean", 0, 1, 1e9},
      {"block", 0, CLI_SIZE, &block, "N", "frames", "16", "frames registered together against the running mean", 0, 1, 4096},
      {"upsample", 0, CLI_SIZE, &upsample, "U", NULL, "20", "subpixel precision 1/U px; 1 = whole pixels only", 0, 1, 1000},
      {"window", 0, CLI_STRING, &window, "none|hann|tukey", NULL, "tukey", "apodisation of the correlated region", 0, CLI_NO_RANGE},
      {"regularization", 0, CLI_DOUBLE, &reg, "EPS", NULL, "10", "0 = pure phase correlation, large = cross-correlation", 0, 0, 1e6},
      {"max-shift", 0, CLI_DOUBLE, &max_shift, "PX", "px", "unlimited", "largest drift searched", 0, 0, 1e6},
      {"psr-margin", 0, CLI_DOUBLE, &psr_margin, "M", NULL, "3.5",
       "peak test: a frame whose peak-to-sidelobe ratio is below sqrt(2 ln N) + M is weak_peak and keeps the previous shift; -10 = off", 0, -100, 100},
      {"apply", 0, CLI_STRING, &apply, "whole|bilinear|fourier", NULL, "whole",
       "how shifts are applied: whole pixels keep counts; interpolation lowers g2 contrast", 0, CLI_NO_RANGE},
      {"no-stack", 0, CLI_FLAG, &no_stack, NULL, NULL, NULL, "write only the shifts table", 0, CLI_NO_RANGE},
      {"mask", 0, CLI_STRING, &c.mask, "ROI.tif", NULL, "whole frame",
       "register only this region (non-zero pixels; same size as the stack)", 0, CLI_NO_RANGE},
      CLI_OPT_DT(c), CLI_OPT_FRAMES(c), CLI_OPT_THREADS(c), CLI_OPT_JSON(c), CLI_OPT_FORCE(c),
      CLI_OPT_QUIET(c), CLI_OPT_END};
  const char *pos[1];
  int npos;
  int rc = cli_parse(&cli_cmd_align, opts, argc, argv, pos, 1, &npos);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  if (npos != 1) return cli_usage_error("align", "expected one stack (usage: %s)", cli_cmd_align.usage);
  if (!c.output) return cli_usage_error("align", "give an output prefix with -o PREFIX");
  ecm_status st;
  if ((st = ecm_align_ref_parse(reference, &ap.reference)) != ECM_OK ||
      (st = ecm_align_window_parse(window, &ap.window)) != ECM_OK ||
      (st = ecm_align_apply_parse(apply, &ap.apply)) != ECM_OK)
    return cli_usage_error("align", "%s", ecm_errmsg());
  ap.ref_frame = ref_frame - 1;
  ap.ref_count = ref_count;
  ap.running_block = block;
  ap.upsample = (unsigned)upsample;
  ap.regularization = reg;
  ap.max_shift_px = max_shift;
  ap.psr_margin = psr_margin;
  if ((st = ecm_align_check_params(&ap)) != ECM_OK) return cli_usage_error("align", "%s", ecm_errmsg());

  const char *path = pos[0];
  char f_stack[4096], f_csv[4096];
  if (cli_join(f_stack, sizeof f_stack, c.output, "_aligned.tif") ||
      cli_join(f_csv, sizeof f_csv, c.output, "_shifts.csv"))
    return cli_usage_error("align", "output prefix too long");
  if ((!no_stack && (rc = cli_check_output("align", f_stack, path, c.force))) ||
      (rc = cli_check_output("align", f_csv, path, c.force)))
    return rc;

  ecm_run run = cli_run_options(&c, "align");
  ecm_stack *s = NULL, *aligned = NULL;
  ecm_tiff_info info;
  size_t first = 0;
  if ((rc = cli_load_stack("align", path, &c, &run, &s, &info, &first))) return rc;
  ecm_mask *mask = NULL;
  ecm_align_result *r = NULL;
  char *prov = NULL;
  ecm__strbuf sb;
  ecm__sb_init(&sb);
  if (c.mask && (rc = cli_load_mask("align", c.mask, s->ny, s->nx, &mask))) goto done;
  if (ap.reference == ECM_ALIGN_REF_FRAME && ap.ref_frame >= s->nt) {
    rc = cli_usage_error("align", "--ref-frame %zu: the stack has %zu frames", ref_frame, s->nt);
    goto done;
  }
  ecm_view v = ecm_stack_view(s);
  st = ecm_align_estimate(&v, mask, &ap, &run, &r);
  cli_progress_done();
  if (st != ECM_OK) {
    rc = cli_fail("align", st);
    goto done;
  }
  if (!no_stack) {
    st = ecm_align_apply(&v, r, &run, &aligned);
    cli_progress_done();
    if (st != ECM_OK) {
      rc = cli_fail("align", st);
      goto done;
    }
  }
  char pj[1024];
  ecm_align_params_json(&r->params, pj, sizeof pj);
  {
    ecm__strbuf par;
    ecm__sb_init(&par);
    ecm__sb_printf(&par, "{\"align\": %s, \"first_frame\": %zu, \"frames\": %zu, \"crop_x0_px\": %zu, "
                         "\"crop_y0_px\": %zu, \"crop_width_px\": %zu, \"crop_height_px\": %zu, "
                         "\"mask\": ",
                   pj, first + 1, s->nt, r->crop.x0, r->crop.y0, r->crop.nx, r->crop.ny);
    if (c.mask) ecm__sb_json_str(&par, c.mask);
    else ecm__sb_puts(&par, "null");
    ecm__sb_puts(&par, "}");
    prov = cli_provenance("align", path, ecm__sb_str(&par));
    ecm__sb_free(&par);
  }
  if (!prov) {
    rc = CLI_EXIT_FAIL;
    goto done;
  }
  double dt = ecm_calib_dt_seconds(&s->calib);
  ecm__sb_puts(&sb, dt > 0 ? "frame,t_s,shift_x_px,shift_y_px,peak,state\n"
                           : "frame,t_frames,shift_x_px,shift_y_px,peak,state\n");
  for (size_t t = 0; t < r->nt; t++)
    ecm__sb_printf(&sb, "%zu,%.10g,%.6f,%.6f,%.6f,%s\n", first + t + 1,
                   dt > 0 ? (double)t * dt : (double)t, r->shift_x[t], r->shift_y[t], r->peak[t],
                   ecm_align_state_name((ecm_align_state)r->state[t]));
  if (sb.failed) {
    rc = cli_usage_error("align", "out of memory");
    goto done;
  }
  if (!no_stack) {
    ecm_write_opts wo = ecm_write_default_opts();
    wo.pixel_type = info.sample_kind == ECM_SAMPLE_FLOAT || info.bits_per_sample > 16 ||
                            info.sample_kind == ECM_SAMPLE_INT || ap.apply != ECM_ALIGN_APPLY_WHOLE
                        ? ECM_PIXEL_F32
                        : info.bits_per_sample == 8 ? ECM_PIXEL_U8 : ECM_PIXEL_U16;
    wo.overwrite = c.force;
    wo.provenance = prov;
    wo.protect_path = path;
    ecm_view av = ecm_stack_view(aligned);
    int big = 0;
    st = ecm_io_write_stack(f_stack, &av, &wo, &run, &big);
    cli_progress_done();
    if (st != ECM_OK) {
      rc = cli_fail("align", st);
      goto done;
    }
    if (big)
      cli_note("align", c.quiet, "%s is over 4 GB and was written as BigTIFF: ImageJ 1.x cannot "
                                 "open it", f_stack);
  }
  st = ecm_io_write_text(f_csv, ecm__sb_str(&sb), sb.len, c.force);
  if (st != ECM_OK) {
    rc = cli_fail("align", st);
    goto done;
  }
  double mx = 0, my = 0;
  for (size_t t = 0; t < r->nt; t++) {
    mx = fmax(mx, fabs(r->shift_x[t]));
    my = fmax(my, fabs(r->shift_y[t]));
  }
  /* many frames without a distinct peak: the series has nothing static to register on
   * (relaxing speckle alone); a warning even with --json (stderr) */
  if (r->n_weak > 0 && 4 * r->n_weak >= r->nt)
    cli_note("align", c.quiet,
             "warning: %zu of %zu frames had no distinct correlation peak: the series has no "
             "static contrast to register on; draw a mask on a static feature (--mask) "
             "or skip alignment",
             r->n_weak, r->nt);
  if (c.json) {
    printf("{\"schema\": \"ecm.align/1\", \"provenance\": %s, \"max_abs_shift_x_px\": %.6f, "
           "\"max_abs_shift_y_px\": %.6f, \"bad_frames\": %zu, \"frames_at_limit\": %zu, "
           "\"weak_frames\": %zu, \"shifts\": \"%s\", \"aligned\": %s%s%s}\n",
           prov, mx, my, r->n_bad, r->n_at_limit, r->n_weak, f_csv, no_stack ? "" : "\"",
           no_stack ? "null" : f_stack, no_stack ? "" : "\"");
  } else if (!c.quiet) {
    printf("%zu frames registered against %s; largest shift %.2f px in x, %.2f px in y\n", r->nt,
           ecm_align_ref_name(r->params.reference), mx, my);
    if (r->n_bad) printf("%zu frames could not be registered (constant or NaN): shift 0\n", r->n_bad);
    if (r->n_at_limit) printf("%zu frames hit --max-shift: their drift may be larger\n", r->n_at_limit);
    if (r->n_weak)
      printf("%zu frames had no distinct correlation peak (state weak_peak): each keeps the shift "
             "of the frame before it\n",
             r->n_weak);
    printf("crop: x0 %zu, y0 %zu, %zu x %zu px (a mask drawn on the input must be cropped the same way)\n",
           r->crop.x0, r->crop.y0, r->crop.nx, r->crop.ny);
    printf("shifts: %s\n", f_csv);
    if (!no_stack) printf("aligned stack: %s\n", f_stack);
  }
done:
  ecm__sb_free(&sb);
  free(prov);
  ecm_stack_free(aligned);
  ecm_align_result_free(r);
  ecm_mask_free(mask);
  ecm_stack_free(s);
  return rc;
}
