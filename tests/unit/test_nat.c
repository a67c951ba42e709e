/* Unit tests for the NAT engine (nat/nat.c): every policy, RFC 4787. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "nat.h"
#include "pcp.h"
#include "pcp_server.h"

#define S 1000000000LL
#define PUB 0xC6336401u   /* 198.51.100.1 */
#define IN1 0xC0A80102u   /* 192.168.1.2 */
#define IN2 0xC0A80103u   /* 192.168.1.3 */
#define SRV1 0xCB00710Au  /* 203.0.113.10 */
#define SRV2 0xCB00710Bu  /* 203.0.113.11 */

static nat_config base(enum nat_mapping m, enum nat_mapping f) {
  nat_config c = {.mapping = m, .filtering = f, .alloc = NAT_PRESERVE,
                  .stride = 1, .port_min = 1024, .port_max = 65535,
                  .lifetime_ns = 120 * S, .hairpin = true};
  return c;
}

/* Sends from ip:port to dst:dport at time t; returns the external port. */
static int out(nat *n, int64_t t, uint32_t ip, uint16_t port, uint32_t dst,
               uint16_t dport) {
  nat_flow f = {ip, dst, port, dport};
  if (nat_outbound(n, t, &f) != NAT_OK) return -1;
  assert_int_equal(f.src_ip, PUB);
  return f.src_port;
}

/* An inbound packet from src:sport to the public port; the verdict. */
static enum nat_drop in(nat *n, int64_t t, uint32_t src, uint16_t sport,
                        uint16_t ext, nat_flow *res) {
  nat_flow f = {src, PUB, sport, ext};
  enum nat_drop r = nat_inbound(n, t, &f);
  if (res) *res = f;
  return r;
}

static void test_mapping_endpoint_independent(void **state) {
  (void)state;
  nat_config c = base(NAT_EI, NAT_EI);
  nat *n = nat_new(&c, PUB, 1);
  int a = out(n, 0, IN1, 5000, SRV1, 3478);
  assert_int_equal(out(n, 0, IN1, 5000, SRV1, 3479), a);
  assert_int_equal(out(n, 0, IN1, 5000, SRV2, 3478), a);
  assert_int_equal(nat_mapping_count(n, 0), 1);
  nat_free(n);
}

static void test_mapping_address_dependent(void **state) {
  (void)state;
  nat_config c = base(NAT_AD, NAT_EI);
  nat *n = nat_new(&c, PUB, 1);
  int a = out(n, 0, IN1, 5000, SRV1, 3478);
  assert_int_equal(out(n, 0, IN1, 5000, SRV1, 3479), a);
  int b = out(n, 0, IN1, 5000, SRV2, 3478);
  assert_true(b > 0 && b != a);
  assert_int_equal(nat_mapping_count(n, 0), 2);
  nat_free(n);
}

static void test_mapping_address_and_port_dependent(void **state) {
  (void)state;
  nat_config c = base(NAT_APD, NAT_EI);
  nat *n = nat_new(&c, PUB, 1);
  int a = out(n, 0, IN1, 5000, SRV1, 3478);
  int b = out(n, 0, IN1, 5000, SRV1, 3479);
  int d = out(n, 0, IN1, 5000, SRV2, 3478);
  assert_true(a != b && b != d && a != d);
  assert_int_equal(out(n, 1, IN1, 5000, SRV1, 3479), b); /* reused */
  nat_free(n);
}

static void test_filtering_endpoint_independent(void **state) {
  (void)state;
  nat_config c = base(NAT_EI, NAT_EI);
  nat *n = nat_new(&c, PUB, 1);
  nat_flow r;
  assert_int_equal(in(n, 0, SRV2, 9, 5000, NULL), NAT_NO_MAPPING);
  int a = out(n, 0, IN1, 5000, SRV1, 3478);
  assert_int_equal(in(n, 1, SRV2, 9, (uint16_t)a, &r), NAT_OK);
  assert_int_equal(r.dst_ip, IN1);
  assert_int_equal(r.dst_port, 5000);
  assert_int_equal(r.src_ip, SRV2); /* the source is not rewritten inbound */
  assert_int_equal(nat_get_stats(n)->dropped[NAT_NO_MAPPING], 1);
  nat_free(n);
}

