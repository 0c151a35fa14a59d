/* ecm g4 — four-point correlation g4(Δt, Δr) of a region (Zhang et al. Eq. 3, literal or
 * conventional variant) and the lengths from it: xi_exp (Zhang supp. note 5), xi_sep
 * (Nakazawa's separable fit), xi_contour (Zhang supp. note 6), and xi_domain_fwhm of a tau
 * map (Huang & Voyles). */
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
    "g4", "four-point correlation g4(dt, dr) of a region and the lengths xi_exp, xi_sep, ...",
    "ecm g4 STACK.tif -o PREFIX --dt-list 1,2,5,... [--variant literal|conventional] "
    "[--max-r PX] [--mask M.tif] [--xi-methods exp,sep,contour] [--tau-map TAU.tif] "
    "[options]",
    "Computes g4(dt, dr) for the listed lags dt (frames) and rings dr = 0..max-r (px, ring of\n"
    "half-width 0.5 px) over the pixels of the mask, by FFT. literal (default): Zhang Eq. 3 as\n"
    "printed, products with the ring-averaged intensity (each ring normalised by its in-ROI\n"
    "weight); conventional: the four-fold product averaged over all in-ROI pixel pairs at\n"
    "distance dr. xi_exp = 2 Rc from g4(dt*, dr) = A exp(-dr/Rc) + B over dr = 1..max-r, with dt*\n"
    "from --xi-dt or the lag with the largest g4(dt,1) - g4(dt,max-r). Fit xi on the\n"
    "conventional variant: the literal one carries a 1/dr ring-noise term (docs/g4.md).\n"
    "xi_sep: g4 = b(dt) + [a exp(-2 (dt/tau)^gt) + c] exp(-2 (dr/xi)^gr) over all dt > 0 and\n"
    "dr = 1..max-r (--sep-model full; nakazawa: b = 1, c = 0, G4 - 1 as printed).\n"
    "xi_contour: the dr where (g4 - 1)/(g4(dt, --contour-r) - 1) falls to 0.5, per dt, fitted\n"
    "to eps exp(-dt/nu) + c0 + c1 dt; xi_contour = 2 eps (needs >= 5 lags).\n"
    "--tau-map: xi_domain_fwhm = FWHM of a 2D Gaussian fitted to the autocorrelation of ln tau\n"
    "(pixels with a finite tau > 0, inside the mask when one is given).\n"
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
  const char *dtlist = NULL, *variant = "literal", *methods = "exp,sep,contour";
  const char *tau_map = NULL, *sep_model = "full";
  size_t max_r = 8, xi_dt = 0, contour_r = 1, domain_window = 0;
  cli_opt opts[] = {
      CLI_OPT_OUTPUT(c, "PREFIX", "output prefix: PREFIX_g4.tif, PREFIX_g4.json"),
      {"dt-list", 0, CLI_STRING, &dtlist, "A,B,...", "frames", NULL,
       "lags dt, comma-separated (required)", 0, CLI_NO_RANGE},
      {"variant", 0, CLI_STRING, &variant, "V", NULL, "literal", "literal | conventional", 0,
       CLI_NO_RANGE},
      {"max-r", 0, CLI_SIZE, &max_r, "PX", "px", "8", "largest ring radius", 0, 0, ECM_G4_MAX_R},
      {"xi-dt", 0, CLI_SIZE, &xi_dt, "N", "frames", "peak lag",
       "lag of the xi_exp fit (the listed lag nearest N)", 0, 0, 1e9},
      {"xi-methods", 0, CLI_STRING, &methods, "LIST", NULL, "exp,sep,contour",
       "lengths from g4: any of exp, sep, contour, comma-separated, or none", 0, CLI_NO_RANGE},
      {"sep-model", 0, CLI_STRING, &sep_model, "M", NULL, "full",
       "xi_sep model: full (row baselines and plateau) | nakazawa (G4 - 1 as printed)", 0,
       CLI_NO_RANGE},
      {"contour-r", 0, CLI_SIZE, &contour_r, "PX", "px", "1",
       "xi_contour: ring whose g4 - 1 normalises each row", 0, 0, ECM_G4_MAX_R},
      {"tau-map", 0, CLI_STRING, &tau_map, "TAU.tif", NULL, NULL,
       "tau map (frame 1) for xi_domain_fwhm", 0, CLI_NO_RANGE},
      {"domain-window", 0, CLI_SIZE, &domain_window, "PX", "px", "auto",
       "half-width of the xi_domain_fwhm fit window", 0, 0, 4096},
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
  int want_exp = 0, want_sep = 0, want_contour = 0;
  {
    const char *m = methods;
    while (*m) {
      size_t len = strcspn(m, ",");
      if (len == 3 && !strncmp(m, "exp", 3))
        want_exp = 1;
      else if (len == 3 && !strncmp(m, "sep", 3))
        want_sep = 1;
      else if (len == 7 && !strncmp(m, "contour", 7))
        want_contour = 1;
      else if (!(len == 4 && !strncmp(m, "none", 4)))
        return cli_usage_error("g4",
                               "--xi-methods: unknown method in '%s' (exp, sep, contour, "
                               "none)",
                               methods);
      m += len;
      if (*m == ',') m++;
    }
  }
  unsigned sep_flags;
  if (!strcmp(sep_model, "full"))
    sep_flags = ECM_G4_SEP_ROW_BASELINE | ECM_G4_SEP_PLATEAU;
  else if (!strcmp(sep_model, "nakazawa"))
    sep_flags = 0;
  else
    return cli_usage_error("g4", "--sep-model must be full or nakazawa, not '%s'", sep_model);
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
  float *img = NULL, *lnt = NULL;
  double *half = NULL;
  uint8_t *lvalid = NULL;
  ecm_stack *tmap = NULL;
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
    have_xi = want_exp && ecm_g4_xi_exp(r, row, 1, r->n_r - 1, &xi) == ECM_OK;
  }
  ecm_g4_sep sep;
  int have_sep = 0;
  if (want_sep && r->n_r >= 4) {
    st = ecm_g4_xi_sep(r, 1, r->n_r - 1, sep_flags, &sep);
    if (st == ECM_ENOMEM) {
      rc = cli_fail("g4", st);
      goto done;
    }
    have_sep = st == ECM_OK; /* too few lags: reported as null */
  }
  ecm_g4_contour con;
  int have_con = 0;
  half = calloc(r->n_dt, sizeof *half);
  if (!half) {
    rc = cli_usage_error("g4", "out of memory");
    goto done;
  }
  if (want_contour && contour_r + 1 < r->n_r) {
    st = ecm_g4_xi_contour(r, contour_r, half, &con);
    if (st == ECM_ENOMEM) {
      rc = cli_fail("g4", st);
      goto done;
    }
    have_con = st == ECM_OK;
  }
  ecm_g4_domain dom;
  int have_dom = 0;
  if (tau_map) {
    ecm_tiff_info minfo;
    if ((st = ecm_io_read_stack(tau_map, 0, 1, NULL, &tmap, &minfo)) != ECM_OK) {
      rc = cli_fail("g4", st);
      goto done;
    }
    size_t mp = tmap->ny * tmap->nx;
    lnt = malloc(mp * sizeof *lnt);
    lvalid = malloc(mp);
    if (!lnt || !lvalid) {
      rc = cli_usage_error("g4", "out of memory");
      goto done;
    }
    int use_mask = mask && mask->ny == tmap->ny && mask->nx == tmap->nx;
    for (size_t i = 0; i < mp; i++) {
      float t = tmap->data[i];
      lvalid[i] = (uint8_t)(isfinite(t) && t > 0 && (!use_mask || mask->inside[i]));
      lnt[i] = lvalid[i] ? (float)log(t) : 0.0f;
    }
    st = ecm_g4_domain_size(lnt, lvalid, tmap->ny, tmap->nx, domain_window, 0, &dom);
    if (st != ECM_OK) {
      rc = cli_fail("g4", st);
      goto done;
    }
    have_dom = 1;
  }
  ecm__sb_printf(&par,
                 "{\"frames\": %zu, \"first_frame\": %zu, \"variant\": \"%s\", \"max_r_px\": %zu",
                 s->nt, first + 1, ecm_g4_variant_name(p.variant), max_r);
  ecm__sb_puts(&par, ", \"dt_list_frames\": ");
  ecm__sb_json_str(&par, dtlist);
  ecm__sb_puts(&par, ", \"xi_methods\": ");
  ecm__sb_json_str(&par, methods);
  ecm__sb_puts(&par, ", \"sep_model\": ");
  ecm__sb_json_str(&par, sep_model);
  ecm__sb_printf(&par, ", \"contour_r_px\": %zu", contour_r);
  if (tau_map) {
    ecm__sb_puts(&par, ", \"tau_map\": ");
    ecm__sb_json_str(&par, tau_map);
    ecm__sb_printf(&par, ", \"domain_window_px\": %zu", domain_window);
  }
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
  ecm__sb_puts(&sb, ", \"xi_sep\": ");
  if (have_sep) {
    ecm__sb_printf(&sb,
                   "{\"ok\": %s, \"model\": \"%s\", \"dr_min_px\": %zu, \"dr_max_px\": %zu, "
                   "\"rows\": %zu, \"points\": %zu",
                   sep.ok ? "true" : "false", sep_model, sep.r_min, sep.r_max, sep.n_rows,
                   sep.n_used);
    const char *keys[] = {"xi_px", "xi_err_px",  "gamma_r",        "gamma_r_err", "a",
                          "a_err", "tau_frames", "tau_err_frames", "gamma_t",     "gamma_t_err",
                          "c",     "c_err",      "chi2_red"};
    double vals[] = {sep.xi,    sep.xi_err, sep.gamma_r, sep.gamma_r_err, sep.a,
                     sep.a_err, sep.tau,    sep.tau_err, sep.gamma_t,     sep.gamma_t_err,
                     sep.c,     sep.c_err,  sep.chi2_red};
    for (int j = 0; j < 13; j++) {
      ecm__sb_printf(&sb, ", \"%s\": ", keys[j]);
      ecm__sb_json_num(&sb, vals[j]);
    }
    ecm__sb_puts(&sb, ", \"tau_s\": ");
    ecm__sb_json_num(&sb, dt_s > 0 ? sep.tau * dt_s : NAN);
    ecm__sb_puts(&sb, "}");
  } else {
    ecm__sb_puts(&sb, "null");
  }
  ecm__sb_puts(&sb, ", \"xi_contour\": ");
  if (have_con) {
    ecm__sb_printf(&sb, "{\"ok\": %s, \"r_norm_px\": %zu, \"points\": %zu, \"dr_half_px\": [",
                   con.ok ? "true" : "false", con.r_norm, con.n_used);
    for (size_t i = 0; i < r->n_dt; i++) {
      if (i) ecm__sb_puts(&sb, ", ");
      ecm__sb_json_num(&sb, half[i]);
    }
    ecm__sb_puts(&sb, "]");
    const char *keys[] = {"xi_px",           "xi_err_px",           "eps_px",  "eps_err_px",
                          "nu_frames",       "nu_err_frames",       "c0_px",   "c0_err_px",
                          "c1_px_per_frame", "c1_err_px_per_frame", "chi2_red"};
    double vals[] = {con.xi, con.xi_err, con.eps, con.eps_err, con.nu,      con.nu_err,
                     con.c0, con.c0_err, con.c1,  con.c1_err,  con.chi2_red};
    for (int j = 0; j < 11; j++) {
      ecm__sb_printf(&sb, ", \"%s\": ", keys[j]);
      ecm__sb_json_num(&sb, vals[j]);
    }
    ecm__sb_puts(&sb, ", \"nu_s\": ");
    ecm__sb_json_num(&sb, dt_s > 0 ? con.nu * dt_s : NAN);
    ecm__sb_puts(&sb, "}");
  } else {
    ecm__sb_puts(&sb, "null");
  }
  ecm__sb_puts(&sb, ", \"xi_domain_fwhm\": ");
  if (have_dom) {
    ecm__sb_printf(&sb,
                   "{\"ok\": %s, \"map\": \"ln tau\", \"valid_pixels\": %zu, "
                   "\"window_px\": %zu, \"lags\": %zu",
                   dom.ok ? "true" : "false", dom.n_valid, dom.fit_half, dom.n_used);
    const char *keys[] = {"fwhm_px",   "fwhm_err_px",   "fwhm_x_px", "fwhm_x_err_px",
                          "fwhm_y_px", "fwhm_y_err_px", "A",         "A_err",
                          "B",         "B_err",         "chi2_red"};
    double vals[] = {dom.fwhm,   dom.fwhm_err,   dom.fwhm_x,  dom.fwhm_x_err,
                     dom.fwhm_y, dom.fwhm_y_err, dom.A,       dom.A_err,
                     dom.B,      dom.B_err,      dom.chi2_red};
    for (int j = 0; j < 11; j++) {
      ecm__sb_printf(&sb, ", \"%s\": ", keys[j]);
      ecm__sb_json_num(&sb, vals[j]);
    }
    ecm__sb_puts(&sb, "}");
  } else {
    ecm__sb_puts(&sb, "null");
  }
  /* flat summary: distinct names, px and (when calibrated) the space unit; null when not
   * computed. The tau map's own pixel size calibrates xi_domain_fwhm. */
  {
    const char *names[] = {"xi_exp", "xi_sep", "xi_contour", "xi_domain_fwhm"};
    double xv[4] = {have_xi ? xi.xi : NAN, have_sep ? sep.xi : NAN, have_con ? con.xi : NAN,
                    have_dom ? dom.fwhm : NAN};
    double e[4] = {have_xi ? xi.xi_err : NAN, have_sep ? sep.xi_err : NAN,
                   have_con ? con.xi_err : NAN, have_dom ? dom.fwhm_err : NAN};
    for (int j = 0; j < 4; j++) {
      ecm__sb_printf(&sb, ", \"%s_px\": ", names[j]);
      ecm__sb_json_num(&sb, xv[j]);
      ecm__sb_printf(&sb, ", \"%s_err_px\": ", names[j]);
      ecm__sb_json_num(&sb, e[j]);
      int cal = j < 3 ? cal_sp : (tmap && ecm_calib_has_space(&tmap->calib));
      if (cal) {
        const ecm_calib *cb = j < 3 ? &s->calib : &tmap->calib;
        ecm__sb_printf(&sb, ", \"%s_%s\": ", names[j], cb->space_unit);
        ecm__sb_json_num(&sb, xv[j] * cb->pixel_width);
        ecm__sb_printf(&sb, ", \"%s_err_%s\": ", names[j], cb->space_unit);
        ecm__sb_json_num(&sb, e[j] * cb->pixel_width);
      }
    }
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
  if (have_sep)
    cli_note("g4", c.quiet, "xi_sep = %.3g +- %.2g px (gamma_r %.3g%s)", sep.xi, sep.xi_err,
             sep.gamma_r, sep.ok ? "" : ", fit not ok");
  if (have_con)
    cli_note("g4", c.quiet, "xi_contour = %.3g +- %.2g px, nu = %.3g frames (%zu points%s)", con.xi,
             con.xi_err, con.nu, con.n_used, con.ok ? "" : ", fit not ok");
  if (have_dom)
    cli_note("g4", c.quiet, "xi_domain_fwhm = %.3g +- %.2g px (x %.3g, y %.3g%s)", dom.fwhm,
             dom.fwhm_err, dom.fwhm_x, dom.fwhm_y, dom.ok ? "" : ", fit not ok");
done:
  ecm__sb_free(&sb);
  ecm__sb_free(&par);
  free(prov);
  free(img);
  free(half);
  free(lnt);
  free(lvalid);
  ecm_stack_free(tmap);
  ecm_g4_result_free(r);
  ecm_mask_free(mask);
  ecm_stack_free(s);
  free(dts);
  return rc;
}
