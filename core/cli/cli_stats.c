/* ecm stats — temperature-series fits (Arrhenius, xi-tau models), Spearman correlation of
 * two maps with spatially honest p-values, and the log-normal fit of a map with bootstrap
 * intervals. Every subcommand prints one JSON object (docs/stats.md); arrhenius and xi-tau
 * can also write their per-row table as CSV (--csv). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_input.h"
#include "ecm/io.h"
#include "ecm/stats.h"
#include "util/strbuf.h"

static int run_stats(int argc, char **argv);

const cli_command cli_cmd_stats = {
    "stats", "temperature-series fits (Arrhenius, xi-tau), Spearman of two maps, log-normal fit",
    "ecm stats arrhenius|xi-tau|spearman|lognormal ... [options]",
    "Subcommands (each has its own --help):\n"
    "  arrhenius TABLE.csv   E and tau_inf from a (T_K, tau_s, tau_err_s) table\n"
    "  xi-tau TABLE.csv      Adam-Gibbs, IMCT or RFOT fit of xi against tau (Zhang Fig. 4)\n"
    "  spearman A.tif B.tif  rank correlation of two maps, naive/effective-N/block p-values\n"
    "  lognormal MAP.tif     maximum-likelihood log-normal fit, bootstrap intervals\n"
    "Outputs are JSON on stdout (or -o FILE); arrhenius and xi-tau also write their rows with\n"
    "fitted values and residuals as CSV (--csv FILE). Theory and examples: docs/stats.md.",
    run_stats};

/* ---- output ---- */

static void put_num(ecm__strbuf *sb, const char *key, double v) {
  ecm__sb_puts(sb, ", ");
  ecm__sb_json_key(sb, key);
  ecm__sb_json_num(sb, v);
}

static int emit(const char *cmd, ecm__strbuf *sb, const cli_common *c) {
  ecm__sb_puts(sb, "}\n");
  if (sb->failed) {
    ecm__sb_free(sb);
    return cli_usage_error(cmd, "out of memory");
  }
  int rc = CLI_EXIT_OK;
  if (c->output) {
    ecm_status st = ecm_io_write_text(c->output, ecm__sb_str(sb), sb->len, c->force);
    if (st != ECM_OK) rc = cli_fail(cmd, st);
  } else {
    fputs(ecm__sb_str(sb), stdout);
  }
  ecm__sb_free(sb);
  return rc;
}

static void header(ecm__strbuf *sb, const char *schema) {
  ecm__sb_init(sb);
  ecm__sb_printf(sb, "{\"schema\": \"%s\", \"program\": \"ecm %s\"", schema, ecm_version());
}

static void put_ci(ecm__strbuf *sb, const char *key, const ecm_ci *ci, const char *unit,
                   unsigned long long seed) {
  ecm__sb_printf(sb, ", \"%s\": {\"method\": \"percentile\", \"resamples\": %zu, "
                     "\"failed\": %zu, \"seed\": %llu",
                 key, ci->resamples, ci->failed, seed);
  put_num(sb, "level", ci->level);
  char k[48];
  snprintf(k, sizeof k, "lo%s", unit);
  put_num(sb, k, ci->lo);
  snprintf(k, sizeof k, "hi%s", unit);
  put_num(sb, k, ci->hi);
  snprintf(k, sizeof k, "se%s", unit);
  put_num(sb, k, ci->se);
  ecm__sb_puts(sb, "}");
}

/* ---- CSV output of per-row tables ---- */

/* One CSV field: %.17g (round-trips), NaN as "nan"; a comma or the end of the line. */
static void csv_num(ecm__strbuf *sb, double v, int last) {
  if (isnan(v))
    ecm__sb_puts(sb, "nan");
  else
    ecm__sb_printf(sb, "%.17g", v);
  ecm__sb_puts(sb, last ? "\n" : ",");
}

/* Refuse a --csv path that is the input, the -o file, or exists without --force. */
static int check_csv(const char *cmd, const char *csv, const char *input, const cli_common *c) {
  if (!csv) return CLI_EXIT_OK;
  if (c->output && !strcmp(csv, c->output))
    return cli_usage_error(cmd, "--csv and -o name the same file '%s'", csv);
  return cli_check_output(cmd, csv, input, c->force);
}

/* Write the table atomically (ecm_io_write_text); frees sb. */
static int write_csv(const char *cmd, const char *path, ecm__strbuf *sb, int force) {
  int rc = CLI_EXIT_OK;
  if (sb->failed) {
    rc = cli_usage_error(cmd, "out of memory");
  } else {
    ecm_status st = ecm_io_write_text(path, ecm__sb_str(sb), sb->len, force);
    if (st != ECM_OK) rc = cli_fail(cmd, st);
  }
  ecm__sb_free(sb);
  return rc;
}

/* ---- CSV tables with named columns ---- */

enum { MAXCOL = 16 };

typedef struct table {
  size_t n, cap, ncol;
  char names[MAXCOL][64];
  double *col[MAXCOL];
} table;

static void table_free(table *t) {
  for (size_t k = 0; k < MAXCOL; k++) free(t->col[k]);
}

static int table_col(const table *t, const char *name) {
  for (size_t k = 0; k < t->ncol; k++)
    if (!strcmp(t->names[k], name)) return (int)k;
  return -1;
}

