/* Internal helpers of the g4 module (not installed). */
#ifndef ECM_G4_INTERNAL_H
#define ECM_G4_INTERNAL_H

#include <math.h>
#include <stddef.h>

/* Ring index k of an integer offset (dy, dx): k - 1/2 <= |d| < k + 1/2, exact in integers
 * ((2k-1)^2 <= 4 d^2 < (2k+1)^2). */
static inline long ecm__g4_ring(long dy, long dx) {
  long d2 = dy * dy + dx * dx;
  long k = (long)floor(sqrt((double)d2) + 0.5);
  while (k > 0 && 4 * d2 < (2 * k - 1) * (2 * k - 1)) k--;
  while (4 * d2 >= (2 * k + 1) * (2 * k + 1)) k++;
  return k;
}

#endif
