/* ecm/stats.h — statistics of maps: quantiles, log-spaced histograms and the log-normal
 * distribution of relaxation times (Zhang et al. 2018, supplement Eq. 5):
 *   P(tau) = exp(-ln^2(tau/tau_med) / (2 sigma^2)) / (sqrt(2 pi) sigma tau).
 * Inputs are plain arrays; NaN and non-positive values (for the logarithmic statistics)
 * are skipped and counted. All functions are reentrant. */
#ifndef ECM_STATS_H
#define ECM_STATS_H

#include <stddef.h>

#include "ecm/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Summary of the finite values of x[n]: count, mean, sd (n-1), median, quartiles, min,
 * max. ECM_ENODATA when no value is finite. */
typedef struct ecm_summary {
  size_t n;
  double mean, sd, median, q25, q75, min, max;
} ecm_summary;

ecm_status ecm_stats_summary(const double *x, size_t n, ecm_summary *out);

/* Maximum-likelihood log-normal fit of the finite, positive values of x[n]:
 *   tau_med = exp(mean ln x), sigma = sd of ln x (ML, divided by n),
 * with standard errors tau_med_err = tau_med sigma / sqrt(n), sigma_err = sigma / sqrt(2n);
 * mode = tau_med exp(-sigma^2) and FWHM = 2 tau_med exp(-sigma^2) sinh(sigma sqrt(2 ln 2)),
 * the full width at half maximum of P(tau). ECM_ENODATA when fewer than 2 values qualify. */
typedef struct ecm_lognormal {
  size_t n;
  double tau_med, tau_med_err, sigma, sigma_err, mode, fwhm;
} ecm_lognormal;

ecm_status ecm_stats_lognormal_fit(const double *x, size_t n, ecm_lognormal *out);

/* Probability density of the log-normal at tau (> 0). */
double ecm_stats_lognormal_pdf(double tau, double tau_med, double sigma);

/* Histogram of x[n] in nbins bins between lo and hi (> lo), logarithmic (lo > 0) when log
 * is non-zero. edges[nbins+1] and counts[nbins] are caller-owned; values outside [lo, hi]
 * or not finite are not counted (*outside gets their number, may be NULL). */
ecm_status ecm_stats_histogram(const double *x, size_t n, double lo, double hi, size_t nbins,
                               int log, double *edges, size_t *counts, size_t *outside);

#ifdef __cplusplus
}
#endif
#endif
