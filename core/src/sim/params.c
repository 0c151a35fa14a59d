/* Simulator parameters: defaults, validation, JSON, and the nanowire geometry. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ecm/sim.h"
#include "ecm/stats.h"
#include "sim/sim_internal.h"
#include "status/status_internal.h"
#include "util/strbuf.h"

ecm_sim_params ecm_sim_default_params(void) {
  ecm_sim_params p;
  memset(&p, 0, sizeof p);
  p.nt = 1000;
  p.ny = 64;
  p.nx = 64;
  p.frame_interval_s = 0.5;
  p.pixel_size_nm = 1.0;
  p.seed = 1;
  p.dose = 0.0;
  p.tau_median_s = 10.0;
  p.tau_sigma = 0.5;
  p.beta_min = 0.5;
  p.beta_max = 1.0;
  p.contrast = 0.3;
  p.map_corr_px = 4.0;
  p.domain_size_px = 0.0;
  p.shared_fraction = 0.8;
  p.xi_fit_max_px = 0.0;
  p.speckle_px = 0.0;
  p.geometry = ECM_SIM_FILM;
  p.wire_width_px = 0.6 * 64;
  p.wire_angle_deg = 0.0;
  p.surface_px = 3.0;
  p.surface_speedup = 10.0;
  p.vacuum_level = 0.05;
  p.drift_x_px = 0.0;
  p.drift_y_px = 0.0;
  p.drift_jitter_px = 0.0;
  p.crystal_count = 0;
  p.crystal_radius_px = 3.0;
  p.crystal_brightness = 3.0;
  p.aging_factor = 1.0;
  return p;
}

/* ECM_EINVAL unless lo <= v <= hi (and v finite). */
static ecm_status ecm__sim_range(const char *name, double v, double lo, double hi,
                                 const char *unit) {
  if (!isfinite(v) || v < lo || v > hi)
    return ecm__status_set(ECM_EINVAL, "%s = %g is outside its legal range [%g, %g]%s%s", name, v,
                           lo, hi, unit ? " " : "", unit ? unit : "");
  return ECM_OK;
}

static ecm_status ecm__sim_positive(const char *name, double v, double hi, const char *unit) {
  if (!isfinite(v) || !(v > 0) || v > hi)
    return ecm__status_set(ECM_EINVAL, "%s = %g must be > 0 and <= %g%s%s", name, v, hi,
                           unit ? " " : "", unit ? unit : "");
  return ECM_OK;
}

