#include "status/status_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "ecm_version.h"

#define ECM__MSG_CAP 1024

static _Thread_local char ecm__msg[ECM__MSG_CAP];

static const char *const ecm__texts[] = {
    [ECM_OK] = "success",
    [ECM_EINVAL] = "invalid argument",
    [ECM_ENOMEM] = "out of memory or over the memory budget",
    [ECM_EOVERFLOW] = "dimensions too large",
    [ECM_EIO] = "input/output error",
    [ECM_EFORMAT] = "malformed or truncated file",
    [ECM_EUNSUPPORTED] = "unsupported input",
    [ECM_ECANCELED] = "cancelled",
    [ECM_ENODATA] = "no data",
    [ECM_ESIZE] = "size mismatch",
    [ECM_ENUMERIC] = "numerical failure",
    [ECM_EEXIST] = "output would overwrite an existing file",
    [ECM_EINTERNAL] = "internal error",
};

const char *ecm_strerror(ecm_status status) {
  if ((unsigned)status < sizeof ecm__texts / sizeof ecm__texts[0] && ecm__texts[status])
    return ecm__texts[status];
  return "unknown status code";
}

const char *ecm_errmsg(void) { return ecm__msg; }

void ecm_clear_error(void) { ecm__msg[0] = '\0'; }

const char *ecm_version(void) { return ECM_VERSION_STRING; }

ecm_status ecm__status_set(ecm_status status, const char *fmt, ...) {
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ecm__msg, sizeof ecm__msg, fmt, ap);
    va_end(ap);
  } else {
    snprintf(ecm__msg, sizeof ecm__msg, "%s", ecm_strerror(status));
  }
  return status;
}

ecm_status ecm__status_prefix(ecm_status status, const char *fmt, ...) {
  char head[256], old[ECM__MSG_CAP];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(head, sizeof head, fmt, ap);
  va_end(ap);
  memcpy(old, ecm__msg, sizeof old);
  if (old[0])
    return ecm__status_set(status, "%s: %s", head, old);
  return ecm__status_set(status, "%s: %s", head, ecm_strerror(status));
}

static void ecm__gsl_quiet(const char *reason, const char *file, int line, int gsl_errno) {
  (void)reason; (void)file; (void)line; (void)gsl_errno;
}

ecm_status ecm_init(void) {
  /* Setting the same handler twice is harmless, so no once-flag is needed. */
  gsl_set_error_handler(&ecm__gsl_quiet);
  return ECM_OK;
}
