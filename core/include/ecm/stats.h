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

/* ==== Temperature series, xi-tau models, rank correlation, bootstrap ====
 * Theory, error propagation and CLI usage: docs/stats.md. Sources: stats_models.c (fits),
 * stats_rank.c (Spearman), stats_boot.c (bootstrap). All functions are reentrant; the
 * random ones are deterministic for a given seed on every platform (own 64-bit generator). */

/* Physical constants (CODATA 2018, exact in SI): Boltzmann constant in eV/K, and the molar
 * energy of 1 eV in kJ/mol (e N_A / 1000). */
#define ECM_STATS_KB_EV_PER_K 8.617333262e-5
#define ECM_STATS_KJ_PER_MOL_PER_EV 96.48533212

/* Weighted straight line y = a + b x (chi-square fit). With sigmas given, a_err, b_err and
 * cov_ab come from the sigmas alone (the fit trusts them; chi2_red tests them) and the
 * *_scaled errors are multiplied by sqrt(chi2_red); without sigmas, the errors are scaled
 * by the residual variance (as gsl_fit_linear). dof = n - number of fitted parameters;
 * chi2_red is NaN when dof = 0. */
typedef struct ecm_linfit {
  size_t n, dof;
  double a, b, a_err, b_err, cov_ab;
  double a_err_scaled, b_err_scaled;
  double chi2, chi2_red;
  int weighted; /* 1 when sigmas were used */
} ecm_linfit;

/* Arrhenius fit tau = tau_inf exp(E / (k_B T)) (DESIGN.md section 4; Zhang et al. 2018
 * Fig. 2f, Nakazawa et al.) as the weighted straight line ln tau = ln tau_inf + (E/k_B)(1/T)
 * with sigma_ln_tau = tau_err / tau. E in eV and kJ/mol, tau_inf in s (error propagated as
 * tau_inf * sigma_ln_tau_inf, a first-order value: tau_inf is log-normal in practice);
 * cov_lntauinf_E_eV is the covariance of ln tau_inf and E (eV). */
typedef struct ecm_arrhenius {
  size_t n, dof;
  double E_eV, E_eV_err, E_kJ_per_mol, E_kJ_per_mol_err;
  double E_eV_err_scaled, E_kJ_per_mol_err_scaled;
  double ln_tau_inf, ln_tau_inf_err, tau_inf_s, tau_inf_err_s;
  double cov_lntauinf_E_eV;
  double chi2, chi2_red;
  int weighted;
} ecm_arrhenius;

/* Fit the rows (T_K[i] > 0 in K, tau_s[i] > 0 in s, tau_err_s[i] > 0 in s) of a temperature
 * series; tau_err_s may be NULL (unweighted fit, errors from the scatter). Rows holding a NaN
 * are skipped (n counts the rows used). Needs 2 rows with distinct T (3 when unweighted).
 * Errors: ECM_EINVAL (NULL, T, tau or sigma not positive, infinite), ECM_ENODATA (too few
 * rows), ECM_ENUMERIC (all T equal). */
ecm_status ecm_stats_arrhenius_fit(const double *T_K, const double *tau_s, const double *tau_err_s,
                                   size_t n, ecm_arrhenius *out);

/* The xi-tau models of Zhang et al. 2018, Fig. 4 (DESIGN.md section 4), each a straight line
 * in transformed variables:
 *   ADAM_GIBBS  ln tau = a + b xi                       (Fig. 4c)
 *   IMCT        ln xi  = a + b ln tau, i.e. xi ~ tau^b  (Fig. 4d, power law)
 *   RFOT        ln tau = a + b (xi / (k_B T))^n         (Fig. 4e; tau ~ exp(k (xi/k_B T)^n))
 * with xi in nm, tau in s, T in K, k_B T in eV (so xi/(k_B T) is in nm/eV and b carries
 * the matching unit). */
typedef enum ecm_xitau_model {
  ECM_XITAU_ADAM_GIBBS = 0,
  ECM_XITAU_IMCT = 1,
  ECM_XITAU_RFOT = 2
} ecm_xitau_model;

