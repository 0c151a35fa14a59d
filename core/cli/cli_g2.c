/* ecm g2 — the intensity autocorrelation of one pixel or the ensemble of a ROI, on
 * log-spaced lags, with standard errors (Zhang et al. 2018, Eq. 4). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_input.h"
#include "ecm/g2.h"
#include "ecm/io.h"
#include "ecm/kww.h"
#include "util/strbuf.h"

static int run_g2(int argc, char **argv);

const cli_command cli_cmd_g2 = {
    "g2", "intensity autocorrelation g2(t) of a pixel or of a region, with standard errors",
    "ecm g2 STACK.tif [--pixel X,Y | --mask M.tif] [-o G2.csv] [options]",
    "Computes g2(p) = (N-p) sum I(i)I(i+p) / (sum_{i<N-p} I(i) sum_{i<N-p} I(i+p)) (Zhang\n"
    "et al. 2018, Eq. 4) for every lag up to --max-lag, then averages it in logarithmic lag\n"
    "bins. With --pixel, one pixel's g2; the standard error of each bin comes from the\n"
    "curve itself (docs/kww.md, section 5). Otherwise the ensemble: the mean of the pixels'\n"
    "g2 curves over the mask (or the whole image) with the standard error across pixels.\n"
    "The CSV has columns t_s,g2,sem (t_frames when the stack is uncalibrated); without -o it\n"
    "goes to stdout. --json prints the curve with its provenance instead.",
    run_g2};

typedef struct g2_curve {
  size_t n;
  double *t, *g2, *sem;
} g2_curve;

static void curve_free(g2_curve *c) {
  free(c->t);
  free(c->g2);
  free(c->sem);
}

static int curve_alloc(g2_curve *c, size_t n) {
  c->n = n;
  c->t = calloc(n ? n : 1, sizeof(double));
  c->g2 = calloc(n ? n : 1, sizeof(double));
  c->sem = calloc(n ? n : 1, sizeof(double));
  return c->t && c->g2 && c->sem ? 0 : -1;
}

static int parse_pixel(const char *text, size_t nx, size_t ny, size_t *x, size_t *y) {
  char *end;
  long a = strtol(text, &end, 10);
  if (end == text || *end != ',') return cli_usage_error("g2", "--pixel expects X,Y, got '%s'", text);
  const char *second = end + 1;
  long b = strtol(second, &end, 10);
  if (end == second || *end) return cli_usage_error("g2", "--pixel expects X,Y, got '%s'", text);
  if (a < 0 || b < 0 || (size_t)a >= nx || (size_t)b >= ny)
    return cli_usage_error("g2", "--pixel %ld,%ld is outside the %zu x %zu image (0-based)", a,
                           b, nx, ny);
  *x = (size_t)a;
  *y = (size_t)b;
  return 0;
}

/* One pixel: every lag by the chosen method, log bins, standard errors from the curve. */
static int pixel_curve(const ecm_stack *s, size_t x, size_t y, ecm_g2_method method,
                       size_t max_lag, const ecm_g2_bins *bins, size_t mt_m, g2_curve *out) {
  size_t npix = s->ny * s->nx, n = s->nt;
  const float *series = s->data + y * s->nx + x;
  double *lags = malloc((max_lag + 1) * sizeof *lags);
  double *sig = malloc(bins->nbins * sizeof *sig);
  ecm_g2_state st = ECM_G2_OK;
  ecm_status rc = lags && sig ? ECM_OK : ECM_ENOMEM;
  if (rc == ECM_OK)
    rc = method == ECM_G2_DIRECT ? ecm_g2_series_direct(series, npix, n, max_lag, lags, &st)
                                 : ecm_g2_series_fft(series, npix, n, max_lag, lags, &st);
  if (rc == ECM_OK && st != ECM_G2_OK) {
    free(lags);
    free(sig);
    fprintf(stderr, "ecm g2: error: pixel %zu,%zu has no g2: its intensity is %s\n", x, y,
            st == ECM_G2_ZERO ? "zero" : st == ECM_G2_CONSTANT ? "constant" : "not finite (NaN)");
    return CLI_EXIT_FAIL;
  }
  if (rc == ECM_OK && method == ECM_G2_MULTITAU) {
    size_t cap = 64 * 64, cnt = 0;
    if (curve_alloc(out, cap)) rc = ECM_ENOMEM;
    if (rc == ECM_OK)
      rc = ecm_g2_series_multitau(series, npix, n, max_lag, mt_m, out->t, out->g2, cap, &cnt, &st);
    out->n = cnt;
    /* Standard error of the single lag at each multi-tau point (conservative: multi-tau
     * averages neighbouring lags). */
    for (size_t k = 0; rc == ECM_OK && k < cnt; k++) {
      size_t p = (size_t)out->t[k], e[2] = {p, p + 1};
      if (ecm_kww_g2_sigma(lags, max_lag + 1, n, e, 1, &out->sem[k]) != ECM_OK) out->sem[k] = NAN;
    }
  } else if (rc == ECM_OK) {
    if (curve_alloc(out, bins->nbins)) rc = ECM_ENOMEM;
    if (rc == ECM_OK) {
      ecm_g2_bin_curve(bins, lags, out->g2);
      if (ecm_kww_g2_sigma(lags, max_lag + 1, n, bins->edges, bins->nbins, sig) != ECM_OK)
        for (size_t k = 0; k < bins->nbins; k++) sig[k] = NAN;
      for (size_t k = 0; k < bins->nbins; k++) {
        out->t[k] = bins->lag_mean[k];
        out->sem[k] = sig[k];
      }
    }
  }
  free(lags);
  free(sig);
  return rc == ECM_OK ? 0 : cli_fail("g2", rc);
}