/* A header line of column names, then numeric rows ("nan" allowed; '#' lines skipped). */
static int read_table(const char *cmd, const char *path, table *t) {
  FILE *f = fopen(path, "r");
  if (!f) return cli_usage_error(cmd, "cannot open '%s': %s", path, strerror(errno));
  char line[8192];
  size_t lineno = 0;
  int rc = 0, have_header = 0;
  while (!rc && fgets(line, sizeof line, f)) {
    lineno++;
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
      line[--len] = '\0';
    if (len == 0 || line[0] == '#') continue;
    if (!have_header) {
      char *p = line;
      while (p) {
        char *comma = strchr(p, ',');
        size_t k = comma ? (size_t)(comma - p) : strlen(p);
        while (k && p[k - 1] == ' ') k--;
        while (*p == ' ' && k) p++, k--;
        if (t->ncol == MAXCOL) {
          rc = cli_usage_error(cmd, "%s:%zu: more than %d columns", path, lineno, MAXCOL);
          break;
        }
        if (k >= sizeof t->names[0]) k = sizeof t->names[0] - 1;
        memcpy(t->names[t->ncol], p, k);
        t->names[t->ncol][k] = '\0';
        t->ncol++;
        p = comma ? comma + 1 : NULL;
      }
      have_header = 1;
      continue;
    }
    if (t->n == t->cap) {
      size_t cap = t->cap ? 2 * t->cap : 64;
      for (size_t k = 0; k < t->ncol; k++) {
        double *a = realloc(t->col[k], cap * sizeof *a);
        if (!a) {
          rc = cli_usage_error(cmd, "out of memory");
          break;
        }
        t->col[k] = a;
      }
      if (rc) break;
      t->cap = cap;
    }
    char *p = line, *end;
    for (size_t k = 0; k < t->ncol; k++) {
      errno = 0;
      double v = strtod(p, &end);
      if (end == p) {
        rc = cli_usage_error(cmd, "%s:%zu: column '%s' is not a number", path, lineno,
                             t->names[k]);
        break;
      }
      t->col[k][t->n] = v;
      p = end;
      while (*p == ' ') p++;
      if (k + 1 < t->ncol) {
        if (*p != ',') {
          rc = cli_usage_error(cmd, "%s:%zu: expected %zu columns", path, lineno, t->ncol);
          break;
        }
        p++;
      } else if (*p) {
        rc = cli_usage_error(cmd, "%s:%zu: more than %zu columns", path, lineno, t->ncol);
      }
    }
    if (!rc) t->n++;
  }
  fclose(f);
  if (!rc && !have_header) rc = cli_usage_error(cmd, "%s is empty", path);
  if (!rc && t->n == 0) rc = cli_usage_error(cmd, "%s holds no data rows", path);
  return rc;
}

/* The column `name`, or NULL (after an error when required). */
static const double *need_col(const char *cmd, const table *t, const char *path,
                              const char *name, int required, int *rc) {
  int k = table_col(t, name);
  if (k < 0) {
    if (required) *rc = cli_usage_error(cmd, "%s has no column '%s'", path, name);
    return NULL;
  }
  return t->col[k];
}

static int option_given(const cli_opt *opts, const char *name) {
  for (const cli_opt *o = opts; o->name; o++)
    if (!strcmp(o->name, name)) return o->given;
  return 0;
}

/* ---- arrhenius ---- */

static const cli_command cmd_arrhenius = {
    "stats arrhenius", "Arrhenius fit tau = tau_inf exp(E / (k_B T)) of a temperature series",
    "ecm stats arrhenius TABLE.csv [--bootstrap N] [--seed S] [--csv FILE] [-o FILE] [options]",
    "TABLE.csv has a header line and the columns T_K (K), tau_s (s) and optionally\n"
    "tau_err_s (s; other columns are ignored). ln tau is fitted as a straight line in 1/T\n"
    "weighted by sigma_ln_tau = tau_err_s / tau_s (without that column: unweighted, errors\n"
    "from the scatter). Prints E in eV and kJ/mol (CODATA 2018 constants) with standard\n"
    "errors (from the given sigmas, and scaled by sqrt(chi2_red)), tau_inf in s, the\n"
    "covariance and the reduced chi2 as JSON. --bootstrap adds a percentile interval of E\n"
    "from resampling the rows. Rows holding nan are skipped. --csv FILE writes the table\n"
    "with the fitted ln tau, the residual and the pull (residual / sigma) of every row.",
    NULL};

