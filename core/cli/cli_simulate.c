/* ecm simulate — simulated ECM data with ground truth (the teaching-lab data source). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ecm/io.h"
#include "ecm/sim.h"
#include "ecm/stats.h"
#include "util/strbuf.h"

static int run_simulate(int argc, char **argv);

const cli_command cli_cmd_simulate = {
    "simulate", "simulate a dark-field ECM image series with its ground truth",
    "ecm simulate darkfield|tseries -o PREFIX [options]",
    "Writes PREFIX.tif (the image series, calibrated), the truth maps PREFIX_true_tau.tif\n"
    "(s), PREFIX_true_beta.tif, PREFIX_true_A.tif, PREFIX_regions.tif (0 vacuum, 1 bulk,\n"
    "2 surface layer, 3 crystal), PREFIX_shifts.csv (applied drift, px) and PREFIX_truth.json (every\n"
    "parameter, the expected correlation length and the files' checksums). In the basic mode\n"
    "(no --domain, no --speckle) every pixel's expected g2 is exactly\n"
    "1 + A exp(-2 (t/tau)^beta). --aging X makes every tau drift geometrically to X times its\n"
    "truth value (tau_true_tau.tif, at the first frame) by the last frame.\n"
    "\n"
    "tseries writes one such set per temperature, PREFIX_T<T>K.tif etc., with\n"
    "tau_median(T) = tau_inf exp(E / (k_B T)) and domain(T) = d_ref (T_ref / T)^x, plus\n"
    "PREFIX_tseries.csv (T_K,tau_median_s,domain_size_px,xi_expected_px,stack) and\n"
    "PREFIX_tseries.json. The physics is in docs/simulator.md.",
    run_simulate};

typedef struct sim_files {
  char stack[4096], tau[4096], beta[4096], amp[4096], region[4096], shifts[4096], truth[4096];
} sim_files;

static int make_names(const char *prefix, sim_files *f) {
  return cli_join(f->stack, sizeof f->stack, prefix, ".tif") ||
         cli_join(f->tau, sizeof f->tau, prefix, "_true_tau.tif") ||
         cli_join(f->beta, sizeof f->beta, prefix, "_true_beta.tif") ||
         cli_join(f->amp, sizeof f->amp, prefix, "_true_A.tif") ||
         cli_join(f->region, sizeof f->region, prefix, "_regions.tif") ||
         cli_join(f->shifts, sizeof f->shifts, prefix, "_shifts.csv") ||
         cli_join(f->truth, sizeof f->truth, prefix, "_truth.json");
}

static int write_map(const char *path, const ecm_stack *m, ecm_pixel_type type,
                     const char *prov, int force) {
  ecm_write_opts wo = ecm_write_default_opts();
  wo.pixel_type = type;
  wo.overwrite = force;
  wo.provenance = prov;
  ecm_view v = ecm_stack_view(m);
  ecm_status st = ecm_io_write_stack(path, &v, &wo, NULL, NULL);
  return st == ECM_OK ? 0 : cli_fail("simulate", st);
}

/* Simulate p and write PREFIX.tif, the truth maps, PREFIX_shifts.csv and PREFIX_truth.json
 * (provenance command "simulate <mode>"); print the truth JSON when print_json, the file list
 * when verbose (and not quiet). On success *xi (if not NULL) is the expected correlation
 * length, px. Returns a CLI exit code; messages go to stderr. */
