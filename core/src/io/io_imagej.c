/* ImageJ metadata: the ImageDescription ("ImageJ=...\nimages=N\n..."), units, resolution
 * rationals, locale-independent numbers and the IJMetadata "info" entry. */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/io_internal.h"
#include "util/clocale.h"

/* ---- numbers in the C locale (the JVM in Fiji may set a locale with a decimal comma) ---- */


void ecm__io_fmt_double(char *buf, size_t cap, double v) {
  ecm__cloc l;
  if (!buf || cap == 0) return;
  if (!isfinite(v)) {
    snprintf(buf, cap, "0");
    return;
  }
  ecm__cloc_push(&l);
  int done = 0;
  double a = fabs(v);
  if (a == 0 || (a >= 1e-5 && a < 1e15)) { /* plain decimals, as ImageJ writes them */
    for (int d = 0; d <= 20 && !done; d++) {
      snprintf(buf, cap, "%.*f", d, v);
      done = strtod(buf, NULL) == v;
    }
  }
  for (int p = 1; p <= 17 && !done; p++) {
    snprintf(buf, cap, "%.*g", p, v);
    done = strtod(buf, NULL) == v;
  }
  ecm__cloc_pop(&l);
}

int ecm__io_parse_double(const char *s, const char **end, double *v) {
  ecm__cloc l;
  char *e = NULL;
  ecm__cloc_push(&l);
  double x = strtod(s, &e);
  ecm__cloc_pop(&l);
  if (end) *end = e;
  if (e == s) return 0;
  *v = x;
  return 1;
}

/* ---- java.util.Properties syntax ---- */

static void ecm__sb_clear(ecm__strbuf *sb) {
  sb->len = 0;
  if (sb->buf) sb->buf[0] = '\0';
}

