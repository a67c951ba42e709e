/* Unit tests for the simulated world (sim/world.c): its capture files and
** its address plan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "world.h"

#define HOST_IP 0xCB007101u /* 203.0.113.1 */
#define CORE_IP 0xC6130001u /* 198.19.0.1: the core router's own */
#define POOL_IP 0xC6120001u /* 198.18.0.1: the public pool's first */

static int host(world *w, const char *name, uint32_t ip) {
  char err[128];
  world_node_opts o = {.name = name, .addrs = {ip}, .parent = WORLD_CORE};
  int n = world_host(w, &o, err, sizeof err);
  assert_true(n >= 0);
  return n;
}

/* Removes dir/file, which must exist. */
static void remove_in(const char *dir, const char *file) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  assert_int_equal(remove(path), 0);
}

/* Both ends of each uplink, named for their node, prefix first; names made
** safe and unique; the tag and addresses kept; nothing once capture stops. */
static void test_capture_names(void **state) {
  (void)state;
  char dir[] = "/tmp/natsim-world-XXXXXX";
  assert_non_null(mkdtemp(dir));
  world *w = world_new(1);
  assert_int_equal(world_pcap(w, dir, "v0.9-a3-", 3), 0);
  int a = host(w, "a b", HOST_IP);
  host(w, "a_b", HOST_IP + 1);
  assert_int_equal(world_pcap(w, NULL, NULL, -1), 0);
  host(w, "c", HOST_IP + 2);
  const world_capture *c;
  assert_int_equal(world_captures(w, &c), 4);
  assert_string_equal(c[0].file, "natsim-v0.9-a3-a_b-uplink.pcap");
  assert_string_equal(c[1].file, "natsim-v0.9-a3-core-to-a_b.pcap");
  assert_string_equal(c[2].file, "natsim-v0.9-a3-a_b-uplink-2.pcap");
  assert_string_equal(c[3].file, "natsim-v0.9-a3-core-to-a_b-2.pcap");
  assert_true(c[0].uplink && !c[1].uplink);
  assert_int_equal(c[0].node, a);
  assert_int_equal(c[0].other, WORLD_CORE);
  assert_int_equal(c[1].node, WORLD_CORE);
  assert_int_equal(c[1].other, a);
  assert_int_equal(c[0].naddrs, 1);
  assert_int_equal(c[0].addrs[0], HOST_IP);
  assert_int_equal(c[1].addrs[0], CORE_IP);
  assert_int_equal(c[3].tag, 3);
  char names[4][160];
  for (int i = 0; i < 4; i++) snprintf(names[i], sizeof names[i], "%s", c[i].file);
  world_free(w); /* the files are written and closed */
  for (int i = 0; i < 4; i++) remove_in(dir, names[i]);
  assert_int_equal(rmdir(dir), 0); /* nothing else was written */
}

/* The core router's address is no node's: asked for, it is refused by
** name; the public pool hands out its own first address, then the next;
** the public plan by index steps over it. */
static void test_core_address(void **state) {
  (void)state;
  assert_int_equal(WORLD_CORE_ADDR, CORE_IP);
  world *w = world_new(1);
  char err[128] = "";
  world_node_opts o = {.name = "h", .addrs = {CORE_IP}, .parent = WORLD_CORE};
  assert_int_equal(world_host(w, &o, err, sizeof err), -1);
  assert_string_equal(err, "address 198.19.0.1 is the core router's");
  world_node_opts a = {.name = "a", .parent = WORLD_CORE};
  world_node_opts b = {.name = "b", .parent = WORLD_CORE};
  const uint32_t *ips;
  assert_int_equal(world_node_addrs(w, world_host(w, &a, err, sizeof err), &ips), 1);
  assert_int_equal(ips[0], POOL_IP);
  assert_int_equal(world_node_addrs(w, world_host(w, &b, err, sizeof err), &ips), 1);
  assert_int_equal(ips[0], POOL_IP + 1);
  assert_int_equal(world_public_ip(1), POOL_IP);
  assert_int_equal(world_public_ip(65536), CORE_IP - 1);
  assert_int_equal(world_public_ip(65537), CORE_IP + 1); /* past the core's */
  world_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_capture_names),
      cmocka_unit_test(test_core_address),
  };
  return cmocka_run_group_tests_name("world", tests, NULL, NULL);
}