static int run_g2(int argc, char **argv) {
  cli_common c = {0};
  const char *pixel = NULL, *method = "fft";
  double ppd = 10, max_lag_s = 0;
  size_t mt_m = 16;
  cli_opt opts[] = {
      {"pixel", 0, CLI_STRING, &pixel, "X,Y", "px", "ensemble", "one pixel, 0-based as in ImageJ", 0, CLI_NO_RANGE},
      CLI_OPT_MASK(c),
      CLI_OPT_OUTPUT(c, "G2.csv", "write the curve as CSV (t_s,g2,sem)"),
      {"method", 0, CLI_STRING, &method, "fft|direct|multitau", NULL, "fft",
       "exact Eq. 4 at every lag by FFT or by direct sums, or a multi-tau correlator", 0, CLI_NO_RANGE},
      {"ppd", 0, CLI_DOUBLE, &ppd, "N", "bins/decade", "10", "log lag bins per decade", 0, 1, 1000},
      {"max-lag", 0, CLI_DOUBLE, &max_lag_s, "S", "s", "half the series", "largest delay", 0, 0, 1e12},
      {"channels", 0, CLI_SIZE, &mt_m, "M", NULL, "16", "multi-tau channels per level (even)", 0, 4, 4096},
      CLI_OPT_DT(c), CLI_OPT_FRAMES(c), CLI_OPT_THREADS(c), CLI_OPT_JSON(c), CLI_OPT_FORCE(c),
      CLI_OPT_QUIET(c), CLI_OPT_END};
  const char *pos[1];
  int npos;
  int rc = cli_parse(&cli_cmd_g2, opts, argc, argv, pos, 1, &npos);
  if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
  if (npos != 1) return cli_usage_error("g2", "expected one stack (usage: %s)", cli_cmd_g2.usage);
  if (pixel && c.mask) return cli_usage_error("g2", "give --pixel or --mask, not both");
  ecm_g2_method m;
  if (!strcmp(method, "fft")) m = ECM_G2_FFT;
  else if (!strcmp(method, "direct")) m = ECM_G2_DIRECT;
  else if (!strcmp(method, "multitau")) m = ECM_G2_MULTITAU;
  else return cli_usage_error("g2", "--method must be fft, direct or multitau, got '%s'", method);
  if (m == ECM_G2_MULTITAU && !pixel)
    return cli_usage_error("g2", "--method multitau works on one pixel: add --pixel X,Y");
  if (mt_m % 2) return cli_usage_error("g2", "--channels must be even, got %zu", mt_m);
  const char *path = pos[0];
  if (c.output && (rc = cli_check_output("g2", c.output, path, c.force))) return rc;

  ecm_run run = cli_run_options(&c, "g2");
  ecm_stack *s = NULL;
  ecm_tiff_info info;
  size_t first = 0;
  if ((rc = cli_load_stack("g2", path, &c, &run, &s, &info, &first))) return rc;
  double dt = ecm_calib_dt_seconds(&s->calib);
  double unit = dt > 0 ? dt : 1.0;
  ecm_g2_params gp = ecm_g2_default_params();
  gp.method = m;
  gp.points_per_decade = ppd;
  gp.multitau_m = mt_m;
  if (max_lag_s > 0) {
    double frames = floor(max_lag_s / unit);
    gp.max_lag = frames < 1 ? 1 : (size_t)frames;
  }
  size_t max_lag = 0;
  ecm_g2_bins *bins = NULL;
  ecm_mask *mask = NULL;
  g2_curve cv = {0};
  size_t x = 0, y = 0, n_valid = 1;
  ecm_status st = ecm_g2_resolve_max_lag(&gp, s->nt, &max_lag);
  if (st == ECM_OK) st = ecm_g2_bins_create(max_lag, ppd, &bins);
  if (st != ECM_OK) {
    rc = cli_fail("g2", st);
    goto done;
  }
  if (pixel) {
    if ((rc = parse_pixel(pixel, s->nx, s->ny, &x, &y))) goto done;
    if ((rc = pixel_curve(s, x, y, m, max_lag, bins, mt_m, &cv))) goto done;
  } else {
    if (c.mask && (rc = cli_load_mask("g2", c.mask, s->ny, s->nx, &mask))) goto done;
    if (curve_alloc(&cv, bins->nbins)) {
      rc = cli_usage_error("g2", "out of memory");
      goto done;
    }
    ecm_view v = ecm_stack_view(s);
    st = ecm_g2_ensemble(&v, mask, &gp, bins, &run, cv.g2, cv.sem, &n_valid);
    cli_progress_done();
    if (st != ECM_OK) {
      rc = cli_fail("g2", st);
      goto done;
    }
    for (size_t k = 0; k < bins->nbins; k++)
      cv.t[k] = m == ECM_G2_DIRECT ? (double)bins->lag_rep[k] : bins->lag_mean[k];
    cli_note("g2", c.quiet, "ensemble of %zu pixels%s", n_valid,
             mask ? " inside the mask" : "");
  }
  for (size_t k = 0; k < cv.n; k++) cv.t[k] *= unit;

  ecm__strbuf sb;
  ecm__sb_init(&sb);
  if (c.json) {
    ecm__strbuf par;
    ecm__sb_init(&par);
    ecm__sb_printf(&par, "{\"method\": \"%s\", \"points_per_decade\": %g, \"max_lag_frames\": %zu, "
                         "\"frames\": %zu, \"first_frame\": %zu", method, ppd, max_lag, s->nt, first + 1);
    ecm__sb_puts(&par, ", \"frame_interval_s\": ");
    ecm__sb_json_num(&par, dt > 0 ? dt : NAN);
    if (pixel) ecm__sb_printf(&par, ", \"pixel_x\": %zu, \"pixel_y\": %zu", x, y);
    if (c.mask) {
      ecm__sb_puts(&par, ", \"mask\": ");
      ecm__sb_json_str(&par, c.mask);
    }
    ecm__sb_printf(&par, ", \"pixels\": %zu}", n_valid);
    char *prov = cli_provenance("g2", path, ecm__sb_str(&par));
    ecm__sb_free(&par);
    if (!prov) {
      rc = CLI_EXIT_FAIL;
      goto done;
    }
    ecm__sb_printf(&sb, "{\"schema\": \"ecm.g2/1\", \"provenance\": %s, \"t_unit\": \"%s\", ", prov,
                   dt > 0 ? "s" : "frame");
    free(prov);
    const char *names[3] = {dt > 0 ? "t_s" : "t_frames", "g2", "sem"};
    const double *cols[3] = {cv.t, cv.g2, cv.sem};
    for (int j = 0; j < 3; j++) {
      ecm__sb_printf(&sb, "%s\"%s\": [", j ? ", " : "", names[j]);
      for (size_t k = 0; k < cv.n; k++) {
        if (k) ecm__sb_puts(&sb, ", ");
        ecm__sb_json_num(&sb, cols[j][k]);
      }
      ecm__sb_puts(&sb, "]");
    }
    ecm__sb_puts(&sb, "}\n");
  } else {
    ecm__sb_puts(&sb, dt > 0 ? "t_s,g2,sem\n" : "t_frames,g2,sem\n");
    for (size_t k = 0; k < cv.n; k++)
      ecm__sb_printf(&sb, "%.10g,%.10g,%.6g\n", cv.t[k], cv.g2[k], cv.sem[k]);
  }
  if (sb.failed) {
    rc = cli_usage_error("g2", "out of memory");
  } else if (c.output) {
    st = ecm_io_write_text(c.output, ecm__sb_str(&sb), sb.len, c.force);
    if (st != ECM_OK) rc = cli_fail("g2", st);
  } else {
    fputs(ecm__sb_str(&sb), stdout);
  }
  ecm__sb_free(&sb);
done:
  curve_free(&cv);
  ecm_mask_free(mask);
  ecm_g2_bins_destroy(bins);
  ecm_stack_free(s);
  return rc;
}