static void ecm__sb_utf8(ecm__strbuf *sb, unsigned long cp) {
  char b[4];
  size_t n;
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    b[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    b[0] = (char)(0xC0 | (cp >> 6));
    b[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    b[0] = (char)(0xE0 | (cp >> 12));
    b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    b[0] = (char)(0xF0 | (cp >> 18));
    b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  ecm__sb_append(sb, b, n);
}

static int ecm__hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Four hex digits at p (p + 4 <= end); -1 when malformed. */
static long ecm__hex4(const char *p, const char *end) {
  if (end - p < 4) return -1;
  long v = 0;
  for (int i = 0; i < 4; i++) {
    int h = ecm__hexval(p[i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

static int ecm__is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\f';
}
static int ecm__is_eol(char c) {
  return c == '\n' || c == '\r';
}

/* Decode the escape at *pp (just after a backslash) into sb; handles line continuation. */
static void ecm__prop_escape_in(const char **pp, const char *end, ecm__strbuf *sb) {
  const char *p = *pp;
  if (p >= end) return;
  char c = *p++;
  switch (c) {
    case 't':
      ecm__sb_append(sb, "\t", 1);
      break;
    case 'n':
      ecm__sb_append(sb, "\n", 1);
      break;
    case 'r':
      ecm__sb_append(sb, "\r", 1);
      break;
    case 'f':
      ecm__sb_append(sb, "\f", 1);
      break;
    case '\r':
    case '\n':
      if (c == '\r' && p < end && *p == '\n') p++;
      while (p < end && ecm__is_ws(*p)) p++;
      break;
    case 'u': {
      long u = ecm__hex4(p, end);
      if (u < 0) {
        ecm__sb_append(sb, "u", 1);
        break;
      }
      p += 4;
      if (u >= 0xD800 && u <= 0xDBFF && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
        long lo = ecm__hex4(p + 2, end);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          p += 6;
          u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        }
      }
      ecm__sb_utf8(sb, (unsigned long)u);
      break;
    }
    default:
      ecm__sb_append(sb, &c, 1);
  }
  *pp = p;
}

/* Next key/value entry of a Properties text; returns 0 at the end. */
static int ecm__prop_next(const char **pp, const char *end, ecm__strbuf *key, ecm__strbuf *val) {
  const char *p = *pp;
  for (;;) {
    while (p < end && (ecm__is_ws(*p) || ecm__is_eol(*p))) p++;
    if (p >= end) {
      *pp = p;
      return 0;
    }
    if (*p == '#' || *p == '!') {
      while (p < end && !ecm__is_eol(*p)) p++;
      continue;
    }
    break;
  }
  ecm__sb_clear(key);
  ecm__sb_clear(val);
  /* key */
  while (p < end && !ecm__is_eol(*p)) {
    char c = *p;
    if (c == '\\') {
      p++;
      ecm__prop_escape_in(&p, end, key);
      continue;
    }
    if (c == '=' || c == ':' || ecm__is_ws(c)) break;
    ecm__sb_append(key, &c, 1);
    p++;
  }
  /* separator: whitespace, then at most one '=' or ':', then whitespace */
  while (p < end && ecm__is_ws(*p)) p++;
  if (p < end && (*p == '=' || *p == ':')) p++;
  while (p < end && ecm__is_ws(*p)) p++;
  /* value */
  while (p < end && !ecm__is_eol(*p)) {
    char c = *p;
    if (c == '\\') {
      p++;
      ecm__prop_escape_in(&p, end, val);
      continue;
    }
    ecm__sb_append(val, &c, 1);
    p++;
  }
  /* make both NUL-terminated even when empty */
  ecm__sb_append(key, "", 0);
  ecm__sb_append(val, "", 0);
  *pp = p;
  return 1;
}

int ecm__io_prop_get(const char *text, size_t len, const char *key, ecm__strbuf *out) {
  ecm__strbuf k, v;
  ecm__sb_init(&k);
  ecm__sb_init(&v);
  const char *p = text, *end = text + len;
  int found = 0;
  while (ecm__prop_next(&p, end, &k, &v)) {
    if (!k.failed && strcmp(ecm__sb_str(&k), key) == 0) {
      ecm__sb_append(out, ecm__sb_str(&v), v.len);
      found = !v.failed;
      break;
    }
  }
  ecm__sb_free(&k);
  ecm__sb_free(&v);
  return found;
}

/* Decode one UTF-8 sequence at p; returns its length (1 for an invalid byte, taken as
 * Latin-1) and the code point in *cp. */
static size_t ecm__utf8_next(const unsigned char *p, const unsigned char *end, unsigned long *cp) {
  unsigned char c = p[0];
  size_t n;
  unsigned long v;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    v = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    v = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    v = c & 0x07;
  } else {
    *cp = c;
    return 1;
  }
  if ((size_t)(end - p) < n) {
    *cp = c;
    return 1;
  }
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80) {
      *cp = c;
      return 1;
    }
    v = (v << 6) | (p[i] & 0x3F);
  }
  if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
      (v >= 0xD800 && v <= 0xDFFF)) {
    *cp = c;
    return 1;
  }
  *cp = v;
  return n;
}

void ecm__io_prop_escape(ecm__strbuf *sb, const char *s) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  const unsigned char *end = p + strlen((const char *)p);
  while (p < end) {
    unsigned long cp;
    size_t n = ecm__utf8_next(p, end, &cp);
    p += n;
    if (cp == '\\') {
      ecm__sb_append(sb, "\\\\", 2);
    } else if (cp >= 0x20 && cp < 0x7F) {
      char c = (char)cp;
      ecm__sb_append(sb, &c, 1);
    } else if (cp < 0x10000) {
      ecm__sb_printf(sb, "\\u%04lx", cp);
    } else {
      unsigned long u = cp - 0x10000;
      ecm__sb_printf(sb, "\\u%04lx\\u%04lx", 0xD800 + (u >> 10), 0xDC00 + (u & 0x3FF));
    }
  }
}

/* ---- units ---- */

static void ecm__trim_copy(const char *in, char *out, size_t cap) {
  while (*in == ' ' || *in == '\t') in++;
  size_t n = strlen(in);
  while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t')) n--;
  if (n >= cap) n = cap - 1;
  memcpy(out, in, n);
  out[n] = '\0';
}

