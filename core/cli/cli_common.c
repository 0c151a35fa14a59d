/* Option parsing, --help generation, progress bar and error reporting for `ecm`. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ecm/io.h"

/* ---- help ---- */

static const char *kind_metavar(const cli_opt *o) {
  if (o->metavar) return o->metavar;
  switch (o->kind) {
    case CLI_INT: case CLI_SIZE: return "N";
    case CLI_DOUBLE: return "X";
    case CLI_STRING: return "TEXT";
    default: return "";
  }
}

void cli_print_help(const cli_command *cmd, const cli_opt *opts, FILE *f) {
  fprintf(f, "usage: %s\n\n%s\n", cmd->usage, cmd->summary);
  if (cmd->description) fprintf(f, "\n%s\n", cmd->description);
  fprintf(f, "\noptions:\n");
  for (const cli_opt *o = opts; o->name; o++) {
    char head[96], shortpart[8] = "    ";
    if (o->short_name) snprintf(shortpart, sizeof shortpart, "-%c, ", o->short_name);
    if (o->kind == CLI_FLAG)
      snprintf(head, sizeof head, "%s--%s", shortpart, o->name);
    else
      snprintf(head, sizeof head, "%s--%s %s", shortpart, o->name, kind_metavar(o));
    fprintf(f, "  %-28s %s", head, o->help ? o->help : "");
    if (o->unit) fprintf(f, " [%s]", o->unit);
    if (o->deflt) fprintf(f, " (default: %s)", o->deflt);
    fputc('\n', f);
  }
  fprintf(f, "  %-28s %s\n", "-h, --help", "show this help");
}

/* ---- parsing ---- */

static int set_value(const cli_command *cmd, cli_opt *o, const char *val) {
  char *end = NULL;
  errno = 0;
  switch (o->kind) {
    case CLI_FLAG: *(int *)o->dest = 1; break;
    case CLI_STRING:
      if (!*val) return cli_usage_error(cmd->name, "--%s needs a non-empty value", o->name);
      *(const char **)o->dest = val;
      break;
    case CLI_INT: case CLI_SIZE: {
      long long v = strtoll(val, &end, 10);
      if (errno || end == val || *end)
        return cli_usage_error(cmd->name, "--%s expects an integer, got '%s'", o->name, val);
      if (o->min <= o->max && (v < o->min || v > o->max))
        return cli_usage_error(cmd->name, "--%s must be between %.17g and %.17g, got %lld",
                               o->name, o->min, o->max, v);
      if (o->kind == CLI_SIZE) {
        if (v < 0) return cli_usage_error(cmd->name, "--%s must not be negative", o->name);
        *(size_t *)o->dest = (size_t)v;
      } else {
        *(long *)o->dest = (long)v;
      }
      break;
    }
    case CLI_DOUBLE: {
      double v = strtod(val, &end);
      if (errno || end == val || *end || !isfinite(v))
        return cli_usage_error(cmd->name, "--%s expects a number, got '%s'", o->name, val);
      if (o->min <= o->max && (v < o->min || v > o->max))
        return cli_usage_error(cmd->name, "--%s must be between %g and %g%s%s, got %g", o->name,
                               o->min, o->max, o->unit ? " " : "", o->unit ? o->unit : "", v);
      *(double *)o->dest = v;
      break;
    }
  }
  o->given = 1;
  return CLI_EXIT_OK;
}

int cli_parse(const cli_command *cmd, cli_opt *opts, int argc, char **argv, const char **pos,
              int max_pos, int *npos) {
  *npos = 0;
  int only_pos = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!only_pos && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
      cli_print_help(cmd, opts, stdout);
      return -1;
    }
    if (!only_pos && !strcmp(a, "--")) {
      only_pos = 1;
      continue;
    }
    if (only_pos || a[0] != '-' || a[1] == '\0' ||
        ((a[1] >= '0' && a[1] <= '9') || a[1] == '.')) {
      if (*npos >= max_pos)
        return cli_usage_error(cmd->name, "unexpected argument '%s' (usage: %s)", a, cmd->usage);
      pos[(*npos)++] = a;
      continue;
    }
    cli_opt *o = NULL;
    const char *val = NULL;
    if (a[1] == '-') {
      const char *name = a + 2;
      const char *eq = strchr(name, '=');
      size_t len = eq ? (size_t)(eq - name) : strlen(name);
      for (cli_opt *c = opts; c->name; c++)
        if (strlen(c->name) == len && !strncmp(c->name, name, len)) o = c;
      if (!o) return cli_usage_error(cmd->name, "unknown option '%s' (see --help)", a);
      if (eq) val = eq + 1;
    } else {
      for (cli_opt *c = opts; c->name; c++)
        if (c->short_name && c->short_name == a[1]) o = c;
      if (!o || a[2]) return cli_usage_error(cmd->name, "unknown option '%s' (see --help)", a);
    }
    if (o->kind == CLI_FLAG) {
      if (val) return cli_usage_error(cmd->name, "--%s takes no value", o->name);
    } else if (!val) {
      if (i + 1 >= argc) return cli_usage_error(cmd->name, "--%s needs a value", o->name);
      val = argv[++i];
    }
    int rc = set_value(cmd, o, val ? val : "");
    if (rc != CLI_EXIT_OK) return rc;
  }
  return CLI_EXIT_OK;
}