static int run_arrhenius(int argc, char **argv) {
  cli_common c = {0};
  size_t boot = 0;
  long seed = 1;
  double level = 0.95;
  const char *csv = NULL;
  cli_opt opts[] = {
      {"bootstrap", 0, CLI_SIZE, &boot, "N", NULL, "0 (none)", "bootstrap resamples of the table rows for an interval of E", 0, 0, 1e7},
      {"seed", 0, CLI_INT, &seed, "S", NULL, "1", "random seed of the bootstrap", 0, 0, 9.2e18},
      {"level", 0, CLI_DOUBLE, &level, "P", NULL, "0.95", "coverage of the bootstrap interval", 0, 0.5, 0.999},
      {"csv", 0, CLI_STRING, &csv, "FILE.csv", NULL, NULL, "also write the rows with fitted ln tau and residuals", 0, CLI_NO_RANGE},
      CLI_OPT_OUTPUT(c, "FILE.json", "write the JSON to a file instead of stdout"),
      CLI_OPT_JSON(c), CLI_OPT_FORCE(c), CLI_OPT_QUIET(c), CLI_OPT_END};
  const char *pos[1];
  int npos;
  const char *cmd = cmd_arrhenius.name;
  int rc = cli_parse(&cmd_arrhenius, opts, argc, argv, pos, 1, &npos);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  if (npos != 1) return cli_usage_error(cmd, "expected one CSV table (usage: %s)", cmd_arrhenius.usage);
  if (boot && boot < 10) return cli_usage_error(cmd, "--bootstrap needs at least 10 resamples");
  if (c.output && (rc = cli_check_output(cmd, c.output, pos[0], c.force))) return rc;
  if ((rc = check_csv(cmd, csv, pos[0], &c))) return rc;
  table t = {0};
  if ((rc = read_table(cmd, pos[0], &t))) goto out;
  const double *T = need_col(cmd, &t, pos[0], "T_K", 1, &rc);
  const double *tau = need_col(cmd, &t, pos[0], "tau_s", 1, &rc);
  const double *err = need_col(cmd, &t, pos[0], "tau_err_s", 0, &rc);
  if (rc) goto out;
  if (!err) cli_note(cmd, c.quiet, "no tau_err_s column: unweighted fit, errors from the scatter");
  ecm_arrhenius r;
  ecm_status st = ecm_stats_arrhenius_fit(T, tau, err, t.n, &r);
  if (st != ECM_OK) {
    rc = cli_fail(cmd, st);
    goto out;
  }
  ecm_ci ci;
  ecm_bootstrap_params bp = ecm_stats_bootstrap_default_params();
  if (boot) {
    bp.resamples = boot, bp.seed = (unsigned long long)seed, bp.level = level;
    st = ecm_stats_arrhenius_bootstrap(T, tau, err, t.n, &bp, &ci);
    if (st != ECM_OK) {
      rc = cli_fail(cmd, st);
      goto out;
    }
  }
  ecm__strbuf sb;
  header(&sb, "ecm.stats.arrhenius/1");
  ecm__sb_puts(&sb, ", \"input\": ");
  ecm__sb_json_str(&sb, pos[0]);
  ecm__sb_printf(&sb, ", \"model\": \"tau = tau_inf exp(E / (k_B T)), ln tau linear in 1/T\", "
                      "\"weighted\": %s, \"n_rows\": %zu, \"n_skipped\": %zu, \"dof\": %zu",
                 r.weighted ? "true" : "false", r.n, t.n - r.n, r.dof);
  put_num(&sb, "k_B_eV_per_K", ECM_STATS_KB_EV_PER_K);
  put_num(&sb, "kJ_per_mol_per_eV", ECM_STATS_KJ_PER_MOL_PER_EV);
  put_num(&sb, "E_eV", r.E_eV);
  put_num(&sb, "E_err_eV", r.E_eV_err);
  put_num(&sb, "E_err_scaled_eV", r.E_eV_err_scaled);
  put_num(&sb, "E_kJ_per_mol", r.E_kJ_per_mol);
  put_num(&sb, "E_err_kJ_per_mol", r.E_kJ_per_mol_err);
  put_num(&sb, "E_err_scaled_kJ_per_mol", r.E_kJ_per_mol_err_scaled);
  put_num(&sb, "tau_inf_s", r.tau_inf_s);
  put_num(&sb, "tau_inf_err_s", r.tau_inf_err_s);
  put_num(&sb, "ln_tau_inf", r.ln_tau_inf);
  put_num(&sb, "ln_tau_inf_err", r.ln_tau_inf_err);
  put_num(&sb, "cov_ln_tau_inf_E_eV", r.cov_lntauinf_E_eV);
  put_num(&sb, "chi2", r.chi2);
  put_num(&sb, "chi2_red", r.chi2_red);
  if (boot) put_ci(&sb, "bootstrap_E", &ci, "_eV", bp.seed);
  if (csv) {
    /* Per row: fitted line ln tau = ln tau_inf + E / (k_B T); skipped rows have used = 0. */
    ecm__strbuf cb;
    ecm__sb_init(&cb);
    ecm__sb_puts(&cb, "# ecm stats arrhenius: ln tau_fit = ln_tau_inf + E_eV / (k_B T); "
                      "residual = ln tau - ln tau_fit; pull = residual / sigma_ln_tau\n"
                      "T_K,inv_T_per_K,tau_s,tau_err_s,ln_tau,sigma_ln_tau,ln_tau_fit,"
                      "tau_fit_s,residual_ln_tau,pull,used\n");
    for (size_t i = 0; i < t.n; i++) {
      double e = err ? err[i] : NAN;
      int used = !isnan(T[i]) && !isnan(tau[i]) && !(err && isnan(e));
      double lt = log(tau[i]), sl = e / tau[i];
      double fit = r.ln_tau_inf + r.E_eV / (ECM_STATS_KB_EV_PER_K * T[i]);
      csv_num(&cb, T[i], 0);
      csv_num(&cb, 1 / T[i], 0);
      csv_num(&cb, tau[i], 0);
      csv_num(&cb, e, 0);
      csv_num(&cb, lt, 0);
      csv_num(&cb, sl, 0);
      csv_num(&cb, fit, 0);
      csv_num(&cb, exp(fit), 0);
      csv_num(&cb, lt - fit, 0);
      csv_num(&cb, err ? (lt - fit) / sl : NAN, 0);
      ecm__sb_printf(&cb, "%d\n", used);
    }
    if ((rc = write_csv(cmd, csv, &cb, c.force))) {
      ecm__sb_free(&sb);
      goto out;
    }
  }
  rc = emit(cmd, &sb, &c);
out:
  table_free(&t);
  return rc;
}

/* ---- xi-tau ---- */

