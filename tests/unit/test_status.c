/* status: codes, texts, per-thread detail messages, idempotent init. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>

#include "ecm/status.h"
#include "status/status_internal.h"

static void test_texts(void **state) {
  (void)state;
  assert_string_equal(ecm_strerror(ECM_OK), "success");
  for (int s = ECM_EINVAL; s <= ECM_EINTERNAL; s++) {
    const char *t = ecm_strerror((ecm_status)s);
    assert_non_null(t);
    assert_true(strlen(t) > 3);
    assert_string_not_equal(t, "unknown status code");
  }
  assert_string_equal(ecm_strerror((ecm_status)999), "unknown status code");
  assert_string_equal(ecm_strerror((ecm_status)-1), "unknown status code");
  /* Codes are part of the interface: they must never be renumbered. */
  assert_int_equal(ECM_EFORMAT, 5);
  assert_int_equal(ECM_ECANCELED, 7);
  assert_int_equal(ECM_EINTERNAL, 12);
}

static void test_detail(void **state) {
  (void)state;
  ecm_clear_error();
  assert_string_equal(ecm_errmsg(), "");
  assert_int_equal(ecm__status_set(ECM_ESIZE, "frame %d: expected %dx%d", 17, 256, 256), ECM_ESIZE);
  assert_string_equal(ecm_errmsg(), "frame 17: expected 256x256");
  assert_int_equal(ecm__status_prefix(ECM_ESIZE, "%s", "a.tif"), ECM_ESIZE);
  assert_string_equal(ecm_errmsg(), "a.tif: frame 17: expected 256x256");
  ecm_clear_error();
  ecm__status_prefix(ECM_EIO, "b.tif");
  assert_string_equal(ecm_errmsg(), "b.tif: input/output error");
  /* Long messages are truncated, never overflow. */
  char big[5000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  ecm__status_set(ECM_EINVAL, "%s", big);
  assert_true(strlen(ecm_errmsg()) < 2000);
}

static void *other_thread(void *arg) {
  (void)arg;
  ecm__status_set(ECM_EIO, "from the other thread");
  return NULL;
}

static void test_thread_local(void **state) {
  (void)state;
  ecm__status_set(ECM_EINVAL, "mine");
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, other_thread, NULL), 0);
  pthread_join(th, NULL);
  assert_string_equal(ecm_errmsg(), "mine");
}

static void test_init_quiet_gsl(void **state) {
  (void)state;
  assert_int_equal(ecm_init(), ECM_OK);
  assert_int_equal(ecm_init(), ECM_OK);
  /* With GSL's default handler this domain error would abort the process. */
  gsl_sf_result r;
  int e = gsl_sf_lngamma_e(-1.0, &r);
  assert_int_not_equal(e, GSL_SUCCESS);
  assert_non_null(ecm_version());
  assert_true(strlen(ecm_version()) >= 5);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_texts), cmocka_unit_test(test_detail),
      cmocka_unit_test(test_thread_local), cmocka_unit_test(test_init_quiet_gsl)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
