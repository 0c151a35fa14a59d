/* ecm info — what a user checks before analysing: size, type, calibration, intensity
 * statistics and the drift of the per-frame mean intensity (beam current, contamination). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_input.h"
#include "ecm/io.h"
#include "util/strbuf.h"

static int run_info(int argc, char **argv);

const cli_command cli_cmd_info = {
    "info", "describe a TIFF stack: size, type, calibration, intensity, drift",
    "ecm info STACK.tif [--frames A:B] [--dt S] [--json] [-o FRAMES.csv]",
    "Reads the whole stack and reports its dimensions, pixel type, calibration (frame\n"
    "interval and pixel size from the ImageJ metadata), intensity statistics and the drift\n"
    "of the mean intensity from frame to frame. A slow drift of the mean (beam current)\n"
    "adds a common fluctuation that biases g2: normalise or choose frames before analysing.\n"
    "With -o, the per-frame mean intensity is written as CSV (frame,t_s,mean).",
    run_info};

typedef struct info_stats {
  double min, max, mean, sd;
  size_t nan, zeros, saturated, n;
  double trend_rel;   /* linear trend of frame means over the series / mean */
  double end_ratio;   /* mean of the last 10 % of frames / mean of the first 10 % */
  double max_dev_rel; /* max |frame mean - mean| / mean */
  double *frame_mean;
} info_stats;

static double type_max(const ecm_tiff_info *info) {
  if (info->sample_kind == ECM_SAMPLE_UINT) return ldexp(1.0, info->bits_per_sample) - 1;
  if (info->sample_kind == ECM_SAMPLE_INT) return ldexp(1.0, info->bits_per_sample - 1) - 1;
  return INFINITY;
}

static int compute_stats(const ecm_stack *s, double sat_level, info_stats *o) {
  size_t npix = s->ny * s->nx;
  memset(o, 0, sizeof *o);
  o->frame_mean = calloc(s->nt, sizeof *o->frame_mean);
  if (!o->frame_mean) return -1;
  o->min = INFINITY;
  o->max = -INFINITY;
  double sum = 0, sum2 = 0;
  for (size_t t = 0; t < s->nt; t++) {
    const float *f = ecm_stack_frame(s, t);
    double fs = 0;
    size_t fn = 0;
    for (size_t i = 0; i < npix; i++) {
      double v = f[i];
      if (isnan(v)) {
        o->nan++;
        continue;
      }
      fs += v;
      fn++;
      sum2 += v * v;
      if (v < o->min) o->min = v;
      if (v > o->max) o->max = v;
      if (v == 0) o->zeros++;
      if (v >= sat_level) o->saturated++;
    }
    sum += fs;
    o->n += fn;
    o->frame_mean[t] = fn ? fs / (double)fn : NAN;
  }
  o->mean = o->n ? sum / (double)o->n : NAN;
  o->sd = o->n > 1 ? sqrt(fmax(0, (sum2 - sum * sum / (double)o->n) / (double)(o->n - 1))) : NAN;
  /* Least-squares line through the frame means against the frame index. */
  double st = 0, sy = 0, stt = 0, sty = 0;
  size_t m = 0;
  for (size_t t = 0; t < s->nt; t++) {
    if (isnan(o->frame_mean[t])) continue;
    double x = (double)t;
    st += x;
    sy += o->frame_mean[t];
    stt += x * x;
    sty += x * o->frame_mean[t];
    m++;
  }
  double den = (double)m * stt - st * st;
  double slope = (m > 1 && den > 0) ? ((double)m * sty - st * sy) / den : 0.0;
  o->trend_rel = o->mean != 0 ? slope * (double)(s->nt - 1) / o->mean : NAN;
  size_t k = s->nt / 10 ? s->nt / 10 : 1;
  double a = 0, b = 0;
  for (size_t t = 0; t < k; t++) {
    a += o->frame_mean[t];
    b += o->frame_mean[s->nt - 1 - t];
  }
  o->end_ratio = a != 0 ? b / a : NAN;
  o->max_dev_rel = 0;
  for (size_t t = 0; t < s->nt; t++)
    if (o->mean != 0 && !isnan(o->frame_mean[t]))
      o->max_dev_rel = fmax(o->max_dev_rel, fabs(o->frame_mean[t] - o->mean) / fabs(o->mean));
  return 0;
}

