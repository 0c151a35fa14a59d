/* ecm/surface.h — the fast near-surface layer (Zhang et al. 2018, Figs. 2–3): the sample
 * found in the temporal mean image by a threshold, the distance of every sample pixel from
 * the sample's edge (exact Euclidean distance transform), tau versus that distance, the
 * named regions "surface" (within d_s of the edge) and "bulk" (deeper) with their tau
 * statistics, the bulk/surface tau ratio and the thickness of the surface layer.
 *
 * Typical use (docs/surface.md):
 *   ecm_surface_find(&stack_view, &p, &run, &geom);        // mask, edge, distance map
 *   ecm_surface_analyze(geom, maps->tau, maps->status, ECM_RELAX_CONVERGED, maps->ny,
 *                       maps->nx, &p, &res);                // profile, regions, thickness
 *
 * Distances. A pixel is sample or not; the distance of a sample pixel from the edge is
 *   d = min over non-sample pixels q of |p - q| - 1/2   (pixels, centre to centre),
 * i.e. measured to the boundary taken halfway between a sample pixel and its nearest
 * outside neighbour: the outermost row of a straight edge has d = 1/2, the next 3/2, ...
 * The border of the image is not an edge (the sample goes on beyond the field of view).
 * Distances are in pixels (pixels treated as square); the calibrated unit is px times the
 * pixel width when the calibration has square pixels. All functions are reentrant. */
#ifndef ECM_SURFACE_H
#define ECM_SURFACE_H

#include <stddef.h>
#include <stdint.h>

#include "ecm/stack.h"
#include "ecm/stats.h"
#include "ecm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ecm_surface_threshold_mode {
  ECM_SURFACE_THRESHOLD_OTSU = 0, /* Otsu's method on the histogram of the mean image */
  ECM_SURFACE_THRESHOLD_VALUE = 1 /* the user's threshold, in intensity units */
} ecm_surface_threshold_mode;

typedef struct ecm_surface_params {
  /* finding the sample */
  ecm_surface_threshold_mode threshold_mode; /* default ECM_SURFACE_THRESHOLD_OTSU */
  double threshold; /* intensity units of the mean image (counts, or the stack's
                       units); used in VALUE mode; finite (default 0) */
  size_t otsu_bins; /* histogram bins for Otsu's method, [2, 65536] (default 256) */
  int keep_largest; /* keep only the largest 8-connected sample component (default 1) */
  int fill_holes;   /* make non-sample areas enclosed by the sample (4-connected, not
                       touching the image border) sample (default 1) */
  /* regions and profile */
  double surface_width_px; /* d_s: "surface" = sample pixels with d <= d_s, px, (0, 1e6]
                              (default 3: Zhang's layer is 3-4 px) */
  double bulk_gap_px;      /* "bulk" = d > d_s + gap; pixels in the gap are in neither region
                              (a guard band against pixels straddling the layer's boundary),
                              px, [0, 1e6] (default 0: bulk = everything deeper than d_s) */
  double bin_width_px;     /* width of the distance bins of the profile, px, [0.01, 1e6]
                              (default 1) */
  double max_distance_px;  /* profile up to this distance, px, >= 0; 0 = the deepest sample
                              pixel (default 0). Regions always use every pixel. */
  double plateau_px;       /* the bulk plateau of the thickness estimate is the mean ln tau
                              of pixels with d >= plateau_px, px, >= 0; 0 = 2 d_s
                              (default 0) */
  size_t min_bin_count;    /* profile bins with fewer values are not used for the
                              thickness, >= 1 (default 5) */
} ecm_surface_params;

/* Defaults as documented above. */
ecm_surface_params ecm_surface_default_params(void);

/* Check every field against its documented range: ECM_EINVAL with a detail naming it. */
ecm_status ecm_surface_check_params(const ecm_surface_params *p);

/* Temporal mean of every pixel of `stack` into mean[ny*nx] (caller-owned, cap >= ny*nx
 * elements), accumulated in double in frame order (independent of the thread count).
 * Non-finite frames make the pixel NaN. OpenMP over rows with run->threads threads;
 * progress stage "surface: mean", cancellable; `run` may be NULL. Errors: ECM_EINVAL (NULL
 * or empty view), ECM_ESIZE (cap too small), ECM_EOVERFLOW, ECM_ENOMEM, ECM_ECANCELED. */
ecm_status ecm_surface_mean_image(const ecm_view *stack, const ecm_run *run, float *mean,
                                  size_t cap);

/* Otsu's threshold of the finite values of img[n]: the histogram of nbins equal bins
 * between min and max is split where the between-class variance is largest; *threshold is
 * the upper edge of the last bin of the lower class, so "inside" means value > threshold.
 * Errors: ECM_EINVAL (NULL, nbins < 2), ECM_ENODATA (no finite value, or all finite values
 * equal: nothing to separate). */
ecm_status ecm_surface_otsu(const float *img, size_t n, size_t nbins, double *threshold);

/* The sample geometry: mask, edge and distance maps, all ny*nx row-major, owned. */
typedef struct ecm_surface_geom {
  size_t ny, nx;
  double threshold;              /* intensity threshold used (NaN when the mask was given) */
  uint8_t *sample;               /* 1 = sample pixel */
  uint8_t *edge;                 /* 1 = sample pixel with a 4-neighbour (inside the image) that is
                                    not sample */
  float *dist_px;                /* d of each sample pixel, px (>= 1/2); NaN outside the sample */
  float *dist;                   /* d in the calibrated unit (= dist_px * unit_per_px) */
  double unit_per_px;            /* calibrated size of a pixel; 1 when uncalibrated or non-square */
  char space_unit[ECM_UNIT_CAP]; /* "nm", ...; "pixel" when unit_per_px is not calibrated */
  int nonsquare;                 /* 1 when the calibration has non-square pixels (then "pixel") */
  size_t n_sample, n_edge;
  size_t n_components; /* 8-connected sample components before keep_largest */
  size_t n_filled;     /* pixels made sample by fill_holes */
  double max_dist_px;  /* largest d */
} ecm_surface_geom;

