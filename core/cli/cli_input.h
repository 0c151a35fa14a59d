/* Loading an input stack the same way in every command: frame range, --dt override, the
 * Z-as-time note, and the one-line description of the calibration in use. */
#ifndef ECM_CLI_INPUT_H
#define ECM_CLI_INPUT_H

#include "cli.h"
#include "ecm/io.h"

/* Read `path` honouring c->frames and c->dt; prints the notes a user needs (Z-slices read
 * as time, uncalibrated time, the resolved frame range) unless quiet. On failure prints the
 * error and returns its exit code; on success returns CLI_EXIT_OK and fills *out, *info,
 * and *first (0-based first frame read). */
int cli_load_stack(const char *cmd, const char *path, const cli_common *c, const ecm_run *run,
                   ecm_stack **out, ecm_tiff_info *info, size_t *first);

/* Read a mask image (frame 0) and check it matches ny × nx. */
int cli_load_mask(const char *cmd, const char *path, size_t ny, size_t nx, ecm_mask **out);

/* "0.5 s" or "1 frame (uncalibrated)" — for notes and reports. */
void cli_describe_dt(const ecm_calib *c, char *buf, size_t cap);

#endif

/* Provenance JSON of a command's outputs: program, command, the input file's name and
 * SHA-256 (when input != NULL) and the parameters (a JSON object text, or NULL). Returns a
 * malloc'ed string the caller frees, or NULL after printing an error. */
char *cli_provenance(const char *cmd, const char *input, const char *params_json);
