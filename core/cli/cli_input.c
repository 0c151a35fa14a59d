#include "cli_input.h"

#include <stdio.h>
#include <string.h>

#include "util/strbuf.h"

int cli_load_stack(const char *cmd, const char *path, const cli_common *c, const ecm_run *run,
                   ecm_stack **out, ecm_tiff_info *info, size_t *first) {
  ecm_status st = ecm_io_probe(path, info);
  if (st != ECM_OK) return cli_fail(cmd, st);
  size_t f0 = 0, n = info->nt;
  if (c->frames) {
    st = ecm_frames_parse(c->frames, info->nt, &f0, &n);
    if (st != ECM_OK) return cli_fail(cmd, st);
  }
  if (info->z_as_time)
    cli_note(cmd, c->quiet,
             "'%s' has 1 frame and %zu Z-slices: reading the slices as a time series", path,
             info->slices);
  st = ecm_io_read_stack(path, f0, c->frames ? n : 0, run, out, info);
  cli_progress_done();
  if (st != ECM_OK) return cli_fail(cmd, st);
  if (c->frames)
    cli_note(cmd, c->quiet, "frames %zu to %zu of %zu (%zu frames)", f0 + 1, f0 + n, info->nt, n);
  if (c->dt > 0) {
    st = ecm_calib_set_dt(&(*out)->calib, c->dt);
    if (st != ECM_OK) {
      ecm_stack_free(*out);
      *out = NULL;
      return cli_fail(cmd, st);
    }
  } else if (!ecm_calib_has_time(&(*out)->calib)) {
    cli_note(cmd, c->quiet,
             "'%s' has no frame interval: times are in frames (give --dt S to calibrate)", path);
  }
  if (first) *first = f0;
  return CLI_EXIT_OK;
}

int cli_load_mask(const char *cmd, const char *path, size_t ny, size_t nx, ecm_mask **out) {
  ecm_stack *img = NULL;
  ecm_tiff_info info;
  *out = NULL;
  ecm_status st = ecm_io_read_stack(path, 0, 1, NULL, &img, &info);
  if (st != ECM_OK) return cli_fail(cmd, st);
  ecm_view v = ecm_stack_view(img);
  st = ecm_mask_from_view(&v, out);
  ecm_stack_free(img);
  if (st == ECM_OK) st = ecm_mask_check(*out, ny, nx);
  if (st != ECM_OK) {
    ecm_mask_free(*out);
    *out = NULL;
    return cli_fail(cmd, st);
  }
  return CLI_EXIT_OK;
}

void cli_describe_dt(const ecm_calib *c, char *buf, size_t cap) {
  double dt = ecm_calib_dt_seconds(c);
  if (dt > 0)
    snprintf(buf, cap, "%g s", dt);
  else
    snprintf(buf, cap, "1 frame (uncalibrated)");
}

char *cli_provenance(const char *cmd, const char *input, const char *params_json) {
  ecm__strbuf sb;
  ecm__sb_init(&sb);
  ecm__sb_printf(&sb, "{\"program\": \"ecm %s\", \"command\": ", ecm_version());
  ecm__sb_json_str(&sb, cmd);
  if (input) {
    char sha[65];
    ecm_status st = ecm_io_sha256_file(input, sha);
    if (st != ECM_OK) {
      ecm__sb_free(&sb);
      cli_fail(cmd, st);
      return NULL;
    }
    ecm__sb_puts(&sb, ", \"input\": {\"path\": ");
    ecm__sb_json_str(&sb, input);
    ecm__sb_printf(&sb, ", \"sha256\": \"%s\"}", sha);
  }
  if (params_json) ecm__sb_printf(&sb, ", \"params\": %s", params_json);
  ecm__sb_puts(&sb, "}");
  if (sb.failed) {
    ecm__sb_free(&sb);
    cli_usage_error(cmd, "out of memory");
    return NULL;
  }
  return sb.buf;
}
