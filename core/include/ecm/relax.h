/* ecm/relax.h — relaxation maps: per-pixel g2 (Zhang et al. 2018, Eq. 4) on log lags, a KWW
 * fit per pixel (Eq. 2), and the statistics of the maps — the headline of dark-field ECM.
 *
 * One pass over the stack: for each pixel, g2 at every lag by zero-padded FFT, averaged in
 * log bins, standard errors per bin from the curve itself (ecm_kww_g2_sigma), and a
 * weighted Levenberg–Marquardt fit. Memory beyond the stack: the maps plus the binned g2 of
 * every pixel (nbins floats each), kept for the ensemble and for inspection. */
#ifndef ECM_RELAX_H
#define ECM_RELAX_H

#include <stddef.h>
#include <stdint.h>

#include "ecm/g2.h"
#include "ecm/kww.h"
#include "ecm/stack.h"
#include "ecm/stats.h"
#include "ecm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Status of a map pixel. 0..5 are the KWW fit states (ecm_kww_state, same numbers);
 * 6..8 say why a pixel had no g2. Never renumbered: written into *_status.tif. */
typedef enum ecm_relax_status {
  ECM_RELAX_CONVERGED = 0,
  ECM_RELAX_MAX_ITER = 1,
  ECM_RELAX_SINGULAR = 2,
  ECM_RELAX_BAD_FIT_INPUT = 3,
  ECM_RELAX_MASKED = 4,
  ECM_RELAX_NO_DECAY = 5,   /* never decorrelates within the series (static, crystalline) */
  ECM_RELAX_DARK = 6,       /* zero (or non-positive) mean intensity */
  ECM_RELAX_CONSTANT = 7,   /* intensity never changes */
  ECM_RELAX_NONFINITE = 8   /* NaN or infinity in the series */
} ecm_relax_status;

#define ECM_RELAX_NSTATUS 9

/* Short name of a status ("converged", ..., "non-finite"). */
const char *ecm_relax_status_name(ecm_relax_status s);

typedef struct ecm_relax_params {
  double points_per_decade; /* log lag bins per decade (default 10) */
  size_t max_lag;           /* largest lag, frames; 0 = half the series (default 0) */
  int weighted;             /* weight fits by the per-bin standard errors (default 1) */
  ecm_kww_params kww;       /* fit settings; times in seconds (frames when uncalibrated) */
} ecm_relax_params;

ecm_relax_params ecm_relax_default_params(void);

/* Maps and the per-pixel binned g2, all ny*nx row-major, owned by the result. Values are
 * NaN where the status is not CONVERGED (NO_DECAY keeps its tau as a lower limit in
 * tau_s but NaN elsewhere). Times in seconds when the stack is calibrated, else frames
 * (time_unit says which). */
typedef struct ecm_relax_maps {
  size_t ny, nx, nt;
  float *tau, *beta, *A, *chi2, *tau_err, *beta_err, *A_err;
  uint8_t *status;
  float *g2;        /* ny*nx rows of nbins binned g2 values */
  size_t nbins;
  double *t;        /* nbins delays at the bins' mean lags (time unit) */
  size_t *edges;    /* nbins + 1 lag edges, frames */
  double dt;        /* frame interval in the time unit (1 when uncalibrated) */
  char time_unit[8];/* "s" or "frame" */
  ecm_calib calib;  /* the stack's calibration */
  size_t count[ECM_RELAX_NSTATUS]; /* pixels per status */
} ecm_relax_maps;

/* Compute the maps of `stack` inside `mask` (NULL = everything). Parallel over pixels
 * (results independent of the thread count), progress stage "map", cancellable, memory
 * checked against run->memory_budget. Errors: ECM_EINVAL, ECM_ENODATA (fewer than 3
 * frames), ECM_ESIZE (mask), ECM_ENOMEM, ECM_ECANCELED. */
ecm_status ecm_relax_map(const ecm_view *stack, const ecm_mask *mask,
                         const ecm_relax_params *p, const ecm_run *run, ecm_relax_maps **out);
void ecm_relax_maps_free(ecm_relax_maps *m);

/* Summary of maps inside a region (NULL = all non-masked pixels): statistics of tau and
 * beta over converged pixels, the log-normal fit of tau, the ensemble g2 (mean of the
 * pixels' binned curves, sem across pixels) and its KWW fit, and the sampling check. */
typedef struct ecm_relax_summary {
  size_t n_pixels, n_converged;
  double converged_fraction;
  ecm_summary tau, beta, A;
  ecm_lognormal lognormal;
  int has_lognormal;
  double *ens_g2, *ens_sem;  /* nbins, owned */
  ecm_kww_result ens_fit;
  double series_over_tau;    /* series length / tau_med (Zhang: >= 20 sufficed; 40 safer) */
  double dt_over_tau;        /* frame interval / tau_med (should be <= 0.1) */
  double tau_med_frames;
} ecm_relax_summary;

ecm_status ecm_relax_summarize(const ecm_relax_maps *m, const uint8_t *region,
                               const ecm_relax_params *p, ecm_relax_summary *out);
void ecm_relax_summary_clear(ecm_relax_summary *s);

#ifdef __cplusplus
}
#endif
#endif
