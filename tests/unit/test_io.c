/* Unit tests of the io module: TIFF reading in every supported layout, ImageJ metadata,
 * round trips with calibration and provenance, the bad-input catalogue, atomic writes,
 * cancellation, memory budgets and SHA-256. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <tiffio.h>

#include "ecm/io.h"
#include "io/io_internal.h"

#define MK_NO_MAIN
#include "../data/make_bad_tiffs.c"

#define WORK ECM_TEST_WORK_DIR "/io"
#define DATA ECM_TEST_DATA_DIR

/* ---- helpers ---- */

static const char *wpath(const char *name) {
  static char bufs[8][4096];
  static int k = 0;
  char *b = bufs[k++ & 7];
  snprintf(b, 4096, "%s/%s", WORK, name);
  return b;
}

static int file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

static unsigned char *read_all(const char *path, size_t *len) {
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
  size_t got = n > 0 ? fread(b, 1, (size_t)n, f) : 0;
  fclose(f);
  *len = got;
  return b;
}

static void write_all(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  if (n) assert_int_equal(fwrite(p, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
}

/* Files left in WORK whose name contains ".tmp-" (temporary files of atomic writes). */
static int count_temp_files(void) {
  DIR *d = opendir(WORK);
  int n = 0;
  struct dirent *e;
  if (!d) return 0;
  while ((e = readdir(d)))
    if (strstr(e->d_name, ".tmp-")) n++;
  closedir(d);
  return n;
}

static int setup_dir(void **state) {
  (void)state;
  mkdir(ECM_TEST_WORK_DIR, 0777);
  mkdir(WORK, 0777);
  return 0;
}

/* A stack with distinct, non-integer values (and negative ones). */
static ecm_stack *make_stack(size_t nt, size_t ny, size_t nx) {
  ecm_stack *s = NULL;
  assert_int_equal(ecm_stack_alloc(nt, ny, nx, &s), ECM_OK);
  for (size_t t = 0; t < nt; t++)
    for (size_t y = 0; y < ny; y++)
      for (size_t x = 0; x < nx; x++)
        s->data[(t * ny + y) * nx + x] = (float)(37.3 * t + 11.0 * y + 0.613 * x - 20.0);
  return s;
}

static void set_calib(ecm_calib *c, double dt, const char *tunit, double pw, double ph,
                      const char *sunit) {
  ecm_calib_init(c);
  c->frame_interval = dt;
  snprintf(c->time_unit, sizeof c->time_unit, "%s", tunit);
  c->pixel_width = pw;
  c->pixel_height = ph;
  snprintf(c->space_unit, sizeof c->space_unit, "%s", sunit);
}

/* The ImageDescription of page 0, read with libtiff (caller frees). */
static char *description_of(const char *path) {
  TIFF *t = TIFFOpen(path, "r");
  assert_non_null(t);
  char *d = NULL, *copy = NULL;
  if (TIFFGetField(t, TIFFTAG_IMAGEDESCRIPTION, &d) && d) copy = strdup(d);
  TIFFClose(t);
  return copy;
}

/* ---- SHA-256 ---- */

static void sha_hex_of(const void *p, size_t n, char hex[65]) {
  ecm__io_sha256 c;
  uint8_t d[32];
  ecm__io_sha256_init(&c);
  ecm__io_sha256_update(&c, p, n);
  ecm__io_sha256_final(&c, d);
  ecm__io_sha256_hex(d, hex);
}

static void test_sha256_vectors(void **state) {
  (void)state;
  char hex[65];
  sha_hex_of("", 0, hex);
  assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  sha_hex_of("abc", 3, hex);
  assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  sha_hex_of(m448, strlen(m448), hex);
  assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  /* One million 'a' fed in uneven pieces: exercises the block buffering. */
  ecm__io_sha256 c;
  uint8_t d[32];
  char chunk[1024];
  memset(chunk, 'a', sizeof chunk);
  ecm__io_sha256_init(&c);
  size_t left = 1000000;
  for (size_t k = 1; left > 0; k = k % 997 + 13) {
    size_t n = k < left ? k : left;
    ecm__io_sha256_update(&c, chunk, n);
    left -= n;
  }
  ecm__io_sha256_final(&c, d);
  ecm__io_sha256_hex(d, hex);
  assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  /* The file version. */
  write_all(wpath("abc.txt"), "abc", 3);
  char fhex[65];
  assert_int_equal(ecm_io_sha256_file(wpath("abc.txt"), fhex), ECM_OK);
  assert_string_equal(fhex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  write_all(wpath("empty.txt"), "", 0);
  assert_int_equal(ecm_io_sha256_file(wpath("empty.txt"), fhex), ECM_OK);
  assert_string_equal(fhex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert_int_equal(ecm_io_sha256_file(wpath("no_such_file"), fhex), ECM_EIO);
  assert_non_null(strstr(ecm_errmsg(), "no_such_file"));
}

/* Both compression paths (the SHA extensions where the CPU has them, and the portable one)
 * give the standard digests, also for long runs of whole blocks in one update. */
static void test_sha256_paths(void **state) {
  (void)state;
  size_t n = 1000000;
  char *buf = malloc(n);
  assert_non_null(buf);
  memset(buf, 'a', n);
  for (int portable = 0; portable <= 1; portable++) {
    ecm__io_sha256_portable_only(portable);
    ecm__io_sha256 c;
    uint8_t d[32];
    char hex[65];
    ecm__io_sha256_init(&c);
    ecm__io_sha256_update(&c, buf, n);
    ecm__io_sha256_final(&c, d);
    ecm__io_sha256_hex(d, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    sha_hex_of("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
  ecm__io_sha256_portable_only(0);
  free(buf);
}

/* ---- small pure helpers ---- */

static void test_units_and_numbers(void **state) {
  (void)state;
  char u[ECM_UNIT_CAP];
  assert_int_equal(ecm__io_norm_space_unit("\xc2\xb5m", u), 1);
  assert_string_equal(u, "um");
  assert_int_equal(ecm__io_norm_space_unit("micron", u), 1);
  assert_string_equal(u, "um");
  assert_int_equal(ecm__io_norm_space_unit(" nm ", u), 1);
  assert_string_equal(u, "nm");
  assert_int_equal(ecm__io_norm_space_unit("pixel", u), 0);
  assert_int_equal(ecm__io_norm_space_unit("", u), 0);
  assert_int_equal(ecm__io_norm_time_unit("sec", u), 1);
  assert_string_equal(u, "s");
  assert_int_equal(ecm__io_norm_time_unit("msec", u), 1);
  assert_string_equal(u, "ms");
  assert_int_equal(ecm__io_norm_time_unit("\xc2\xb5s", u), 1);
  assert_string_equal(u, "us");
  assert_int_equal(ecm__io_norm_time_unit("min", u), 1);
  assert_string_equal(u, "min");

  uint32_t num, den;
  ecm__io_rational(10.0 / 3.0, &num, &den);
  assert_int_equal(num, 10);
  assert_int_equal(den, 3);
  ecm__io_rational(1.25, &num, &den);
  assert_int_equal(num, 5);
  assert_int_equal(den, 4);
  ecm__io_rational(1.0 / 0.37, &num, &den);
  assert_true(fabs((double)den / num - 0.37) < 1e-15);
  /* The reader gets resolutions as float; ImageJ writes them with 6 decimals. */
  assert_true(ecm__io_pixel_from_res((float)(1.0 / 0.3)) == 0.3);
  assert_true(ecm__io_pixel_from_res(3333333.0 / 1000000.0) == 0.3);
  assert_true(ecm__io_pixel_from_res(4.0) == 0.25);
  assert_true(fabs(ecm__io_pixel_from_res((float)(1.0 / 0.123456789)) - 0.123456789) < 2e-7 * 0.12);
  assert_true(ecm__io_pixel_from_res(0.0) == 0.0);
  assert_true(ecm__io_pixel_from_res(NAN) == 0.0);

  char b[40];
  ecm__io_fmt_double(b, sizeof b, 0.5);
  assert_string_equal(b, "0.5");
  ecm__io_fmt_double(b, sizeof b, 0.1);
  assert_string_equal(b, "0.1");
  ecm__io_fmt_double(b, sizeof b, 65535.0);
  assert_string_equal(b, "65535");
  double v = 0;
  assert_int_equal(ecm__io_parse_double("2.5e-3xyz", NULL, &v), 1);
  assert_true(v == 2.5e-3);
  assert_int_equal(ecm__io_parse_double("abc", NULL, &v), 0);
}

static void test_properties_syntax(void **state) {
  (void)state;
  const char *text =
      "ImageJ=1.53t\n# a comment\n  ! another\nunit = \\u00B5m\ntunit:msec\n"
      "long=first \\\n    second\nesc=a\\\\b\\tc\\u00e9\\uD83D\\uDE00\n";
  ecm__strbuf v;
  ecm__sb_init(&v);
  assert_int_equal(ecm__io_prop_get(text, strlen(text), "unit", &v), 1);
  assert_string_equal(ecm__sb_str(&v), "\xc2\xb5m");
  ecm__sb_free(&v);
  assert_int_equal(ecm__io_prop_get(text, strlen(text), "tunit", &v), 1);
  assert_string_equal(ecm__sb_str(&v), "msec");
  ecm__sb_free(&v);
  assert_int_equal(ecm__io_prop_get(text, strlen(text), "long", &v), 1);
  assert_string_equal(ecm__sb_str(&v), "first second");
  ecm__sb_free(&v);
  assert_int_equal(ecm__io_prop_get(text, strlen(text), "esc", &v), 1);
  assert_string_equal(ecm__sb_str(&v), "a\\b\tc\xc3\xa9\xf0\x9f\x98\x80");
  ecm__sb_free(&v);
  assert_int_equal(ecm__io_prop_get(text, strlen(text), "a comment", &v), 0);
  ecm__sb_free(&v);

  /* escape + get is the identity, and the escaped text is printable ASCII */
  const char *odd =
      "{\"p\":\"C:\\\\d\\\\\xc2\xb5m.tif\",\"q\":\"a\\\"b\",\"e\":\"\xf0\x9f\x98\x80\"}\n\t";
  ecm__strbuf e;
  ecm__sb_init(&e);
  ecm__sb_puts(&e, "k=");
  ecm__io_prop_escape(&e, odd);
  for (const unsigned char *p = (const unsigned char *)ecm__sb_str(&e); *p; p++)
    assert_true(*p >= 0x20 && *p < 0x7f);
  assert_int_equal(ecm__io_prop_get(ecm__sb_str(&e), e.len, "k", &v), 1);
  assert_string_equal(ecm__sb_str(&v), odd);
  ecm__sb_free(&v);
  ecm__sb_free(&e);
}

static void test_imagej_description_parse(void **state) {
  (void)state;
  ecm__io_ij_desc d;
  const char *a =
      "ImageJ=1.53t\nimages=20\nslices=4\nframes=5\nhyperstack=true\nunit=micron\n"
      "spacing=0.7\nfinterval=0.25\nloop=false\n";
  ecm__io_ij_parse(a, strlen(a), &d);
  assert_int_equal(d.is_imagej, 1);
  assert_int_equal(d.images, 20);
  assert_int_equal(d.slices, 4);
  assert_int_equal(d.frames, 5);
  assert_int_equal(d.channels, 0);
  assert_string_equal(d.unit, "um");
  assert_true(d.spacing == 0.7);
  assert_true(d.finterval == 0.25);
  assert_int_equal(d.has_tunit, 0);
  const char *b =
      "ImageJ=1.52i\nimages=3\nunit=\\u00B5m\ntunit=msec\nfinterval=2\ncf=0\nc0=-32768.0\n"
      "c1=1.0\nvunit=Gray Value\n";
  ecm__io_ij_parse(b, strlen(b), &d);
  assert_string_equal(d.unit, "um");
  assert_string_equal(d.tunit, "ms");
  assert_int_equal(d.has_cf, 1);
  assert_int_equal(d.cf, 0);
  assert_true(d.c0 == -32768.0 && d.c1 == 1.0);
  const char *c = "Created by some camera\nimages=7\n";
  ecm__io_ij_parse(c, strlen(c), &d);
  assert_int_equal(d.is_imagej, 0);
  assert_int_equal(d.images, 0);
  const char *e = "ImageJ=\nimages=-4\nframes=abc\nfinterval=-1\nspacing=nan\n";
  ecm__io_ij_parse(e, strlen(e), &d);
  assert_int_equal(d.images, 0);
  assert_int_equal(d.frames, 0);
  assert_true(d.finterval == 0 && d.spacing == 0);
}

/* ---- round trips ---- */

typedef struct rt_case {
  ecm_pixel_type type;
  int bits;
  ecm_sample_kind kind;
} rt_case;

static void check_roundtrip(ecm_pixel_type type, int bits, size_t nt, int force_big) {
  char name[64];
  snprintf(name, sizeof name, "rt_%d_%zu_%d.tif", bits, nt, force_big);
  const char *path = wpath(name);
  unlink(path);
  ecm_stack *s = make_stack(nt, 5, 7);
  if (type == ECM_PIXEL_F32) {
    s->data[3] = NAN;
    s->data[4] = -INFINITY;
  } else {
    s->data[0] = -5.0f;    /* clamped to 0 */
    s->data[1] = 70000.0f; /* clamped to the type's maximum */
    s->data[2] = 12.5f;    /* rounds to 13 */
    s->data[3] = NAN;      /* becomes 0 */
  }
  set_calib(&s->calib, 0.37, "s", 0.3, 0.45, "nm");
  const char *prov =
      "{\"tool\":\"ecm\",\"cmd\":\"simulate \\\"x\\\"\",\"path\":\"C:\\\\data\\\\\xc2\xb5m.tif\"}";
  ecm_write_opts o = ecm_write_default_opts();
  o.pixel_type = type;
  o.provenance = prov;
  ecm_view v = ecm_stack_view(s);
  int big = -1;
  assert_int_equal(ecm__io_write_stack_ex(path, &v, &o, NULL, force_big, &big), ECM_OK);
  assert_int_equal(big, force_big);
  assert_int_equal(count_temp_files(), 0);

  ecm_stack *r = NULL;
  ecm_tiff_info info;
  assert_int_equal(ecm_io_read_stack(path, 0, 0, NULL, &r, &info), ECM_OK);
  assert_int_equal(r->nt, nt);
  assert_int_equal(r->ny, 5);
  assert_int_equal(r->nx, 7);
  assert_int_equal(info.bits_per_sample, bits);
  assert_int_equal(info.sample_kind, type == ECM_PIXEL_F32 ? ECM_SAMPLE_FLOAT : ECM_SAMPLE_UINT);
  assert_int_equal(info.is_bigtiff, force_big);
  assert_int_equal(info.is_imagej, 1);
  assert_int_equal(info.imagej_contiguous, 0);
  assert_int_equal(info.z_as_time, 0);
  assert_int_equal(info.frames, nt);
  assert_int_equal(info.slices, 1);
  assert_int_equal(info.channels, 1);
  assert_true(r->calib.frame_interval == 0.37);
  assert_string_equal(r->calib.time_unit, "s");
  assert_true(r->calib.pixel_width == 0.3);
  assert_true(r->calib.pixel_height == 0.45);
  assert_string_equal(r->calib.space_unit, "nm");
  double maxv = type == ECM_PIXEL_U16 ? 65535.0 : 255.0;
  for (size_t i = 0; i < nt * 35; i++) {
    float in = s->data[i], out = r->data[i];
    if (type == ECM_PIXEL_F32) {
      if (isnan(in))
        assert_true(isnan(out));
      else
        assert_true(in == out);
    } else {
      double want = isnan(in) || in <= 0 ? 0.0 : floor((double)in + 0.5);
      if (want > maxv) want = maxv;
      assert_true((double)out == want);
    }
  }
  char buf[512];
  assert_int_equal(ecm_io_read_provenance(path, buf, sizeof buf), ECM_OK);
  assert_string_equal(buf, prov);
  /* The same bytes read from memory give the same stack. */
  size_t len;
  unsigned char *bytes = read_all(path, &len);
  ecm_stack *m = NULL;
  assert_int_equal(ecm__io_read_memory(bytes, len, "mem", 0, 0, NULL, &m, NULL), ECM_OK);
  assert_memory_equal(m->data, r->data, nt * 35 * sizeof(float));
  ecm_stack_free(m);
  free(bytes);

  /* What other readers see: libtiff, little-endian, uncompressed, one strip per page with
   * the frames contiguous (ImageJ reads them from the first IFD alone). */
  TIFF *t = TIFFOpen(path, "r");
  assert_non_null(t);
  assert_int_equal(TIFFIsBigEndian(t), 0);
  assert_int_equal(TIFFIsBigTIFF(t) != 0, force_big);
  assert_int_equal(TIFFNumberOfDirectories(t), nt);
  uint64_t off0 = TIFFGetStrileOffset(t, 0), fb = 35u * (unsigned)bits / 8;
  for (size_t k = 0; k < nt; k++) {
    assert_int_equal(TIFFSetDirectory(t, (tdir_t)k), 1);
    uint16_t comp = 0, ru = 0;
    TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &comp);
    assert_int_equal(comp, COMPRESSION_NONE);
    assert_int_equal(TIFFNumberOfStrips(t), 1);
    assert_int_equal(TIFFGetStrileOffset(t, 0), off0 + k * fb);
    assert_int_equal(TIFFGetField(t, TIFFTAG_RESOLUTIONUNIT, &ru), 1);
    assert_int_equal(ru, RESUNIT_NONE);
  }
  TIFFClose(t);
  char *d = description_of(path);
  assert_non_null(d);
  assert_true(strncmp(d, "ImageJ=", 7) == 0);
  assert_null(strstr(d, "slices="));
  if (nt > 1) {
    char want[64];
    snprintf(want, sizeof want, "\nimages=%zu\nframes=%zu\n", nt, nt);
    assert_non_null(strstr(d, want));
    assert_non_null(strstr(d, "\nloop=false\n"));
  } else {
    assert_null(strstr(d, "images="));
    assert_null(strstr(d, "frames="));
  }
  assert_non_null(strstr(d, "\nunit=nm\n"));
  assert_non_null(strstr(d, "\nfinterval=0.37\n"));
  assert_non_null(strstr(d, "\ntunit=sec\n"));
  assert_non_null(strstr(d, "\nmin="));
  assert_non_null(strstr(d, "\necm_provenance={"));
  for (const unsigned char *p = (const unsigned char *)d; *p; p++)
    assert_true((*p >= 0x20 && *p < 0x7f) || *p == '\n');
  free(d);
  ecm_stack_free(r);
  ecm_stack_free(s);
}

static void test_roundtrip_f32(void **state) {
  (void)state;
  check_roundtrip(ECM_PIXEL_F32, 32, 4, 0);
  check_roundtrip(ECM_PIXEL_F32, 32, 1, 0);
}

static void test_roundtrip_u16(void **state) {
  (void)state;
  check_roundtrip(ECM_PIXEL_U16, 16, 3, 0);
  check_roundtrip(ECM_PIXEL_U16, 16, 1, 0);
}

static void test_roundtrip_u8(void **state) {
  (void)state;
  check_roundtrip(ECM_PIXEL_U8, 8, 3, 0);
  check_roundtrip(ECM_PIXEL_U8, 8, 1, 0);
}

static void test_roundtrip_bigtiff(void **state) {
  (void)state;
  check_roundtrip(ECM_PIXEL_F32, 32, 3, 1);
  check_roundtrip(ECM_PIXEL_U16, 16, 1, 1);
}

/* Time units other than seconds, µm, a strided view, explicit display range, no provenance. */
static void test_roundtrip_units_and_views(void **state) {
  (void)state;
  ecm_stack *s = make_stack(6, 9, 11);
  set_calib(&s->calib, 20.0, "ms", 0.125, 0.125, "\xc2\xb5m");
  ecm_view whole = ecm_stack_view(s), sub;
  assert_int_equal(ecm_view_sub(&whole, 1, 4, 2, 5, 3, 6, &sub), ECM_OK);
  ecm_write_opts o = ecm_write_default_opts();
  o.display_min = -10;
  o.display_max = 250;
  const char *path = wpath("units.tif");
  unlink(path);
  assert_int_equal(ecm_io_write_stack(path, &sub, &o, NULL, NULL), ECM_OK);
  ecm_stack *r = NULL;
  ecm_tiff_info info;
  assert_int_equal(ecm_io_read_stack(path, 0, 0, NULL, &r, &info), ECM_OK);
  assert_int_equal(r->nt, 4);
  assert_int_equal(r->ny, 5);
  assert_int_equal(r->nx, 6);
  for (size_t t = 0; t < 4; t++)
    for (size_t y = 0; y < 5; y++)
      for (size_t x = 0; x < 6; x++)
        assert_true(r->data[(t * 5 + y) * 6 + x] == ecm_view_at(&sub, t, y, x));
  assert_true(r->calib.frame_interval == 20.0);
  assert_string_equal(r->calib.time_unit, "ms");
  assert_true(fabs(ecm_calib_dt_seconds(&r->calib) - 0.02) < 1e-15);
  assert_true(r->calib.pixel_width == 0.125);
  assert_string_equal(r->calib.space_unit, "um");
  char *d = description_of(path);
  assert_non_null(strstr(d, "\nunit=um\n"));
  assert_non_null(strstr(d, "\ntunit=ms\n"));
  assert_non_null(strstr(d, "\nmin=-10\nmax=250\n"));
  assert_null(strstr(d, "ecm_provenance"));
  free(d);
  char buf[64];
  assert_int_equal(ecm_io_read_provenance(path, buf, sizeof buf), ECM_ENODATA);
  assert_true(strlen(ecm_errmsg()) > 0);
  ecm_stack_free(r);

  /* Uncalibrated: no resolution tags, no finterval, reads back uncalibrated. */
  ecm_calib_init(&s->calib);
  ecm_view v = ecm_stack_view(s);
  path = wpath("uncal.tif");
  unlink(path);
  assert_int_equal(ecm_io_write_stack(path, &v, NULL, NULL, NULL), ECM_OK);
  assert_int_equal(ecm_io_read_stack(path, 0, 0, NULL, &r, &info), ECM_OK);
  assert_int_equal(ecm_calib_has_time(&r->calib), 0);
  assert_int_equal(ecm_calib_has_space(&r->calib), 0);
  assert_string_equal(r->calib.time_unit, "frame");
  assert_string_equal(r->calib.space_unit, "pixel");
  d = description_of(path);
  assert_null(strstr(d, "finterval"));
  assert_null(strstr(d, "unit="));
  free(d);
  ecm_stack_free(r);
  ecm_stack_free(s);
}

static void test_provenance_buffer(void **state) {
  (void)state;
  ecm_stack *s = make_stack(1, 3, 3);
  ecm_write_opts o = ecm_write_default_opts();
  o.provenance = "{\"a\":\"0123456789\"}";
  const char *path = wpath("prov_small.tif");
  unlink(path);
  ecm_view v = ecm_stack_view(s);
  assert_int_equal(ecm_io_write_stack(path, &v, &o, NULL, NULL), ECM_OK);
  char small[8];
  assert_int_equal(ecm_io_read_provenance(path, small, sizeof small), ECM_EINVAL);
  char big[64];
  assert_int_equal(ecm_io_read_provenance(path, big, sizeof big), ECM_OK);
  assert_string_equal(big, o.provenance);
  assert_int_equal(ecm_io_read_provenance(wpath("missing.tif"), big, sizeof big), ECM_EIO);
  ecm_stack_free(s);
}

/* ---- reading files made by libtiff in every layout ---- */

typedef struct lt_fmt {
  int bits;
  uint16_t fmt;
  ecm_sample_kind kind;
} lt_fmt;

static const lt_fmt lt_fmts[] = {
    {8, SAMPLEFORMAT_UINT, ECM_SAMPLE_UINT},     {8, SAMPLEFORMAT_INT, ECM_SAMPLE_INT},
    {16, SAMPLEFORMAT_UINT, ECM_SAMPLE_UINT},    {16, SAMPLEFORMAT_INT, ECM_SAMPLE_INT},
    {32, SAMPLEFORMAT_UINT, ECM_SAMPLE_UINT},    {32, SAMPLEFORMAT_INT, ECM_SAMPLE_INT},
    {32, SAMPLEFORMAT_IEEEFP, ECM_SAMPLE_FLOAT},
};

/* Value (t, y, x) stored as the given type; returns it as a float and writes the raw bytes. */
static float lt_value(const lt_fmt *f, size_t t, size_t y, size_t x, unsigned char *raw) {
  uint32_t k = (uint32_t)(t * 7919 + y * 104729 + x * 31 + 5);
  switch (f->bits * 10 + f->fmt) {
    case 81: {
      uint8_t v = (uint8_t)(k * 37);
      memcpy(raw, &v, 1);
      return v;
    }
    case 82: {
      int8_t v = (int8_t)(uint8_t)(k * 37);
      memcpy(raw, &v, 1);
      return v;
    }
    case 161: {
      uint16_t v = (uint16_t)(k * 2654435761u);
      memcpy(raw, &v, 2);
      return v;
    }
    case 162: {
      int16_t v = (int16_t)(uint16_t)(k * 2654435761u);
      memcpy(raw, &v, 2);
      return v;
    }
    case 321: {
      uint32_t v = k * 2654435761u;
      memcpy(raw, &v, 4);
      return (float)v;
    }
    case 322: {
      int32_t v = (int32_t)(k * 2654435761u);
      memcpy(raw, &v, 4);
      return (float)v;
    }
    default: {
      float v = (float)((double)(k % 1000) * 0.37 - 150.0);
      memcpy(raw, &v, 4);
      return v;
    }
  }
}

/* Strips written last to first: not one contiguous block, so the reader decodes them
 * through libtiff instead of its direct path. */
static int lt_reverse_strips = 0;

/* Write nt pages of ny x nx with libtiff; tiled when tw > 0, else rps rows per strip. */
static void lt_write(const char *path, const char *mode, const lt_fmt *f, size_t nt, size_t ny,
                     size_t nx, uint32_t rps, uint32_t tw, uint32_t th, uint16_t comp) {
  TIFF *t = TIFFOpen(path, mode);
  assert_non_null(t);
  size_t bpp = (size_t)f->bits / 8;
  for (size_t p = 0; p < nt; p++) {
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, (uint32_t)nx);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, (uint32_t)ny);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, (uint16_t)f->bits);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)1);
    TIFFSetField(t, TIFFTAG_SAMPLEFORMAT, f->fmt);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_COMPRESSION, comp);
    if (tw) {
      TIFFSetField(t, TIFFTAG_TILEWIDTH, tw);
      TIFFSetField(t, TIFFTAG_TILELENGTH, th);
      unsigned char *tile = calloc((size_t)tw * th, bpp);
      for (size_t y0 = 0; y0 < ny; y0 += th)
        for (size_t x0 = 0; x0 < nx; x0 += tw) {
          memset(tile, 0xAB, (size_t)tw * th * bpp); /* padding must not leak into the image */
          for (size_t y = y0; y < y0 + th && y < ny; y++)
            for (size_t x = x0; x < x0 + tw && x < nx; x++)
              lt_value(f, p, y, x, tile + ((y - y0) * tw + (x - x0)) * bpp);
          uint32_t idx = TIFFComputeTile(t, (uint32_t)x0, (uint32_t)y0, 0, 0);
          assert_true(TIFFWriteEncodedTile(t, idx, tile, (tmsize_t)((size_t)tw * th * bpp)) > 0);
        }
      free(tile);
    } else {
      TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, rps);
      unsigned char *img = malloc(ny * nx * bpp);
      for (size_t y = 0; y < ny; y++)
        for (size_t x = 0; x < nx; x++) lt_value(f, p, y, x, img + (y * nx + x) * bpp);
      size_t ns = (ny + rps - 1) / rps;
      for (size_t j = 0; j < ns; j++) {
        size_t s = lt_reverse_strips ? ns - 1 - j : j;
        size_t rows = ny - s * rps < rps ? ny - s * rps : rps;
        assert_true(TIFFWriteEncodedStrip(t, (uint32_t)s, img + s * rps * nx * bpp,
                                          (tmsize_t)(rows * nx * bpp)) >= 0);
      }
      free(img);
    }
    assert_int_equal(TIFFWriteDirectory(t), 1);
  }
  TIFFClose(t);
}