/* Find the sample in `image`: its temporal mean when it has several frames (as
 * ecm_surface_mean_image, with `run`; may be NULL), frame 0 when it has one. Inside =
 * mean > threshold (Otsu or the user's value; non-finite pixels are outside), then the
 * largest component and filled holes as p asks, then edge and distances. The calibration
 * comes from image->calib. p NULL = defaults. *out is owned by the caller
 * (ecm_surface_geom_free). Errors: ECM_EINVAL (NULL, params), ECM_ENODATA (Otsu cannot
 * separate, no pixel above the threshold, or no pixel below it: no edge), ECM_EOVERFLOW,
 * ECM_ENOMEM, ECM_ECANCELED. */
ecm_status ecm_surface_find(const ecm_view *image, const ecm_surface_params *p, const ecm_run *run,
                            ecm_surface_geom **out);

/* Geometry from a given sample mask (e.g. an ImageJ ROI; non-zero = sample), processed as
 * in ecm_surface_find (largest component, holes) but without a threshold. `calib` may be
 * NULL (uncalibrated). Errors: ECM_EINVAL, ECM_ENODATA (empty mask, or every pixel
 * sample: no edge), ECM_EOVERFLOW, ECM_ENOMEM. */
ecm_status ecm_surface_from_mask(const ecm_mask *sample, const ecm_calib *calib,
                                 const ecm_surface_params *p, ecm_surface_geom **out);

/* Release a geometry; accepts NULL. */
void ecm_surface_geom_free(ecm_surface_geom *g);

/* One distance bin of the tau profile: values with d in [d_lo, d_hi). */
typedef struct ecm_surface_bin {
  double d_lo, d_hi;            /* px */
  double d_mean;                /* mean d of the values used, px (NaN when n = 0) */
  size_t n;                     /* values used (finite, positive, good status) */
  double mean, median, sd, sem; /* of tau; sem = sd / sqrt(n) (pixels treated as
                                   independent: neighbours are correlated, see docs) */
  double gmean;                 /* geometric mean exp(<ln tau>) */
  double ln_mean, ln_sem;       /* <ln tau> and sd(ln tau) / sqrt(n): the log-plot error bar */
} ecm_surface_bin;

/* Tau statistics of a named region. */
typedef struct ecm_surface_region {
  size_t n_pixels;         /* sample pixels in the region */
  size_t n_used;           /* of which with a usable tau */
  ecm_summary tau;         /* zeroed when n_used = 0 */
  ecm_lognormal lognormal; /* valid when has_lognormal */
  int has_lognormal;       /* n_used >= 2 */
} ecm_surface_region;

typedef struct ecm_surface_result {
  size_t nbins;
  ecm_surface_bin *bins; /* nbins, owned */
  double bin_width_px, surface_width_px, bulk_gap_px, plateau_px;
  ecm_surface_region surface, bulk;
  size_t n_excluded; /* sample pixels without a usable tau */
  size_t n_gap;      /* sample pixels in the guard band between the regions */
  /* bulk/surface ratio of the log-normal medians, error from their errors:
   * ratio_err = ratio sqrt((e_b/m_b)^2 + (e_s/m_s)^2); NaN when a region has < 2 values */
  double ratio, ratio_err;
  /* thickness: where the profile <ln tau>(d) first crosses the halfway level
   * (L_surface + L_bulk) / 2, L_surface = ln_mean of the first usable bin, L_bulk = mean
   * ln tau at d >= plateau_px (the bulk region when no pixel is that deep; plateau_px
   * then reports d_s + gap); linear interpolation between the bins' d_mean. */
  double ln_tau_surface, ln_tau_bulk;
  double thickness_px;             /* NaN when not found (thickness_ok = 0) */
  double thickness_err_stat_px;    /* from the ln_sem of the two bins, over the slope */
  double thickness_err_px;         /* sqrt(stat^2 + s^2/12), s the spacing of the two bins */
  double thickness, thickness_err; /* in the calibrated unit */
  int thickness_ok;
  double unit_per_px;
  char space_unit[ECM_UNIT_CAP];
} ecm_surface_result;

/* Tau versus distance, regions, ratio and thickness for the tau map tau[ny*nx] (any time
 * unit; results keep it) on geometry g. A pixel is used when it is sample, tau is finite
 * and > 0 and, when `status` is not NULL, status[i] == good (e.g. status = maps->status,
 * good = ECM_RELAX_CONVERGED). p NULL = defaults (d_s, bins). *out owned by the caller
 * (ecm_surface_result_free). Errors: ECM_EINVAL (NULL, params, too many bins), ECM_ESIZE
 * (ny, nx differ from the geometry's), ECM_ENODATA (no usable tau in the sample),
 * ECM_EOVERFLOW, ECM_ENOMEM. A missing region or thickness is not an error: see n_used,
 * has_lognormal, thickness_ok. */
ecm_status ecm_surface_analyze(const ecm_surface_geom *g, const float *tau, const uint8_t *status,
                               uint8_t good, size_t ny, size_t nx, const ecm_surface_params *p,
                               ecm_surface_result **out);

/* Release a result; accepts NULL. */
void ecm_surface_result_free(ecm_surface_result *r);

#ifdef __cplusplus
}
#endif
#endif
