/* ecm/sim.h — simulators with ground truth.
 *
 * ecm_sim_darkfield() makes a dark-field ECM image series: per pixel a coherent speckle
 * intensity I = (|E|^2 + b) / (1 + b), where the complex field E is a stationary circular
 * Gaussian process with field correlation exp(-(t/tau)^beta) synthesised exactly by
 * circulant embedding, so that with independent pixels, no point-spread blur and no shared
 * events the expected g2 is exactly
 *   g2(t) = 1 + A exp[-2 (t/tau)^beta],   A = 1/(1+b)^2   (Zhang et al. 2018, Eq. 2),
 * and the expected intensity of the sample is 1. docs/simulator.md gives the physics, every
 * parameter and what the truth maps mean once speckle blur or shared (cooperative)
 * rearrangement events are on. Deterministic for a given seed, whatever the thread count:
 * every random number is keyed by (seed, position in the sample), so the same seed also
 * gives the same sample under a different drift or field of view (except the positions of
 * static crystalline inclusions, which are drawn inside the region every frame sees). */
#ifndef ECM_SIM_H
#define ECM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "ecm/stack.h"
#include "ecm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ecm_sim_geometry {
  ECM_SIM_FILM = 0,     /* the whole field of view is sample */
  ECM_SIM_NANOWIRE = 1  /* a wire across the field, vacuum around it, a fast surface layer */
} ecm_sim_geometry;

typedef struct ecm_sim_params {
  /* acquisition */
  size_t nt, ny, nx;          /* frames, rows, columns (default 1000 x 64 x 64) */
  double frame_interval_s;    /* frame interval, s (default 0.5) */
  double pixel_size_nm;       /* pixel size, nm (default 1.0) */
  uint64_t seed;              /* random seed (default 1) */
  double dose;                /* mean counts per sample pixel per frame, [0, 1e6]; 0 =
                                 noiseless intensity of mean 1 (default 0). With dose > 0
                                 the stack holds Poisson counts of mean dose * I. */
  /* relaxation truth maps */
  double tau_median_s;        /* median relaxation time, s (default 10) */
  double tau_sigma;           /* sigma of ln(tau) of the log-normal tau map, [0, 5];
                                 0 = uniform (default 0.5) */
  double beta_min, beta_max;  /* beta uniform in [beta_min, beta_max], 0 < beta <= 2
                                 (default 0.5, 1.0; equal values give a constant beta) */
  double contrast;            /* speckle contrast A in (0, 1] (default 0.3) */
  double map_corr_px;         /* spatial correlation length l of the tau and beta maps, px,
                                 [0, 256]: the latent Gaussian fields have correlation
                                 exp(-d^2 / (2 l^2)); 0 = independent pixels (default 4) */
  /* dynamic heterogeneity: shared rearrangement events */
  double domain_size_px;      /* mean diameter of cooperatively rearranging domains, px:
                                 0 = off, else [1, 1e4] (default 0). Domains are Voronoi
                                 cells of mean area pi d^2 / 4 */
  double shared_fraction;     /* fraction f of each pixel's rearrangements shared with its
                                 domain, [0, 1] (default 0.8; used when domain_size_px > 0):
                                 same-domain pixels' intensities correlate by f^2 */
  double xi_fit_max_px;       /* largest distance used to compute xi_expected_px, px:
                                 0 = auto, 3 * domain_size_px (default 0); always clipped to
                                 half the smaller image side and to 256 px */
  /* optics */
  double speckle_px;          /* FWHM of the coherent point-spread function, px, [0, 32];
                                 0 = none (default 0) */
  /* geometry */
  ecm_sim_geometry geometry;  /* default ECM_SIM_FILM */
  double wire_width_px;       /* nanowire width, px, > 0; 0 = 0.6 * nx (default 0.6 * 64) */
  double wire_angle_deg;      /* wire axis angle from the x axis, degrees, counter-clockwise
                                 as displayed (y down) (default 0: a horizontal wire) */
  double surface_px;          /* thickness of the fast surface layer, px, >= 0 (default 3) */
  double surface_speedup;     /* tau_bulk / tau_surface, [1e-3, 1e6] (default 10) */
  double vacuum_level;        /* mean vacuum intensity relative to the sample mean, [0, 1e3]
                                 (default 0.05) */
  /* drift */
  double drift_x_px, drift_y_px; /* linear drift over the whole series, px, |.| <= 1e4
                                    (default 0) */
  double drift_jitter_px;     /* rms random-walk step per frame and per axis, px, [0, 100]
                                 (default 0) */
  /* static crystalline inclusions (region 3): a fixed speckle that never decorrelates */
  size_t crystal_count;       /* number of crystals, [0, 1000] (default 0 = none) */
  double crystal_radius_px;   /* crystal radius, px, [0.5, 1e3] (default 3) */
  double crystal_brightness;  /* mean intensity of a crystal pixel relative to the sample
                                 mean 1, (0, 1e3] (default 3) */
  /* aging: every sample site's tau drifts geometrically over the series,
   *   tau(t) = tau_map * aging_factor^(t / (nt - 1)),  t = 0 .. nt - 1 frames,
   * so tau(0) is the truth map and tau(nt - 1) = aging_factor * tau_map. The field is the
   * stationary process of tau_map sampled at the warped time s(t) = int_0^t tau_map / tau(u)
   * du (docs/simulator.md, "Aging"). [1e-2, 1e2]; 1 = stationary, the exact synthesis
   * (default 1). */
  double aging_factor;
} ecm_sim_params;

