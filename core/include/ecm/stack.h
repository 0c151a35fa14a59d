/* ecm/stack.h — the data model: image stacks (t × y × x), strided views, masks,
 * calibration, frame ranges, binning, checked size arithmetic and run options.
 *
 * Layout: an owning stack stores frames one after the other, each frame row-major:
 * element (t, y, x) is data[(t * ny + y) * nx + x]. Pixel values are float (counts or
 * arbitrary intensity units); kernels accumulate in double. Coordinates are 0-based. */
#ifndef ECM_STACK_H
#define ECM_STACK_H

#include <stddef.h>
#include <stdint.h>

#include "ecm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Checked size arithmetic ------------------------------------------------------ */

/* *out = a * b; ECM_EOVERFLOW (with detail) when the product does not fit in size_t. */
ecm_status ecm_size_mul(size_t a, size_t b, size_t *out);
/* *out = a * b * c, checked. */
ecm_status ecm_size_mul3(size_t a, size_t b, size_t c, size_t *out);

/* Largest dimension accepted anywhere (frames, rows or columns): larger is treated as a
 * corrupt or absurd input (ECM_EOVERFLOW). */
#define ECM_MAX_DIM ((size_t)1 << 24)

/* ---- Calibration ------------------------------------------------------------------ */

#define ECM_UNIT_CAP 16

typedef struct ecm_calib {
  double frame_interval;           /* time between frames in time_unit; 0 = unknown */
  char time_unit[ECM_UNIT_CAP];    /* "s", "ms", "us", "min", ...; "frame" when unknown */
  double pixel_width;              /* size of one pixel along x in space_unit; 0 = unknown */
  double pixel_height;             /* size of one pixel along y in space_unit; 0 = unknown */
  char space_unit[ECM_UNIT_CAP];   /* "nm", "um", ...; "pixel" when unknown */
} ecm_calib;

/* Uncalibrated: frame interval and pixel size 0 ("unknown"), units "frame" and "pixel";
 * code that needs a step uses 1 frame / 1 pixel then, as ImageJ shows an uncalibrated
 * stack. */
void ecm_calib_init(ecm_calib *c);

/* Frame interval in seconds, converting from time_unit (s, sec, second(s), ms, msec, us,
 * µs, ns, min, h/hr/hour). Returns 0 when the interval is unknown or the unit is not a time
 * unit ("frame"). */
double ecm_calib_dt_seconds(const ecm_calib *c);

/* Set the frame interval to `seconds` (> 0) with unit "s". */
ecm_status ecm_calib_set_dt(ecm_calib *c, double seconds);

/* Non-zero when the calibration carries a physical frame interval / pixel size. */
int ecm_calib_has_time(const ecm_calib *c);
int ecm_calib_has_space(const ecm_calib *c);

/* ---- Owning stacks ---------------------------------------------------------------- */

typedef struct ecm_stack {
  size_t nt, ny, nx; /* frames, rows, columns (each >= 1) */
  float *data;       /* nt * ny * nx values, owned */
  ecm_calib calib;
} ecm_stack;

/* Allocate an uncalibrated stack of zeros. Errors: ECM_EINVAL (a zero dimension),
 * ECM_EOVERFLOW (size overflow or a dimension above ECM_MAX_DIM), ECM_ENOMEM. */
ecm_status ecm_stack_alloc(size_t nt, size_t ny, size_t nx, ecm_stack **out);
/* Release a stack; accepts NULL. */
void ecm_stack_free(ecm_stack *s);

/* Pointer to frame t (no bounds check beyond an assertion-free contract: t < nt). */
static inline float *ecm_stack_frame(const ecm_stack *s, size_t t) {
  return s->data + t * s->ny * s->nx;
}

/* ---- Borrowed strided views ------------------------------------------------------- */

/* A read-only window onto memory owned by someone else (a stack, an ImageJ buffer).
 * Strides are in elements and may be any sign; element (t,y,x) is
 * data[t*st + y*sy + x*sx]. A view never frees anything. */