static void test_filtering_address_dependent(void **state) {
  (void)state;
  nat_config c = base(NAT_EI, NAT_AD);
  nat *n = nat_new(&c, PUB, 1);
  int a = out(n, 0, IN1, 5000, SRV1, 3478);
  assert_int_equal(in(n, 1, SRV1, 3478, (uint16_t)a, NULL), NAT_OK);
  assert_int_equal(in(n, 1, SRV1, 9999, (uint16_t)a, NULL), NAT_OK);
  assert_int_equal(in(n, 1, SRV2, 3478, (uint16_t)a, NULL), NAT_FILTERED);
  out(n, 2, IN1, 5000, SRV2, 1);
  assert_int_equal(in(n, 3, SRV2, 3478, (uint16_t)a, NULL), NAT_OK);
  assert_int_equal(nat_get_stats(n)->dropped[NAT_FILTERED], 1);
  nat_free(n);
}

static void test_filtering_address_and_port_dependent(void **state) {
  (void)state;
  nat_config c = base(NAT_EI, NAT_APD);
  nat *n = nat_new(&c, PUB, 1);
  int a = out(n, 0, IN1, 5000, SRV1, 3478);
  assert_int_equal(in(n, 1, SRV1, 3478, (uint16_t)a, NULL), NAT_OK);
  assert_int_equal(in(n, 1, SRV1, 3479, (uint16_t)a, NULL), NAT_FILTERED);
  assert_int_equal(in(n, 1, SRV2, 3478, (uint16_t)a, NULL), NAT_FILTERED);
  nat_free(n);
}

/* PCP's explicit mapping on a symmetric NAT: open to every remote, used
** by the endpoint toward every destination, gone after its lifetime. */
static void test_explicit_mapping(void **state) {
  (void)state;
  nat_config c = base(NAT_APD, NAT_APD);
  c.alloc = NAT_RANDOM;
  nat *n = nat_new(&c, PUB, 1);
  uint16_t ext;
  assert_int_equal(nat_map_explicit(n, 0, IN1, 5000, 60 * S, &ext), 0);
  assert_true(ext >= 1024);
  nat_flow f;
  assert_int_equal(in(n, 1, SRV1, 3478, ext, &f), NAT_OK); /* nobody was sent to */
  assert_true(f.dst_ip == IN1 && f.dst_port == 5000);
  assert_int_equal(in(n, 1, SRV2, 9, ext, NULL), NAT_OK);
  assert_int_equal(out(n, 2, IN1, 5000, SRV1, 1), ext); /* every destination */
  assert_int_equal(out(n, 2, IN1, 5000, SRV2, 2), ext);
  assert_true(out(n, 2, IN1, 5001, SRV1, 1) != ext); /* another socket: dynamic */
  assert_int_equal(in(n, 59 * S, SRV2, 7, ext, NULL), NAT_OK);
  assert_int_equal(in(n, 61 * S, SRV2, 7, ext, NULL), NAT_NO_MAPPING); /* expired */
  assert_int_equal(nat_map_explicit(n, 70 * S, IN1, 5000, 60 * S, &ext), 0);
  assert_int_equal(nat_map_explicit(n, 71 * S, IN1, 5000, 0, &ext), 0); /* deleted */
  assert_int_equal(in(n, 72 * S, SRV2, 7, ext, NULL), NAT_NO_MAPPING);
  nat_free(n);
}

static size_t pcp_ask(nat *n, uint32_t from, uint32_t client, uint8_t proto, uint8_t version,
                      pcp_map *answer) {
  pcp_map m = {.lifetime = 99999, .client = addr_v4(client, 0), .protocol = proto,
               .internal_port = 5000, .nonce = {1, 2, 3}};
  uint8_t req[128], res[256];
  int k = pcp_encode(&m, req, sizeof req);
  req[0] = version;
  size_t r = pcp_server_handle(n, PUB, 0, 7, from, req, (size_t)k, res, sizeof res);
  if (r) assert_int_equal(pcp_decode(res, r, answer), PCP_SUCCESS);
  return r;
}