static void lt_check(const char *path, const lt_fmt *f, size_t nt, size_t ny, size_t nx, int big,
                     int tiled) {
  ecm_tiff_info info;
  ecm_stack *s = NULL;
  assert_int_equal(ecm_io_probe(path, &info), ECM_OK);
  assert_int_equal(info.nt, nt);
  assert_int_equal(ecm_io_read_stack(path, 0, 0, NULL, &s, &info), ECM_OK);
  assert_int_equal(info.nt, nt);
  assert_int_equal(info.ny, ny);
  assert_int_equal(info.nx, nx);
  assert_int_equal(info.bits_per_sample, f->bits);
  assert_int_equal(info.sample_kind, f->kind);
  assert_int_equal(info.is_bigtiff, big);
  assert_int_equal(info.is_tiled, tiled);
  assert_int_equal(info.is_imagej, 0);
  assert_int_equal(info.frames, nt); /* a plain multi-page TIFF is a time series */
  assert_int_equal(info.z_as_time, 0);
  unsigned char raw[8];
  for (size_t t = 0; t < nt; t++)
    for (size_t y = 0; y < ny; y++)
      for (size_t x = 0; x < nx; x++) {
        float want = lt_value(f, t, y, x, raw);
        float got = s->data[(t * ny + y) * nx + x];
        if (want != got) fail_msg("%s: (%zu,%zu,%zu) = %g, expected %g", path, t, y, x, got, want);
      }
  ecm_stack_free(s);
  /* A sub-range: the last two frames. */
  if (nt >= 2) {
    assert_int_equal(ecm_io_read_stack(path, nt - 2, 2, NULL, &s, NULL), ECM_OK);
    assert_int_equal(s->nt, 2);
    float want = lt_value(f, nt - 1, ny - 1, nx - 1, raw);
    assert_true(s->data[2 * ny * nx - 1] == want);
    ecm_stack_free(s);
  }
}

