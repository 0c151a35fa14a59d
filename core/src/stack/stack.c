#include "ecm/stack.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "stack/run_internal.h"
#include "status/status_internal.h"

/* ---- sizes ---- */

ecm_status ecm_size_mul(size_t a, size_t b, size_t *out) {
  if (a != 0 && b > SIZE_MAX / a)
    return ecm__status_set(ECM_EOVERFLOW, "size %zu x %zu overflows", a, b);
  *out = a * b;
  return ECM_OK;
}

ecm_status ecm_size_mul3(size_t a, size_t b, size_t c, size_t *out) {
  size_t ab = 0;
  ECM__TRY(ecm_size_mul(a, b, &ab));
  if (ab != 0 && c > SIZE_MAX / ab)
    return ecm__status_set(ECM_EOVERFLOW, "size %zu x %zu x %zu overflows", a, b, c);
  *out = ab * c;
  return ECM_OK;
}

/* ---- calibration ---- */

void ecm_calib_init(ecm_calib *c) {
  memset(c, 0, sizeof *c);
  c->frame_interval = 0.0;
  snprintf(c->time_unit, sizeof c->time_unit, "frame");
  c->pixel_width = c->pixel_height = 0.0;
  snprintf(c->space_unit, sizeof c->space_unit, "pixel");
}

static double ecm__time_unit_seconds(const char *u) {
  static const struct { const char *name; double s; } units[] = {
      {"s", 1}, {"sec", 1}, {"second", 1}, {"seconds", 1},
      {"ms", 1e-3}, {"msec", 1e-3}, {"millisecond", 1e-3}, {"milliseconds", 1e-3},
      {"us", 1e-6}, {"\xc2\xb5s", 1e-6}, {"\xb5s", 1e-6}, {"usec", 1e-6},
      {"microsecond", 1e-6}, {"microseconds", 1e-6},
      {"ns", 1e-9}, {"nsec", 1e-9}, {"nanosecond", 1e-9}, {"nanoseconds", 1e-9},
      {"min", 60}, {"minute", 60}, {"minutes", 60},
      {"h", 3600}, {"hr", 3600}, {"hour", 3600}, {"hours", 3600},
  };
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strcasecmp(u, units[i].name) == 0) return units[i].s;
  return 0.0;
}

double ecm_calib_dt_seconds(const ecm_calib *c) {
  if (!c || !(c->frame_interval > 0.0)) return 0.0;
  return c->frame_interval * ecm__time_unit_seconds(c->time_unit);
}

ecm_status ecm_calib_set_dt(ecm_calib *c, double seconds) {
  if (!c || !(seconds > 0.0) || seconds > 1e9)
    return ecm__status_set(ECM_EINVAL, "frame interval must be a positive number of seconds, got %g",
                           seconds);
  c->frame_interval = seconds;
  snprintf(c->time_unit, sizeof c->time_unit, "s");
  return ECM_OK;
}

int ecm_calib_has_time(const ecm_calib *c) { return ecm_calib_dt_seconds(c) > 0.0; }

int ecm_calib_has_space(const ecm_calib *c) {
  return c && c->pixel_width > 0.0 && c->pixel_height > 0.0 &&
         strcasecmp(c->space_unit, "pixel") != 0 && strcasecmp(c->space_unit, "pixels") != 0 &&
         c->space_unit[0] != '\0';
}

/* ---- stacks ---- */

static ecm_status ecm__check_dims(size_t nt, size_t ny, size_t nx, size_t *n) {
  if (nt == 0 || ny == 0 || nx == 0)
    return ecm__status_set(ECM_EINVAL, "stack dimensions %zu x %zu x %zu: none may be zero", nt,
                           ny, nx);
  if (nt > ECM_MAX_DIM || ny > ECM_MAX_DIM || nx > ECM_MAX_DIM)
    return ecm__status_set(ECM_EOVERFLOW, "stack dimensions %zu x %zu x %zu exceed the limit %zu",
                           nt, ny, nx, (size_t)ECM_MAX_DIM);
  ECM__TRY(ecm_size_mul3(nt, ny, nx, n));
  if (*n > SIZE_MAX / sizeof(float))
    return ecm__status_set(ECM_EOVERFLOW, "stack of %zu values overflows memory size", *n);
  return ECM_OK;
}

