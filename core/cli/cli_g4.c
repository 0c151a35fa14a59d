/* ecm g4 — four-point correlation g4(Δt, Δr) of a region (Zhang et al. Eq. 3, literal or
 * conventional variant) and xi_exp from it (Zhang supp. note 5). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_input.h"
#include "ecm/g4.h"
#include "ecm/io.h"
#include "util/strbuf.h"

static int run_g4(int argc, char **argv);

const cli_command cli_cmd_g4 = {
    "g4", "four-point correlation g4(dt, dr) of a region and the length xi_exp",
    "ecm g4 STACK.tif -o PREFIX --dt-list 1,2,5,... [--variant literal|conventional] "
    "[--max-r PX] [--mask M.tif] [options]",
    "Computes g4(dt, dr) for the listed lags dt (frames) and rings dr = 0..max-r (px, ring of\n"
    "half-width 0.5 px) over the pixels of the mask, by FFT. literal (default): Zhang Eq. 3 as\n"
    "printed, products with the ring-averaged intensity (each ring normalised by its in-ROI\n"
    "weight); conventional: the four-fold product averaged over all in-ROI pixel pairs at\n"
    "distance dr. xi_exp = 2 Rc from g4(dt*, dr) = A exp(-dr/Rc) + B over dr = 1..max-r, with dt*\n"
    "from --xi-dt or the lag with the largest g4(dt,1) - g4(dt,max-r). Fit xi on the\n"
    "conventional variant: the literal one carries a 1/dr ring-noise term (docs/g4.md).\n"
    "Writes PREFIX_g4.tif (32-bit, columns dr, rows the listed dt in order) and PREFIX_g4.json.",
    run_g4};

static int parse_list(const char *text, size_t **out, size_t *n) {
  size_t cap = 16, k = 0;
  size_t *v = malloc(cap * sizeof *v);
  if (!v) return -1;
  const char *s = text;
  while (*s) {
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (end == s || errno || *s == '-') {
      free(v);
      return -1;
    }
    if (k == cap) {
      size_t *nv = realloc(v, 2 * cap * sizeof *v);
      if (!nv) {
        free(v);
        return -1;
      }
      v = nv;
      cap *= 2;
    }
    v[k++] = (size_t)x;
    s = end;
    if (*s == ',')
      s++;
    else if (*s) {
      free(v);
      return -1;
    }
  }
  if (!k) {
    free(v);
    return -1;
  }
  *out = v;
  *n = k;
  return 0;
}

static int run_g4(int argc, char **argv) {
  cli_common c = {0};
  const char *dtlist = NULL, *variant = "literal";
  size_t max_r = 8, xi_dt = 0;
  cli_opt opts[] = {
      CLI_OPT_OUTPUT(c, "PREFIX", "output prefix: PREFIX_g4.tif, PREFIX_g4.json"),
      {"dt-list", 0, CLI_STRING, &dtlist, "A,B,...", "frames", NULL,
       "lags dt, comma-separated (required)", 0, CLI_NO_RANGE},
      {"variant", 0, CLI_STRING, &variant, "V", NULL, "literal", "literal | conventional", 0,
       CLI_NO_RANGE},
      {"max-r", 0, CLI_SIZE, &max_r, "PX", "px", "8", "largest ring radius", 0, 0, ECM_G4_MAX_R},
      {"xi-dt", 0, CLI_SIZE, &xi_dt, "N", "frames", "peak lag",
       "lag of the xi_exp fit (the listed lag nearest N)", 0, 0, 1e9},
      CLI_OPT_MASK(c),
      CLI_OPT_DT(c),
      CLI_OPT_FRAMES(c),
      CLI_OPT_THREADS(c),
      CLI_OPT_FORCE(c),
      CLI_OPT_QUIET(c),
      CLI_OPT_END};
  const char *pos[1];
  int npos;
  int rc = cli_parse(&cli_cmd_g4, opts, argc, argv, pos, 1, &npos);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  if (npos != 1) return cli_usage_error("g4", "expected one stack (usage: %s)", cli_cmd_g4.usage);
  if (!c.output) return cli_usage_error("g4", "-o PREFIX is required");
  if (!dtlist) return cli_usage_error("g4", "--dt-list is required");
  ecm_g4_params p = ecm_g4_default_params();
  if (!strcmp(variant, "literal"))
    p.variant = ECM_G4_LITERAL;
  else if (!strcmp(variant, "conventional"))
    p.variant = ECM_G4_CONVENTIONAL;
  else
    return cli_usage_error("g4", "--variant must be literal or conventional, not '%s'", variant);
  size_t *dts = NULL, ndt = 0;
  if (parse_list(dtlist, &dts, &ndt))
    return cli_usage_error("g4", "--dt-list: expected non-negative integers A,B,... ('%s')",
                           dtlist);
  p.dt = dts;
  p.n_dt = ndt;
  p.max_r = max_r;
  const char *path = pos[0];
  char f_tif[4096], f_json[4096];
  if (cli_join(f_tif, sizeof f_tif, c.output, "_g4.tif") ||
      cli_join(f_json, sizeof f_json, c.output, "_g4.json")) {
    free(dts);
    return cli_usage_error("g4", "output prefix too long");
  }
  if ((rc = cli_check_output("g4", f_tif, path, c.force)) ||
      (rc = cli_check_output("g4", f_json, path, c.force))) {
    free(dts);
    return rc;
  }
  ecm_run run = cli_run_options(&c, "g4");
  ecm_stack *s = NULL;
  ecm_mask *mask = NULL;
  ecm_tiff_info tinfo;
  size_t first = 0;
  ecm_g4_result *r = NULL;
  char *prov = NULL;
  float *img = NULL;
  ecm__strbuf sb, par;
  ecm__sb_init(&sb);
  ecm__sb_init(&par);
  if ((rc = cli_load_stack("g4", path, &c, &run, &s, &tinfo, &first))) goto done;
  if (c.mask && (rc = cli_load_mask("g4", c.mask, s->ny, s->nx, &mask))) goto done;
  ecm_view v = ecm_stack_view(s);
  ecm_status st = ecm_g4_compute(&v, mask, &p, &run, &r);
  cli_progress_done();
  if (st != ECM_OK) {
    rc = cli_fail("g4", st);
    goto done;
  }
  double dt_s = ecm_calib_dt_seconds(&s->calib);
  int cal_sp = ecm_calib_has_space(&s->calib);
  /* xi_exp */
  ecm_g4_xi xi;
  int have_xi = 0;
  size_t row = 0;
  if (r->n_r >= 5) {
    if (xi_dt) {
      for (size_t i = 1; i < r->n_dt; i++)
        if (llabs((long long)r->dt[i] - (long long)xi_dt) <
            llabs((long long)r->dt[row] - (long long)xi_dt))
          row = i;
    } else {
      row = ecm_g4_peak_row(r, 1, r->n_r - 1);
    }
    have_xi = ecm_g4_xi_exp(r, row, 1, r->n_r - 1, &xi) == ECM_OK;
  }
  ecm__sb_printf(&par,
                 "{\"frames\": %zu, \"first_frame\": %zu, \"variant\": \"%s\", \"max_r_px\": %zu",
                 s->nt, first + 1, ecm_g4_variant_name(p.variant), max_r);
  ecm__sb_puts(&par, ", \"dt_list_frames\": ");
  ecm__sb_json_str(&par, dtlist);
  if (c.mask) {
    ecm__sb_puts(&par, ", \"mask\": ");
    ecm__sb_json_str(&par, c.mask);
  }
  ecm__sb_puts(&par, "}");
  if (par.failed || !(prov = cli_provenance("g4", path, ecm__sb_str(&par)))) {
    rc = par.failed ? cli_usage_error("g4", "out of memory") : CLI_EXIT_FAIL;
    goto done;
  }
  img = malloc(r->n_dt * r->n_r * sizeof *img);
  if (!img) {
    rc = cli_usage_error("g4", "out of memory");
    goto done;
  }
  for (size_t i = 0; i < r->n_dt * r->n_r; i++) img[i] = (float)r->g4[i];
  {
    ecm_view gv = ecm_view_contiguous(img, 1, r->n_dt, r->n_r);
    ecm_calib_init(&gv.calib);
    if (cal_sp) { /* columns: dr in the stack's space unit; rows: list entries */
      gv.calib.pixel_width = gv.calib.pixel_height = s->calib.pixel_width;
      memcpy(gv.calib.space_unit, s->calib.space_unit, sizeof gv.calib.space_unit);
    }
    ecm_write_opts wo = ecm_write_default_opts();
    wo.overwrite = c.force;
    wo.provenance = prov;
    wo.protect_path = path;
    if ((st = ecm_io_write_stack(f_tif, &gv, &wo, NULL, NULL)) != ECM_OK) {
      rc = cli_fail("g4", st);
      goto done;
    }
  }
  ecm__sb_printf(&sb, "{\"schema\": \"ecm.g4/1\", \"provenance\": %s", prov);
  ecm__sb_printf(&sb, ", \"variant\": \"%s\", \"frames\": %zu, \"roi_pixels\": %zu",
                 ecm_g4_variant_name(r->variant), r->frames, r->roi_pixels);
  ecm__sb_puts(&sb, ", \"frame_interval_s\": ");
  ecm__sb_json_num(&sb, dt_s > 0 ? dt_s : NAN);
  ecm__sb_puts(&sb, ", \"pixel_size\": ");
  ecm__sb_json_num(&sb, cal_sp ? s->calib.pixel_width : NAN);
  ecm__sb_puts(&sb, ", \"space_unit\": ");
  ecm__sb_json_str(&sb, cal_sp ? s->calib.space_unit : "pixel");
  ecm__sb_puts(&sb, ", \"dt_frames\": [");
  for (size_t i = 0; i < r->n_dt; i++) ecm__sb_printf(&sb, "%s%zu", i ? ", " : "", r->dt[i]);
  ecm__sb_puts(&sb, "], \"dr_px\": [");
  for (size_t k = 0; k < r->n_r; k++) ecm__sb_printf(&sb, "%s%zu", k ? ", " : "", k);
  ecm__sb_puts(&sb, "], \"weight\": [");
  for (size_t k = 0; k < r->n_r; k++) {
    if (k) ecm__sb_puts(&sb, ", ");
    ecm__sb_json_num(&sb, r->weight[k]);
  }
  ecm__sb_puts(&sb, "], \"g4\": [");
  for (size_t i = 0; i < r->n_dt; i++) {
    ecm__sb_puts(&sb, i ? ", [" : "[");
    for (size_t k = 0; k < r->n_r; k++) {
      if (k) ecm__sb_puts(&sb, ", ");
      ecm__sb_json_num(&sb, r->g4[i * r->n_r + k]);
    }
    ecm__sb_puts(&sb, "]");
  }
  ecm__sb_puts(&sb, "], \"xi_exp\": ");
  if (have_xi) {
    ecm__sb_printf(&sb, "{\"ok\": %s, \"dt_frames\": %zu, \"dr_min_px\": %zu, \"dr_max_px\": %zu",
                   xi.ok ? "true" : "false", r->dt[row], xi.r_min, xi.r_max);
    const char *keys[] = {"xi_px", "xi_err_px", "Rc_px", "Rc_err_px", "A",
                          "A_err", "B",         "B_err", "chi2_red"};
    double vals[] = {xi.xi,    xi.xi_err, xi.Rc,    xi.Rc_err,  xi.A,
                     xi.A_err, xi.B,      xi.B_err, xi.chi2_red};
    for (int j = 0; j < 9; j++) {
      ecm__sb_printf(&sb, ", \"%s\": ", keys[j]);
      ecm__sb_json_num(&sb, vals[j]);
    }
    if (cal_sp) {
      ecm__sb_printf(&sb, ", \"xi_%s\": ", s->calib.space_unit);
      ecm__sb_json_num(&sb, xi.xi * s->calib.pixel_width);
      ecm__sb_printf(&sb, ", \"xi_err_%s\": ", s->calib.space_unit);
      ecm__sb_json_num(&sb, xi.xi_err * s->calib.pixel_width);
    }
    ecm__sb_puts(&sb, "}");
  } else {
    ecm__sb_puts(&sb, "null");
  }
  ecm__sb_puts(&sb, "}\n");
  if (sb.failed) {
    rc = cli_usage_error("g4", "out of memory");
    goto done;
  }
  if ((st = ecm_io_write_text(f_json, ecm__sb_str(&sb), sb.len, c.force)) != ECM_OK) {
    rc = cli_fail("g4", st);
    goto done;
  }
  if (have_xi)
    cli_note("g4", c.quiet, "xi_exp = %.3g +- %.2g px at dt = %zu frames (%s variant%s)", xi.xi,
             xi.xi_err, r->dt[row], ecm_g4_variant_name(r->variant), xi.ok ? "" : ", fit not ok");
done:
  ecm__sb_free(&sb);
  ecm__sb_free(&par);
  free(prov);
  free(img);
  ecm_g4_result_free(r);
  ecm_mask_free(mask);
  ecm_stack_free(s);
  free(dts);
  return rc;
}