static void test_read_libtiff_layouts(void **state) {
  (void)state;
  static const char *modes[] = {"wl", "wb", "wl8", "wb8"};
  int files = 0;
  for (size_t fi = 0; fi < sizeof lt_fmts / sizeof lt_fmts[0]; fi++)
    for (int m = 0; m < 4; m++)
      for (int tiled = 0; tiled < 2; tiled++) {
        char name[64];
        snprintf(name, sizeof name, "lt_%d_%u_%s_%s.tif", lt_fmts[fi].bits, lt_fmts[fi].fmt,
                 modes[m], tiled ? "tiled" : "strips");
        const char *path = wpath(name);
        /* 37 x 21 in 16 x 16 tiles leaves partial edge tiles; 3 rows per strip leaves a
         * partial last strip. */
        lt_write(path, modes[m], &lt_fmts[fi], 3, 21, 37, 3, tiled ? 16 : 0, 16, COMPRESSION_NONE);
        lt_check(path, &lt_fmts[fi], 3, 21, 37, m >= 2, tiled);
        files++;
      }
  assert_int_equal(files, 56);
  /* Compressed pages decode through libtiff. */
  const lt_fmt *f16 = &lt_fmts[2];
  lt_write(wpath("lt_lzw.tif"), "wl", f16, 2, 21, 37, 4, 0, 0, COMPRESSION_LZW);
  lt_check(wpath("lt_lzw.tif"), f16, 2, 21, 37, 0, 0);
  lt_write(wpath("lt_deflate_tiled.tif"), "wb", &lt_fmts[6], 2, 21, 37, 0, 16, 32,
           COMPRESSION_ADOBE_DEFLATE);
  lt_check(wpath("lt_deflate_tiled.tif"), &lt_fmts[6], 2, 21, 37, 0, 1);
  /* Strips out of order (libtiff's decoding path), both byte orders. */
  lt_reverse_strips = 1;
  for (size_t fi = 0; fi < sizeof lt_fmts / sizeof lt_fmts[0]; fi++) {
    lt_write(wpath("lt_reverse.tif"), fi % 2 ? "wb" : "wl", &lt_fmts[fi], 3, 21, 37, 4, 0, 0,
             COMPRESSION_NONE);
    lt_check(wpath("lt_reverse.tif"), &lt_fmts[fi], 3, 21, 37, 0, 0);
  }
  lt_reverse_strips = 0;
  /* One page, one row per strip. */
  lt_write(wpath("lt_rows.tif"), "wl", f16, 1, 21, 37, 1, 0, 0, COMPRESSION_NONE);
  lt_check(wpath("lt_rows.tif"), f16, 1, 21, 37, 0, 0);
}

