/* ecm fit — a KWW fit of a g2 curve from CSV (as `ecm g2` writes it), printed as JSON. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_input.h"
#include "ecm/io.h"
#include "ecm/kww.h"
#include "util/strbuf.h"

static int run_fit(int argc, char **argv);

const cli_command cli_cmd_fit = {
    "fit", "fit g2(t) = B + A exp[-2 (t/tau)^beta] to a g2 curve (CSV) and print JSON",
    "ecm fit G2.csv [--beta B] [--tmin S] [--tmax S] [--free-baseline] [options]",
    "Reads a CSV with a header line and the columns t, g2 and optionally sem (as written by\n"
    "'ecm g2'; the unit of t is that of the first column's name: t_s in seconds, t_frames\n"
    "in frames) and fits the KWW model (Zhang et al. 2018, Eq. 2) with the lean\n"
    "Levenberg-Marquardt fitter, weighting each point by 1/sem^2 when the sem column is\n"
    "present. Prints A, tau, beta, B with standard errors (unscaled, and scaled by\n"
    "sqrt(chi2_red)), the reduced chi2, the number of points and the fit state as JSON.\n"
    "The model and its options are described in docs/kww.md.",
    run_fit};

typedef struct csv_curve {
  size_t n, cap;
  double *t, *y, *s;
  int has_sem;
  char t_name[64];
} csv_curve;

static void csv_free(csv_curve *c) {
  free(c->t);
  free(c->y);
  free(c->s);
}

static int csv_push(csv_curve *c, double t, double y, double s) {
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 256;
    double *a = realloc(c->t, cap * sizeof *a);
    if (a) c->t = a;
    double *b = realloc(c->y, cap * sizeof *b);
    if (b) c->y = b;
    double *d = realloc(c->s, cap * sizeof *d);
    if (d) c->s = d;
    if (!a || !b || !d) return -1;
    c->cap = cap;
  }
  c->t[c->n] = t;
  c->y[c->n] = y;
  c->s[c->n] = s;
  c->n++;
  return 0;
}

/* Parse "t,g2[,sem]" rows after one header line. Returns 0 or an exit code. */
static int read_csv(const char *path, csv_curve *c) {
  FILE *f = fopen(path, "r");
  if (!f) return cli_usage_error("fit", "cannot open '%s': %s", path, strerror(errno));
  char line[4096];
  size_t lineno = 0;
  int rc = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
    if (len == 0 || line[0] == '#') continue;
    if (c->t_name[0] == '\0') { /* header */
      char *comma = strchr(line, ',');
      if (!comma) {
        rc = cli_usage_error("fit", "%s:%zu: expected a header 't_s,g2[,sem]'", path, lineno);
        break;
      }
      size_t k = (size_t)(comma - line);
      if (k >= sizeof c->t_name) k = sizeof c->t_name - 1;
      memcpy(c->t_name, line, k);
      c->t_name[k] = '\0';
      int cols = 1;
      for (char *p = line; *p; p++) cols += *p == ',';
      c->has_sem = cols >= 3;
      continue;
    }
    double v[3] = {NAN, NAN, NAN};
    char *p = line, *end;
    int k;
    for (k = 0; k < 3 && *p; k++) {
      errno = 0;
      v[k] = strtod(p, &end);
      if (end == p) {
        /* "nan" parses; an empty or text field does not */
        rc = cli_usage_error("fit", "%s:%zu: column %d is not a number", path, lineno, k + 1);
        break;
      }
      p = end;
      if (*p == ',') p++;
      else break;
    }
    if (rc) break;
    if (k < 1) {
      rc = cli_usage_error("fit", "%s:%zu: expected at least two columns", path, lineno);
      break;
    }
    if (csv_push(c, v[0], v[1], v[2])) {
      rc = cli_usage_error("fit", "out of memory");
      break;
    }
  }
  fclose(f);
  if (!rc && c->n == 0) rc = cli_usage_error("fit", "%s holds no data rows", path);
  return rc;
}

static void put_num(ecm__strbuf *sb, const char *key, double v, int comma) {
  if (comma) ecm__sb_puts(sb, ", ");
  ecm__sb_json_key(sb, key);
  ecm__sb_json_num(sb, v);
}