static void test_pcp_server(void **state) {
  (void)state;
  nat_config c = base(NAT_APD, NAT_APD);
  nat *n = nat_new(&c, PUB, 1);
  pcp_map a;
  assert_int_equal(pcp_ask(n, IN1, IN1, 17, 2, &a), 60);
  assert_true(a.response && a.result == PCP_SUCCESS && a.epoch == 7);
  assert_int_equal(a.lifetime, PCP_MAX_LIFETIME); /* capped */
  assert_true(addr_v4_ip(&a.external) == PUB && a.external.port == 5000); /* preserved */
  assert_int_equal(a.nonce[2], 3);
  assert_int_equal(in(n, 1, SRV1, 1, 5000, NULL), NAT_OK);
  assert_true(pcp_ask(n, IN2, IN1, 17, 2, &a) && a.result == PCP_ADDRESS_MISMATCH);
  assert_true(pcp_ask(n, IN1, IN1, 6, 2, &a) && a.result == PCP_UNSUPP_PROTOCOL);
  uint8_t res[256], v1[60] = {1, 1};
  size_t r = pcp_server_handle(n, PUB, 0, 7, IN1, v1, sizeof v1, res, sizeof res);
  assert_true(r >= 4 && res[3] == PCP_UNSUPP_VERSION);
  uint8_t junk[7] = {2, 1};
  r = pcp_server_handle(n, PUB, 0, 7, IN1, junk, sizeof junk, res, sizeof res);
  assert_true(r >= 4 && res[3] == PCP_MALFORMED_REQUEST);
  nat_free(n);
}

static void test_alloc_preserve(void **state) {
  (void)state;
  nat_config c = base(NAT_EI, NAT_EI);
  nat *n = nat_new(&c, PUB, 1);
  assert_int_equal(out(n, 0, IN1, 5000, SRV1, 3478), 5000);
  /* A second inside host on the same port cannot keep it. */
  int b = out(n, 0, IN2, 5000, SRV1, 3478);
  assert_true(b >= 1024 && b != 5000);
  /* A port below the range cannot be preserved either. */
  int d = out(n, 0, IN1, 53, SRV1, 3478);
  assert_true(d >= 1024);
  nat_free(n);
}

static void test_alloc_sequential_stride(void **state) {
  (void)state;
  nat_config c = base(NAT_APD, NAT_APD);
  c.alloc = NAT_SEQUENTIAL;
  c.stride = 2;
  c.port_min = 20000;
  c.port_max = 20009;
  nat *n = nat_new(&c, PUB, 1);
  assert_int_equal(out(n, 0, IN1, 5000, SRV1, 1), 20000);
  assert_int_equal(out(n, 0, IN1, 5000, SRV1, 2), 20002);
  assert_int_equal(out(n, 0, IN1, 5000, SRV1, 3), 20004);
  assert_int_equal(out(n, 0, IN2, 7000, SRV2, 3), 20006);
  assert_int_equal(out(n, 0, IN1, 5000, SRV1, 4), 20008);
  /* Wraps around: the even ports are taken, the odd ones remain. */
  int p = out(n, 0, IN1, 5000, SRV1, 5);
  assert_true(p >= 20000 && p <= 20009 && p % 2 == 1);
  nat_free(n);
}

static void random_ports(uint64_t seed, int *ports, int k) {
  nat_config c = base(NAT_APD, NAT_APD);
  c.alloc = NAT_RANDOM;
  c.port_min = 30000;
  c.port_max = 39999;
  nat *n = nat_new(&c, PUB, seed);
  for (int i = 0; i < k; i++) {
    ports[i] = out(n, 0, IN1, 5000, SRV1, (uint16_t)(i + 1));
    assert_true(ports[i] >= 30000 && ports[i] <= 39999);
  }
  nat_free(n);
}

static void test_alloc_random(void **state) {
  (void)state;
  int a[20], b[20], d[20], sequential = 0;
  random_ports(7, a, 20);
  random_ports(7, b, 20);
  random_ports(8, d, 20);
  assert_memory_equal(a, b, sizeof a); /* same seed, same ports */
  assert_memory_not_equal(a, d, sizeof a);
  for (int i = 1; i < 20; i++) sequential += a[i] == a[i - 1] + 1;
  assert_true(sequential < 3);
}

