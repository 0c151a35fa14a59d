/* ecm — command-line entry point: dispatches to the subcommands listed in commands.def. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ecm/status.h"

static const cli_command *const commands[] = {
#define ECM_CLI_COMMAND(name, summary) &cli_cmd_##name,
#include "commands.def"
#undef ECM_CLI_COMMAND
};
static const size_t ncommands = sizeof commands / sizeof commands[0];

static void print_overview(FILE *f) {
  fprintf(f,
          "ecm %s — electron correlation microscopy toolkit\n\n"
          "usage: ecm <command> [options]\n"
          "       ecm <command> --help     every option of a command, with units and defaults\n"
          "       ecm --version\n\ncommands:\n",
          ecm_version());
  for (size_t i = 0; i < ncommands; i++)
    fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
  fprintf(f,
          "\nConventions: times in seconds (an uncalibrated stack runs in frames and says so),\n"
          "pixel coordinates 0-based, --frames A:B 1-based inclusive, -o a file or a prefix.\n"
          "Documentation: docs/cli.md\n");
}

int main(int argc, char **argv) {
  ecm_init();
  if (argc < 2) {
    print_overview(stderr);
    return CLI_EXIT_USAGE;
  }
  const char *name = argv[1];
  if (!strcmp(name, "--version") || !strcmp(name, "version")) {
    printf("ecm %s\n%s\n", ecm_version(), ecm_build_info());
    return CLI_EXIT_OK;
  }
  if (!strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h")) {
    if (argc >= 3) {
      for (size_t i = 0; i < ncommands; i++)
        if (!strcmp(argv[2], commands[i]->name)) {
          char *hargv[] = {argv[2], "--help", NULL};
          return commands[i]->run(2, hargv);
        }
      fprintf(stderr, "ecm: unknown command '%s' (try 'ecm help')\n", argv[2]);
      return CLI_EXIT_USAGE;
    }
    print_overview(stdout);
    return CLI_EXIT_OK;
  }
  for (size_t i = 0; i < ncommands; i++)
    if (!strcmp(name, commands[i]->name)) return commands[i]->run(argc - 1, argv + 1);
  fprintf(stderr, "ecm: unknown command '%s' (try 'ecm help')\n", name);
  return CLI_EXIT_USAGE;
}