/* Copy as printable ASCII (other bytes become '?'), at most ECM_UNIT_CAP - 1 characters. */
static void ecm__ascii_unit(const char *in, char out[ECM_UNIT_CAP]) {
  size_t j = 0;
  for (const unsigned char *p = (const unsigned char *)in; *p && j < ECM_UNIT_CAP - 1; p++)
    out[j++] = (*p >= 0x20 && *p < 0x7F) ? (char)*p : '?';
  out[j] = '\0';
}

static int ecm__in_list(const char *s, const char *const *list) {
  for (; *list; list++)
    if (strcasecmp(s, *list) == 0) return 1;
  return 0;
}

/* "µ" as UTF-8 micro sign, Greek mu, or a Latin-1 byte, followed by `rest`. */
static int ecm__is_micro(const char *s, const char *rest) {
  static const char *const mu[] = {"\xc2\xb5", "\xce\xbc", "\xb5", "u", NULL};
  for (int i = 0; mu[i]; i++) {
    size_t n = strlen(mu[i]);
    if (strncmp(s, mu[i], n) == 0 && strcasecmp(s + n, rest) == 0) return 1;
  }
  return 0;
}

int ecm__io_norm_space_unit(const char *in, char out[ECM_UNIT_CAP]) {
  char t[64];
  ecm__trim_copy(in ? in : "", t, sizeof t);
  static const char *const none[] = {"", "pixel", "pixels", "px", NULL};
  static const char *const um[] = {"micron",     "microns",     "micrometer", "micrometers",
                                   "micrometre", "micrometres", NULL};
  static const char *const nm[] = {"nm",        "nanometer",  "nanometers",
                                   "nanometre", "nanometres", NULL};
  static const char *const ang[] = {"A",        "\xc3\x85",  "\xc5", "\xe2\x84\xab",
                                    "angstrom", "angstroms", NULL};
  if (ecm__in_list(t, none)) return 0;
  if (ecm__is_micro(t, "m") || ecm__in_list(t, um)) {
    snprintf(out, ECM_UNIT_CAP, "um");
  } else if (ecm__in_list(t, nm)) {
    snprintf(out, ECM_UNIT_CAP, "nm");
  } else if (ecm__in_list(t, ang)) {
    snprintf(out, ECM_UNIT_CAP, "A");
  } else {
    ecm__ascii_unit(t, out);
  }
  return 1;
}

int ecm__io_norm_time_unit(const char *in, char out[ECM_UNIT_CAP]) {
  char t[64];
  ecm__trim_copy(in ? in : "", t, sizeof t);
  static const char *const s[] = {"s", "sec", "secs", "second", "seconds", NULL};
  static const char *const ms[] = {"ms", "msec", "millisecond", "milliseconds", NULL};
  static const char *const us[] = {"usec", "microsecond", "microseconds", NULL};
  static const char *const ns[] = {"ns", "nsec", "nanosecond", "nanoseconds", NULL};
  static const char *const mn[] = {"min", "mins", "minute", "minutes", NULL};
  static const char *const h[] = {"h", "hr", "hrs", "hour", "hours", NULL};
  if (t[0] == '\0') return 0;
  if (ecm__in_list(t, s))
    snprintf(out, ECM_UNIT_CAP, "s");
  else if (ecm__in_list(t, ms))
    snprintf(out, ECM_UNIT_CAP, "ms");
  else if (ecm__is_micro(t, "s") || ecm__in_list(t, us))
    snprintf(out, ECM_UNIT_CAP, "us");
  else if (ecm__in_list(t, ns))
    snprintf(out, ECM_UNIT_CAP, "ns");
  else if (ecm__in_list(t, mn))
    snprintf(out, ECM_UNIT_CAP, "min");
  else if (ecm__in_list(t, h))
    snprintf(out, ECM_UNIT_CAP, "h");
  else
    ecm__ascii_unit(t, out);
  return 1;
}

/* ---- resolution ---- */