static const cli_command cmd_xitau = {
    "stats xi-tau", "fit a xi-tau model of Zhang et al. 2018 Fig. 4 to a temperature series",
    "ecm stats xi-tau TABLE.csv --model adam-gibbs|imct|rfot [--n N] [--bootstrap N] [--csv FILE]\n"
    "       [options]",
    "TABLE.csv has a header line and the columns T_K (K), tau_s (s), xi_nm (nm) and\n"
    "optionally tau_err_s (s) and xi_err_nm (nm). Models, all straight lines:\n"
    "  adam-gibbs  ln tau = a + b xi            (b in 1/nm)\n"
    "  imct        ln xi  = a + b ln tau        (power law xi ~ tau^b)\n"
    "  rfot        ln tau = a + b (xi/k_B T)^n  (xi/k_B T in nm/eV; n fitted unless --n)\n"
    "Errors in both variables are propagated by the effective variance, solved exactly\n"
    "(York et al. 2004); --y-errors-only keeps the dependent variable's errors only.\n"
    "Prints a, b (and n) with errors, their covariance and the reduced chi2 as JSON.\n"
    "--bootstrap N adds percentile intervals of b (and of a fitted RFOT n) from refitting N\n"
    "resamples of the table rows (deterministic for --seed). --csv FILE writes the rows with\n"
    "the transformed x and y, the model value and the residual of every row.",
    NULL};

/* Bootstrap statistic: refit the model to the rows idx and return b (or the RFOT n). */
typedef struct xitau_boot_ctx {
  const ecm_xitau_params *p;
  const double *T, *tau, *etau, *xi, *exi; /* the table's columns (T, etau, exi may be NULL) */
  double *buf;                             /* 5 n doubles for the resampled columns */
  int want_n;
} xitau_boot_ctx;

static ecm_status xitau_stat(const size_t *idx, size_t n, void *ctx, double *value) {
  const xitau_boot_ctx *x = ctx;
  double *T = x->buf, *tau = T + n, *etau = tau + n, *xi = etau + n, *exi = xi + n;
  for (size_t i = 0; i < n; i++) {
    size_t k = idx[i];
    T[i] = x->T ? x->T[k] : NAN;
    tau[i] = x->tau[k];
    etau[i] = x->etau ? x->etau[k] : NAN;
    xi[i] = x->xi[k];
    exi[i] = x->exi ? x->exi[k] : NAN;
  }
  ecm_xitau_result r;
  ecm_status st = ecm_stats_xitau_fit(x->p, x->T ? T : NULL, tau, x->etau ? etau : NULL, xi,
                                      x->exi ? exi : NULL, n, &r);
  if (st != ECM_OK) return st;
  *value = x->want_n ? r.n_exp : r.b;
  return ECM_OK;
}