static const char *type_name(const ecm_tiff_info *info, char *buf, size_t cap) {
  snprintf(buf, cap, "%d-bit %s", info->bits_per_sample,
           info->sample_kind == ECM_SAMPLE_FLOAT ? "float"
           : info->sample_kind == ECM_SAMPLE_INT ? "signed integer"
                                                 : "unsigned integer");
  return buf;
}

static int write_frames_csv(const char *cmd, const char *path, const ecm_stack *s,
                            const info_stats *o, size_t first, int force) {
  ecm__strbuf sb;
  ecm__sb_init(&sb);
  double dt = ecm_calib_dt_seconds(&s->calib);
  ecm__sb_puts(&sb, dt > 0 ? "frame,t_s,mean\n" : "frame,t_frames,mean\n");
  for (size_t t = 0; t < s->nt; t++)
    ecm__sb_printf(&sb, "%zu,%.10g,%.10g\n", first + t + 1, dt > 0 ? (double)t * dt : (double)t,
                   o->frame_mean[t]);
  if (sb.failed) {
    ecm__sb_free(&sb);
    return cli_usage_error(cmd, "out of memory writing %s", path);
  }
  ecm_status st = ecm_io_write_text(path, ecm__sb_str(&sb), sb.len, force);
  ecm__sb_free(&sb);
  return st == ECM_OK ? CLI_EXIT_OK : cli_fail(cmd, st);
}

