/* Internal helpers for ecm_run (not installed). */
#ifndef ECM_RUN_INTERNAL_H
#define ECM_RUN_INTERNAL_H

#include <stddef.h>

#include "ecm/stack.h"

/* Thread count to use for an OpenMP region (>= 1). */
int ecm__run_threads(const ecm_run *run);

/* Report progress; ECM_ECANCELED (with detail) when the callback asks to stop.
 * Call only from the caller's thread (outside parallel regions, or from thread 0). */
ecm_status ecm__run_report(const ecm_run *run, double fraction, const char *stage);

/* ECM_ENOMEM with a clear detail when `bytes` exceed the run's memory budget. */
ecm_status ecm__run_reserve(const ecm_run *run, size_t bytes, const char *what);

#endif