static int run_xitau(int argc, char **argv) {
  cli_common c = {0};
  const char *model = NULL;
  double nexp = 1, nmin = 0.1, nmax = 5;
  int yonly = 0;
  size_t boot = 0;
  long seed = 1;
  double level = 0.95;
  const char *csv = NULL;
  double *bootbuf = NULL;
  cli_opt opts[] = {
      {"model", 0, CLI_STRING, &model, "NAME", NULL, NULL, "adam-gibbs, imct or rfot (required)", 0, CLI_NO_RANGE},
      {"n", 0, CLI_DOUBLE, &nexp, "N", NULL, "fitted", "RFOT: hold the exponent n fixed", 0, 1e-3, 100},
      {"n-min", 0, CLI_DOUBLE, &nmin, "N", NULL, "0.1", "RFOT: smallest exponent searched", 0, 1e-3, 100},
      {"n-max", 0, CLI_DOUBLE, &nmax, "N", NULL, "5", "RFOT: largest exponent searched", 0, 1e-3, 100},
      {"y-errors-only", 0, CLI_FLAG, &yonly, NULL, NULL, NULL, "ignore the errors of the independent variable", 0, CLI_NO_RANGE},
      {"bootstrap", 0, CLI_SIZE, &boot, "N", NULL, "0 (none)", "bootstrap resamples of the table rows for intervals of b (and n)", 0, 0, 1e7},
      {"seed", 0, CLI_INT, &seed, "S", NULL, "1", "random seed of the bootstrap", 0, 0, 9.2e18},
      {"level", 0, CLI_DOUBLE, &level, "P", NULL, "0.95", "coverage of the bootstrap intervals", 0, 0.5, 0.999},
      {"csv", 0, CLI_STRING, &csv, "FILE.csv", NULL, NULL, "also write the rows with model values and residuals", 0, CLI_NO_RANGE},
      CLI_OPT_OUTPUT(c, "FILE.json", "write the JSON to a file instead of stdout"),
      CLI_OPT_JSON(c), CLI_OPT_FORCE(c), CLI_OPT_QUIET(c), CLI_OPT_END};
  const char *pos[1];
  int npos;
  const char *cmd = cmd_xitau.name;
  int rc = cli_parse(&cmd_xitau, opts, argc, argv, pos, 1, &npos);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  if (npos != 1) return cli_usage_error(cmd, "expected one CSV table (usage: %s)", cmd_xitau.usage);
  if (!model) return cli_usage_error(cmd, "--model is required (adam-gibbs, imct or rfot)");
  int m = ecm_stats_xitau_model_parse(model);
  if (m < 0) return cli_usage_error(cmd, "unknown --model '%s' (adam-gibbs, imct or rfot)", model);
  if (m != ECM_XITAU_RFOT && (option_given(opts, "n") || option_given(opts, "n-min") || option_given(opts, "n-max")))
    return cli_usage_error(cmd, "--n, --n-min and --n-max apply to --model rfot only");
  if (!(nmax > nmin)) return cli_usage_error(cmd, "--n-max must exceed --n-min");
  if (boot && boot < 10) return cli_usage_error(cmd, "--bootstrap needs at least 10 resamples");
  if (c.output && (rc = cli_check_output(cmd, c.output, pos[0], c.force))) return rc;
  if ((rc = check_csv(cmd, csv, pos[0], &c))) return rc;
  table t = {0};
  if ((rc = read_table(cmd, pos[0], &t))) goto out;
  const double *T = need_col(cmd, &t, pos[0], "T_K", m == ECM_XITAU_RFOT, &rc);
  const double *tau = need_col(cmd, &t, pos[0], "tau_s", 1, &rc);
  const double *xi = need_col(cmd, &t, pos[0], "xi_nm", 1, &rc);
  const double *etau = need_col(cmd, &t, pos[0], "tau_err_s", 0, &rc);
  const double *exi = need_col(cmd, &t, pos[0], "xi_err_nm", 0, &rc);
  if (rc) goto out;
  ecm_xitau_params p = ecm_stats_xitau_default_params();
  p.model = (ecm_xitau_model)m;
  p.n_fixed = option_given(opts, "n");
  p.n = nexp, p.n_min = nmin, p.n_max = nmax;
  p.effective_variance = !yonly;
  ecm_xitau_result r;
  ecm_status st = ecm_stats_xitau_fit(&p, T, tau, etau, xi, exi, t.n, &r);
  if (st != ECM_OK) {
    rc = cli_fail(cmd, st);
    goto out;
  }
  ecm_ci ci_b, ci_n;
  ecm_bootstrap_params bp = ecm_stats_bootstrap_default_params();
  int boot_n = boot && m == ECM_XITAU_RFOT && r.n_fitted;
  if (boot) {
    bp.resamples = boot, bp.seed = (unsigned long long)seed, bp.level = level;
    bootbuf = malloc(5 * t.n * sizeof *bootbuf);
    if (!bootbuf) {
      rc = cli_usage_error(cmd, "out of memory");
      goto out;
    }
    /* The same seed draws the same resamples for b and n (paired replicates). */
    xitau_boot_ctx bc = {&p, T, tau, etau, xi, exi, bootbuf, 0};
    st = ecm_stats_bootstrap_rows(t.n, xitau_stat, &bc, &bp, &ci_b);
    if (st == ECM_OK && boot_n) {
      bc.want_n = 1;
      st = ecm_stats_bootstrap_rows(t.n, xitau_stat, &bc, &bp, &ci_n);
    }
    if (st != ECM_OK) {
      rc = cli_fail(cmd, st);
      goto out;
    }
  }
  static const char *const eq[] = {"ln tau = a + b xi", "ln xi = a + b ln tau",
                                   "ln tau = a + b (xi / (k_B T))^n"};
  static const char *const bunit[] = {"1/nm", "1", "(eV/nm)^n"};
  static const char *const aunit[] = {"ln(s)", "ln(nm)", "ln(s)"};
  const char *prop = !r.weighted ? "none (unweighted: errors from the scatter)"
                     : (!yonly && ((m == ECM_XITAU_IMCT ? etau : exi) != NULL))
                         ? "effective variance, both variables (York et al. 2004)"
                         : "dependent variable only";
  ecm__strbuf sb;
  header(&sb, "ecm.stats.xitau/1");
  ecm__sb_puts(&sb, ", \"input\": ");
  ecm__sb_json_str(&sb, pos[0]);
  ecm__sb_printf(&sb, ", \"model\": \"%s\", \"equation\": \"%s\", \"a_unit\": \"%s\", "
                      "\"b_unit\": \"%s\", \"error_propagation\": \"%s\", \"weighted\": %s, "
                      "\"n_rows\": %zu, \"n_skipped\": %zu, \"dof\": %zu, \"iterations\": %d",
                 ecm_stats_xitau_model_name(r.model), eq[m], aunit[m], bunit[m], prop,
                 r.weighted ? "true" : "false", r.n, t.n - r.n, r.dof, r.iterations);
  put_num(&sb, "a", r.a);
  put_num(&sb, "a_err", r.a_err);
  put_num(&sb, "a_err_scaled", r.a_err_scaled);
  put_num(&sb, "b", r.b);
  put_num(&sb, "b_err", r.b_err);
  put_num(&sb, "b_err_scaled", r.b_err_scaled);
  put_num(&sb, "cov_ab", r.cov_ab);
  if (m == ECM_XITAU_RFOT) {
    ecm__sb_printf(&sb, ", \"n_fitted\": %s, \"n_at_bound\": %s", r.n_fitted ? "true" : "false",
                   r.n_at_bound ? "true" : "false");
    put_num(&sb, "n", r.n_exp);
    put_num(&sb, "n_err", r.n_exp_err);
    put_num(&sb, "n_err_scaled", r.n_exp_err_scaled);
    put_num(&sb, "cov_b_n", r.cov_b_n);
    put_num(&sb, "k_B_eV_per_K", ECM_STATS_KB_EV_PER_K);
  }
  put_num(&sb, "chi2", r.chi2);
  put_num(&sb, "chi2_red", r.chi2_red);
  if (boot) {
    put_ci(&sb, "bootstrap_b", &ci_b, "", bp.seed);
    if (boot_n) put_ci(&sb, "bootstrap_n", &ci_n, "", bp.seed);
  }
  if (csv) {
    static const char *const xdef[] = {"xi_nm", "ln(tau_s)", "(xi_nm / (k_B T))^n"};
    static const char *const ydef[] = {"ln(tau_s)", "ln(xi_nm)", "ln(tau_s)"};
    ecm__strbuf cb;
    ecm__sb_init(&cb);
    ecm__sb_printf(&cb, "# ecm stats xi-tau --model %s: %s; x = %s, y = %s; y_fit = a + b x; "
                        "residual_y = y - y_fit\n",
                   ecm_stats_xitau_model_name(r.model), eq[m], xdef[m], ydef[m]);
    ecm__sb_printf(&cb, "T_K,tau_s,xi_nm,x,y,y_fit,residual_y,%s,used\n",
                   m == ECM_XITAU_IMCT ? "xi_model_nm" : "tau_model_s");
    const double kB = ECM_STATS_KB_EV_PER_K;
    for (size_t i = 0; i < t.n; i++) {
      double Ti = T ? T[i] : NAN;
      int used = !(m == ECM_XITAU_RFOT && isnan(Ti)) && !isnan(tau[i]) && !isnan(xi[i]) &&
                 !(etau && isnan(etau[i])) && !(exi && isnan(exi[i]));
      double x = m == ECM_XITAU_ADAM_GIBBS ? xi[i]
                 : m == ECM_XITAU_IMCT     ? log(tau[i])
                                           : pow(xi[i] / (kB * Ti), r.n_exp);
      double y = m == ECM_XITAU_IMCT ? log(xi[i]) : log(tau[i]);
      double fit = r.a + r.b * x;
      csv_num(&cb, Ti, 0);
      csv_num(&cb, tau[i], 0);
      csv_num(&cb, xi[i], 0);
      csv_num(&cb, x, 0);
      csv_num(&cb, y, 0);
      csv_num(&cb, fit, 0);
      csv_num(&cb, y - fit, 0);
      csv_num(&cb, exp(fit), 0);
      ecm__sb_printf(&cb, "%d\n", used);
    }
    if ((rc = write_csv(cmd, csv, &cb, c.force))) {
      ecm__sb_free(&sb);
      goto out;
    }
  }
  rc = emit(cmd, &sb, &c);
  if (!rc && r.n_at_bound)
    cli_note(cmd, c.quiet, "the RFOT exponent n = %g sits on the search bound: widen --n-min/--n-max or fix --n",
             r.n_exp);
out:
  free(bootbuf);
  table_free(&t);
  return rc;
}