double ecm__io_pixel_from_res(double res) {
  if (!(res > 0) || !isfinite(res)) return 0.0;
  double pw = 1.0 / res;
  if (!(pw > 0) || !isfinite(pw)) return 0.0;
  /* Readers hold the resolution as a float and writers (ImageJ: 6 decimals) round it: take
   * the shortest decimal within that precision. */
  ecm__cloc l;
  char buf[40];
  double best = pw;
  ecm__cloc_push(&l);
  for (int d = 1; d <= 9; d++) {
    snprintf(buf, sizeof buf, "%.*e", d - 1, pw);
    double p = strtod(buf, NULL);
    if (fabs(p - pw) <= 1.5e-6 * pw) {
      best = p;
      break;
    }
  }
  ecm__cloc_pop(&l);
  return best;
}

void ecm__io_rational(double x, uint32_t *num, uint32_t *den) {
  const double max = 4294967295.0;
  if (!(x > 0) || !isfinite(x)) {
    *num = 0;
    *den = 1;
    return;
  }
  if (x >= max) {
    *num = UINT32_MAX;
    *den = 1;
    return;
  }
  /* Continued-fraction convergents h/k until a term would exceed 32 bits. */
  double h0 = 0, h1 = 1, k0 = 1, k1 = 0, r = x;
  for (int it = 0; it < 64; it++) {
    double a = floor(r);
    double h2 = a * h1 + h0, k2 = a * k1 + k0;
    if (h2 > max || k2 > max) break;
    h0 = h1;
    h1 = h2;
    k0 = k1;
    k1 = k2;
    double f = r - a;
    if (f < 1e-12 || fabs(h1 / k1 - x) <= 1e-17 * x) break;
    r = 1.0 / f;
  }
  if (h1 < 1 || k1 < 1) { /* x below 2^-32 */
    *num = 1;
    *den = UINT32_MAX;
    return;
  }
  *num = (uint32_t)h1;
  *den = (uint32_t)k1;
}

/* ---- the ImageJ description ---- */

static size_t ecm__ij_count(const char *v, int *huge) {
  double x;
  if (!ecm__io_parse_double(v, NULL, &x) || !(x >= 1) || !isfinite(x)) return 0;
  if (x > (double)ECM_MAX_DIM) {
    if (huge) *huge = 1;
    return 0;
  }
  return (size_t)x;
}

void ecm__io_ij_parse(const char *text, size_t len, ecm__io_ij_desc *d) {
  memset(d, 0, sizeof *d);
  if (!text) return;
  d->is_imagej = len >= 7 && strncmp(text, "ImageJ=", 7) == 0;
  if (!d->is_imagej) return;
  ecm__strbuf k, v;
  ecm__sb_init(&k);
  ecm__sb_init(&v);
  const char *p = text, *end = text + len;
  while (ecm__prop_next(&p, end, &k, &v)) {
    if (k.failed || v.failed) break;
    const char *key = ecm__sb_str(&k), *val = ecm__sb_str(&v);
    double x;
    if (!strcmp(key, "images")) {
      d->images = ecm__ij_count(val, &d->images_huge);
    } else if (!strcmp(key, "channels")) {
      d->channels = ecm__ij_count(val, NULL);
    } else if (!strcmp(key, "slices")) {
      d->slices = ecm__ij_count(val, NULL);
    } else if (!strcmp(key, "frames")) {
      d->frames = ecm__ij_count(val, NULL);
    } else if (!strcmp(key, "finterval")) {
      if (ecm__io_parse_double(val, NULL, &x) && x > 0 && isfinite(x)) d->finterval = x;
    } else if (!strcmp(key, "tunit")) {
      d->has_tunit = ecm__io_norm_time_unit(val, d->tunit);
    } else if (!strcmp(key, "unit")) {
      d->has_unit = ecm__io_norm_space_unit(val, d->unit);
    } else if (!strcmp(key, "spacing")) {
      if (ecm__io_parse_double(val, NULL, &x) && x > 0 && isfinite(x)) d->spacing = x;
    } else if (!strcmp(key, "cf")) {
      if (ecm__io_parse_double(val, NULL, &x) && isfinite(x) && fabs(x) < 1e6) {
        d->has_cf = 1;
        d->cf = (int)x;
      }
    } else if (!strcmp(key, "c0")) {
      if (ecm__io_parse_double(val, NULL, &x) && isfinite(x)) {
        d->has_c0 = 1;
        d->c0 = x;
      }
    } else if (!strcmp(key, "c1")) {
      if (ecm__io_parse_double(val, NULL, &x) && isfinite(x)) {
        d->has_c1 = 1;
        d->c1 = x;
      }
    }
  }
  ecm__sb_free(&k);
  ecm__sb_free(&v);
}

