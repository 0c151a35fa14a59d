/* Internal helpers of the surface module (not installed). */
#ifndef ECM_SURFACE_INTERNAL_H
#define ECM_SURFACE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ecm/status.h"

/* Exact squared Euclidean distance transform (Felzenszwalb & Huttenlocher 2012, two 1-D
 * lower-envelope passes): d2[i] = min over pixels q with fg[q] == 0 of |i - q|^2, in
 * pixels^2 (0 where fg is 0). Exact: every value is an integer held in a double. When no
 * pixel has fg == 0 every d2 is >= ECM__SURFACE_FAR. ny*nx must not overflow (checked by
 * the caller). Errors: ECM_ENOMEM. */
#define ECM__SURFACE_FAR 1e20
ecm_status ecm__surface_edt_sq(const uint8_t *fg, size_t ny, size_t nx, double *d2);

#endif