/* ---- maps ---- */

/* Frame 0 of a TIFF as floats (caller frees *img). */
static int load_map(const char *cmd, const char *path, ecm_stack **img) {
  ecm_tiff_info info;
  *img = NULL;
  ecm_status st = ecm_io_read_stack(path, 0, 1, NULL, img, &info);
  if (st != ECM_OK) return cli_fail(cmd, st);
  return CLI_EXIT_OK;
}

static const cli_command cmd_spearman = {
    "stats spearman", "Spearman rank correlation of two maps with spatially honest p-values",
    "ecm stats spearman A.tif B.tif [--mask M.tif] [--block PX] [--permutations N] [options]",
    "Reads frame 1 of two maps of the same size (e.g. a tau map and a structural-variance\n"
    "map, Nakazawa et al.) and computes Spearman's rho (mid-ranks for ties) over the pixels\n"
    "inside the mask where both values are finite. Neighbouring pixels are not independent\n"
    "(speckles span ~3 px), so three p-values are printed side by side: p_naive (t test\n"
    "with n - 2 dof, too small for speckle maps), p_eff (t test with the effective number\n"
    "of independent pairs from the maps' rank autocorrelations) and p_perm (two-sided test\n"
    "permuting complete PX x PX blocks of B; blocks of twice the speckle size are safer).",
    NULL};

