/* Unit tests for emul/: commands run with their errors kept (netns_run),
** and programs run in a namespace with their output in memory (proc.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netns.h"
#include "proc.h"

static void test_run(void **state) {
  (void)state;
  char err[256] = "";
  char *const ok[] = {"true", NULL};
  assert_int_equal(netns_run(ok, err, sizeof err), 0);
  char *const fails[] = {"sh", "-c", "echo oops >&2; exit 3", NULL};
  assert_int_equal(netns_run(fails, err, sizeof err), -1);
  assert_string_equal(err, "sh -c echo oops >&2; exit 3: oops");
  char *const quiet[] = {"sh", "-c", "exit 4", NULL};
  assert_int_equal(netns_run(quiet, err, sizeof err), -1);
  assert_string_equal(err, "sh -c exit 4: exit status 4");
  char *const missing[] = {"/nonexistent/natsim-test", NULL};
  assert_int_equal(netns_run(missing, err, sizeof err), -1);
  assert_non_null(strstr(err, "/nonexistent/natsim-test: "));
}

static void test_check_not_root(void **state) {
  (void)state;
  char err[256];
  if (geteuid() == 0) skip();
  assert_int_equal(netns_check(err, sizeof err), -1);
  assert_non_null(strstr(err, "need root"));
}

static void test_no_namespace(void **state) {
  (void)state;
  proc p;
  char err[256];
  char *const argv[] = {"true", NULL};
  assert_int_equal(proc_start(&p, "/nonexistent/netns", argv, err, sizeof err), -1);
  assert_non_null(strstr(err, "/nonexistent/netns: "));
  assert_int_equal(p.out_fd, -1);
  assert_int_equal(p.err_fd, -1);
  size_t n;
  assert_null(proc_read(p.out_fd, 100, &n));
}

/* Polls until p has exited (at most 5 s). */
static void wait_exit(proc *p) {
  struct timespec ms = {0, 1000000};
  for (int i = 0; i < 5000 && !proc_poll(p); i++) nanosleep(&ms, NULL);
  assert_true(p->exited);
}

/* Our own namespace stands in for one natsim made (setns needs root). */
static void test_output_and_status(void **state) {
  (void)state;
  if (geteuid() != 0) skip();
  proc p;
  char err[256];
  char *const argv[] = {"sh", "-c", "echo out; echo err >&2; exit 7", NULL};
  assert_int_equal(proc_start(&p, "/proc/self/ns/net", argv, err, sizeof err), 0);
  wait_exit(&p);
  assert_int_equal(p.status, 7);
  size_t n;
  char *out = proc_read(p.out_fd, 1 << 20, &n);
  assert_string_equal(out, "out\n");
  free(out);
  char *errs = proc_read(p.err_fd, 2, &n); /* at most cap bytes */
  assert_int_equal(n, 2);
  assert_string_equal(errs, "er");
  free(errs);
  proc_close(&p);
  proc_close(&p); /* twice: nothing happens */
  assert_int_equal(p.out_fd, -1);
}

static void test_kill(void **state) {
  (void)state;
  if (geteuid() != 0) skip();
  proc p;
  char err[256];
  char *const argv[] = {"sleep", "60", NULL};
  assert_int_equal(proc_start(&p, "/proc/self/ns/net", argv, err, sizeof err), 0);
  assert_false(proc_poll(&p));
  proc_kill(&p);
  assert_true(p.exited);
  assert_int_equal(p.status, 128 + SIGKILL);
  proc_close(&p);
}

static void test_missing_program(void **state) {
  (void)state;
  if (geteuid() != 0) skip();
  proc p;
  char err[256];
  char *const argv[] = {"/nonexistent/natsim-test", NULL};
  assert_int_equal(proc_start(&p, "/proc/self/ns/net", argv, err, sizeof err), 0);
  wait_exit(&p);
  assert_int_equal(p.status, 127);
  size_t n;
  char *e = proc_read(p.err_fd, 1024, &n);
  assert_non_null(strstr(e, "cannot run /nonexistent/natsim-test"));
  free(e);
  proc_close(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_run),
      cmocka_unit_test(test_check_not_root),
      cmocka_unit_test(test_no_namespace),
      cmocka_unit_test(test_output_and_status),
      cmocka_unit_test(test_kill),
      cmocka_unit_test(test_missing_program),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