ecm_status ecm_sim_check_params(const ecm_sim_params *p) {
  if (!p) return ecm__status_set(ECM_EINVAL, "simulator parameters: NULL pointer");
  if (p->nt < 2 || p->nt > ECM_MAX_DIM)
    return ecm__status_set(ECM_EINVAL, "nt = %zu frames is outside its legal range [2, %zu]", p->nt,
                           (size_t)ECM_MAX_DIM);
  if (p->ny < 1 || p->ny > ECM_MAX_DIM)
    return ecm__status_set(ECM_EINVAL, "ny = %zu rows is outside its legal range [1, %zu]", p->ny,
                           (size_t)ECM_MAX_DIM);
  if (p->nx < 1 || p->nx > ECM_MAX_DIM)
    return ecm__status_set(ECM_EINVAL, "nx = %zu columns is outside its legal range [1, %zu]",
                           p->nx, (size_t)ECM_MAX_DIM);
  size_t n;
  ECM__TRY(ecm_size_mul3(p->nt, p->ny, p->nx, &n));
  if (n > SIZE_MAX / sizeof(float) / 2)
    return ecm__status_set(ECM_EOVERFLOW, "a %zu x %zu x %zu stack does not fit in memory", p->nt,
                           p->ny, p->nx);
  ECM__TRY(ecm__sim_positive("frame_interval_s", p->frame_interval_s, 1e9, "s"));
  ECM__TRY(ecm__sim_positive("pixel_size_nm", p->pixel_size_nm, 1e9, "nm"));
  ECM__TRY(ecm__sim_range("dose", p->dose, 0, 1e6, "counts per pixel per frame"));
  ECM__TRY(ecm__sim_positive("tau_median_s", p->tau_median_s, 1e300, "s"));
  ECM__TRY(ecm__sim_range("tau_sigma", p->tau_sigma, 0, 5, NULL));
  if (!isfinite(p->beta_min) || !isfinite(p->beta_max) || !(p->beta_min > 0) ||
      p->beta_max < p->beta_min || p->beta_max > 2)
    return ecm__status_set(ECM_EINVAL,
                           "beta_min = %g, beta_max = %g: need 0 < beta_min <= beta_max <= 2 "
                           "(exp(-(t/tau)^beta) is a valid correlation only for 0 < beta <= 2)",
                           p->beta_min, p->beta_max);
  if (!isfinite(p->contrast) || !(p->contrast > 0) || p->contrast > 1)
    return ecm__status_set(ECM_EINVAL, "contrast = %g must be in (0, 1]", p->contrast);
  ECM__TRY(ecm__sim_range("map_corr_px", p->map_corr_px, 0, 256, "px"));
  if (!isfinite(p->domain_size_px) ||
      (p->domain_size_px != 0 && (p->domain_size_px < 1 || p->domain_size_px > 1e4)))
    return ecm__status_set(ECM_EINVAL, "domain_size_px = %g must be 0 (off) or in [1, 1e4] px",
                           p->domain_size_px);
  ECM__TRY(ecm__sim_range("shared_fraction", p->shared_fraction, 0, 1, NULL));
  ECM__TRY(ecm__sim_range("xi_fit_max_px", p->xi_fit_max_px, 0, 1e6, "px"));
  ECM__TRY(ecm__sim_range("speckle_px", p->speckle_px, 0, 32, "px"));
  if (p->geometry != ECM_SIM_FILM && p->geometry != ECM_SIM_NANOWIRE)
    return ecm__status_set(ECM_EINVAL, "geometry = %d must be %d (film) or %d (nanowire)",
                           (int)p->geometry, (int)ECM_SIM_FILM, (int)ECM_SIM_NANOWIRE);
  ECM__TRY(ecm__sim_range("wire_width_px", p->wire_width_px, 0, 1e7, "px (0 = 0.6 nx)"));
  ECM__TRY(ecm__sim_range("wire_angle_deg", p->wire_angle_deg, -1e6, 1e6, "degrees"));
  ECM__TRY(ecm__sim_range("surface_px", p->surface_px, 0, 1e7, "px"));
  ECM__TRY(ecm__sim_range("surface_speedup", p->surface_speedup, 1e-3, 1e6, NULL));
  ECM__TRY(ecm__sim_range("vacuum_level", p->vacuum_level, 0, 1e3, NULL));
  ECM__TRY(ecm__sim_range("drift_x_px", p->drift_x_px, -1e4, 1e4, "px"));
  ECM__TRY(ecm__sim_range("drift_y_px", p->drift_y_px, -1e4, 1e4, "px"));
  ECM__TRY(ecm__sim_range("drift_jitter_px", p->drift_jitter_px, 0, 100, "px per frame"));
  if (p->crystal_count > ECM__SIM_MAX_CRYSTALS)
    return ecm__status_set(ECM_EINVAL, "crystal_count = %zu is outside its legal range [0, %d]",
                           p->crystal_count, ECM__SIM_MAX_CRYSTALS);
  ECM__TRY(ecm__sim_range("crystal_radius_px", p->crystal_radius_px, 0.5, 1e3, "px"));
  ECM__TRY(ecm__sim_positive("crystal_brightness", p->crystal_brightness, 1e3,
                             "(relative to the sample mean 1)"));
  ECM__TRY(ecm__sim_range("aging_factor", p->aging_factor, ECM__SIM_AGING_MIN, ECM__SIM_AGING_MAX,
                          "(tau at the last frame / tau at the first; 1 = stationary)"));
  return ECM_OK;
}

double ecm_sim_aging_tau_factor(const ecm_sim_params *p, double t_frames) {
  if (!p || p->nt < 2) return NAN;
  if (p->aging_factor == 1.0) return 1.0;
  return pow(p->aging_factor, t_frames / (double)(p->nt - 1));
}

ecm_status ecm_sim_tseries_params(const ecm_sim_params *base, const ecm_sim_tseries_law *law,
                                  double T_K, ecm_sim_params *out) {
  if (!base || !law || !out)
    return ecm__status_set(ECM_EINVAL, "ecm_sim_tseries_params: NULL argument");
  if (!isfinite(T_K) || !(T_K > 0))
    return ecm__status_set(ECM_EINVAL, "temperature %g K must be finite and > 0", T_K);
  ECM__TRY(ecm__sim_range("E_eV", law->E_eV, 0, 100, "eV"));
  ECM__TRY(ecm__sim_positive("tau_inf_s", law->tau_inf_s, 1e300, "s"));
  ECM__TRY(ecm__sim_positive("T_ref_K", law->T_ref_K, 1e6, "K"));
  ECM__TRY(ecm__sim_range("domain_ref_px", law->domain_ref_px, 0, 1e4, "px"));
  ECM__TRY(ecm__sim_range("domain_exponent", law->domain_exponent, 0, 20, NULL));
  *out = *base;
  /* ln tau first: exp(E / kT) alone may overflow where tau_inf exp(E / kT) does not */
  double lt = log(law->tau_inf_s) + law->E_eV / (ECM_STATS_KB_EV_PER_K * T_K);
  out->tau_median_s = exp(lt);
  out->domain_size_px = law->domain_ref_px > 0
                            ? law->domain_ref_px * pow(law->T_ref_K / T_K, law->domain_exponent)
                            : 0.0;
  ecm_status st = ecm_sim_check_params(out);
  if (st != ECM_OK) return ecm__status_prefix(st, "at T = %g K", T_K);
  return ECM_OK;
}