typedef struct ecm_xitau_params {
  ecm_xitau_model model;
  int n_fixed;            /* RFOT: 1 holds the exponent at n (default 0: fitted) */
  double n;               /* RFOT exponent when fixed (> 0; default 1) */
  double n_min, n_max;    /* RFOT search range for a fitted n (0 < n_min < n_max; 0.1, 5) */
  int effective_variance; /* 1 (default): sigma_eff^2 = sigma_y^2 + (dy/dx)^2 sigma_x^2,
                             iterated to convergence; 0: errors of the dependent variable
                             only */
  int max_iter;           /* effective-variance iterations (>= 1; default 50) */
} ecm_xitau_params;

ecm_xitau_params ecm_stats_xitau_default_params(void);

/* Name of a model ("adam-gibbs", "imct", "rfot"), or "?"; and the reverse (-1 if unknown). */
const char *ecm_stats_xitau_model_name(ecm_xitau_model m);
int ecm_stats_xitau_model_parse(const char *name);

typedef struct ecm_xitau_result {
  ecm_xitau_model model;
  size_t n, dof; /* rows used; n - 2 (n - 3 with a fitted RFOT exponent) */
  double a, b, a_err, b_err, cov_ab;
  double n_exp, n_exp_err; /* RFOT exponent and its error (0 when fixed); NaN otherwise */
  double cov_b_n;          /* RFOT covariance of b and a fitted n; NaN otherwise */
  double a_err_scaled, b_err_scaled, n_exp_err_scaled; /* times sqrt(chi2_red) */
  double chi2, chi2_red;
  int weighted, n_fitted, iterations;
  int n_at_bound; /* RFOT: the fitted n sits on n_min or n_max (not a true minimum) */
} ecm_xitau_result;

/* Fit one xi-tau model to the rows (T_K, tau_s, tau_err_s, xi_nm, xi_err_nm). T_K is read
 * by RFOT only (may be NULL otherwise); either error column may be NULL (no weighting from
 * it: with both NULL the fit is unweighted and errors come from the scatter). Rows holding
 * a NaN are skipped. Parameter errors come from the inverse Hessian of chi2 with the final
 * effective sigmas (linearised, like GSL's covariance). Errors: ECM_EINVAL (bad params or a
 * value not positive), ECM_ENODATA (fewer rows than parameters + 1), ECM_ENUMERIC
 * (degenerate design: all x equal). */
ecm_status ecm_stats_xitau_fit(const ecm_xitau_params *p, const double *T_K, const double *tau_s,
                               const double *tau_err_s, const double *xi_nm,
                               const double *xi_err_nm, size_t n, ecm_xitau_result *out);

/* Mid-ranks (1-based; tied values share the mean of their ranks) of x[n] into ranks[n]
 * (caller-owned). x must be free of NaN (ECM_EINVAL otherwise). */
ecm_status ecm_stats_ranks(const double *x, size_t n, double *ranks);

/* Spearman's rank correlation of the pairs (x[i], y[i]) where both are finite: the Pearson
 * correlation of their mid-ranks. *n_used may be NULL. ECM_ENODATA with fewer than 3 pairs;
 * ECM_ENUMERIC when one variable is constant. */
ecm_status ecm_stats_spearman_rho(const double *x, const double *y, size_t n, double *rho,
                                  size_t *n_used);

/* Spearman correlation of two maps with significance tests that respect the spatial
 * correlation of neighbouring pixels (speckles span ~3 px). */
typedef struct ecm_spearman_params {
  size_t block;            /* block side for the permutation test, px (>= 1; default 3) */
  size_t permutations;     /* block permutations (0 = none; default 999) */
  unsigned long long seed; /* random seed (default 1) */
  size_t max_lag;          /* effective-N: autocorrelation lags up to max_lag px (0 = 2 block) */
} ecm_spearman_params;

ecm_spearman_params ecm_stats_spearman_default_params(void);