ecm_status ecm_stack_alloc(size_t nt, size_t ny, size_t nx, ecm_stack **out) {
  size_t n = 0;
  if (!out) return ecm__status_set(ECM_EINVAL, "ecm_stack_alloc: NULL output");
  *out = NULL;
  ECM__TRY(ecm__check_dims(nt, ny, nx, &n));
  ecm_stack *s = calloc(1, sizeof *s);
  if (!s) return ecm__status_set(ECM_ENOMEM, "cannot allocate a stack header");
  s->data = calloc(n, sizeof(float));
  if (!s->data) {
    free(s);
    return ecm__status_set(ECM_ENOMEM, "cannot allocate %zu x %zu x %zu floats (%.1f MB)", nt, ny,
                           nx, (double)n * sizeof(float) / 1e6);
  }
  s->nt = nt;
  s->ny = ny;
  s->nx = nx;
  ecm_calib_init(&s->calib);
  *out = s;
  return ECM_OK;
}

void ecm_stack_free(ecm_stack *s) {
  if (!s) return;
  free(s->data);
  free(s);
}

ecm_view ecm_stack_view(const ecm_stack *s) {
  ecm_view v = ecm_view_contiguous(s->data, s->nt, s->ny, s->nx);
  v.calib = s->calib;
  return v;
}

ecm_view ecm_view_contiguous(const float *data, size_t nt, size_t ny, size_t nx) {
  ecm_view v;
  v.data = data;
  v.nt = nt;
  v.ny = ny;
  v.nx = nx;
  v.sx = 1;
  v.sy = (ptrdiff_t)nx;
  v.st = (ptrdiff_t)(nx * ny);
  ecm_calib_init(&v.calib);
  return v;
}

ecm_status ecm_view_sub(const ecm_view *in, size_t t0, size_t nt, size_t y0, size_t ny,
                        size_t x0, size_t nx, ecm_view *out) {
  if (!in || !out) return ecm__status_set(ECM_EINVAL, "ecm_view_sub: NULL argument");
  if (nt == 0 || ny == 0 || nx == 0 || t0 >= in->nt || nt > in->nt - t0 || y0 >= in->ny ||
      ny > in->ny - y0 || x0 >= in->nx || nx > in->nx - x0)
    return ecm__status_set(ECM_EINVAL,
                           "window t[%zu,+%zu) y[%zu,+%zu) x[%zu,+%zu) is empty or outside a "
                           "%zu x %zu x %zu stack",
                           t0, nt, y0, ny, x0, nx, in->nt, in->ny, in->nx);
  *out = *in;
  out->data = in->data + (ptrdiff_t)t0 * in->st + (ptrdiff_t)y0 * in->sy + (ptrdiff_t)x0 * in->sx;
  out->nt = nt;
  out->ny = ny;
  out->nx = nx;
  return ECM_OK;
}

ecm_status ecm_stack_from_view(const ecm_view *v, ecm_stack **out) {
  if (!v || !out) return ecm__status_set(ECM_EINVAL, "ecm_stack_from_view: NULL argument");
  ECM__TRY(ecm_stack_alloc(v->nt, v->ny, v->nx, out));
  ecm_stack *s = *out;
  for (size_t t = 0; t < v->nt; t++)
    for (size_t y = 0; y < v->ny; y++) {
      float *dst = s->data + (t * v->ny + y) * v->nx;
      for (size_t x = 0; x < v->nx; x++) dst[x] = ecm_view_at(v, t, y, x);
    }
  s->calib = v->calib;
  return ECM_OK;
}

/* ---- masks ---- */

