/* ecm/sim.h — simulators with ground truth.
 *
 * ecm_sim_darkfield() makes a dark-field ECM image series: per pixel a coherent speckle
 * intensity I = |E|^2 + b, where the complex field E is a stationary circular Gaussian
 * process with field correlation exp(-(t/tau)^beta), so that with independent pixels, no
 * point-spread blur and no shared events the expected g2 is exactly
 *   g2(t) = 1 + A exp[-2 (t/tau)^beta],   A = 1/(1+b)^2   (Zhang et al. 2018, Eq. 2).
 * docs/simulator.md gives the physics, every parameter and what the truth maps mean once
 * speckle blur or shared (cooperative) rearrangement events are on. Deterministic for a
 * given seed, whatever the thread count. */
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
  double dose;                /* mean counts per pixel per frame; 0 = noiseless intensity
                                 (default 0). With dose > 0 counts are Poisson. */
  /* relaxation truth maps */
  double tau_median_s;        /* median relaxation time, s (default 10) */
  double tau_sigma;           /* sigma of ln(tau) of the log-normal tau map; 0 = uniform (default 0.5) */
  double beta_min, beta_max;  /* beta uniform in [beta_min, beta_max], 0 < beta <= 2
                                 (default 0.5, 1.0; equal values give a constant beta) */
  double contrast;            /* speckle contrast A in (0, 1] (default 0.3) */
  double map_corr_px;         /* spatial correlation length of the tau and beta maps, px;
                                 0 = independent pixels (default 4) */
  /* dynamic heterogeneity: shared rearrangement events */
  double domain_size_px;      /* mean diameter of cooperatively rearranging domains, px;
                                 0 = off (default 0) */
  double shared_fraction;     /* fraction of each pixel's rearrangements shared with its
                                 domain, [0, 1] (default 0.8; used when domain_size_px > 0) */
  /* optics */
  double speckle_px;          /* FWHM of the coherent point-spread function, px; 0 = none
                                 (default 0) */
  /* geometry */
  ecm_sim_geometry geometry;  /* default ECM_SIM_FILM */
  double wire_width_px;       /* nanowire width, px (default 0.6 * nx) */
  double wire_angle_deg;      /* wire axis angle from the x axis, degrees (default 0) */
  double surface_px;          /* thickness of the fast surface layer, px (default 3) */
  double surface_speedup;     /* tau_bulk / tau_surface (default 10) */
  double vacuum_level;        /* mean vacuum intensity relative to the sample mean (default 0.05) */
  /* drift */
  double drift_x_px, drift_y_px; /* linear drift over the whole series, px (default 0) */
  double drift_jitter_px;     /* rms random-walk step per frame, px (default 0) */
} ecm_sim_params;

/* Defaults as documented above (nt, ny, nx = 1000, 64, 64). */
ecm_sim_params ecm_sim_default_params(void);

/* Validate parameters; ECM_EINVAL with a detail naming the field and its legal range. */
ecm_status ecm_sim_check_params(const ecm_sim_params *p);

typedef struct ecm_sim_result {
  ecm_stack *stack;      /* nt x ny x nx intensities (counts when dose > 0), calibrated */
  ecm_stack *tau_s;      /* 1 x ny x nx truth tau, s (NaN in vacuum), calibrated */
  ecm_stack *beta;       /* 1 x ny x nx truth beta (NaN in vacuum) */
  ecm_stack *contrast;   /* 1 x ny x nx truth A (NaN in vacuum) */
  ecm_stack *region;     /* 1 x ny x nx: 0 vacuum, 1 bulk, 2 surface layer */
  double *shift_x, *shift_y; /* nt applied drift per frame, px (image content moves by +shift) */
  double xi_expected_px; /* dynamic correlation length the four-point analysis should
                            measure (see docs/simulator.md); 0 when domains are off */
  double max_clipped_eigen; /* quality of the Gaussian-process synthesis: the largest
                               relative negative eigenvalue clipped (0 = exact) */
} ecm_sim_result;

/* Run the dark-field simulator. `run` may be NULL. The stack's memory (nt*ny*nx floats plus
 * scratch) is checked against run->memory_budget. Cancellable through run->progress. */
ecm_status ecm_sim_darkfield(const ecm_sim_params *p, const ecm_run *run, ecm_sim_result **out);

/* Release a result; accepts NULL. */
void ecm_sim_result_free(ecm_sim_result *r);

/* All parameters as a one-line JSON object (units in the key names), written to buf.
 * ECM_EOVERFLOW if cap is too small. */
ecm_status ecm_sim_params_json(const ecm_sim_params *p, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