/* ---- messages ---- */

static int progress_drawn = 0;

static void clear_progress_line(void) {
  if (progress_drawn) {
    fputs("\r\033[K", stderr);
    progress_drawn = 0;
  }
}

int cli_fail(const char *cmd, ecm_status st) {
  clear_progress_line();
  const char *detail = ecm_errmsg();
  if (detail && *detail)
    fprintf(stderr, "ecm %s: error: %s (%s)\n", cmd, detail, ecm_strerror(st));
  else
    fprintf(stderr, "ecm %s: error: %s\n", cmd, ecm_strerror(st));
  return st == ECM_ECANCELED ? CLI_EXIT_CANCEL : CLI_EXIT_FAIL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
  clear_progress_line();
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "ecm %s: error: ", cmd);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return CLI_EXIT_USAGE;
}

void cli_note(const char *cmd, int quiet, const char *fmt, ...) {
  if (quiet) return;
  clear_progress_line();
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "ecm %s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* ---- progress and cancellation ---- */

static volatile sig_atomic_t interrupted = 0;
static void on_sigint(int sig) {
  (void)sig;
  interrupted = 1;
}

typedef struct progress_state {
  const char *cmd;
  int draw;
  double last_frac;
  const char *last_stage;
  struct timespec start, last_draw;
} progress_state;

static progress_state progress;

static double seconds_between(const struct timespec *a, const struct timespec *b) {
  return (double)(b->tv_sec - a->tv_sec) + 1e-9 * (double)(b->tv_nsec - a->tv_nsec);
}

static int progress_cb(void *user, double frac, const char *stage) {
  progress_state *p = user;
  if (interrupted) return 1;
  if (!p->draw) return 0;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  int stage_changed = p->last_stage != stage && (!p->last_stage || strcmp(p->last_stage, stage));
  if (!stage_changed && frac < 1.0 && seconds_between(&p->last_draw, &now) < 0.1) return 0;
  p->last_draw = now;
  p->last_stage = stage;
  const int width = 30;
  int filled = (int)(frac * width + 0.5);
  char bar[32];
  for (int i = 0; i < width; i++) bar[i] = i < filled ? '#' : '.';
  bar[width] = '\0';
  double el = seconds_between(&p->start, &now);
  fprintf(stderr, "\r\033[K%s %-12s [%s] %3.0f%%  %.1f s", p->cmd, stage, bar, 100.0 * frac, el);
  fflush(stderr);
  progress_drawn = 1;
  return 0;
}

ecm_run cli_run_options(const cli_common *c, const char *cmd) {
  ecm_run run = ecm_run_default();
  run.threads = (int)c->threads;
  progress.cmd = cmd;
  progress.draw = !c->quiet && isatty(STDERR_FILENO);
  progress.last_stage = NULL;
  clock_gettime(CLOCK_MONOTONIC, &progress.start);
  progress.last_draw.tv_sec = 0;
  progress.last_draw.tv_nsec = 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  run.progress = progress_cb;
  run.user = &progress;
  return run;
}

void cli_progress_done(void) { clear_progress_line(); }

/* ---- outputs ---- */

int cli_check_output(const char *cmd, const char *path, const char *input, int force) {
  struct stat st;
  if (input && ecm_io_same_file(path, input))
    return cli_usage_error(cmd, "output '%s' is the input file: refusing to overwrite it", path);
  if (stat(path, &st) == 0 && !force)
    return cli_usage_error(cmd, "output '%s' exists (use --force to replace it)", path);
  return CLI_EXIT_OK;
}

int cli_join(char *buf, size_t cap, const char *prefix, const char *suffix) {
  int n = snprintf(buf, cap, "%s%s", prefix, suffix);
  return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}
