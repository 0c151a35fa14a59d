/* Shared machinery of the `ecm` command line: option tables with generated --help, the
 * progress bar, error reporting and output helpers. Each subcommand lives in its own file
 * cli_<name>.c and is listed once in commands.def. */
#ifndef ECM_CLI_H
#define ECM_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "ecm/stack.h"
#include "ecm/status.h"

/* Exit codes of every command. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2, CLI_EXIT_CANCEL = 130 };

typedef enum cli_opt_kind {
  CLI_FLAG,    /* int: set to 1 when given */
  CLI_STRING,  /* const char * */
  CLI_INT,     /* long */
  CLI_DOUBLE,  /* double */
  CLI_SIZE     /* size_t */
} cli_opt_kind;

typedef struct cli_opt {
  const char *name;      /* long name without dashes, e.g. "output" */
  char short_name;       /* 'o', or 0 */
  cli_opt_kind kind;
  void *dest;            /* where the parsed value goes */
  const char *metavar;   /* "FILE", "S", "A:B", ... */
  const char *unit;      /* "s", "px", "counts", or NULL */
  const char *deflt;     /* default as shown in --help, or NULL */
  const char *help;      /* one line */
  int given;             /* set by the parser */
  double min, max;       /* legal range for numeric kinds (min > max: unchecked) */
} cli_opt;

typedef struct cli_command {
  const char *name;
  const char *summary;     /* one line for `ecm help` */
  const char *usage;       /* "ecm info STACK.tif [options]" */
  const char *description; /* a paragraph for --help, or NULL */
  int (*run)(int argc, char **argv);
} cli_command;

/* Options shared by every command, in one place so they are spelled the same everywhere. */
typedef struct cli_common {
  const char *output;  /* -o/--output */
  double dt;           /* --dt seconds (0 = from the file) */
  const char *mask;    /* --mask */
  const char *frames;  /* --frames A:B */
  long threads;        /* --threads */
  int json;            /* --json */
  int quiet;           /* --quiet */
  int force;           /* --force */
} cli_common;

/* Parse argv[1..] (argv[0] is the command name) against `opts` (terminated by an entry with
 * name NULL). Positional arguments are collected into pos (up to max_pos). Returns
 * CLI_EXIT_OK to proceed, -1 after printing --help (caller exits 0), or CLI_EXIT_USAGE after
 * printing one error line. */
int cli_parse(const cli_command *cmd, cli_opt *opts, int argc, char **argv, const char **pos,
              int max_pos, int *npos);

/* Print the --help text of a command. */
void cli_print_help(const cli_command *cmd, const cli_opt *opts, FILE *f);

/* Print "ecm <cmd>: error: <text>: <detail>" on one line and return CLI_EXIT_FAIL (or
 * CLI_EXIT_CANCEL for ECM_ECANCELED). */
int cli_fail(const char *cmd, ecm_status st);
/* Print "ecm <cmd>: error: <formatted>" and return CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A note on stderr ("ecm <cmd>: <formatted>") unless quiet. */
void cli_note(const char *cmd, int quiet, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Run options for a command: threads from --threads and a progress bar on stderr when it
 * is a terminal and not --quiet. Ctrl-C cancels cleanly through the progress callback. */
ecm_run cli_run_options(const cli_common *c, const char *cmd);
/* Finish the progress line (if any was drawn). */
void cli_progress_done(void);

/* Refuse to write `path` when it exists (unless force) or is the same file as `input`. */
int cli_check_output(const char *cmd, const char *path, const char *input, int force);

/* Join prefix and suffix into buf ("out/run" + "_tau.tif"). Returns 0 when it fits. */
int cli_join(char *buf, size_t cap, const char *prefix, const char *suffix);

#endif

/* Entries for the shared options (same spelling, units and help in every command). */
#define CLI_NO_RANGE 1, 0
#define CLI_OPT_OUTPUT(c, metavar, help) \
  {"output", 'o', CLI_STRING, &(c).output, metavar, NULL, NULL, help, 0, CLI_NO_RANGE}
#define CLI_OPT_DT(c)                                                                       \
  {"dt", 0, CLI_DOUBLE, &(c).dt, "S", "s", "from the file",                                \
   "frame interval; overrides the file's ImageJ calibration", 0, 1e-12, 1e9}
#define CLI_OPT_MASK(c)                                                                     \
  {"mask", 0, CLI_STRING, &(c).mask, "MASK.tif", NULL, "whole image",                       \
   "ROI image of the same size: non-zero pixels are analysed", 0, CLI_NO_RANGE}
#define CLI_OPT_FRAMES(c)                                                                   \
  {"frames", 0, CLI_STRING, &(c).frames, "A:B", "frames", "all",                            \
   "frame range, 1-based and inclusive as in ImageJ's Substack", 0, CLI_NO_RANGE}
#define CLI_OPT_THREADS(c)                                                                  \
  {"threads", 0, CLI_INT, &(c).threads, "N", NULL, "all cores", "worker threads", 0, 0, 4096}
#define CLI_OPT_JSON(c) \
  {"json", 0, CLI_FLAG, &(c).json, NULL, NULL, NULL, "print the result as JSON on stdout", 0, CLI_NO_RANGE}
#define CLI_OPT_QUIET(c) \
  {"quiet", 'q', CLI_FLAG, &(c).quiet, NULL, NULL, NULL, "no progress bar or notes on stderr", 0, CLI_NO_RANGE}
#define CLI_OPT_FORCE(c) \
  {"force", 0, CLI_FLAG, &(c).force, NULL, NULL, NULL, "replace existing output files", 0, CLI_NO_RANGE}
#define CLI_OPT_END {NULL, 0, CLI_FLAG, NULL, NULL, NULL, NULL, NULL, 0, CLI_NO_RANGE}

/* Every command, declared from commands.def. */
#define ECM_CLI_COMMAND(name, summary) extern const cli_command cli_cmd_##name;
#include "commands.def"
#undef ECM_CLI_COMMAND
