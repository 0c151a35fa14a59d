/* Internal interface of the relax module (not installed): the finite-length bias of Eq. 4
 * used by the map's bias correction (docs/map.md, "Finite-length bias correction"). */
#ifndef ECM_RELAX_INTERNAL_H
#define ECM_RELAX_INTERNAL_H

#include <stddef.h>

/* Build the process-wide table the bias needs (once; thread-safe; later calls return at
 * once). Call before ecm__relax_bias. */
void ecm__relax_bias_init(void);

/* Expected bias E[g2_Eq4(p)] - (1 + A c_p^2) of Zhang's Eq. 4 computed from a series of
 * n_frames frames of a stationary speckle process with field correlation
 * c_k = exp[-(k/tau)^beta] and contrast A (docs/simulator.md §14, second order in the
 * fluctuations of the sample means), at the lags lag[i] (frames, may be fractional,
 * 0 < lag < n_frames), into bias[i]. tau in frames. The sums over k are replaced by
 * integrals (relative error ~1 % for tau >= 10 frames, ~10 % at 2 frames, where the bias
 * itself is small). Returns 0, or -1 (bias untouched) when the approximation does not hold:
 * non-finite or non-positive A, tau or beta, or a correlation time not small against the
 * series (first moment of c^2 over its integral > n/8 at the last lag). Reentrant after
 * ecm__relax_bias_init. */
int ecm__relax_bias(double A, double tau, double beta, size_t n_frames, const double *lag, size_t n,
                    double *bias);

#endif