ecm_status ecm_sim_params_json(const ecm_sim_params *p, char *buf, size_t cap) {
  if (!p || !buf) return ecm__status_set(ECM_EINVAL, "ecm_sim_params_json: NULL argument");
  ecm__strbuf sb;
  ecm__sb_init(&sb);
  ecm__sb_puts(&sb, "{\"generator\": ");
  char gen[64];
  snprintf(gen, sizeof gen, "ecm %s", ecm_version());
  ecm__sb_json_str(&sb, gen);
  ecm__sb_printf(&sb, ", \"simulator\": \"darkfield\", \"nt\": %zu, \"ny\": %zu, \"nx\": %zu",
                 p->nt, p->ny, p->nx);
  const struct {
    const char *key;
    double v;
  } nums[] = {
      {"frame_interval_s", p->frame_interval_s},
      {"pixel_size_nm", p->pixel_size_nm},
      {"dose_counts", p->dose},
      {"tau_median_s", p->tau_median_s},
      {"tau_sigma", p->tau_sigma},
      {"beta_min", p->beta_min},
      {"beta_max", p->beta_max},
      {"contrast", p->contrast},
      {"map_corr_px", p->map_corr_px},
      {"domain_size_px", p->domain_size_px},
      {"shared_fraction", p->shared_fraction},
      {"xi_fit_max_px", p->xi_fit_max_px},
      {"speckle_px", p->speckle_px},
  };
  for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
    ecm__sb_puts(&sb, ", ");
    ecm__sb_json_key(&sb, nums[i].key);
    ecm__sb_json_num(&sb, nums[i].v);
    if (i == 1) ecm__sb_printf(&sb, ", \"seed\": %" PRIu64, p->seed);
  }
  ecm__sb_puts(&sb, ", \"geometry\": ");
  ecm__sb_json_str(&sb, p->geometry == ECM_SIM_NANOWIRE ? "nanowire" : "film");
  const struct {
    const char *key;
    double v;
  } geo[] = {
      {"wire_width_px", p->wire_width_px}, {"wire_angle_deg", p->wire_angle_deg},
      {"surface_px", p->surface_px},       {"surface_speedup", p->surface_speedup},
      {"vacuum_level", p->vacuum_level},   {"drift_x_px", p->drift_x_px},
      {"drift_y_px", p->drift_y_px},       {"drift_jitter_px", p->drift_jitter_px},
  };
  for (size_t i = 0; i < sizeof geo / sizeof geo[0]; i++) {
    ecm__sb_puts(&sb, ", ");
    ecm__sb_json_key(&sb, geo[i].key);
    ecm__sb_json_num(&sb, geo[i].v);
  }
  /* only with crystals: the JSON (and so every file's provenance) without them is unchanged */
  if (p->crystal_count > 0) {
    ecm__sb_printf(&sb, ", \"crystal_count\": %zu, \"crystal_radius_px\": ", p->crystal_count);
    ecm__sb_json_num(&sb, p->crystal_radius_px);
    ecm__sb_puts(&sb, ", \"crystal_brightness\": ");
    ecm__sb_json_num(&sb, p->crystal_brightness);
  }
  /* only when aging: the stationary JSON is unchanged */
  if (p->aging_factor != 1.0) {
    ecm__sb_puts(&sb, ", \"aging_factor\": ");
    ecm__sb_json_num(&sb, p->aging_factor);
    ecm__sb_puts(&sb, ", \"aging_law\": \"tau(t) = tau_map * aging_factor^(t / (nt - 1))\"");
  }
  ecm__sb_puts(&sb, "}");
  if (sb.failed) {
    ecm__sb_free(&sb);
    return ecm__status_set(ECM_ENOMEM, "cannot build the parameter JSON");
  }
  if (sb.len + 1 > cap) {
    size_t need = sb.len + 1;
    ecm__sb_free(&sb);
    if (cap) buf[0] = '\0';
    return ecm__status_set(ECM_EOVERFLOW, "parameter JSON needs %zu bytes, buffer has %zu", need,
                           cap);
  }
  memcpy(buf, ecm__sb_str(&sb), sb.len + 1);
  ecm__sb_free(&sb);
  return ECM_OK;
}

