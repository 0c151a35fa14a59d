#include "util/strbuf.h"

#include "util/clocale.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ecm__sb_init(ecm__strbuf *sb) { memset(sb, 0, sizeof *sb); }

void ecm__sb_free(ecm__strbuf *sb) {
  free(sb->buf);
  memset(sb, 0, sizeof *sb);
}

const char *ecm__sb_str(const ecm__strbuf *sb) { return sb->buf ? sb->buf : ""; }

static int ecm__sb_reserve(ecm__strbuf *sb, size_t extra) {
  if (sb->failed) return 0;
  if (sb->len + extra + 1 <= sb->cap) return 1;
  size_t cap = sb->cap ? sb->cap : 256;
  while (cap < sb->len + extra + 1) {
    if (cap > ((size_t)-1) / 2) {
      sb->failed = 1;
      return 0;
    }
    cap *= 2;
  }
  char *p = realloc(sb->buf, cap);
  if (!p) {
    sb->failed = 1;
    return 0;
  }
  sb->buf = p;
  sb->cap = cap;
  return 1;
}

void ecm__sb_append(ecm__strbuf *sb, const char *s, size_t n) {
  if (!ecm__sb_reserve(sb, n)) return;
  memcpy(sb->buf + sb->len, s, n);
  sb->len += n;
  sb->buf[sb->len] = '\0';
}

void ecm__sb_puts(ecm__strbuf *sb, const char *s) { ecm__sb_append(sb, s, strlen(s)); }

void ecm__sb_printf(ecm__strbuf *sb, const char *fmt, ...) {
  ecm__cloc loc;
  ecm__cloc_push(&loc);
  va_list ap;
  va_start(ap, fmt);
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) {
    sb->failed = 1;
  } else if (ecm__sb_reserve(sb, (size_t)n)) {
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap2);
    sb->len += (size_t)n;
  }
  va_end(ap2);
  ecm__cloc_pop(&loc);
}

void ecm__sb_json_str(ecm__strbuf *sb, const char *s) {
  ecm__sb_append(sb, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    switch (*p) {
      case '"': ecm__sb_append(sb, "\\\"", 2); break;
      case '\\': ecm__sb_append(sb, "\\\\", 2); break;
      case '\n': ecm__sb_append(sb, "\\n", 2); break;
      case '\r': ecm__sb_append(sb, "\\r", 2); break;
      case '\t': ecm__sb_append(sb, "\\t", 2); break;
      default:
        if (*p < 0x20)
          ecm__sb_printf(sb, "\\u%04x", *p);
        else
          ecm__sb_append(sb, (const char *)p, 1);
    }
  }
  ecm__sb_append(sb, "\"", 1);
}

void ecm__sb_json_num(ecm__strbuf *sb, double v) {
  if (!isfinite(v))
    ecm__sb_puts(sb, "null");
  else {
    /* Shortest of 15 or 17 significant digits that reads back exactly. */
    char tmp[40];
    ecm__cloc loc;
    ecm__cloc_push(&loc);
    snprintf(tmp, sizeof tmp, "%.15g", v);
    if (strtod(tmp, NULL) != v) snprintf(tmp, sizeof tmp, "%.17g", v);
    ecm__cloc_pop(&loc);
    ecm__sb_puts(sb, tmp);
  }
}

void ecm__sb_json_key(ecm__strbuf *sb, const char *key) {
  ecm__sb_json_str(sb, key);
  ecm__sb_append(sb, ": ", 2);
}