/* Resolution units without an ImageJ description. */
static void test_read_resolution_units(void **state) {
  (void)state;
  static const struct {
    int set_unit;
    uint16_t unit;
    const char *want;
  } cases[] = {{1, RESUNIT_INCH, "inch"},
               {1, RESUNIT_CENTIMETER, "cm"},
               {1, RESUNIT_NONE, "pixel"},
               {0, 0, "pixel"}};
  for (size_t i = 0; i < 4; i++) {
    const char *path = wpath("resunit.tif");
    TIFF *t = TIFFOpen(path, "w");
    assert_non_null(t);
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 4);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, 2);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(t, TIFFTAG_XRESOLUTION, 2.0);
    TIFFSetField(t, TIFFTAG_YRESOLUTION, 4.0);
    if (cases[i].set_unit) TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, cases[i].unit);
    unsigned char px[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_true(TIFFWriteEncodedStrip(t, 0, px, 8) == 8);
    TIFFClose(t);
    ecm_tiff_info info;
    assert_int_equal(ecm_io_probe(path, &info), ECM_OK);
    assert_string_equal(info.calib.space_unit, cases[i].want);
    if (strcmp(cases[i].want, "pixel") != 0) {
      assert_true(info.calib.pixel_width == 0.5);
      assert_true(info.calib.pixel_height == 0.25);
    } else {
      assert_int_equal(ecm_calib_has_space(&info.calib), 0);
    }
    assert_int_equal(ecm_calib_has_time(&info.calib), 0);
  }
}