static int run_info(int argc, char **argv) {
  cli_common c = {0};
  cli_opt opts[] = {
      CLI_OPT_FRAMES(c), CLI_OPT_DT(c), CLI_OPT_JSON(c),
      CLI_OPT_OUTPUT(c, "FRAMES.csv", "write the per-frame mean intensity as CSV"),
      CLI_OPT_FORCE(c), CLI_OPT_THREADS(c), CLI_OPT_QUIET(c), CLI_OPT_END};
  const char *pos[1];
  int npos;
  int rc = cli_parse(&cli_cmd_info, opts, argc, argv, pos, 1, &npos);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  if (npos != 1) return cli_usage_error("info", "expected one stack (usage: %s)", cli_cmd_info.usage);
  const char *path = pos[0];
  if (c.output && (rc = cli_check_output("info", c.output, path, c.force))) return rc;

  ecm_run run = cli_run_options(&c, "info");
  ecm_stack *s = NULL;
  ecm_tiff_info info;
  size_t first = 0;
  if ((rc = cli_load_stack("info", path, &c, &run, &s, &info, &first))) return rc;
  info_stats o;
  if (compute_stats(s, type_max(&info), &o)) {
    ecm_stack_free(s);
    return cli_usage_error("info", "out of memory");
  }
  char tname[48], dtbuf[64];
  type_name(&info, tname, sizeof tname);
  double dt = ecm_calib_dt_seconds(&s->calib);
  cli_describe_dt(&s->calib, dtbuf, sizeof dtbuf);
  const ecm_calib *cal = &s->calib;
  int has_space = ecm_calib_has_space(cal);

  if (c.json) {
    ecm__strbuf sb;
    ecm__sb_init(&sb);
    ecm__sb_puts(&sb, "{");
    ecm__sb_json_key(&sb, "schema");
    ecm__sb_json_str(&sb, "ecm.info/1");
    ecm__sb_puts(&sb, ", ");
    ecm__sb_json_key(&sb, "file");
    ecm__sb_json_str(&sb, path);
    ecm__sb_printf(&sb, ", \"file_bytes\": %llu, \"frames\": %zu, \"height_px\": %zu, "
                        "\"width_px\": %zu, \"first_frame\": %zu, ",
                   (unsigned long long)info.file_bytes, s->nt, s->ny, s->nx, first + 1);
    ecm__sb_printf(&sb, "\"bits_per_sample\": %d, ", info.bits_per_sample);
    ecm__sb_json_key(&sb, "sample_format");
    ecm__sb_json_str(&sb, info.sample_kind == ECM_SAMPLE_FLOAT ? "float"
                          : info.sample_kind == ECM_SAMPLE_INT ? "int" : "uint");
    ecm__sb_printf(&sb, ", \"bigtiff\": %s, \"tiled\": %s, \"imagej\": %s, \"z_as_time\": %s, ",
                   info.is_bigtiff ? "true" : "false", info.is_tiled ? "true" : "false",
                   info.is_imagej ? "true" : "false", info.z_as_time ? "true" : "false");
    ecm__sb_json_key(&sb, "frame_interval_s");
    ecm__sb_json_num(&sb, dt > 0 ? dt : NAN);
    ecm__sb_puts(&sb, ", ");
    ecm__sb_json_key(&sb, "pixel_width");
    ecm__sb_json_num(&sb, has_space ? cal->pixel_width : NAN);
    ecm__sb_puts(&sb, ", ");
    ecm__sb_json_key(&sb, "pixel_height");
    ecm__sb_json_num(&sb, has_space ? cal->pixel_height : NAN);
    ecm__sb_puts(&sb, ", ");
    ecm__sb_json_key(&sb, "space_unit");
    ecm__sb_json_str(&sb, has_space ? cal->space_unit : "pixel");
    const struct { const char *k; double v; } nums[] = {
        {"min", o.min}, {"max", o.max}, {"mean", o.mean}, {"sd", o.sd},
        {"zero_fraction", o.n ? (double)o.zeros / (double)o.n : NAN},
        {"saturated_fraction", o.n ? (double)o.saturated / (double)o.n : NAN},
        {"mean_trend_rel", o.trend_rel}, {"mean_end_ratio", o.end_ratio},
        {"mean_max_dev_rel", o.max_dev_rel}};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
      ecm__sb_puts(&sb, ", ");
      ecm__sb_json_key(&sb, nums[i].k);
      ecm__sb_json_num(&sb, nums[i].v);
    }
    ecm__sb_printf(&sb, ", \"nan_count\": %zu}\n", o.nan);
    fputs(ecm__sb_str(&sb), stdout);
    ecm__sb_free(&sb);
  } else {
    printf("file         %s (%.1f MB, %s%s%s)\n", path, (double)info.file_bytes / 1e6,
           info.is_bigtiff ? "BigTIFF" : "classic TIFF", info.is_tiled ? ", tiled" : "",
           info.is_imagej ? ", ImageJ" : "");
    printf("size         %zu x %zu pixels, %zu frames%s\n", s->nx, s->ny, s->nt,
           info.z_as_time ? " (Z-slices read as time)" : "");
    printf("type         %s\n", tname);
    if (dt > 0)
      printf("time         frame interval %s, series %g s\n", dtbuf, dt * (double)s->nt);
    else
      printf("time         uncalibrated: times in frames (use --dt S)\n");
    if (has_space)
      printf("space        pixel %g x %g %s, field of view %g x %g %s\n", cal->pixel_width,
             cal->pixel_height, cal->space_unit, cal->pixel_width * (double)s->nx,
             cal->pixel_height * (double)s->ny, cal->space_unit);
    else
      printf("space        uncalibrated: lengths in pixels\n");
    if (info.z_spacing > 0) printf("z spacing    %g %s (not used as time)\n", info.z_spacing, cal->space_unit);
    printf("intensity    min %.6g  max %.6g  mean %.6g  sd %.6g\n", o.min, o.max, o.mean, o.sd);
    printf("             %.3g%% zeros, %zu NaN", o.n ? 100.0 * (double)o.zeros / (double)o.n : 0.0,
           o.nan);
    if (isfinite(type_max(&info)))
      printf(", %.3g%% at the type maximum (saturated)",
             o.n ? 100.0 * (double)o.saturated / (double)o.n : 0.0);
    printf("\n");
    printf("mean drift   linear trend %+.2f%% over the series; last/first 10%% of frames %.4f;"
           " largest frame deviation %.2f%%\n",
           100.0 * o.trend_rel, o.end_ratio, 100.0 * o.max_dev_rel);
    if (fabs(o.trend_rel) > 0.05)
      printf("note         the mean intensity drifts by more than 5%%: consider normalising each"
             " frame by a reference region before computing g2\n");
  }
  rc = CLI_EXIT_OK;
  if (c.output) rc = write_frames_csv("info", c.output, s, &o, first, c.force);
  free(o.frame_mean);
  ecm_stack_free(s);
  return rc;
}