static void test_port_exhaustion(void **state) {
  (void)state;
  nat_config c = base(NAT_APD, NAT_APD);
  c.port_min = 40000;
  c.port_max = 40002;
  c.lifetime_ns = 10 * S;
  nat *n = nat_new(&c, PUB, 1);
  for (int i = 0; i < 3; i++) assert_true(out(n, 0, IN1, 5000, SRV1, (uint16_t)(i + 1)) > 0);
  nat_flow f = {IN1, SRV1, 5000, 9};
  assert_int_equal(nat_outbound(n, 1, &f), NAT_EXHAUSTED);
  assert_int_equal(nat_get_stats(n)->dropped[NAT_EXHAUSTED], 1);
  /* Once the mappings expire, their ports are free again. */
  assert_true(out(n, 10 * S, IN1, 5000, SRV1, 9) >= 40000);
  nat_free(n);
}

static void test_expiry_and_outbound_refresh(void **state) {
  (void)state;
  nat_config c = base(NAT_EI, NAT_EI);
  c.lifetime_ns = 30 * S;
  nat *n = nat_new(&c, PUB, 1);
  int a = out(n, 0, IN1, 5000, SRV1, 3478);
  assert_int_equal(out(n, 29 * S, IN1, 5000, SRV1, 3478), a); /* refresh */
  assert_int_equal(in(n, 58 * S, SRV1, 3478, (uint16_t)a, NULL), NAT_OK);
  assert_int_equal(in(n, 59 * S, SRV1, 3478, (uint16_t)a, NULL), NAT_NO_MAPPING);
  assert_int_equal(nat_get_stats(n)->expired, 1);
  assert_int_equal(nat_mapping_count(n, 59 * S), 0);
  nat_free(n);
}

static void test_refresh_on_inbound(void **state) {
  (void)state;
  for (int refresh = 0; refresh <= 1; refresh++) {
    nat_config c = base(NAT_EI, NAT_APD);
    c.lifetime_ns = 30 * S;
    c.refresh_inbound = refresh;
    nat *n = nat_new(&c, PUB, 1);
    int a = out(n, 0, IN1, 5000, SRV1, 3478);
    assert_int_equal(in(n, 20 * S, SRV1, 3478, (uint16_t)a, NULL), NAT_OK);
    assert_int_equal(in(n, 40 * S, SRV1, 3478, (uint16_t)a, NULL),
                     refresh ? NAT_OK : NAT_NO_MAPPING);
    nat_free(n);
  }
}

static void test_filter_permission_expires(void **state) {
  (void)state;
  nat_config c = base(NAT_EI, NAT_AD);
  c.lifetime_ns = 30 * S;
  nat *n = nat_new(&c, PUB, 1);
  int a = out(n, 0, IN1, 5000, SRV1, 3478);
  out(n, 20 * S, IN1, 5000, SRV2, 3478); /* keeps the mapping alive */
  assert_int_equal(in(n, 40 * S, SRV2, 1, (uint16_t)a, NULL), NAT_OK);
  assert_int_equal(in(n, 40 * S, SRV1, 1, (uint16_t)a, NULL), NAT_FILTERED);
  nat_free(n);
}

static void test_hairpin(void **state) {
  (void)state;
  for (int on = 0; on <= 1; on++) {
    nat_config c = base(NAT_EI, NAT_APD);
    c.hairpin = on;
    nat *n = nat_new(&c, PUB, 1);
    int a = out(n, 0, IN1, 5000, SRV1, 3478);
    int b = out(n, 0, IN2, 6000, PUB, (uint16_t)a); /* B opens toward A's mapping */
    if (!on) {
      assert_int_equal(b, -1);
      assert_int_equal(nat_get_stats(n)->dropped[NAT_NO_HAIRPIN], 1);
      nat_free(n);
      continue;
    }
    /* Filtered: A never sent to B's mapping. Once it does, B gets through. */
    assert_int_equal(b, -1);
    assert_int_equal(nat_get_stats(n)->dropped[NAT_FILTERED], 1);
    nat_flow f = {IN1, PUB, 5000, 6000};
    assert_int_equal(nat_outbound(n, 1, &f), NAT_OK); /* A -> B's mapping */
    assert_int_equal(f.dst_ip, IN2);
    assert_int_equal(f.dst_port, 6000);
    assert_int_equal(f.src_ip, PUB);
    assert_int_equal(f.src_port, a);
    f = (nat_flow){IN2, PUB, 6000, (uint16_t)a};
    assert_int_equal(nat_outbound(n, 2, &f), NAT_OK);
    assert_int_equal(f.dst_ip, IN1);
    assert_int_equal(f.src_port, 6000);
    assert_int_equal(nat_get_stats(n)->hairpin, 3); /* one was filtered */
    nat_free(n);
  }
}