/* ---- ImageJ files written byte by byte ---- */

/* An ImageJ-style file: header, `nframes_data` frames of 16-bit data contiguous from the
 * first strip offset, then `nifd` IFDs (IFD k points at frame k), the description in IFD 0. */
static void ij_contig_file(mk_buf *m, int be, const char *desc, size_t nframes_data, size_t nifd,
                           uint32_t w, uint32_t h) {
  mk_header(m, be);
  size_t fb = (size_t)w * h * 2, data_at = m->len;
  for (size_t t = 0; t < nframes_data; t++)
    for (size_t i = 0; i < (size_t)w * h; i++) mk_int(m, (uint64_t)(t * 1000 + i), 2);
  for (size_t k = 0; k < nifd; k++) {
    mk_tag tags[12];
    int n = 0;
    tags[n++] = (mk_tag){256, MK_LONG, 1, w, NULL, 0};
    tags[n++] = (mk_tag){257, MK_LONG, 1, h, NULL, 0};
    tags[n++] = (mk_tag){258, MK_SHORT, 1, 16, NULL, 0};
    tags[n++] = (mk_tag){259, MK_SHORT, 1, 1, NULL, 0};
    tags[n++] = (mk_tag){262, MK_SHORT, 1, 1, NULL, 0};
    if (k == 0 && desc)
      tags[n++] = (mk_tag){270, MK_ASCII, (uint32_t)strlen(desc) + 1, 0, desc, strlen(desc) + 1};
    tags[n++] = (mk_tag){273, MK_LONG, 1, (uint32_t)(data_at + k * fb), NULL, 0};
    tags[n++] = (mk_tag){277, MK_SHORT, 1, 1, NULL, 0};
    tags[n++] = (mk_tag){278, MK_LONG, 1, h, NULL, 0};
    tags[n++] = (mk_tag){279, MK_LONG, 1, (uint32_t)fb, NULL, 0};
    mk_ifd(m, tags, n);
  }
}

static void check_contig(int be, size_t nifd) {
  mk_buf m;
  ij_contig_file(&m, be, "ImageJ=1.53t\nimages=5\nframes=5\nfinterval=0.25\nloop=false\n", 5, nifd,
                 6, 4);
  const char *path = wpath("ij_contig.tif");
  write_all(path, m.b, m.len);
  ecm_tiff_info info;
  ecm_stack *s = NULL;
  assert_int_equal(ecm_io_probe(path, &info), ECM_OK);
  assert_int_equal(info.nt, 5);
  assert_int_equal(info.imagej_contiguous, 1);
  assert_int_equal(ecm_io_read_stack(path, 0, 0, NULL, &s, &info), ECM_OK);
  assert_int_equal(s->nt, 5);
  assert_int_equal(info.frames, 5);
  assert_true(s->calib.frame_interval == 0.25);
  assert_string_equal(s->calib.time_unit, "s"); /* ImageJ's default "sec" */
  for (size_t t = 0; t < 5; t++)
    for (size_t i = 0; i < 24; i++) assert_true(s->data[t * 24 + i] == (float)(t * 1000 + i));
  ecm_stack_free(s);
  assert_int_equal(ecm_io_read_stack(path, 3, 2, NULL, &s, NULL), ECM_OK);
  assert_true(s->data[0] == 3000.0f && s->data[47] == 4023.0f);
  ecm_stack_free(s);
  ecm_stack *ms = NULL;
  assert_int_equal(ecm__io_read_memory(m.b, m.len, "mem", 4, 1, NULL, &ms, NULL), ECM_OK);
  assert_true(ms->data[23] == 4023.0f);
  ecm_stack_free(ms);
  free(m.b);
}

static void test_imagej_contiguous(void **state) {
  (void)state;
  check_contig(0, 1); /* one IFD, images=5: the >4 GB layout */
  check_contig(1, 1); /* big-endian, as ImageJ writes by default */
  check_contig(0, 2); /* fewer IFDs than images */
  /* The same layout with all IFDs reads through the IFDs. */
  mk_buf m;
  ij_contig_file(&m, 0, "ImageJ=1.53t\nimages=5\nframes=5\n", 5, 5, 6, 4);
  write_all(wpath("ij_all_ifds.tif"), m.b, m.len);
  free(m.b);
  ecm_tiff_info info;
  assert_int_equal(ecm_io_probe(wpath("ij_all_ifds.tif"), &info), ECM_OK);
  assert_int_equal(info.imagej_contiguous, 0);
  assert_int_equal(info.nt, 5);
  /* Truncated: the detail names the numbers. */
  ij_contig_file(&m, 0, "ImageJ=1.53t\nimages=5\nframes=5\n", 1, 1, 6, 4); /* 214 of 248 bytes */
  write_all(wpath("ij_contig_short.tif"), m.b, m.len);
  free(m.b);
  assert_int_equal(ecm_io_probe(wpath("ij_contig_short.tif"), &info), ECM_EFORMAT);
  assert_non_null(strstr(ecm_errmsg(), "truncated: images=5 needs"));
  assert_non_null(strstr(ecm_errmsg(), "ij_contig_short.tif"));
}

