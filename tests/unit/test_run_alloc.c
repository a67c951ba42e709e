/* Allocation failures in the results reader (results/jread.c, run.c) and
** regress: each allocation of reading a results file is made to fail in
** turn; every time the reader answers -1 with "out of memory" and leaves
** nothing allocated. Built on glibc's __libc_ allocator, so not in
** sanitizer builds (their allocator would be bypassed). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regress.h"
#include "run.h"

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

static bool counting; /* between begin() and end() only */
static long countdown; /* the allocation to fail, from 0; -1: none */
static bool failed;   /* one was made to fail */
static long live;     /* blocks allocated and not yet freed */

static bool fail_now(void) {
  if (!counting || countdown < 0) return false;
  if (countdown-- > 0) return false;
  failed = true;
  errno = ENOMEM; /* as malloc sets it */
  return true;
}

void *malloc(size_t n) {
  if (fail_now()) return NULL;
  void *p = __libc_malloc(n);
  if (p && counting) live++;
  return p;
}

void *calloc(size_t n, size_t size) {
  if (fail_now()) return NULL;
  void *p = __libc_calloc(n, size);
  if (p && counting) live++;
  return p;
}

void *realloc(void *p, size_t n) {
  if (fail_now()) return NULL;
  void *q = __libc_realloc(p, n);
  if (q && !p && counting) live++;
  return q;
}

void free(void *p) {
  if (p && counting) live--;
  __libc_free(p);
}

static void begin(long k) {
  countdown = k;
  failed = false;
  live = 0;
  counting = true;
}

static void end(void) {
  counting = false;
}

/* The baseline of fuzz_report: a small run's results, every section. */
static char *read_sample(size_t *len) {
  FILE *f = fopen(NATSIM_SOURCE_DIR "/tests/fuzz/corpus/fuzz_report/small_run.json", "rb");
  assert_non_null(f);
  static char text[1 << 16];
  *len = fread(text, 1, sizeof text, f);
  fclose(f);
  assert_true(*len > 0 && *len < sizeof text);
  return text;
}

typedef struct sample {
  const char *text;
  size_t len;
} sample;

typedef int (*reader)(const void *arg, run_results *r, char *err, size_t len);

static int parse_sample(const void *arg, run_results *r, char *err, size_t len) {
  const sample *s = arg;
  return run_parse(s->text, s->len, "results.json", r, err, len);
}

static int read_path(const void *arg, run_results *r, char *err, size_t len) {
  return run_read_file(arg, r, err, len);
}

/* Reads with each allocation failing in turn, until one reads with none
** failing. stdio_ok: a failure may also go unnoticed (stdio does without
** a buffer it cannot get); otherwise every failure must be reported. */
static void each_failure(reader read, const void *arg, bool stdio_ok) {
  long k = 0;
  for (;; k++) {
    char err[600] = "";
    run_results r;
    begin(k);
    int rc = read(arg, &r, err, sizeof err);
    run_free(&r);
    end();
    assert_int_equal(live, 0);
    if (!failed) {
      assert_int_equal(rc, 0);
      break;
    }
    if (rc == 0 && stdio_ok) continue;
    assert_int_equal(rc, -1);
    if (!strstr(err, "out of memory") && !strstr(err, "Cannot allocate memory"))
      fail_msg("allocation %ld failed: %s", k, err);
  }
  assert_true(k > 100); /* every value and list of the file */
}

static void test_reader(void **state) {
  (void)state;
  sample s;
  s.text = read_sample(&s.len);
  each_failure(parse_sample, &s, false);
}

/* The same from a file (jread_file's buffer too); an fopen that fails for
** memory says so in its own words. */
static void test_file(void **state) {
  (void)state;
  each_failure(read_path, NATSIM_SOURCE_DIR "/tests/fuzz/corpus/fuzz_report/small_run.json", true);
}

/* regress with a JUnit file needs a temporary file: -1 without one. */
static void test_regress(void **state) {
  (void)state;
  size_t len;
  const char *text = read_sample(&len);
  char err[300];
  run_results r;
  assert_int_equal(run_parse(text, len, "results.json", &r, err, sizeof err), 0);
  regress_opts o = {0.05, 0.1};
  FILE *out = fopen("/dev/null", "w");
  assert_non_null(out);
  begin(0);
  int rc = regress_compare(&r, &r, &o, out, out);
  end();
  assert_true(failed);
  assert_int_equal(rc, -1);
  fclose(out);
  run_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reader),
      cmocka_unit_test(test_file),
      cmocka_unit_test(test_regress),
  };
  return cmocka_run_group_tests_name("run_alloc", tests, NULL, NULL);
}