typedef struct ecm_view {
  const float *data;
  size_t nt, ny, nx;
  ptrdiff_t st, sy, sx;
  ecm_calib calib;
} ecm_view;

/* The whole of a stack as a view. */
ecm_view ecm_stack_view(const ecm_stack *s);

/* A contiguous buffer of nt frames of ny × nx as a view (calibration uncalibrated). */
ecm_view ecm_view_contiguous(const float *data, size_t nt, size_t ny, size_t nx);

/* Sub-window: frames [t0, t0+nt), rows [y0, y0+ny), columns [x0, x0+nx) of `in`.
 * ECM_EINVAL when the window is empty or leaves `in`. */
ecm_status ecm_view_sub(const ecm_view *in, size_t t0, size_t nt, size_t y0, size_t ny,
                        size_t x0, size_t nx, ecm_view *out);

static inline float ecm_view_at(const ecm_view *v, size_t t, size_t y, size_t x) {
  return v->data[(ptrdiff_t)t * v->st + (ptrdiff_t)y * v->sy + (ptrdiff_t)x * v->sx];
}

/* Copy a view into a new owning stack (calibration copied). */
ecm_status ecm_stack_from_view(const ecm_view *v, ecm_stack **out);

/* ---- Masks (ROI) -------------------------------------------------------------------- */

typedef struct ecm_mask {
  size_t ny, nx;
  uint8_t *inside; /* ny * nx flags, non-zero = inside the ROI; owned */
} ecm_mask;

/* All-inside mask. */
ecm_status ecm_mask_alloc(size_t ny, size_t nx, ecm_mask **out);
void ecm_mask_free(ecm_mask *m);
/* Mask from frame 0 of an image (non-zero = inside). */
ecm_status ecm_mask_from_view(const ecm_view *image, ecm_mask **out);
/* Number of inside pixels. */
size_t ecm_mask_count(const ecm_mask *m);
/* Check that a mask fits a ny × nx image (ECM_ESIZE otherwise) and is not empty
 * (ECM_ENODATA). A NULL mask is valid and means "everything". */
ecm_status ecm_mask_check(const ecm_mask *m, size_t ny, size_t nx);

/* ---- Frame ranges and binning ------------------------------------------------------ */

/* Parse a 1-based inclusive frame range "A:B", "A:" (to the end), ":B" or "A" against a
 * stack of nt frames, as ImageJ's Substack does. Out: 0-based first frame and count.
 * ECM_EINVAL with detail for malformed text, ECM_ENODATA for an empty or outside range. */
ecm_status ecm_frames_parse(const char *text, size_t nt, size_t *first, size_t *count);

typedef enum ecm_bin_mode {
  ECM_BIN_SUM = 0, /* add values: keeps counting statistics (default) */
  ECM_BIN_MEAN = 1 /* average values: keeps the intensity scale */
} ecm_bin_mode;

/* Bin `in` by `bt` frames in time and `bs` × `bs` pixels in space (incomplete trailing
 * blocks are dropped). The calibration follows: frame interval × bt, pixel size × bs.
 * ECM_EINVAL for zero factors, ECM_ENODATA when a factor exceeds the dimension. */
ecm_status ecm_stack_bin(const ecm_view *in, size_t bt, size_t bs, ecm_bin_mode mode,
                         ecm_stack **out);

/* ---- Run options for every long operation ------------------------------------------ */

/* Progress callback: `fraction` in [0, 1], `stage` a short static label ("reading",
 * "g2", ...). Called on the caller's thread only. Return non-zero to cancel: the operation
 * then stops as soon as it can and returns ECM_ECANCELED, writing nothing. */
typedef int (*ecm_progress_fn)(void *user, double fraction, const char *stage);

typedef struct ecm_run {
  int threads;             /* worker threads; 0 = OpenMP's default (all cores) */
  ecm_progress_fn progress;/* may be NULL */
  void *user;              /* passed to progress */
  size_t memory_budget;    /* bytes of working memory an operation may allocate; 0 = no limit */
} ecm_run;

/* threads 0, no callback, no memory limit. */
ecm_run ecm_run_default(void);

#ifdef __cplusplus
}
#endif
#endif