/* Defaults as documented above (nt, ny, nx = 1000, 64, 64). */
ecm_sim_params ecm_sim_default_params(void);

/* Validate parameters; ECM_EINVAL with a detail naming the field and its legal range
 * (ECM_EOVERFLOW when nt * ny * nx overflows). */
ecm_status ecm_sim_check_params(const ecm_sim_params *p);

typedef struct ecm_sim_result {
  ecm_stack *stack;      /* nt x ny x nx intensities (counts when dose > 0), calibrated:
                            frame interval in s, pixel size in nm */
  /* Truth maps, per site of the sample in frame 0's field of view (un-blurred values; see
   * docs/simulator.md), 1 frame each, pixel size in nm: */
  ecm_stack *tau_s;      /* 1 x ny x nx truth tau, s (NaN in vacuum, +inf in crystals) */
  ecm_stack *beta;       /* 1 x ny x nx truth beta (NaN in vacuum and crystals) */
  ecm_stack *contrast;   /* 1 x ny x nx truth A (NaN in vacuum) */
  ecm_stack *region;     /* 1 x ny x nx: 0 vacuum, 1 bulk, 2 surface layer, 3 crystal
                            (film without crystals: all 1) */
  double *shift_x, *shift_y; /* nt applied drift per frame, px (image content moves by
                                +shift; shift[0] = 0: an aligner must apply -shift) */
  double xi_expected_px; /* dynamic correlation length the four-point analysis should
                            measure: 2R of A exp(-dr/R) + B fitted to the same-domain pair
                            probability (see docs/simulator.md); 0 when domains are off or
                            shared_fraction is 0, NaN when the image is too small to tell */
  double max_clipped_eigen; /* quality of the Gaussian-process synthesis: the largest
                               negative circulant eigenvalue clipped, relative to the first
                               (0 = exact; below ~1e-12 is round-off) */
  size_t embed_len;      /* circulant embedding length L (even FFT size >= 2 nt) */
  size_t crystal_count;  /* crystals placed (= p->crystal_count) */
  double *crystal_x, *crystal_y; /* crystal_count centres in frame 0's (sample) coordinates,
                                    px (whole pixels); NULL when there are none */
} ecm_sim_result;

/* Run the dark-field simulator. `run` may be NULL. All memory (the nt*ny*nx float stack,
 * an enlarged canvas when drift or speckle blur is on, per-thread scratch) is checked
 * against run->memory_budget before anything large is allocated. Cancellable through
 * run->progress (ECM_ECANCELED, *out NULL, nothing leaked). Thread-safe; OpenMP over
 * pixels with run->threads threads. Errors: those of ecm_sim_check_params, ECM_ENOMEM,
 * ECM_ECANCELED. Performance: one complex FFT of length L per pixel (docs/simulator.md). */
ecm_status ecm_sim_darkfield(const ecm_sim_params *p, const ecm_run *run, ecm_sim_result **out);

/* tau(t) / tau_map of an aging series at time t frames (0 <= t <= nt - 1):
 * aging_factor^(t / (nt - 1)); 1 when aging_factor == 1. NaN for NULL p or nt < 2. */
double ecm_sim_aging_tau_factor(const ecm_sim_params *p, double t_frames);

/* Temperature-series law (docs/simulator.md, "Temperature series"):
 *   tau_median(T) = tau_inf_s exp(E_eV / (k_B T)),   k_B = ECM_STATS_KB_EV_PER_K,
 *   domain_size(T) = domain_ref_px (T_ref_K / T)^domain_exponent   (grows on cooling). */
typedef struct ecm_sim_tseries_law {
  double E_eV;            /* activation energy, eV, [0, 100] */
  double tau_inf_s;       /* attempt time tau_inf, s, > 0 */
  double T_ref_K;         /* reference temperature of the domain size, K, > 0 */
  double domain_ref_px;   /* domain diameter at T_ref_K, px; 0 = domains off at every T */
  double domain_exponent; /* x of (T_ref / T)^x, [0, 20] */
} ecm_sim_tseries_law;

/* The parameters at temperature T_K: *out = *base with tau_median_s and domain_size_px set
 * by the law above (everything else, the seed included, unchanged: the same sample, its
 * tau map scaled as a whole). ECM_EINVAL for NULL arguments, a non-finite or non-positive
 * T_K, a law outside its ranges, or a result that ecm_sim_check_params rejects (e.g. a
 * domain size outside [1, 1e4] px, a tau that overflows); *out is then unspecified. */
ecm_status ecm_sim_tseries_params(const ecm_sim_params *base, const ecm_sim_tseries_law *law,
                                  double T_K, ecm_sim_params *out);

/* Release a result; accepts NULL. */
void ecm_sim_result_free(ecm_sim_result *r);

/* A buffer of this many bytes always holds ecm_sim_params_json's output. */
#define ECM_SIM_PARAMS_JSON_CAP 2048

/* All parameters as a one-line JSON object (units in the key names, plus
 * "generator": "ecm <version>"), NUL-terminated in buf. ECM_EOVERFLOW if cap is too small
 * (ECM_SIM_PARAMS_JSON_CAP always suffices), ECM_EINVAL for NULL arguments. */
ecm_status ecm_sim_params_json(const ecm_sim_params *p, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