static int run_fit(int argc, char **argv) {
  cli_common c = {0};
  double beta = 0, tmin = 0, tmax = INFINITY;
  int free_baseline = 0, unweighted = 0, reference = 0;
  cli_opt opts[] = {
      {"beta", 0, CLI_DOUBLE, &beta, "B", NULL, "fitted", "hold beta fixed (Nakazawa et al. use 1)", 0, 1e-3, 3},
      {"tmin", 0, CLI_DOUBLE, &tmin, "T", "unit of t", "0", "smallest delay used", 0, 0, 1e300},
      {"tmax", 0, CLI_DOUBLE, &tmax, "T", "unit of t", "all", "largest delay used", 0, 0, 1e300},
      {"free-baseline", 0, CLI_FLAG, &free_baseline, NULL, NULL, NULL, "fit the baseline B instead of fixing it at 1", 0, CLI_NO_RANGE},
      {"unweighted", 0, CLI_FLAG, &unweighted, NULL, NULL, NULL, "ignore the sem column", 0, CLI_NO_RANGE},
      {"reference", 0, CLI_FLAG, &reference, NULL, NULL, NULL, "use GSL's general fitter (slower; for checks)", 0, CLI_NO_RANGE},
      CLI_OPT_OUTPUT(c, "FIT.json", "write the JSON to a file instead of stdout"),
      CLI_OPT_FORCE(c), CLI_OPT_QUIET(c), CLI_OPT_END};
  const char *pos[1];
  int npos;
  int rc = cli_parse(&cli_cmd_fit, opts, argc, argv, pos, 1, &npos);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  if (npos != 1) return cli_usage_error("fit", "expected one CSV file (usage: %s)", cli_cmd_fit.usage);
  if (c.output && (rc = cli_check_output("fit", c.output, pos[0], c.force))) return rc;
  csv_curve cv = {0};
  if ((rc = read_csv(pos[0], &cv))) {
    csv_free(&cv);
    return rc;
  }
  ecm_kww_params p = ecm_kww_default_params();
  p.t_min = tmin;
  p.t_max = tmax;
  p.baseline_free = free_baseline;
  for (cli_opt *o = opts; o->name; o++)
    if (!strcmp(o->name, "beta") && o->given) {
      p.beta_fixed = 1;
      p.beta_value = beta;
    }
  ecm_kww_result r;
  const double *sigma = cv.has_sem && !unweighted ? cv.s : NULL;
  ecm_status st = reference ? ecm_kww_fit_reference(&p, cv.t, cv.y, sigma, cv.n, &r)
                            : ecm_kww_fit(&p, cv.t, cv.y, sigma, cv.n, &r);
  if (st != ECM_OK) {
    csv_free(&cv);
    return cli_fail("fit", st);
  }
  const char *unit = strstr(cv.t_name, "frame") ? "frames" : "s";
  ecm__strbuf sb;
  ecm__sb_init(&sb);
  ecm__sb_printf(&sb, "{\"schema\": \"ecm.fit/1\", \"program\": \"ecm %s\", \"input\": ", ecm_version());
  ecm__sb_json_str(&sb, pos[0]);
  ecm__sb_printf(&sb, ", \"model\": \"g2 = B + A exp(-2 (t/tau)^beta)\", \"fitter\": \"%s\", "
                      "\"weighted\": %s, \"t_unit\": \"%s\", \"state\": \"%s\", \"state_code\": %d, ",
                 reference ? "gsl" : "lean-lm", sigma ? "true" : "false", unit,
                 ecm_kww_state_name(r.state), (int)r.state);
  char key[32];
  snprintf(key, sizeof key, "tau_%s", unit);
  put_num(&sb, "A", r.A, 0);
  put_num(&sb, key, r.tau, 1);
  put_num(&sb, "beta", r.beta, 1);
  put_num(&sb, "B", r.B, 1);
  put_num(&sb, "A_err", r.A_err, 1);
  snprintf(key, sizeof key, "tau_err_%s", unit);
  put_num(&sb, key, r.tau_err, 1);
  put_num(&sb, "beta_err", r.beta_err, 1);
  put_num(&sb, "B_err", r.B_err, 1);
  put_num(&sb, "A_err_scaled", r.A_err_scaled, 1);
  snprintf(key, sizeof key, "tau_err_scaled_%s", unit);
  put_num(&sb, key, r.tau_err_scaled, 1);
  put_num(&sb, "beta_err_scaled", r.beta_err_scaled, 1);
  put_num(&sb, "B_err_scaled", r.B_err_scaled, 1);
  put_num(&sb, "chi2_red", r.chi2_red, 1);
  ecm__sb_printf(&sb, ", \"n_points\": %zu, \"iterations\": %zu, \"beta_fixed\": %s, "
                      "\"baseline_free\": %s",
                 r.n_used, r.iterations, p.beta_fixed ? "true" : "false",
                 p.baseline_free ? "true" : "false");
  put_num(&sb, "t_min", p.t_min, 1);
  put_num(&sb, "t_max", p.t_max, 1);
  ecm__sb_puts(&sb, "}\n");
  csv_free(&cv);
  if (sb.failed) {
    ecm__sb_free(&sb);
    return cli_usage_error("fit", "out of memory");
  }
  rc = CLI_EXIT_OK;
  if (c.output) {
    st = ecm_io_write_text(c.output, ecm__sb_str(&sb), sb.len, c.force);
    if (st != ECM_OK) rc = cli_fail("fit", st);
  } else {
    fputs(ecm__sb_str(&sb), stdout);
  }
  ecm__sb_free(&sb);
  if (!rc && r.state != ECM_KWW_CONVERGED)
    cli_note("fit", c.quiet, "the fit did not converge (%s): the values are not a measurement",
             ecm_kww_state_name(r.state));
  return rc;
}