static void test_imagej_hyperstacks(void **state) {
  (void)state;
  mk_buf m;
  ecm_tiff_info info;
  ecm_stack *s = NULL;
  /* slices>1, frames==1: Z read as time; spacing is a z step, never a frame interval. */
  ij_contig_file(&m, 0,
                 "ImageJ=1.53t\nimages=3\nslices=3\nunit=\\u00B5m\nspacing=2.5\nloop=false\n", 3, 3,
                 6, 4);
  write_all(wpath("ij_slices.tif"), m.b, m.len);
  free(m.b);
  assert_int_equal(ecm_io_read_stack(wpath("ij_slices.tif"), 0, 0, NULL, &s, &info), ECM_OK);
  assert_int_equal(info.z_as_time, 1);
  assert_int_equal(info.slices, 3);
  assert_int_equal(info.frames, 1);
  assert_int_equal(info.nt, 3);
  assert_true(info.z_spacing == 2.5);
  assert_true(s->calib.frame_interval == 0.0);
  assert_int_equal(ecm_calib_has_time(&s->calib), 0);
  ecm_stack_free(s);
  /* frames>1 with a hyperstack flag and a time unit */
  ij_contig_file(&m, 0,
                 "ImageJ=1.53t\nimages=4\nchannels=1\nslices=1\nframes=4\nhyperstack=true\n"
                 "finterval=1.5\ntunit=min\nspacing=9\n",
                 4, 4, 6, 4);
  write_all(wpath("ij_frames.tif"), m.b, m.len);
  free(m.b);
  assert_int_equal(ecm_io_probe(wpath("ij_frames.tif"), &info), ECM_OK);
  assert_int_equal(info.z_as_time, 0);
  assert_int_equal(info.frames, 4);
  assert_true(info.calib.frame_interval == 1.5);
  assert_string_equal(info.calib.time_unit, "min");
  assert_true(fabs(ecm_calib_dt_seconds(&info.calib) - 90.0) < 1e-12);
  /* Inconsistent dimensions are ignored, as ImageJ does: a plain 4-frame series. */
  ij_contig_file(&m, 0, "ImageJ=1.53t\nimages=4\nchannels=3\nslices=7\n", 4, 4, 6, 4);
  write_all(wpath("ij_inconsistent.tif"), m.b, m.len);
  free(m.b);
  assert_int_equal(ecm_io_probe(wpath("ij_inconsistent.tif"), &info), ECM_OK);
  assert_int_equal(info.nt, 4);
  assert_int_equal(info.channels, 1);
  assert_int_equal(info.z_as_time, 0);
  /* images=1 is ignored, as ImageJ ignores it: every IFD is a frame. */
  ij_contig_file(&m, 0, "ImageJ=1.53t\nimages=1\n", 3, 3, 6, 4);
  write_all(wpath("ij_images1.tif"), m.b, m.len);
  free(m.b);
  assert_int_equal(ecm_io_probe(wpath("ij_images1.tif"), &info), ECM_OK);
  assert_int_equal(info.nt, 3);
  /* ImageJ's signed 16-bit convention: raw - 32768 through cf=0, c0=-32768, c1=1. */
  ij_contig_file(&m, 1, "ImageJ=1.53t\nimages=2\nframes=2\ncf=0\nc0=-32768.0\nc1=1.0\n", 2, 2, 6,
                 4);
  write_all(wpath("ij_signed16.tif"), m.b, m.len);
  free(m.b);
  assert_int_equal(ecm_io_read_stack(wpath("ij_signed16.tif"), 0, 0, NULL, &s, &info), ECM_OK);
  assert_int_equal(info.sample_kind, ECM_SAMPLE_INT);
  assert_true(s->data[0] == -32768.0f && s->data[24 + 5] == 1005.0f - 32768.0f);
  ecm_stack_free(s);
}

/* Files saved by real ImageJ (big-endian, as ImageJ writes by default). */
static void test_imagej_real_files(void **state) {
  (void)state;
  ecm_stack *s = NULL;
  ecm_tiff_info info;
  assert_int_equal(ecm_io_read_stack(DATA "/imagej/ramp32_frames.tif", 0, 0, NULL, &s, &info),
                   ECM_OK);
  assert_int_equal(info.nt, 5);
  assert_int_equal(info.nx, 16);
  assert_int_equal(info.ny, 12);
  assert_int_equal(info.frames, 5);
  assert_int_equal(info.z_as_time, 0);
  assert_int_equal(info.sample_kind, ECM_SAMPLE_FLOAT);
  assert_true(s->calib.frame_interval == 0.5);
  assert_string_equal(s->calib.time_unit, "s");
  assert_true(s->calib.pixel_width == 0.25 && s->calib.pixel_height == 0.25);
  assert_string_equal(s->calib.space_unit, "nm");
  for (size_t x = 0; x < 16; x++) assert_true(s->data[4 * 192 + 11 * 16 + x] == (float)x / 16.0f);
  ecm_stack_free(s);

  assert_int_equal(ecm_io_read_stack(DATA "/imagej/ramp16_slices.tif", 0, 0, NULL, &s, &info),
                   ECM_OK);
  assert_int_equal(info.nt, 5);
  assert_int_equal(info.slices, 5);
  assert_int_equal(info.z_as_time, 1);
  assert_true(info.z_spacing == 0.3);
  assert_int_equal(ecm_calib_has_time(&s->calib), 0);
  assert_true(s->calib.pixel_width == 0.125);
  assert_string_equal(s->calib.space_unit, "um"); /* ImageJ wrote "micron" */
  assert_int_equal(info.bits_per_sample, 16);
  for (size_t x = 0; x < 16; x++) assert_true(s->data[2 * 192 + 16 + x] == (float)(x * 4096));
  ecm_stack_free(s);
  char prov[128];
  assert_int_equal(ecm_io_read_provenance(DATA "/imagej/ramp16_slices.tif", prov, sizeof prov),
                   ECM_OK);
  assert_string_equal(prov, "{\"tool\":\"ImageJ macro\",\"n\":2}");

  assert_int_equal(ecm_io_read_stack(DATA "/imagej/ramp8_frames_ms.tif", 0, 0, NULL, &s, &info),
                   ECM_OK);
  assert_int_equal(info.nt, 4);
  assert_int_equal(info.bits_per_sample, 8);
  assert_true(s->calib.frame_interval == 20.0);
  assert_string_equal(s->calib.time_unit, "ms");
  assert_true(s->calib.pixel_width == 2.0);
  assert_string_equal(s->calib.space_unit, "nm");
  assert_true(s->data[3 * 192 + 15] == 240.0f);
  ecm_stack_free(s);
  assert_int_equal(ecm_io_read_provenance(DATA "/imagej/ramp8_frames_ms.tif", prov, sizeof prov),
                   ECM_ENODATA);
}

/* ---- the bad-input catalogue ---- */