static int simulate_one(const ecm_sim_params *p, const char *prefix, ecm_pixel_type ptype,
                        cli_common *c, const char *mode, int print_json, int verbose,
                        double *xi) {
  int rc;
  ecm_status st;
  sim_files f;
  if (make_names(prefix, &f)) return cli_usage_error("simulate", "output prefix too long");
  const char *all[] = {f.stack, f.tau, f.beta, f.amp, f.region, f.shifts, f.truth};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    if ((rc = cli_check_output("simulate", all[i], NULL, c->force))) return rc;

  char params_json[4096];
  st = ecm_sim_params_json(p, params_json, sizeof params_json);
  if (st != ECM_OK) return cli_fail("simulate", st);
  ecm__strbuf prov;
  ecm__sb_init(&prov);
  ecm__sb_printf(&prov, "{\"program\": \"ecm %s\", \"command\": \"simulate %s\", "
                        "\"params\": %s}", ecm_version(), mode, params_json);

  ecm_run run = cli_run_options(c, "simulate");
  ecm_sim_result *r = NULL;
  st = ecm_sim_darkfield(p, &run, &r);
  cli_progress_done();
  if (st != ECM_OK) {
    ecm__sb_free(&prov);
    return cli_fail("simulate", st);
  }
  rc = CLI_EXIT_OK;
  int bigtiff = 0;
  {
    ecm_write_opts wo = ecm_write_default_opts();
    wo.pixel_type = ptype;
    wo.overwrite = c->force;
    wo.provenance = ecm__sb_str(&prov);
    ecm_view v = ecm_stack_view(r->stack);
    st = ecm_io_write_stack(f.stack, &v, &wo, &run, &bigtiff);
    cli_progress_done();
    if (st != ECM_OK) rc = cli_fail("simulate", st);
    else if (bigtiff)
      cli_note("simulate", c->quiet, "%s is over 4 GB and was written as BigTIFF: ImageJ 1.x "
                                   "cannot open it (Fiji's Bio-Formats can)", f.stack);
  }
  if (!rc) rc = write_map(f.tau, r->tau_s, ECM_PIXEL_F32, ecm__sb_str(&prov), c->force);
  if (!rc) rc = write_map(f.beta, r->beta, ECM_PIXEL_F32, ecm__sb_str(&prov), c->force);
  if (!rc) rc = write_map(f.amp, r->contrast, ECM_PIXEL_F32, ecm__sb_str(&prov), c->force);
  if (!rc) rc = write_map(f.region, r->region, ECM_PIXEL_U8, ecm__sb_str(&prov), c->force);
  if (!rc) {
    ecm__strbuf sb;
    ecm__sb_init(&sb);
    ecm__sb_puts(&sb, "frame,t_s,shift_x_px,shift_y_px\n");
    for (size_t t = 0; t < p->nt; t++)
      ecm__sb_printf(&sb, "%zu,%.10g,%.10g,%.10g\n", t + 1, (double)t * p->frame_interval_s,
                     r->shift_x[t], r->shift_y[t]);
    st = sb.failed ? ECM_ENOMEM : ecm_io_write_text(f.shifts, ecm__sb_str(&sb), sb.len, c->force);
    ecm__sb_free(&sb);
    if (st != ECM_OK) rc = cli_fail("simulate", st);
  }
  if (!rc) {
    char sha[65];
    ecm__strbuf sb;
    ecm__sb_init(&sb);
    ecm__sb_printf(&sb, "{\n  \"schema\": \"ecm.simulate.darkfield/1\",\n  \"program\": \"ecm %s\",\n"
                        "  \"params\": %s,\n",
                   ecm_version(), params_json);
    ecm__sb_puts(&sb, "  \"xi_expected_px\": ");
    ecm__sb_json_num(&sb, r->xi_expected_px);
    ecm__sb_puts(&sb, ",\n  \"xi_expected_nm\": ");
    ecm__sb_json_num(&sb, r->xi_expected_px * p->pixel_size_nm);
    ecm__sb_puts(&sb, ",\n  \"max_clipped_eigen\": ");
    ecm__sb_json_num(&sb, r->max_clipped_eigen);
    if (r->crystal_count > 0) {
      /* centres in frame 0's pixel coordinates (absent without crystals: unchanged JSON) */
      ecm__sb_puts(&sb, ",\n  \"crystals_px\": [");
      for (size_t k = 0; k < r->crystal_count; k++)
        ecm__sb_printf(&sb, "%s{\"x\": %.0f, \"y\": %.0f}", k ? ", " : "", r->crystal_x[k],
                       r->crystal_y[k]);
      ecm__sb_puts(&sb, "]");
    }
    ecm__sb_puts(&sb, ",\n  \"files\": {");
    const char *keys[] = {"stack", "true_tau_s", "true_beta", "true_A", "regions", "shifts"};
    for (size_t i = 0; i < 6 && !rc; i++) {
      st = ecm_io_sha256_file(all[i], sha);
      if (st != ECM_OK) {
        rc = cli_fail("simulate", st);
        break;
      }
      ecm__sb_printf(&sb, "%s\n    ", i ? "," : "");
      ecm__sb_json_key(&sb, keys[i]);
      ecm__sb_printf(&sb, "{\"path\": ");
      ecm__sb_json_str(&sb, all[i]);
      ecm__sb_printf(&sb, ", \"sha256\": \"%s\"}", sha);
    }
    ecm__sb_puts(&sb, "\n  }\n}\n");
    if (!rc) {
      st = sb.failed ? ECM_ENOMEM : ecm_io_write_text(f.truth, ecm__sb_str(&sb), sb.len, c->force);
      if (st != ECM_OK) rc = cli_fail("simulate", st);
      else if (print_json) fputs(ecm__sb_str(&sb), stdout);
    }
    ecm__sb_free(&sb);
  }
  if (!rc && xi) *xi = r->xi_expected_px;
  if (!rc && !print_json && !c->quiet && verbose) {
    printf("simulated %zu frames of %zu x %zu px (dt %g s, pixel %g nm)\n", p->nt, p->nx, p->ny,
           p->frame_interval_s, p->pixel_size_nm);
    printf("  stack        %s\n  truth tau    %s\n  truth beta   %s\n  truth A      %s\n"
           "  regions      %s\n  drift        %s\n  parameters   %s\n",
           f.stack, f.tau, f.beta, f.amp, f.region, f.shifts, f.truth);
  }
  ecm_sim_result_free(r);
  ecm__sb_free(&prov);
  return rc;
}