ecm_status ecm_mask_alloc(size_t ny, size_t nx, ecm_mask **out) {
  size_t n = 0;
  if (!out) return ecm__status_set(ECM_EINVAL, "ecm_mask_alloc: NULL output");
  *out = NULL;
  ECM__TRY(ecm__check_dims(1, ny, nx, &n));
  ecm_mask *m = calloc(1, sizeof *m);
  if (!m) return ecm__status_set(ECM_ENOMEM, "cannot allocate a mask");
  m->inside = malloc(n);
  if (!m->inside) {
    free(m);
    return ecm__status_set(ECM_ENOMEM, "cannot allocate a %zu x %zu mask", ny, nx);
  }
  memset(m->inside, 1, n);
  m->ny = ny;
  m->nx = nx;
  *out = m;
  return ECM_OK;
}

void ecm_mask_free(ecm_mask *m) {
  if (!m) return;
  free(m->inside);
  free(m);
}

ecm_status ecm_mask_from_view(const ecm_view *image, ecm_mask **out) {
  if (!image || !out) return ecm__status_set(ECM_EINVAL, "ecm_mask_from_view: NULL argument");
  ECM__TRY(ecm_mask_alloc(image->ny, image->nx, out));
  for (size_t y = 0; y < image->ny; y++)
    for (size_t x = 0; x < image->nx; x++)
      (*out)->inside[y * image->nx + x] = ecm_view_at(image, 0, y, x) != 0.0f;
  return ECM_OK;
}

size_t ecm_mask_count(const ecm_mask *m) {
  size_t n = 0;
  if (!m) return 0;
  for (size_t i = 0; i < m->ny * m->nx; i++) n += m->inside[i] != 0;
  return n;
}

ecm_status ecm_mask_check(const ecm_mask *m, size_t ny, size_t nx) {
  if (!m) return ECM_OK;
  if (m->ny != ny || m->nx != nx)
    return ecm__status_set(ECM_ESIZE, "mask is %zu x %zu pixels but the image is %zu x %zu",
                           m->nx, m->ny, nx, ny);
  if (ecm_mask_count(m) == 0) return ecm__status_set(ECM_ENODATA, "mask selects no pixel");
  return ECM_OK;
}

/* ---- frame ranges ---- */

static int ecm__parse_index(const char *s, const char *end, size_t *v) {
  if (s == end) return 0;
  size_t acc = 0;
  for (const char *p = s; p < end; p++) {
    if (*p < '0' || *p > '9') return -1;
    size_t d = (size_t)(*p - '0');
    if (acc > (SIZE_MAX - d) / 10) return -1;
    acc = acc * 10 + d;
  }
  *v = acc;
  return 1;
}

ecm_status ecm_frames_parse(const char *text, size_t nt, size_t *first, size_t *count) {
  if (!text || !first || !count) return ecm__status_set(ECM_EINVAL, "frame range: NULL argument");
  const char *colon = strchr(text, ':');
  const char *end = text + strlen(text);
  size_t a = 1, b = nt;
  int ra, rb;
  if (colon) {
    ra = ecm__parse_index(text, colon, &a);
    rb = ecm__parse_index(colon + 1, end, &b);
    if (ra == 0) a = 1;
    if (rb == 0) b = nt;
    if (strchr(colon + 1, ':')) ra = -1;
  } else {
    ra = ecm__parse_index(text, end, &a);
    rb = ra;
    b = a;
    if (ra == 0) ra = -1;
  }
  if (ra < 0 || rb < 0)
    return ecm__status_set(ECM_EINVAL,
                           "frame range '%s' is not of the form A:B (1-based, inclusive)", text);
  if (a == 0)
    return ecm__status_set(ECM_EINVAL, "frame range '%s': frames are numbered from 1", text);
  if (b < a || a > nt)
    return ecm__status_set(ECM_ENODATA, "frame range '%s' selects no frame of a %zu-frame stack",
                           text, nt);
  if (b > nt)
    return ecm__status_set(ECM_ENODATA, "frame range '%s' ends after the last frame (%zu)", text,
                           nt);
  *first = a - 1;
  *count = b - a + 1;
  return ECM_OK;
}