static void test_bad_catalogue(void **state) {
  (void)state;
  /* The committed files are exactly what the generator writes. */
  mkdir(wpath("bad"), 0777);
  assert_int_equal(mk_write_all(wpath("bad"), 0), 0);
  size_t readme_len = 0;
  unsigned char *readme = read_all(DATA "/bad/README.md", &readme_len);
  assert_non_null(readme);
  char *readme_s = calloc(1, readme_len + 1);
  memcpy(readme_s, readme, readme_len);
  free(readme);

  /* libtiff must never print: watch stderr while reading the whole catalogue. */
  fflush(stderr);
  int saved = dup(2);
  const char *errpath = wpath("stderr.txt");
  int errfd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  assert_true(saved >= 0 && errfd >= 0);
  dup2(errfd, 2);
  close(errfd);
  char failures[8192] = "";
  for (size_t i = 0; i < MK_NCASES; i++) {
    const mk_case *c = &mk_cases[i];
    char committed[4096], fresh[4096];
    snprintf(committed, sizeof committed, "%s/bad/%s", DATA, c->name);
    snprintf(fresh, sizeof fresh, "%s/bad/%s", WORK, c->name);
    size_t la = 0, lb = 0;
    unsigned char *a = read_all(committed, &la), *b = read_all(fresh, &lb);
    char line[512] = "";
    if (!a || !b || la != lb || (la && memcmp(a, b, la) != 0))
      snprintf(line, sizeof line, "%s: committed file differs from the generator's\n", c->name);
    if (!strstr(readme_s, c->name))
      snprintf(line, sizeof line, "%s: not listed in bad/README.md\n", c->name);
    if (la >= 100000) snprintf(line, sizeof line, "%s: larger than 100 kB\n", c->name);

    ecm_tiff_info info;
    ecm_stack *s = NULL;
    ecm_status want_probe = c->probe_ok ? ECM_OK : c->status;
    ecm_status sp = ecm_io_probe(committed, &info);
    if (!line[0] && sp != want_probe)
      snprintf(line, sizeof line, "%s: probe gave %d, expected %d (%s)\n", c->name, sp, want_probe,
               ecm_errmsg());
    if (!line[0] && sp != ECM_OK && !strstr(ecm_errmsg(), c->name))
      snprintf(line, sizeof line, "%s: probe detail '%s' does not name the file\n", c->name,
               ecm_errmsg());
    ecm_clear_error();
    ecm_status sr = ecm_io_read_stack(committed, 0, 0, NULL, &s, &info);
    if (!line[0] && sr != c->status)
      snprintf(line, sizeof line, "%s: read gave %d, expected %d (%s)\n", c->name, sr, c->status,
               ecm_errmsg());
    if (!line[0] &&
        (strlen(ecm_errmsg()) <= strlen(committed) + 2 || !strstr(ecm_errmsg(), c->name)))
      snprintf(line, sizeof line, "%s: read detail '%s' is empty or does not name the file\n",
               c->name, ecm_errmsg());
    if (!line[0] && s) snprintf(line, sizeof line, "%s: *out set on failure\n", c->name);
    ecm_stack_free(s);
    s = NULL;
    ecm_status sm =
        ecm__io_read_memory(a ? a : (const unsigned char *)"", la, c->name, 0, 0, NULL, &s, NULL);
    if (!line[0] && sm != c->status)
      snprintf(line, sizeof line, "%s: memory read gave %d, expected %d (%s)\n", c->name, sm,
               c->status, ecm_errmsg());
    ecm_stack_free(s);
    free(a);
    free(b);
    strncat(failures, line, sizeof failures - strlen(failures) - 1);
  }
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  free(readme_s);
  if (failures[0]) fail_msg("%s", failures);
  size_t errlen = 0;
  unsigned char *errtext = read_all(errpath, &errlen);
  if (errlen) fail_msg("libtiff printed to stderr: %.*s", (int)errlen, (const char *)errtext);
  free(errtext);
  /* The detail of the canonical example. */
  assert_int_equal(ecm_io_probe(DATA "/bad/mismatched_size.tif", &(ecm_tiff_info){0}), ECM_EFORMAT);
  assert_non_null(strstr(ecm_errmsg(), "frame 2: expected 8x8, got 7x8"));
}

static void test_read_errors_misc(void **state) {
  (void)state;
  ecm_tiff_info info;
  ecm_stack *s = NULL;
  assert_int_equal(ecm_io_probe(wpath("does_not_exist.tif"), &info), ECM_EIO);
  assert_non_null(strstr(ecm_errmsg(), "does_not_exist.tif"));
  assert_int_equal(ecm_io_read_stack(WORK, 0, 0, NULL, &s, &info), ECM_EIO); /* a folder */
  assert_null(s);
  assert_int_equal(ecm_io_probe(NULL, &info), ECM_EINVAL);
  /* frame ranges */
  ecm_stack *st = make_stack(3, 4, 5);
  ecm_view v = ecm_stack_view(st);
  const char *path = wpath("range.tif");
  unlink(path);
  assert_int_equal(ecm_io_write_stack(path, &v, NULL, NULL, NULL), ECM_OK);
  assert_int_equal(ecm_io_read_stack(path, 3, 0, NULL, &s, NULL), ECM_ENODATA);
  assert_int_equal(ecm_io_read_stack(path, 1, 3, NULL, &s, NULL), ECM_ENODATA);
  assert_null(s);
  assert_int_equal(ecm_io_read_stack(path, 1, 0, NULL, &s, NULL), ECM_OK); /* to the end */
  assert_int_equal(s->nt, 2);
  assert_true(s->data[0] == st->data[20]);
  ecm_stack_free(s);
  ecm_stack_free(st);
}

/* ---- progress, cancellation, memory budget ---- */

typedef struct prog {
  int calls;
  double last;
  int monotonic;
  double cancel_at; /* cancel once fraction >= cancel_at (> 1: never) */
  const char *stage;
} prog;

static int prog_cb(void *user, double f, const char *stage) {
  prog *p = user;
  p->calls++;
  if (f < p->last) p->monotonic = 0;
  p->last = f;
  p->stage = stage;
  return f >= p->cancel_at;
}

static void test_read_progress_cancel_budget(void **state) {
  (void)state;
  ecm_stack *st = make_stack(10, 8, 8);
  ecm_view v = ecm_stack_view(st);
  const char *path = wpath("progress.tif");
  unlink(path);
  assert_int_equal(ecm_io_write_stack(path, &v, NULL, NULL, NULL), ECM_OK);
  prog p = {0, 0, 1, 2.0, NULL};
  ecm_run run = ecm_run_default();
  run.progress = prog_cb;
  run.user = &p;
  ecm_stack *s = NULL;
  assert_int_equal(ecm_io_read_stack(path, 0, 0, &run, &s, NULL), ECM_OK);
  assert_int_equal(p.calls, 11); /* 0 and once per frame */
  assert_true(p.last == 1.0 && p.monotonic);
  assert_string_equal(p.stage, "reading");
  ecm_stack_free(s);
  s = NULL;
  p = (prog){0, 0, 1, 0.35, NULL};
  assert_int_equal(ecm_io_read_stack(path, 0, 0, &run, &s, NULL), ECM_ECANCELED);
  assert_null(s);
  assert_int_equal(p.calls, 5); /* stopped at frame 4 of 10 */
  run.progress = NULL;
  run.memory_budget = 10 * 64 * 4 - 1;
  assert_int_equal(ecm_io_read_stack(path, 0, 0, &run, &s, NULL), ECM_ENOMEM);
  assert_null(s);
  run.memory_budget = 10 * 64 * 4;
  assert_int_equal(ecm_io_read_stack(path, 0, 0, &run, &s, NULL), ECM_OK);
  ecm_stack_free(s);
  ecm_stack_free(st);
}

/* ---- atomic writes ---- */