static int run_spearman(int argc, char **argv) {
  cli_common c = {0};
  ecm_spearman_params p = ecm_stats_spearman_default_params();
  long seed = 1;
  cli_opt opts[] = {
      CLI_OPT_MASK(c),
      {"block", 0, CLI_SIZE, &p.block, "PX", "px", "3", "block side of the permutation test", 0, 1, 1e6},
      {"permutations", 0, CLI_SIZE, &p.permutations, "N", NULL, "999", "block permutations (0: none)", 0, 0, 1e8},
      {"seed", 0, CLI_INT, &seed, "S", NULL, "1", "random seed of the permutations", 0, 0, 9.2e18},
      {"max-lag", 0, CLI_SIZE, &p.max_lag, "PX", "px", "2 x block", "largest autocorrelation lag for the effective N", 0, 0, 1e6},
      CLI_OPT_OUTPUT(c, "FILE.json", "write the JSON to a file instead of stdout"),
      CLI_OPT_JSON(c), CLI_OPT_FORCE(c), CLI_OPT_QUIET(c), CLI_OPT_END};
  const char *pos[2];
  int npos;
  const char *cmd = cmd_spearman.name;
  int rc = cli_parse(&cmd_spearman, opts, argc, argv, pos, 2, &npos);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  if (npos != 2) return cli_usage_error(cmd, "expected two maps (usage: %s)", cmd_spearman.usage);
  if (c.output && (rc = cli_check_output(cmd, c.output, pos[0], c.force))) return rc;
  if (c.output && (rc = cli_check_output(cmd, c.output, pos[1], 1))) return rc;
  p.seed = (unsigned long long)seed;
  ecm_stack *a = NULL, *b = NULL;
  ecm_mask *mask = NULL;
  if ((rc = load_map(cmd, pos[0], &a)) || (rc = load_map(cmd, pos[1], &b))) goto out;
  if (a->ny != b->ny || a->nx != b->nx) {
    rc = cli_usage_error(cmd, "'%s' is %zu x %zu pixels but '%s' is %zu x %zu", pos[1], b->nx,
                         b->ny, pos[0], a->nx, a->ny);
    goto out;
  }
  if (c.mask && (rc = cli_load_mask(cmd, c.mask, a->ny, a->nx, &mask))) goto out;
  ecm_spearman_result r;
  ecm_status st = ecm_stats_spearman_maps(a->data, b->data, mask ? mask->inside : NULL, a->ny,
                                          a->nx, &p, &r);
  if (st != ECM_OK) {
    rc = cli_fail(cmd, st);
    goto out;
  }
  ecm__strbuf sb;
  header(&sb, "ecm.stats.spearman/1");
  ecm__sb_puts(&sb, ", \"input_a\": ");
  ecm__sb_json_str(&sb, pos[0]);
  ecm__sb_puts(&sb, ", \"input_b\": ");
  ecm__sb_json_str(&sb, pos[1]);
  ecm__sb_puts(&sb, ", \"mask\": ");
  if (c.mask) ecm__sb_json_str(&sb, c.mask);
  else ecm__sb_puts(&sb, "null");
  ecm__sb_printf(&sb, ", \"width_px\": %zu, \"height_px\": %zu, \"n_pixels\": %zu", a->nx,
                 a->ny, r.n);
  put_num(&sb, "rho", r.rho);
  put_num(&sb, "p_naive", r.p_naive);
  put_num(&sb, "n_eff", r.n_eff);
  put_num(&sb, "p_eff", r.p_eff);
  put_num(&sb, "p_perm", r.p_perm);
  ecm__sb_printf(&sb, ", \"max_lag_px\": %zu, \"block_px\": %zu, \"blocks\": %zu, "
                      "\"n_perm_pixels\": %zu, \"permutations\": %zu, \"seed\": %llu",
                 p.max_lag ? p.max_lag : 2 * p.block, p.block, r.blocks, r.n_perm_pixels,
                 r.permutations, p.seed);
  put_num(&sb, "rho_blocks", r.rho_blocks);
  rc = emit(cmd, &sb, &c);
  if (!rc && p.permutations && isnan(r.p_perm))
    cli_note(cmd, c.quiet, "no block permutation test: %zu complete %zu x %zu blocks (need 2)",
             r.blocks, p.block, p.block);
out:
  ecm_stack_free(a);
  ecm_stack_free(b);
  ecm_mask_free(mask);
  return rc;
}

static const cli_command cmd_lognormal = {
    "stats lognormal", "maximum-likelihood log-normal fit of a map's values",
    "ecm stats lognormal MAP.tif|VALUES.csv [--mask M.tif] [--bootstrap N] [options]",
    "Fits P(tau) = exp(-ln^2(tau/tau_med) / (2 sigma^2)) / (sqrt(2 pi) sigma tau) (Zhang et al.\n"
    "2018, supplement) by maximum likelihood on ln tau to the finite positive pixels of\n"
    "frame 1 of MAP.tif inside the mask (or to one column of a CSV: --column, default the\n"
    "first). Prints tau_med, sigma, the mode and FWHM with analytic errors, the median,\n"
    "and with --bootstrap N percentile intervals of tau_med, sigma and the median.\n"
    "Pixels are resampled as if independent: with speckle-correlated maps the intervals\n"
    "are too narrow by about sqrt(speckle area) (see docs/stats.md).",
    NULL};