/* Most temperatures of one series. */
#define SIM_MAX_TEMPS 1000

/* Parse "T1,T2,..." (K, each finite and > 0) into t[0..*n). Returns 0, or 1 with a message. */
static int parse_temps(const char *s, double *t, size_t *n) {
  *n = 0;
  const char *q = s;
  for (;;) {
    char *end;
    double v = strtod(q, &end);
    if (end == q || !isfinite(v) || !(v > 0) || (*end && *end != ','))
      return cli_usage_error("simulate", "--temps: '%s' is not a list of temperatures > 0 K", s);
    if (*n == SIM_MAX_TEMPS)
      return cli_usage_error("simulate", "--temps: at most %d temperatures", SIM_MAX_TEMPS);
    t[(*n)++] = v;
    if (!*end) return 0;
    q = end + 1;
  }
}

/* ecm simulate tseries: one darkfield set per temperature (simulate_one), the table and the
 * law. Every output name is checked before anything is simulated. */
static int run_tseries(const ecm_sim_params *base, const ecm_sim_tseries_law *law,
                       const char *temps, ecm_pixel_type ptype, cli_common *c) {
  static double T[SIM_MAX_TEMPS];
  static char pre[SIM_MAX_TEMPS][4096];
  size_t n;
  int rc = parse_temps(temps, T, &n);
  if (rc) return rc;
  char csv[4096], json[4096];
  if (cli_join(csv, sizeof csv, c->output, "_tseries.csv") ||
      cli_join(json, sizeof json, c->output, "_tseries.json"))
    return cli_usage_error("simulate", "output prefix too long");
  for (size_t i = 0; i < n; i++) {
    ecm_sim_params q;
    ecm_status st = ecm_sim_tseries_params(base, law, T[i], &q);
    if (st != ECM_OK) return cli_fail("simulate", st);
    char tag[64];
    snprintf(tag, sizeof tag, "_T%gK", T[i]);
    sim_files f;
    if (cli_join(pre[i], sizeof pre[i], c->output, tag) || make_names(pre[i], &f))
      return cli_usage_error("simulate", "output prefix too long");
    for (size_t j = 0; j < i; j++)
      if (!strcmp(pre[i], pre[j]))
        return cli_usage_error("simulate", "--temps: %g K appears twice", T[i]);
    const char *all[] = {f.stack, f.tau, f.beta, f.amp, f.region, f.shifts, f.truth};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
      if ((rc = cli_check_output("simulate", all[k], NULL, c->force))) return rc;
  }
  if ((rc = cli_check_output("simulate", csv, NULL, c->force)) ||
      (rc = cli_check_output("simulate", json, NULL, c->force)))
    return rc;

  ecm__strbuf tab, js;
  ecm__sb_init(&tab);
  ecm__sb_init(&js);
  char params_json[4096];
  ecm_status st = ecm_sim_params_json(base, params_json, sizeof params_json);
  if (st != ECM_OK) rc = cli_fail("simulate", st);
  ecm__sb_puts(&tab, "T_K,tau_median_s,domain_size_px,xi_expected_px,stack\n");
  ecm__sb_printf(&js,
                 "{\n  \"schema\": \"ecm.simulate.tseries/1\",\n  \"program\": \"ecm %s\",\n"
                 "  \"law\": {\"tau_median\": \"tau_inf_s * exp(E_eV / (k_B * T_K))\", "
                 "\"domain_size\": \"domain_ref_px * (T_ref_K / T_K)^domain_exponent\", "
                 "\"k_B_eV_per_K\": %.10g,\n    \"E_eV\": ",
                 ecm_version(), ECM_STATS_KB_EV_PER_K);
  ecm__sb_json_num(&js, law->E_eV);
  ecm__sb_puts(&js, ", \"tau_inf_s\": ");
  ecm__sb_json_num(&js, law->tau_inf_s);
  ecm__sb_puts(&js, ", \"T_ref_K\": ");
  ecm__sb_json_num(&js, law->T_ref_K);
  ecm__sb_puts(&js, ", \"domain_ref_px\": ");
  ecm__sb_json_num(&js, law->domain_ref_px);
  ecm__sb_puts(&js, ", \"domain_exponent\": ");
  ecm__sb_json_num(&js, law->domain_exponent);
  ecm__sb_printf(&js, "},\n  \"base_params\": %s,\n  \"series\": [", params_json);
  for (size_t i = 0; i < n && !rc; i++) {
    ecm_sim_params q;
    (void)ecm_sim_tseries_params(base, law, T[i], &q); /* checked above */
    double xi = NAN;
    char stack[4096];
    (void)cli_join(stack, sizeof stack, pre[i], ".tif");
    if (!c->quiet && !c->json)
      printf("T = %g K: tau_median %.6g s, domain %.6g px -> %s\n", T[i], q.tau_median_s,
             q.domain_size_px, stack);
    fflush(stdout);
    rc = simulate_one(&q, pre[i], ptype, c, "tseries", 0, 0, &xi);
    if (rc) break;
    ecm__sb_printf(&tab, "%.10g,%.10g,%.10g,%.10g,%s\n", T[i], q.tau_median_s, q.domain_size_px,
                   xi, stack);
    ecm__sb_printf(&js, "%s\n    {\"T_K\": ", i ? "," : "");
    ecm__sb_json_num(&js, T[i]);
    ecm__sb_puts(&js, ", \"tau_median_s\": ");
    ecm__sb_json_num(&js, q.tau_median_s);
    ecm__sb_puts(&js, ", \"domain_size_px\": ");
    ecm__sb_json_num(&js, q.domain_size_px);
    ecm__sb_puts(&js, ", \"xi_expected_px\": ");
    ecm__sb_json_num(&js, xi);
    ecm__sb_puts(&js, ", \"stack\": ");
    ecm__sb_json_str(&js, stack);
    ecm__sb_puts(&js, "}");
  }
  ecm__sb_puts(&js, "\n  ],\n  \"table\": ");
  ecm__sb_json_str(&js, csv);
  ecm__sb_puts(&js, "\n}\n");
  if (!rc) {
    st = tab.failed ? ECM_ENOMEM : ecm_io_write_text(csv, ecm__sb_str(&tab), tab.len, c->force);
    if (st == ECM_OK)
      st = js.failed ? ECM_ENOMEM : ecm_io_write_text(json, ecm__sb_str(&js), js.len, c->force);
    if (st != ECM_OK) rc = cli_fail("simulate", st);
  }
  if (!rc && c->json) fputs(ecm__sb_str(&js), stdout);
  if (!rc && !c->json && !c->quiet)
    printf("simulated %zu temperatures\n  table        %s\n  law          %s\n", n, csv, json);
  ecm__sb_free(&tab);
  ecm__sb_free(&js);
  return rc;
}