static void test_atomic_write_failures(void **state) {
  (void)state;
  ecm_stack *st = make_stack(8, 6, 6);
  ecm_view v = ecm_stack_view(st);
  ecm_write_opts o = ecm_write_default_opts();
  int big = 7;

  /* A folder that does not exist. */
  const char *nodir = wpath("no_such_dir/out.tif");
  assert_int_equal(ecm_io_write_stack(nodir, &v, &o, NULL, &big), ECM_EIO);
  assert_int_equal(big, 0);
  assert_false(file_exists(nodir));
  assert_non_null(strstr(ecm_errmsg(), "no_such_dir"));

  /* overwrite == 0 over an existing file: refused, file untouched, nothing left over. */
  const char *path = wpath("existing.tif");
  write_all(path, "keep me", 7);
  assert_int_equal(ecm_io_write_stack(path, &v, &o, NULL, NULL), ECM_EEXIST);
  size_t len;
  unsigned char *b = read_all(path, &len);
  assert_int_equal(len, 7);
  assert_memory_equal(b, "keep me", 7);
  free(b);
  assert_int_equal(count_temp_files(), 0);

  /* Cancel mid-write: no target, no temporary file. */
  const char *cpath = wpath("cancelled.tif");
  unlink(cpath);
  prog p = {0, 0, 1, 0.5, NULL};
  ecm_run run = ecm_run_default();
  run.progress = prog_cb;
  run.user = &p;
  assert_int_equal(ecm_io_write_stack(cpath, &v, &o, &run, NULL), ECM_ECANCELED);
  assert_string_equal(p.stage, "writing");
  assert_true(p.calls > 2 && p.calls < 9);
  assert_false(file_exists(cpath));
  assert_int_equal(count_temp_files(), 0);
  /* Cancelling while replacing keeps the old file. */
  o.overwrite = 1;
  p = (prog){0, 0, 1, 0.5, NULL};
  assert_int_equal(ecm_io_write_stack(path, &v, &o, &run, NULL), ECM_ECANCELED);
  b = read_all(path, &len);
  assert_int_equal(len, 7);
  free(b);
  assert_int_equal(count_temp_files(), 0);

  /* A memory budget below one frame. */
  run.progress = NULL;
  run.memory_budget = 16;
  assert_int_equal(ecm_io_write_stack(cpath, &v, &o, &run, NULL), ECM_ENOMEM);
  assert_false(file_exists(cpath));

  /* overwrite == 1 replaces. */
  assert_int_equal(ecm_io_write_stack(path, &v, &o, NULL, NULL), ECM_OK);
  ecm_tiff_info info;
  assert_int_equal(ecm_io_probe(path, &info), ECM_OK);
  assert_int_equal(info.nt, 8);
  struct stat sst;
  assert_int_equal(stat(path, &sst), 0);
  assert_true((sst.st_mode & 0444) != 0); /* not mkstemp's 0600 only */
  assert_int_equal(count_temp_files(), 0);

  /* Invalid arguments. */
  assert_int_equal(ecm_io_write_stack(NULL, &v, &o, NULL, NULL), ECM_EINVAL);
  assert_int_equal(ecm_io_write_stack(cpath, NULL, &o, NULL, NULL), ECM_EINVAL);
  o.display_min = 5;
  o.display_max = 1;
  assert_int_equal(ecm_io_write_stack(cpath, &v, &o, NULL, NULL), ECM_EINVAL);
  o = ecm_write_default_opts();
  o.pixel_type = (ecm_pixel_type)9;
  assert_int_equal(ecm_io_write_stack(cpath, &v, &o, NULL, NULL), ECM_EINVAL);
  assert_false(file_exists(cpath));
  ecm_stack_free(st);
}

static void test_protect_input(void **state) {
  (void)state;
  ecm_stack *st = make_stack(2, 4, 4);
  ecm_view v = ecm_stack_view(st);
  const char *in = wpath("input.tif");
  unlink(in);
  assert_int_equal(ecm_io_write_stack(in, &v, NULL, NULL, NULL), ECM_OK);
  char before[65], after[65];
  assert_int_equal(ecm_io_sha256_file(in, before), ECM_OK);
  ecm_write_opts o = ecm_write_default_opts();
  o.overwrite = 1;
  o.protect_path = in;
  assert_int_equal(ecm_io_write_stack(in, &v, &o, NULL, NULL), ECM_EEXIST);
  assert_non_null(strstr(ecm_errmsg(), "input"));
  /* the same file under another name */
  const char *alias = wpath("input_alias.tif");
  unlink(alias);
  assert_int_equal(link(in, alias), 0);
  assert_int_equal(ecm_io_same_file(in, alias), 1);
  assert_int_equal(ecm_io_write_stack(alias, &v, &o, NULL, NULL), ECM_EEXIST);
  const char *sym = wpath("input_symlink.tif");
  unlink(sym);
  assert_int_equal(symlink(in, sym), 0);
  assert_int_equal(ecm_io_write_stack(sym, &v, &o, NULL, NULL), ECM_EEXIST);
  assert_int_equal(ecm_io_sha256_file(in, after), ECM_OK);
  assert_string_equal(before, after);
  assert_int_equal(count_temp_files(), 0);
  /* another output next to it is fine */
  assert_int_equal(ecm_io_write_stack(wpath("output.tif"), &v, &o, NULL, NULL), ECM_OK);
  assert_int_equal(ecm_io_same_file(in, wpath("output.tif")), 0);
  assert_int_equal(ecm_io_same_file(in, wpath("nothing_here.tif")), 0);
  assert_int_equal(ecm_io_same_file(NULL, in), 0);
  ecm_stack_free(st);
}

static void test_write_text(void **state) {
  (void)state;
  const char *path = wpath("text.json");
  unlink(path);
  const char *json = "{\"a\": 1}\n";
  assert_int_equal(ecm_io_write_text(path, json, strlen(json), 0), ECM_OK);
  size_t len;
  unsigned char *b = read_all(path, &len);
  assert_int_equal(len, strlen(json));
  assert_memory_equal(b, json, len);
  free(b);
  assert_int_equal(ecm_io_write_text(path, "x", 1, 0), ECM_EEXIST);
  assert_int_equal(ecm_io_write_text(path, "x", 1, 1), ECM_OK);
  b = read_all(path, &len);
  assert_int_equal(len, 1);
  free(b);
  assert_int_equal(ecm_io_write_text(wpath("nowhere/t.csv"), "x", 1, 1), ECM_EIO);
  assert_int_equal(ecm_io_write_text(wpath("empty.csv"), "", 0, 1), ECM_OK);
  assert_int_equal(ecm_io_write_text(WORK, "x", 1, 1), ECM_EINVAL); /* a folder */
  assert_int_equal(count_temp_files(), 0);
}

int main(void) {
  /* This test's own libtiff calls (writing and inspecting files) stay quiet; the library
   * never uses these global handlers. */
  TIFFSetWarningHandler(NULL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sha256_vectors),
      cmocka_unit_test(test_sha256_paths),
      cmocka_unit_test(test_units_and_numbers),
      cmocka_unit_test(test_properties_syntax),
      cmocka_unit_test(test_imagej_description_parse),
      cmocka_unit_test(test_roundtrip_f32),
      cmocka_unit_test(test_roundtrip_u16),
      cmocka_unit_test(test_roundtrip_u8),
      cmocka_unit_test(test_roundtrip_bigtiff),
      cmocka_unit_test(test_roundtrip_units_and_views),
      cmocka_unit_test(test_provenance_buffer),
      cmocka_unit_test(test_read_libtiff_layouts),
      cmocka_unit_test(test_read_resolution_units),
      cmocka_unit_test(test_imagej_contiguous),
      cmocka_unit_test(test_imagej_hyperstacks),
      cmocka_unit_test(test_imagej_real_files),
      cmocka_unit_test(test_bad_catalogue),
      cmocka_unit_test(test_read_errors_misc),
      cmocka_unit_test(test_read_progress_cancel_budget),
      cmocka_unit_test(test_atomic_write_failures),
      cmocka_unit_test(test_protect_input),
      cmocka_unit_test(test_write_text),
  };
  return cmocka_run_group_tests(tests, setup_dir, NULL);
}