static int hook_port;
static int hook_calls;
static int test_hook(void *ctx, const nat_alloc_req *req, char *err, size_t len) {
  (void)ctx;
  hook_calls++;
  if (hook_port == -1) snprintf(err, len, "boom");
  if (hook_port == 0) return req->last_port ? req->last_port + 7 : 2000;
  return hook_port;
}

static void test_alloc_hook(void **state) {
  (void)state;
  nat_config c = base(NAT_APD, NAT_APD);
  c.alloc_hook = test_hook;
  c.port_min = 2000;
  c.port_max = 3000;
  nat *n = nat_new(&c, PUB, 1);
  hook_port = 0;
  assert_int_equal(out(n, 0, IN1, 5000, SRV1, 1), 2000);
  assert_int_equal(out(n, 0, IN1, 5000, SRV1, 2), 2007);
  hook_port = 9999;
  assert_int_equal(out(n, 0, IN1, 5000, SRV1, 3), -1);
  assert_non_null(strstr(nat_error(n), "outside port_range 2000-3000"));
  hook_port = 2007;
  assert_int_equal(out(n, 0, IN1, 5000, SRV1, 4), -1);
  assert_non_null(strstr(nat_error(n), "already in use"));
  hook_port = -1;
  assert_int_equal(out(n, 0, IN1, 5000, SRV1, 5), -1);
  assert_string_equal(nat_error(n), "boom");
  assert_int_equal(nat_get_stats(n)->dropped[NAT_HOOK_ERROR], 3);
  assert_int_equal(hook_calls, 5);
  nat_free(n);
}

static void test_config_check(void **state) {
  (void)state;
  char err[100];
  nat_config c = base(NAT_EI, NAT_EI);
  assert_int_equal(nat_config_check(&c, err, sizeof err), 0);
  c.port_min = 5000;
  c.port_max = 4000;
  assert_int_equal(nat_config_check(&c, err, sizeof err), -1);
  assert_non_null(strstr(err, "port range"));
  assert_null(nat_new(&c, PUB, 1));
  c = base(NAT_EI, NAT_EI);
  c.stride = 0;
  assert_int_equal(nat_config_check(&c, err, sizeof err), -1);
  c = base(NAT_EI, NAT_EI);
  c.lifetime_ns = 0;
  assert_int_equal(nat_config_check(&c, err, sizeof err), -1);
}

static void test_flush(void **state) {
  (void)state;
  nat_config c = base(NAT_EI, NAT_EI);
  nat *n = nat_new(&c, PUB, 1);
  int a = out(n, 0, IN1, 5000, SRV1, 3478);
  nat_flush(n);
  assert_int_equal(in(n, 1, SRV1, 3478, (uint16_t)a, NULL), NAT_NO_MAPPING);
  nat_free(n);
}

/* A rebinding gives a port-preserving NAT's hosts new ports; the old
** mapping is gone. */
static void test_rebind(void **state) {
  (void)state;
  nat_config c = base(NAT_EI, NAT_EI); /* port preserving */
  nat *n = nat_new(&c, PUB, 1);
  int a = out(n, 0, IN1, 5000, SRV1, 3478);
  assert_int_equal(a, 5000);
  assert_int_equal(nat_rebind(n), 0);
  assert_int_equal(in(n, 1, SRV1, 3478, 5000, NULL), NAT_NO_MAPPING);
  int b = out(n, 2, IN1, 5000, SRV1, 3478);
  assert_true(b > 0 && b != 5000);
  assert_int_equal(in(n, 3, SRV1, 3478, (uint16_t)b, NULL), NAT_OK);
  nat_free(n);
}

/* A blocked address: nothing to it or from it, everything else flows. */
static void test_block(void **state) {
  (void)state;
  nat_config c = base(NAT_EI, NAT_EI);
  nat *n = nat_new(&c, PUB, 1);
  int a = out(n, 0, IN1, 5000, SRV1, 3478);
  nat_block(n, SRV1);
  assert_int_equal(in(n, 1, SRV1, 3478, (uint16_t)a, NULL), NAT_BLOCKED);
  nat_flow f = {IN1, SRV1, 5000, 3478};
  assert_int_equal(nat_outbound(n, 2, &f), NAT_BLOCKED);
  assert_int_equal(in(n, 3, SRV2, 3478, (uint16_t)a, NULL), NAT_OK);
  assert_int_equal(nat_get_stats(n)->dropped[NAT_BLOCKED], 2);
  nat_block(n, 0);
  assert_int_equal(in(n, 4, SRV1, 3478, (uint16_t)a, NULL), NAT_OK);
  nat_free(n);
}