static int run_lognormal(int argc, char **argv) {
  cli_common c = {0};
  size_t boot = 0;
  long seed = 1;
  double level = 0.95;
  const char *unit = "s", *column = NULL;
  cli_opt opts[] = {
      CLI_OPT_MASK(c),
      {"column", 0, CLI_STRING, &column, "NAME", NULL, "first", "CSV input: the column to fit", 0, CLI_NO_RANGE},
      {"unit", 0, CLI_STRING, &unit, "U", NULL, "s", "unit of the values, used in the key names (s, frames, nm)", 0, CLI_NO_RANGE},
      {"bootstrap", 0, CLI_SIZE, &boot, "N", NULL, "0 (none)", "bootstrap resamples of the pixels", 0, 0, 1e7},
      {"seed", 0, CLI_INT, &seed, "S", NULL, "1", "random seed of the bootstrap", 0, 0, 9.2e18},
      {"level", 0, CLI_DOUBLE, &level, "P", NULL, "0.95", "coverage of the bootstrap intervals", 0, 0.5, 0.999},
      CLI_OPT_OUTPUT(c, "FILE.json", "write the JSON to a file instead of stdout"),
      CLI_OPT_JSON(c), CLI_OPT_FORCE(c), CLI_OPT_QUIET(c), CLI_OPT_END};
  const char *pos[1];
  int npos;
  const char *cmd = cmd_lognormal.name;
  int rc = cli_parse(&cmd_lognormal, opts, argc, argv, pos, 1, &npos);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  if (npos != 1) return cli_usage_error(cmd, "expected one map (usage: %s)", cmd_lognormal.usage);
  if (boot && boot < 10) return cli_usage_error(cmd, "--bootstrap needs at least 10 resamples");
  for (const char *q = unit; *q; q++)
    if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || *q == '_'))
      return cli_usage_error(cmd, "--unit '%s' must be letters only", unit);
  if (c.output && (rc = cli_check_output(cmd, c.output, pos[0], c.force))) return rc;
  size_t len = strlen(pos[0]);
  int is_csv = len > 4 && (!strcmp(pos[0] + len - 4, ".csv") || !strcmp(pos[0] + len - 4, ".CSV"));
  if (is_csv && c.mask) return cli_usage_error(cmd, "--mask applies to TIFF maps, not to a CSV");
  if (!is_csv && column) return cli_usage_error(cmd, "--column applies to a CSV input");
  ecm_stack *img = NULL;
  ecm_mask *mask = NULL;
  table t = {0};
  double *x = NULL;
  size_t n = 0;
  if (is_csv) {
    if ((rc = read_table(cmd, pos[0], &t))) goto out;
    int k = column ? table_col(&t, column) : 0;
    if (k < 0) {
      rc = cli_usage_error(cmd, "%s has no column '%s'", pos[0], column);
      goto out;
    }
    x = malloc(t.n * sizeof *x);
    if (!x) {
      rc = cli_usage_error(cmd, "out of memory");
      goto out;
    }
    memcpy(x, t.col[k], t.n * sizeof *x);
    n = t.n;
  } else {
    if ((rc = load_map(cmd, pos[0], &img))) goto out;
    if (c.mask && (rc = cli_load_mask(cmd, c.mask, img->ny, img->nx, &mask))) goto out;
    size_t np = img->ny * img->nx;
    x = malloc((np ? np : 1) * sizeof *x);
    if (!x) {
      rc = cli_usage_error(cmd, "out of memory");
      goto out;
    }
    for (size_t i = 0; i < np; i++)
      if (!mask || mask->inside[i]) x[n++] = img->data[i];
  }
  ecm_lognormal ln;
  ecm_summary sm;
  ecm_status st = ecm_stats_lognormal_fit(x, n, &ln);
  if (st == ECM_OK) st = ecm_stats_summary(x, n, &sm);
  ecm_ci ci_med, ci_sig, ci_median;
  ecm_bootstrap_params bp = ecm_stats_bootstrap_default_params();
  if (st == ECM_OK && boot) {
    bp.resamples = boot, bp.seed = (unsigned long long)seed, bp.level = level;
    st = ecm_stats_bootstrap(x, n, ECM_STAT_LOGNORMAL_TAU_MED, &bp, &ci_med);
    if (st == ECM_OK) st = ecm_stats_bootstrap(x, n, ECM_STAT_LOGNORMAL_SIGMA, &bp, &ci_sig);
    if (st == ECM_OK) st = ecm_stats_bootstrap(x, n, ECM_STAT_MEDIAN, &bp, &ci_median);
  }
  if (st != ECM_OK) {
    rc = cli_fail(cmd, st);
    goto out;
  }
  char k[64], u[24];
  snprintf(u, sizeof u, "_%s", unit);
  ecm__strbuf sb;
  header(&sb, "ecm.stats.lognormal/1");
  ecm__sb_puts(&sb, ", \"input\": ");
  ecm__sb_json_str(&sb, pos[0]);
  ecm__sb_puts(&sb, ", \"mask\": ");
  if (c.mask) ecm__sb_json_str(&sb, c.mask);
  else ecm__sb_puts(&sb, "null");
  ecm__sb_printf(&sb, ", \"unit\": \"%s\", \"n_values\": %zu, \"n_used\": %zu, \"n_skipped\": %zu",
                 unit, n, ln.n, n - ln.n);
  snprintf(k, sizeof k, "tau_med%s", u);
  put_num(&sb, k, ln.tau_med);
  snprintf(k, sizeof k, "tau_med_err%s", u);
  put_num(&sb, k, ln.tau_med_err);
  put_num(&sb, "sigma", ln.sigma);
  put_num(&sb, "sigma_err", ln.sigma_err);
  snprintf(k, sizeof k, "mode%s", u);
  put_num(&sb, k, ln.mode);
  snprintf(k, sizeof k, "fwhm%s", u);
  put_num(&sb, k, ln.fwhm);
  snprintf(k, sizeof k, "median%s", u);
  put_num(&sb, k, sm.median);
  if (boot) {
    put_ci(&sb, "bootstrap_tau_med", &ci_med, u, bp.seed);
    put_ci(&sb, "bootstrap_sigma", &ci_sig, "", bp.seed);
    put_ci(&sb, "bootstrap_median", &ci_median, u, bp.seed);
  }
  rc = emit(cmd, &sb, &c);
out:
  free(x);
  table_free(&t);
  ecm_stack_free(img);
  ecm_mask_free(mask);
  return rc;
}

/* ---- dispatch ---- */

typedef struct sub {
  const char *name;
  const cli_command *cmd;
  int (*run)(int, char **);
} sub;

static const sub subs[] = {{"arrhenius", &cmd_arrhenius, run_arrhenius},
                           {"xi-tau", &cmd_xitau, run_xitau},
                           {"spearman", &cmd_spearman, run_spearman},
                           {"lognormal", &cmd_lognormal, run_lognormal}};

static int run_stats(int argc, char **argv) {
  const cli_command *me = &cli_cmd_stats;
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    FILE *f = argc < 2 ? stderr : stdout;
    fprintf(f, "usage: %s\n\n%s\n\n%s\n", me->usage, me->summary, me->description);
    return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
    if (!strcmp(argv[1], subs[i].name)) return subs[i].run(argc - 1, argv + 1);
  return cli_usage_error("stats", "unknown subcommand '%s' (arrhenius, xi-tau, spearman, lognormal)",
                         argv[1]);
}
