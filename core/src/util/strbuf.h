/* Growable string buffer with JSON helpers (internal, not installed). A failed allocation
 * sets `failed` and turns later appends into no-ops, so callers check once at the end. */
#ifndef ECM_STRBUF_H
#define ECM_STRBUF_H

#include <stddef.h>

#include "status/status_internal.h"

typedef struct ecm__strbuf {
  char *buf;   /* NUL-terminated once anything was appended; may be NULL before */
  size_t len;
  size_t cap;
  int failed;
} ecm__strbuf;

void ecm__sb_init(ecm__strbuf *sb);
void ecm__sb_free(ecm__strbuf *sb);
/* Contents ("" when empty); valid until the next append or free. */
const char *ecm__sb_str(const ecm__strbuf *sb);
void ecm__sb_append(ecm__strbuf *sb, const char *s, size_t n);
void ecm__sb_puts(ecm__strbuf *sb, const char *s);
void ecm__sb_printf(ecm__strbuf *sb, const char *fmt, ...) ECM__PRINTF(2, 3);
/* A JSON string literal with escapes. */
void ecm__sb_json_str(ecm__strbuf *sb, const char *s);
/* A JSON number that reads back exactly; NaN and infinities become null. */
void ecm__sb_json_num(ecm__strbuf *sb, double v);
/* `"key": ` (no separator handling: callers write their own commas). */
void ecm__sb_json_key(ecm__strbuf *sb, const char *key);

#endif