/* NAT444: a home NAT behind a carrier-grade NAT, composed by hand. */
static void test_stacked(void **state) {
  (void)state;
  const uint32_t home_pub = 0x64400002u; /* 100.64.0.2 */
  nat_config hc = base(NAT_EI, NAT_APD), cc = base(NAT_EI, NAT_EI);
  cc.alloc = NAT_RANDOM;
  nat *home = nat_new(&hc, home_pub, 1), *cgn = nat_new(&cc, PUB, 2);
  nat_flow f = {IN1, SRV1, 5000, 3478};
  assert_int_equal(nat_outbound(home, 0, &f), NAT_OK);
  assert_int_equal(f.src_ip, home_pub);
  assert_int_equal(nat_outbound(cgn, 0, &f), NAT_OK);
  assert_int_equal(f.src_ip, PUB);
  /* The reply comes back through both. */
  nat_flow r = {SRV1, PUB, 3478, f.src_port};
  assert_int_equal(nat_inbound(cgn, 1, &r), NAT_OK);
  assert_int_equal(r.dst_ip, home_pub);
  assert_int_equal(nat_inbound(home, 1, &r), NAT_OK);
  assert_int_equal(r.dst_ip, IN1);
  assert_int_equal(r.dst_port, 5000);
  /* The CGN lets anyone in (EIF), the home NAT does not (APDF). */
  nat_flow u = {SRV2, PUB, 1, f.src_port};
  assert_int_equal(nat_inbound(cgn, 1, &u), NAT_OK);
  assert_int_equal(nat_inbound(home, 1, &u), NAT_FILTERED);
  nat_free(home);
  nat_free(cgn);
}

static void test_many_mappings(void **state) {
  (void)state;
  nat_config c = base(NAT_APD, NAT_APD);
  c.alloc = NAT_RANDOM;
  nat *n = nat_new(&c, PUB, 3);
  static uint8_t seen[65536];
  memset(seen, 0, sizeof seen);
  for (uint16_t i = 1; i <= 5000; i++) {
    int p = out(n, 0, IN1, 5000, SRV1, i);
    assert_true(p > 0 && !seen[p]);
    seen[p] = 1;
    nat_flow r;
    assert_int_equal(in(n, 0, SRV1, i, (uint16_t)p, &r), NAT_OK);
    assert_int_equal(r.dst_ip, IN1);
  }
  assert_int_equal(nat_mapping_count(n, 0), 5000);
  assert_int_equal(nat_get_stats(n)->created, 5000);
  nat_free(n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_explicit_mapping),
      cmocka_unit_test(test_pcp_server),
      cmocka_unit_test(test_mapping_endpoint_independent),
      cmocka_unit_test(test_mapping_address_dependent),
      cmocka_unit_test(test_mapping_address_and_port_dependent),
      cmocka_unit_test(test_filtering_endpoint_independent),
      cmocka_unit_test(test_filtering_address_dependent),
      cmocka_unit_test(test_filtering_address_and_port_dependent),
      cmocka_unit_test(test_alloc_preserve),
      cmocka_unit_test(test_alloc_sequential_stride),
      cmocka_unit_test(test_alloc_random),
      cmocka_unit_test(test_port_exhaustion),
      cmocka_unit_test(test_expiry_and_outbound_refresh),
      cmocka_unit_test(test_refresh_on_inbound),
      cmocka_unit_test(test_filter_permission_expires),
      cmocka_unit_test(test_hairpin),
      cmocka_unit_test(test_alloc_hook),
      cmocka_unit_test(test_config_check),
      cmocka_unit_test(test_flush),
      cmocka_unit_test(test_rebind),
      cmocka_unit_test(test_block),
      cmocka_unit_test(test_stacked),
      cmocka_unit_test(test_many_mappings),
  };
  return cmocka_run_group_tests_name("nat", tests, NULL, NULL);
}