/* ---- geometry ---- */

double ecm__sim_wire_width(const ecm_sim_params *p) {
  return p->wire_width_px > 0 ? p->wire_width_px : 0.6 * (double)p->nx;
}

int ecm__sim_region(const ecm_sim_params *p, double y, double x) {
  if (p->geometry != ECM_SIM_NANOWIRE) return 1;
  /* Distance from the wire axis through the centre of frame 0's field of view. The axis
   * runs along (cos a, -sin a) in (x, y) pixel coordinates: counter-clockwise on screen. */
  const double deg = 3.14159265358979323846 / 180.0;
  double a = p->wire_angle_deg * deg;
  double cx = 0.5 * ((double)p->nx - 1), cy = 0.5 * ((double)p->ny - 1);
  double d = fabs((x - cx) * sin(a) + (y - cy) * cos(a));
  double half = 0.5 * ecm__sim_wire_width(p);
  if (!(d < half)) return 0;
  return d > half - p->surface_px ? 2 : 1;
}

/* ---- crystal centres ---- */

/* Attempts per crystal with every condition, then with the centre in the sample only. */
#define ECM__SIM_CRYSTAL_TRIES 256

/* Whole-pixel range [*lo, *hi] of sample coordinates that stay at least r inside a side of
 * n pixels in every frame (frame t shows sample site s at s + shift[t]); without the margin
 * when that is empty, frame 0's field of view when even that is. */
static void ecm__sim_crystal_window(size_t n, double r, const double *shift, size_t nt, double *lo,
                                    double *hi) {
  double mn = 0, mx = 0;
  for (size_t t = 0; t < nt; t++) {
    mn = fmin(mn, shift[t]);
    mx = fmax(mx, shift[t]);
  }
  double last = (double)n - 1;
  *lo = ceil(r - mn);
  *hi = floor(last - r - mx);
  if (*lo > *hi) {
    *lo = ceil(-mn);
    *hi = floor(last - mx);
  }
  if (*lo > *hi) {
    *lo = 0;
    *hi = last;
  }
}

/* The disc of radius r about (y, x) lies in the sample (a nanowire: both points at distance
 * r across the axis are inside). */
static int ecm__sim_disc_in_sample(const ecm_sim_params *p, double y, double x, double r) {
  if (p->geometry != ECM_SIM_NANOWIRE) return 1;
  const double deg = 3.14159265358979323846 / 180.0;
  double a = p->wire_angle_deg * deg, dy = r * cos(a), dx = r * sin(a);
  return ecm__sim_region(p, y + dy, x + dx) != 0 && ecm__sim_region(p, y - dy, x - dx) != 0;
}

void ecm__sim_crystal_centres(const ecm_sim_params *p, const double *sx, const double *sy,
                              double *cy, double *cx) {
  const double r = p->crystal_radius_px, dmin2 = 4 * r * r;
  double ylo, yhi, xlo, xhi;
  ecm__sim_crystal_window(p->ny, r, sy, p->nt, &ylo, &yhi);
  ecm__sim_crystal_window(p->nx, r, sx, p->nt, &xlo, &xhi);
  ecm__sim_rng g;
  ecm__sim_rng_seed(&g, p->seed, ECM__SIM_STREAM_CRYSTAL, 0, 0);
  for (size_t k = 0; k < p->crystal_count; k++) {
    /* fallback: the site nearest the centre of frame 0 (on a nanowire's axis) */
    double by = floor(0.5 * (double)p->ny), bx = floor(0.5 * (double)p->nx);
    int placed = 0;
    for (int a = 0; a < 2 * ECM__SIM_CRYSTAL_TRIES && !placed; a++) {
      int strict = a < ECM__SIM_CRYSTAL_TRIES;
      double y = fmin(ylo + floor(ecm__sim_uniform(&g) * (yhi - ylo + 1)), yhi);
      double x = fmin(xlo + floor(ecm__sim_uniform(&g) * (xhi - xlo + 1)), xhi);
      if (!ecm__sim_region(p, y, x)) continue;
      if (strict) {
        if (!ecm__sim_disc_in_sample(p, y, x, r)) continue;
        int clash = 0;
        for (size_t j = 0; j < k && !clash; j++)
          clash = (y - cy[j]) * (y - cy[j]) + (x - cx[j]) * (x - cx[j]) <= dmin2;
        if (clash) continue;
      }
      by = y;
      bx = x;
      placed = 1;
    }
    cy[k] = by;
    cx[k] = bx;
  }
}