/* ---- binning ---- */

ecm_status ecm_stack_bin(const ecm_view *in, size_t bt, size_t bs, ecm_bin_mode mode,
                         ecm_stack **out) {
  if (!in || !out) return ecm__status_set(ECM_EINVAL, "ecm_stack_bin: NULL argument");
  *out = NULL;
  if (bt == 0 || bs == 0)
    return ecm__status_set(ECM_EINVAL, "binning factors must be >= 1 (time %zu, space %zu)", bt, bs);
  if (mode != ECM_BIN_SUM && mode != ECM_BIN_MEAN)
    return ecm__status_set(ECM_EINVAL, "unknown binning mode %d", (int)mode);
  if (bt > in->nt || bs > in->ny || bs > in->nx)
    return ecm__status_set(ECM_ENODATA,
                           "binning %zu frames x %zu px leaves nothing of a %zu x %zu x %zu stack",
                           bt, bs, in->nt, in->ny, in->nx);
  size_t nt = in->nt / bt, ny = in->ny / bs, nx = in->nx / bs;
  ECM__TRY(ecm_stack_alloc(nt, ny, nx, out));
  ecm_stack *s = *out;
  double scale = mode == ECM_BIN_MEAN ? 1.0 / ((double)bt * (double)bs * (double)bs) : 1.0;
  double *acc = calloc(nx, sizeof *acc);
  if (!acc) {
    ecm_stack_free(s);
    *out = NULL;
    return ecm__status_set(ECM_ENOMEM, "cannot allocate binning scratch");
  }
  for (size_t t = 0; t < nt; t++)
    for (size_t y = 0; y < ny; y++) {
      memset(acc, 0, nx * sizeof *acc);
      for (size_t dt = 0; dt < bt; dt++)
        for (size_t dy = 0; dy < bs; dy++)
          for (size_t x = 0; x < nx * bs; x++)
            acc[x / bs] += ecm_view_at(in, t * bt + dt, y * bs + dy, x);
      float *dst = s->data + (t * ny + y) * nx;
      for (size_t x = 0; x < nx; x++) dst[x] = (float)(acc[x] * scale);
    }
  free(acc);
  s->calib = in->calib;
  if (s->calib.frame_interval > 0) s->calib.frame_interval *= (double)bt;
  if (s->calib.pixel_width > 0) s->calib.pixel_width *= (double)bs;
  if (s->calib.pixel_height > 0) s->calib.pixel_height *= (double)bs;
  return ECM_OK;
}

/* ---- run options ---- */

ecm_run ecm_run_default(void) {
  ecm_run r;
  memset(&r, 0, sizeof r);
  return r;
}

int ecm__run_threads(const ecm_run *run) {
  int n = run ? run->threads : 0;
  if (n > 0) return n;
#ifdef _OPENMP
  n = omp_get_max_threads();
#else
  n = 1;
#endif
  return n > 0 ? n : 1;
}

ecm_status ecm__run_report(const ecm_run *run, double fraction, const char *stage) {
  if (!run || !run->progress) return ECM_OK;
  if (fraction < 0) fraction = 0;
  if (fraction > 1) fraction = 1;
  if (run->progress(run->user, fraction, stage ? stage : ""))
    return ecm__status_set(ECM_ECANCELED, "cancelled during %s", stage ? stage : "work");
  return ECM_OK;
}

ecm_status ecm__run_reserve(const ecm_run *run, size_t bytes, const char *what) {
  if (run && run->memory_budget && bytes > run->memory_budget)
    return ecm__status_set(ECM_ENOMEM, "%s needs %.1f MB, over the memory budget of %.1f MB",
                           what ? what : "this operation", (double)bytes / 1e6,
                           (double)run->memory_budget / 1e6);
  return ECM_OK;
}