static int run_simulate(int argc, char **argv) {
  cli_common c = {0};
  ecm_sim_params p = ecm_sim_default_params();
  const char *geometry = "film", *type = "f32";
  double beta = 0;
  const char *temps = NULL;
  ecm_sim_tseries_law law = {0.0, 0.0, 300.0, 0.0, 1.0};
  cli_opt opts[] = {
      CLI_OPT_OUTPUT(c, "PREFIX", "output prefix (required)"),
      {"nframes", 'n', CLI_SIZE, &p.nt, "N", "frames", "1000", "number of frames", 0, 2, 1e7},
      {"width", 0, CLI_SIZE, &p.nx, "N", "px", "64", "image width", 0, 1, 65536},
      {"height", 0, CLI_SIZE, &p.ny, "N", "px", "64", "image height", 0, 1, 65536},
      {"dt", 0, CLI_DOUBLE, &p.frame_interval_s, "S", "s", "0.5", "frame interval", 0, 1e-9, 1e6},
      {"pixel-size", 0, CLI_DOUBLE, &p.pixel_size_nm, "NM", "nm", "1", "pixel size", 0, 1e-6, 1e6},
      {"seed", 0, CLI_SIZE, &p.seed, "N", NULL, "1", "random seed (same seed, same data)", 0, 0, 1.8e19},
      {"tau", 0, CLI_DOUBLE, &p.tau_median_s, "S", "s", "10", "median relaxation time", 0, 1e-12, 1e12},
      {"tau-sigma", 0, CLI_DOUBLE, &p.tau_sigma, "X", NULL, "0.5",
       "standard deviation of ln(tau) (log-normal map); 0 = uniform", 0, 0, 5},
      {"beta", 0, CLI_DOUBLE, &beta, "B", NULL, NULL, "constant stretching exponent (sets --beta-min and --beta-max)", 0, 1e-3, 2},
      {"beta-min", 0, CLI_DOUBLE, &p.beta_min, "B", NULL, "0.5", "smallest stretching exponent", 0, 1e-3, 2},
      {"beta-max", 0, CLI_DOUBLE, &p.beta_max, "B", NULL, "1", "largest stretching exponent", 0, 1e-3, 2},
      {"contrast", 0, CLI_DOUBLE, &p.contrast, "A", NULL, "0.3", "speckle contrast A of g2", 0, 1e-6, 1},
      {"map-corr", 0, CLI_DOUBLE, &p.map_corr_px, "PX", "px", "4",
       "correlation length of the tau and beta maps; 0 = independent pixels", 0, 0, 256},
      {"domain", 0, CLI_DOUBLE, &p.domain_size_px, "PX", "px", "0 (off)",
       "diameter (>= 1) of domains that rearrange together (dynamic correlation length)", 0, 0, 1e4},
      {"shared", 0, CLI_DOUBLE, &p.shared_fraction, "F", NULL, "0.8",
       "fraction of rearrangements shared within a domain", 0, 0, 1},
      {"speckle", 0, CLI_DOUBLE, &p.speckle_px, "PX", "px", "0 (off)",
       "FWHM of the coherent point-spread function (speckle size)", 0, 0, 32},
      {"geometry", 0, CLI_STRING, &geometry, "film|nanowire", NULL, "film",
       "whole field of sample, or a nanowire with a fast surface layer in vacuum", 0, CLI_NO_RANGE},
      {"wire-width", 0, CLI_DOUBLE, &p.wire_width_px, "PX", "px", "0.6 x width", "nanowire width", 0, 1e-3, 1e6},
      {"wire-angle", 0, CLI_DOUBLE, &p.wire_angle_deg, "DEG", "degrees", "0", "nanowire axis angle from x", 0, -360, 360},
      {"surface", 0, CLI_DOUBLE, &p.surface_px, "PX", "px", "3", "thickness of the fast surface layer", 0, 0, 1e6},
      {"surface-speedup", 0, CLI_DOUBLE, &p.surface_speedup, "X", NULL, "10",
       "tau in the bulk / tau in the surface layer", 0, 1e-3, 1e6},
      {"vacuum", 0, CLI_DOUBLE, &p.vacuum_level, "X", NULL, "0.05",
       "vacuum intensity relative to the mean sample intensity", 0, 0, 1e3},
      {"dose", 0, CLI_DOUBLE, &p.dose, "COUNTS", "counts/px/frame", "0 (noiseless)",
       "mean counts per pixel per frame: Poisson counting noise", 0, 0, 1e6},
      {"drift-x", 0, CLI_DOUBLE, &p.drift_x_px, "PX", "px", "0", "linear drift along x over the series", 0, -1e4, 1e4},
      {"drift-y", 0, CLI_DOUBLE, &p.drift_y_px, "PX", "px", "0", "linear drift along y over the series", 0, -1e4, 1e4},
      {"jitter", 0, CLI_DOUBLE, &p.drift_jitter_px, "PX", "px", "0", "rms random-walk drift step per frame", 0, 0, 1e3},
      {"crystals", 0, CLI_SIZE, &p.crystal_count, "N", NULL, "0",
       "static crystalline inclusions: bright, never decorrelating (region 3)", 0, 0, 1000},
      {"crystal-radius", 0, CLI_DOUBLE, &p.crystal_radius_px, "PX", "px", "3", "radius of each crystal", 0, 0.5, 1e3},
      {"crystal-brightness", 0, CLI_DOUBLE, &p.crystal_brightness, "X", NULL, "3",
       "mean crystal intensity relative to the mean sample intensity", 0, 1e-6, 1e3},
      {"aging", 0, CLI_DOUBLE, &p.aging_factor, "X", NULL, "1 (stationary)",
       "aging: tau drifts geometrically to X times its truth (first-frame) value by the last frame",
       0, 1e-2, 1e2},
      {"temps", 0, CLI_STRING, &temps, "T1,T2,...", "K", NULL,
       "tseries: the temperatures, one stack each", 0, CLI_NO_RANGE},
      {"E-eV", 0, CLI_DOUBLE, &law.E_eV, "E", "eV", NULL,
       "tseries: activation energy of tau_median(T) = tau_inf exp(E / (k_B T))", 0, 0, 100},
      {"tau-inf", 0, CLI_DOUBLE, &law.tau_inf_s, "S", "s", NULL, "tseries: attempt time tau_inf", 0,
       1e-300, 1e300},
      {"domain-at-Tref", 0, CLI_DOUBLE, &law.domain_ref_px, "PX", "px", "0 (off)",
       "tseries: domain diameter at --Tref; d(T) = d_ref (T_ref / T)^x", 0, 0, 1e4},
      {"Tref", 0, CLI_DOUBLE, &law.T_ref_K, "K", "K", "300", "tseries: reference temperature", 0,
       1e-6, 1e6},
      {"domain-exponent", 0, CLI_DOUBLE, &law.domain_exponent, "X", NULL, "1",
       "tseries: exponent x of the domain growth on cooling", 0, 0, 20},
      {"type", 0, CLI_STRING, &type, "f32|u16", NULL, "f32",
       "pixel type of the stack: 32-bit float, or 16-bit counts (needs --dose)", 0, CLI_NO_RANGE},
      CLI_OPT_THREADS(c), CLI_OPT_FORCE(c), CLI_OPT_JSON(c), CLI_OPT_QUIET(c), CLI_OPT_END};
  const char *pos[1];
  int npos;
  int rc = cli_parse(&cli_cmd_simulate, opts, argc, argv, pos, 1, &npos);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  int tseries = npos == 1 && !strcmp(pos[0], "tseries");
  if (npos != 1 || (strcmp(pos[0], "darkfield") && !tseries))
    return cli_usage_error("simulate", "the simulators are 'darkfield' and 'tseries' (usage: %s)",
                           cli_cmd_simulate.usage);
  if (!c.output) return cli_usage_error("simulate", "give an output prefix with -o PREFIX");
  for (cli_opt *o = opts; o->name; o++)
    if (!strcmp(o->name, "beta") && o->given) p.beta_min = p.beta_max = beta;
  int width_given = 0;
  for (cli_opt *o = opts; o->name; o++)
    if (!strcmp(o->name, "width") && o->given) width_given = 1;
  int wire_given = 0;
  for (cli_opt *o = opts; o->name; o++)
    if (!strcmp(o->name, "wire-width") && o->given) wire_given = 1;
  if (width_given && !wire_given) p.wire_width_px = 0.6 * (double)p.nx;
  if (!strcmp(geometry, "film"))
    p.geometry = ECM_SIM_FILM;
  else if (!strcmp(geometry, "nanowire"))
    p.geometry = ECM_SIM_NANOWIRE;
  else
    return cli_usage_error("simulate", "--geometry must be 'film' or 'nanowire', got '%s'", geometry);
  ecm_pixel_type ptype;
  if (!strcmp(type, "f32"))
    ptype = ECM_PIXEL_F32;
  else if (!strcmp(type, "u16"))
    ptype = ECM_PIXEL_U16;
  else
    return cli_usage_error("simulate", "--type must be 'f32' or 'u16', got '%s'", type);
  if (ptype == ECM_PIXEL_U16 && !(p.dose > 0))
    return cli_usage_error("simulate", "--type u16 stores counts: give --dose COUNTS as well");
  static const char *const ts_only[] = {"temps", "E-eV", "tau-inf", "domain-at-Tref", "Tref",
                                         "domain-exponent"};
  for (cli_opt *o = opts; o->name; o++) {
    if (!o->given) continue;
    for (size_t i = 0; i < sizeof ts_only / sizeof ts_only[0] && !tseries; i++)
      if (!strcmp(o->name, ts_only[i]))
        return cli_usage_error("simulate", "--%s belongs to 'simulate tseries'", o->name);
    if (tseries && (!strcmp(o->name, "tau") || !strcmp(o->name, "domain")))
      return cli_usage_error("simulate",
                             "--%s is set by the temperature law in 'simulate tseries' (use "
                             "--tau-inf/--E-eV or --domain-at-Tref/--Tref/--domain-exponent)",
                             o->name);
  }
  if (tseries) {
    int e_given = 0, tinf_given = 0;
    for (cli_opt *o = opts; o->name; o++) {
      if (!strcmp(o->name, "E-eV")) e_given = o->given;
      if (!strcmp(o->name, "tau-inf")) tinf_given = o->given;
    }
    if (!temps || !e_given || !tinf_given)
      return cli_usage_error("simulate", "tseries needs --temps T1,T2,... --E-eV E --tau-inf S");
    return run_tseries(&p, &law, temps, ptype, &c);
  }
  ecm_status st = ecm_sim_check_params(&p);
  if (st != ECM_OK) return cli_fail("simulate", st);

  return simulate_one(&p, c.output, ptype, &c, "darkfield", c.json, 1, NULL);
}