/* ---- IJMetadata ---- */

#define ECM__IJ_MAGIC 0x494a494aUL /* "IJIJ" */
#define ECM__IJ_INFO 0x696e666fUL  /* "info" */

static void ecm__put32(ecm__strbuf *sb, uint32_t v, int be) {
  unsigned char b[4];
  for (int i = 0; i < 4; i++) b[be ? i : 3 - i] = (unsigned char)(v >> (24 - 8 * i));
  ecm__sb_append(sb, (const char *)b, 4);
}

static uint32_t ecm__get32(const uint8_t *p, int be) {
  return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
            : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

int ecm__io_ij_meta_build(ecm__strbuf *payload, uint32_t counts[2], const char *info,
                          int big_endian) {
  size_t n = strlen(info);
  ecm__put32(payload, ECM__IJ_MAGIC, big_endian);
  ecm__put32(payload, ECM__IJ_INFO, big_endian);
  ecm__put32(payload, 1, big_endian);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)info[i], z = 0;
    if (c >= 0x80) c = '?'; /* callers pass ASCII; never emit half a character */
    if (big_endian) {
      ecm__sb_append(payload, (const char *)&z, 1);
      ecm__sb_append(payload, (const char *)&c, 1);
    } else {
      ecm__sb_append(payload, (const char *)&c, 1);
      ecm__sb_append(payload, (const char *)&z, 1);
    }
  }
  counts[0] = 12;
  counts[1] = (uint32_t)(2 * n);
  return !payload->failed && 2 * n <= UINT32_MAX;
}

int ecm__io_ij_meta_info(const uint8_t *meta, size_t meta_len, const uint32_t *counts,
                         size_t ncounts, int big_endian, ecm__strbuf *out) {
  if (!meta || !counts || ncounts < 2) return 0;
  uint32_t hdr = counts[0];
  if (hdr < 12 || hdr > 804 || hdr > meta_len || (hdr - 4) % 8 != 0) return 0;
  if (ecm__get32(meta, big_endian) != ECM__IJ_MAGIC) return 0;
  size_t ntypes = (hdr - 4) / 8;
  size_t entry = 1;   /* index into counts of the next data entry */
  uint64_t off = hdr; /* its offset in meta */
  for (size_t t = 0; t < ntypes; t++) {
    uint32_t type = ecm__get32(meta + 4 + 8 * t, big_endian);
    uint32_t n = ecm__get32(meta + 8 + 8 * t, big_endian);
    for (uint32_t i = 0; i < n; i++) {
      if (entry >= ncounts) return 0;
      uint64_t len = counts[entry];
      if (off + len > meta_len) return 0;
      if (type == ECM__IJ_INFO && i == 0) {
        const uint8_t *p = meta + off;
        for (uint64_t j = 0; j + 1 < len; j += 2) {
          unsigned long u = big_endian ? (unsigned long)p[j] << 8 | p[j + 1]
                                       : (unsigned long)p[j + 1] << 8 | p[j];
          if (u >= 0xD800 && u <= 0xDBFF && j + 3 < len) {
            unsigned long lo = big_endian ? (unsigned long)p[j + 2] << 8 | p[j + 3]
                                          : (unsigned long)p[j + 3] << 8 | p[j + 2];
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
              u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
              j += 2;
            }
          }
          ecm__sb_utf8(out, u);
        }
        ecm__sb_append(out, "", 0);
        return !out->failed;
      }
      off += len;
      entry++;
    }
  }
  return 0;
}