typedef struct ecm_spearman_result {
  size_t n;             /* pixels used: inside the mask, both values finite */
  double rho;           /* Spearman rho over those pixels */
  double p_naive;       /* two-sided, t = rho sqrt((n-2)/(1-rho^2)) with n-2 dof: assumes
                           independent pixels, overstates significance for speckle maps */
  double n_eff;         /* effective number of independent pairs (Dutilleul / Bartlett):
                           n / sum_lag r_A(lag) r_B(lag) over |dy|,|dx| <= max_lag */
  double p_eff;         /* two-sided t-test with n_eff - 2 dof */
  size_t n_perm_pixels; /* pixels of the complete blocks used by the permutation test */
  double rho_blocks;    /* rho over those pixels (the statistic the permutations are compared to) */
  size_t blocks;        /* complete blocks (block x block, all pixels valid) permuted */
  size_t permutations;
  double p_perm; /* two-sided (1 + #{|rho*| >= |rho_blocks|}) / (1 + permutations); NaN
                    when no permutation was run or fewer than 2 complete blocks */
} ecm_spearman_result;

/* a and b are ny x nx maps (row-major); mask (ny x nx, non-zero = inside) may be NULL.
 * Errors: ECM_EINVAL, ECM_ENOMEM, ECM_EOVERFLOW, ECM_ENODATA (< 3 pixels), ECM_ENUMERIC (a
 * constant map). */
ecm_status ecm_stats_spearman_maps(const float *a, const float *b, const unsigned char *mask,
                                   size_t ny, size_t nx, const ecm_spearman_params *p,
                                   ecm_spearman_result *out);

/* Percentile bootstrap confidence intervals. */
typedef struct ecm_bootstrap_params {
  size_t resamples;        /* B (>= 10; default 1000) */
  double level;            /* central coverage (0 < level < 1; default 0.95) */
  unsigned long long seed; /* default 1 */
} ecm_bootstrap_params;

ecm_bootstrap_params ecm_stats_bootstrap_default_params(void);

typedef struct ecm_ci {
  double estimate; /* the statistic of the original sample */
  double lo, hi;   /* percentile interval: quantiles (1-level)/2 and (1+level)/2 */
  double se;       /* standard deviation of the bootstrap replicates */
  double level;
  size_t resamples; /* replicates that gave a value */
  size_t failed;    /* replicates whose statistic failed (e.g. all rows at one T) */
} ecm_ci;

/* Statistics of an array for ecm_stats_bootstrap. */
typedef enum ecm_stats_statistic {
  ECM_STAT_MEDIAN = 0,            /* median of the finite values */
  ECM_STAT_MEAN = 1,              /* mean of the finite values */
  ECM_STAT_LOGNORMAL_TAU_MED = 2, /* exp(mean ln x) of the finite positive values */
  ECM_STAT_LOGNORMAL_SIGMA = 3    /* ML sd of ln x of the finite positive values */
} ecm_stats_statistic;

/* Resample the qualifying values of x[n] with replacement (B times, same count) and return
 * the percentile interval of the statistic. Errors: ECM_EINVAL, ECM_ENOMEM, ECM_ENODATA
 * (fewer than 2 qualifying values). */
ecm_status ecm_stats_bootstrap(const double *x, size_t n, ecm_stats_statistic stat,
                               const ecm_bootstrap_params *p, ecm_ci *out);

/* A statistic of the rows idx[0..n-1] of a caller's table (rows may repeat). Return ECM_OK
 * and set *value, or any error to count the replicate as failed. */
typedef ecm_status (*ecm_stats_rows_fn)(const size_t *idx, size_t n, void *ctx, double *value);

/* Case-resampling bootstrap over the n rows of any table: idx = 0..n-1 for the estimate,
 * then B resamples of n rows with replacement. Fails (ECM_ENUMERIC) when more than half the
 * replicates fail, or with the statistic's own error when the estimate fails. */
ecm_status ecm_stats_bootstrap_rows(size_t n, ecm_stats_rows_fn fn, void *ctx,
                                    const ecm_bootstrap_params *p, ecm_ci *out);

/* Bootstrap interval of the Arrhenius E (eV) by resampling the table rows (tau_err_s may
 * be NULL); a resample with a single distinct T fails and is counted. */
ecm_status ecm_stats_arrhenius_bootstrap(const double *T_K, const double *tau_s,
                                         const double *tau_err_s, size_t n,
                                         const ecm_bootstrap_params *p, ecm_ci *E_eV);

#ifdef __cplusplus
}
#endif
#endif
