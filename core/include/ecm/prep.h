/* ecm/prep.h — preprocessing of an image series before correlation (the practice of Zhang
 * et al. 2018 and Nakazawa et al.): dark subtraction and gain (flat-field) division, a
 * hot/dead-pixel mask and its repair, and per-frame normalisation by the mean of a
 * reference region against beam-current drift. Frame ranges and binning are in stack.h
 * (ecm_frames_parse, ecm_stack_bin). docs/align.md ("Preprocessing") gives the formulas.
 *
 * The operations that change pixel values work IN PLACE on an owning ecm_stack (a 4000-frame
 * series is ~1 GB; a copy is rarely wanted — ecm_stack_from_view makes one). They are
 * cancellable, but an in-place operation cancelled half-way leaves the stack partly
 * processed: discard it after ECM_ECANCELED. */
#ifndef ECM_PREP_H
#define ECM_PREP_H

#include <stddef.h>

#include "ecm/stack.h"
#include "ecm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ecm_prep_params {
  /* dark / gain */
  int gain_normalize; /* non-zero: divide the gain reference by its mean over its usable
                         pixels first, so that it averages 1 and the data keep their
                         scale (counts) (default 1) */
  float flag_value;   /* written to pixels whose gain is unusable (<= 0 or not finite) or
                         whose dark is not finite (default NaN) */
  /* hot / dead pixels */
  double hot_sigma; /* k: a pixel is hot (cold) when its temporal mean exceeds (falls
                       below) the median of its 8 neighbours' means by more than k robust
                       standard deviations (1.4826 MAD of that difference over the
                       image), > 0 (default 6) */
  int flag_cold;    /* non-zero: also flag cold pixels (default 1) */
} ecm_prep_params;

/* Defaults as documented above. */
ecm_prep_params ecm_prep_default_params(void);

/* ECM_EINVAL with a detail naming the field when a parameter is out of range. */
ecm_status ecm_prep_check_params(const ecm_prep_params *p);

/* In place, every frame t of s: I'(t) = (I(t) - D) / G, where D is the pixel-wise mean of
 * the frames of `dark` and G that of `gain` (divided by its mean over usable pixels when
 * p->gain_normalize). Either reference may be NULL (no subtraction / no division), not both.
 * Pixels with G <= 0 or not finite, or D not finite, are flagged: set to p->flag_value in
 * every frame and left out of *good. `good` (may be NULL) receives a new mask of the usable
 * pixels (owned by the caller); *n_flagged (may be NULL) their complement's count.
 * `p` and `run` may be NULL. OpenMP over frames; cancellable (stage "prep: dark/gain").
 * Errors: ECM_EINVAL (NULL s, both references NULL, bad params), ECM_ESIZE (a reference of
 * another frame size), ECM_ENODATA (a gain with no usable pixel), ECM_ENOMEM,
 * ECM_ECANCELED (stack partly corrected). */
ecm_status ecm_prep_dark_gain(ecm_stack *s, const ecm_view *dark, const ecm_view *gain,
                              const ecm_prep_params *p, const ecm_run *run, ecm_mask **good,
                              size_t *n_flagged);

/* Counts from ecm_prep_bad_pixels. */
typedef struct ecm_prep_pixel_counts {
  size_t n_pixels;    /* ny * nx */
  size_t n_good;      /* inside the returned mask */
  size_t n_dead;      /* constant in time (zero variance) or never finite */
  size_t n_nonfinite; /* of the dead: with a non-finite value in some frame */
  size_t n_hot;       /* temporal mean above the neighbourhood */
  size_t n_cold;      /* below (when p->flag_cold) */
  double robust_sd;   /* 1.4826 MAD of (mean - neighbourhood median), intensity units */
} ecm_prep_pixel_counts;

/* Hot/dead-pixel mask of a series (read-only): per pixel the temporal mean M and whether it
 * is constant or has a non-finite value (dead); then r = M - median of the non-dead
 * 8-neighbours' M, and hot when r > k sigma, cold when r < -k sigma, sigma = 1.4826 MAD(r)
 * over the non-dead pixels (k = p->hot_sigma). Pixels with no non-dead neighbour are only
 * tested for deadness. Real structure (a sharp sample edge) can look hot or cold: check the
 * counts. *good receives a new mask of the good pixels (owned by the caller); *counts (may
 * be NULL) the tallies. Needs nt >= 2. OpenMP over rows; cancellable (stage
 * "prep: pixel statistics"). Errors: ECM_EINVAL, ECM_ENODATA (fewer than 2 frames),
 * ECM_ENOMEM, ECM_ECANCELED. */
ecm_status ecm_prep_bad_pixels(const ecm_view *in, const ecm_prep_params *p, const ecm_run *run,
                               ecm_mask **good, ecm_prep_pixel_counts *counts);

/* In place: replace each pixel outside `good` (in every frame) by the mean of the finite
 * values of its good 8-neighbours in that frame; a pixel without good neighbours is left
 * as it is and counted in *n_unrepaired (may be NULL). Useful before drift estimation (a
 * fixed hot pixel pulls phase correlation towards shift 0). OpenMP over frames;
 * cancellable (stage "prep: repair"). Errors: ECM_EINVAL, ECM_ESIZE (mask size),
 * ECM_ENOMEM, ECM_ECANCELED (stack partly repaired). */
ecm_status ecm_prep_repair(ecm_stack *s, const ecm_mask *good, const ecm_run *run,
                           size_t *n_unrepaired);

/* In place, per-frame normalisation by the mean of a reference region R (e.g. vacuum or a
 * region that does not change): R(t) = mean of the finite pixels of frame t inside `ref`,
 * and I'(t) = I(t) * mean_t(R) / R(t), the mean over frames with a usable R (finite, > 0).
 * This removes a slow common intensity fluctuation (beam-current drift), which would
 * otherwise add a positive bias to g2 (docs/align.md). Frames whose R(t) is not usable are
 * left unchanged and counted in *n_skipped (may be NULL). `level` (may be NULL) receives
 * nt values R(t) (NaN when unusable); *mean_level (may be NULL) mean_t(R). OpenMP over
 * frames; cancellable (stage "prep: normalise"). Errors: ECM_EINVAL (NULL s or ref),
 * ECM_ESIZE / ECM_ENODATA (ecm_mask_check: wrong size, empty), ECM_ENODATA (no usable
 * frame), ECM_ENOMEM, ECM_ECANCELED (stack partly normalised). */
ecm_status ecm_prep_normalize(ecm_stack *s, const ecm_mask *ref, const ecm_run *run, double *level,
                              double *mean_level, size_t *n_skipped);

#ifdef __cplusplus
}
#endif
#endif
