/* Internal error helpers shared by all modules (not installed). */
#ifndef ECM_STATUS_INTERNAL_H
#define ECM_STATUS_INTERNAL_H

#include "ecm/status.h"

#if defined(__GNUC__)
#define ECM__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define ECM__PRINTF(a, b)
#endif

/* Record `status` with a formatted detail message for the calling thread and return it.
 * This is the only function that writes the detail message: break here to catch errors. */
ecm_status ecm__status_set(ecm_status status, const char *fmt, ...) ECM__PRINTF(2, 3);

/* Prefix the existing detail message with "what: " (e.g. the file name); returns status. */
ecm_status ecm__status_prefix(ecm_status status, const char *fmt, ...) ECM__PRINTF(2, 3);

/* Propagate a failing status unchanged. */
#define ECM__TRY(expr)                                                                    \
  do {                                                                                    \
    ecm_status ecm__s_ = (expr);                                                          \
    if (ecm__s_ != ECM_OK) return ecm__s_;                                                \
  } while (0)

#endif
