/* Unit tests for the STUN codec (src/stun.c): the RFC 5769 test vectors,
** integrity and fingerprint, malformed input, and encode/decode round trips. */
#define _GNU_SOURCE /* RTLD_NEXT */
#include <dlfcn.h>
#include <gnutls/crypto.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "stun.h"

/* GnuTLS's gnutls_hash_init, failing while hash_init_fails is set: this
** definition comes before the library's for the code linked in here. */
static bool hash_init_fails;
int gnutls_hash_init(gnutls_hash_hd_t *h, gnutls_digest_algorithm_t alg) {
  if (hash_init_fails) return GNUTLS_E_MEMORY_ERROR;
  int (*real)(gnutls_hash_hd_t *, gnutls_digest_algorithm_t);
  *(void **)&real = dlsym(RTLD_NEXT, "gnutls_hash_init");
  return real(h, alg);
}

/* RFC 5769 section 2.1: a request with short-term credentials. */
static const uint8_t sample_request[108] = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01,
    0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10,
    'S',  'T',  'U',  'N',  ' ',  't',  'e',  's',  't',  ' ',  'c',  'l',
    'i',  'e',  'n',  't',  0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
    0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36,
    0x00, 0x06, 0x00, 0x09, 'e',  'v',  't',  'j',  ':',  'h',  '6',  'v',
    'Y',  0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14, 0x9a, 0xea, 0xa7, 0x0c,
    0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
    0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf};

/* RFC 5769 section 2.2: an IPv4 response, 192.0.2.1 port 32853. */
static const uint8_t sample_ipv4[80] = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01,
    0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b,
    't',  'e',  's',  't',  ' ',  'v',  'e',  'c',  't',  'o',  'r',  0x20,
    0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3,
    0x8c, 0x74, 0x89, 0xf9, 0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7,
    0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96};

/* RFC 5769 section 2.3: an IPv6 response,
** 2001:db8:1234:5678:11:2233:4455:6677 port 32853. */
static const uint8_t sample_ipv6[92] = {
    0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01,
    0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b,
    't',  'e',  's',  't',  ' ',  'v',  'e',  'c',  't',  'o',  'r',  0x20,
    0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
    0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9,
    0x00, 0x08, 0x00, 0x14, 0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1,
    0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75, 0xbf, 0xe3, 0xed, 0x41,
    0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c};

/* RFC 5769 section 2.4: a request with long-term credentials. */
static const uint8_t sample_long_term[116] = {
    0x00, 0x01, 0x00, 0x60, 0x21, 0x12, 0xa4, 0x42, 0x78, 0xad, 0x34, 0x33,
    0xc6, 0xad, 0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e, 0x00, 0x06, 0x00, 0x12,
    0xe3, 0x83, 0x9e, 0xe3, 0x83, 0x88, 0xe3, 0x83, 0xaa, 0xe3, 0x83, 0x83,
    0xe3, 0x82, 0xaf, 0xe3, 0x82, 0xb9, 0x00, 0x00, 0x00, 0x15, 0x00, 0x1c,
    'f',  '/',  '/',  '4',  '9',  '9',  'k',  '9',  '5',  '4',  'd',  '6',
    'O',  'L',  '3',  '4',  'o',  'L',  '9',  'F',  'S',  'T',  'v',  'y',
    '6',  '4',  's',  'A',  0x00, 0x14, 0x00, 0x0b, 'e',  'x',  'a',  'm',
    'p',  'l',  'e',  '.',  'o',  'r',  'g',  0x00, 0x00, 0x08, 0x00, 0x14,
    0xf6, 0x70, 0x24, 0x65, 0x6d, 0xd6, 0x4a, 0x3e, 0x02, 0xb8, 0xe0, 0x71,
    0x2e, 0x85, 0xc9, 0xa2, 0x8c, 0xa8, 0x96, 0x66};

static const char password[] = "VOkJxbRl1RmTxUk/WvJxBt";
static const uint8_t tid1[12] = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
                                 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

static int check_short_term(const stun_msg *m) {
  return stun_check_integrity(m, (const uint8_t *)password, strlen(password));
}

static void test_rfc5769_request(void **state) {
  (void)state;
  stun_msg m;
  assert_int_equal(stun_decode(sample_request, sizeof sample_request, &m), STUN_OK);
  assert_int_equal(m.method, STUN_BINDING);
  assert_int_equal(m.cls, STUN_REQUEST);
  assert_memory_equal(m.tid, tid1, 12);
  assert_int_equal(m.username.len, 9);
  assert_memory_equal(m.username.p, "evtj:h6vY", 9);
  assert_int_equal(m.software.len, 16);
  assert_int_equal(m.priority, 0x6e0001ff);
  assert_true(m.present & STUN_HAS_ICE_CONTROLLED);
  assert_true(m.tiebreaker == 0x932ff9b151263b36ULL);
  assert_true(m.present & STUN_HAS_FINGERPRINT);
  assert_int_equal(check_short_term(&m), STUN_OK);
}

static void test_rfc5769_ipv4_response(void **state) {
  (void)state;
  stun_msg m;
  char buf[ADDR_STRLEN];
  assert_int_equal(stun_decode(sample_ipv4, sizeof sample_ipv4, &m), STUN_OK);
  assert_int_equal(m.cls, STUN_SUCCESS);
  assert_string_equal(addr_format(&m.xor_mapped, buf, sizeof buf), "192.0.2.1:32853");
  assert_int_equal(check_short_term(&m), STUN_OK);
}

static void test_rfc5769_ipv6_response(void **state) {
  (void)state;
  stun_msg m;
  char buf[ADDR_STRLEN];
  assert_int_equal(stun_decode(sample_ipv6, sizeof sample_ipv6, &m), STUN_OK);
  assert_string_equal(addr_format(&m.xor_mapped, buf, sizeof buf),
                      "[2001:db8:1234:5678:11:2233:4455:6677]:32853");
  assert_int_equal(check_short_term(&m), STUN_OK);
}

static void test_rfc5769_long_term(void **state) {
  (void)state;
  stun_msg m;
  uint8_t key[16];
  assert_int_equal(stun_decode(sample_long_term, sizeof sample_long_term, &m), STUN_OK);
  assert_int_equal(m.realm.len, 11);
  assert_memory_equal(m.nonce.p, "f//499k954d6OL34oL9FSTvy64sA", 28);
  /* The username is U+30DE U+30C8 U+30EA U+30C3 U+30AF U+30B9 in UTF-8;
  ** the password is "TheMatrIX" after SASLprep. */
  char user[19];
  memcpy(user, m.username.p, 18);
  user[18] = '\0';
  assert_int_equal(stun_long_term_key(user, "example.org", "TheMatrIX", key), STUN_OK);
  assert_int_equal(stun_check_integrity(&m, key, sizeof key), STUN_OK);
  assert_int_equal(stun_long_term_key(user, "example.org", "TheMatrix", key), STUN_OK);
  assert_int_equal(stun_check_integrity(&m, key, sizeof key), STUN_EINTEGRITY);
}

/* When GnuTLS cannot start the hash, the key is refused, not garbage. */
static void test_long_term_key_fails(void **state) {
  (void)state;
  static const uint8_t zeros[16] = {0};
  uint8_t key[16];
  memset(key, 0xAA, sizeof key);
  hash_init_fails = true;
  int rc = stun_long_term_key("bob", "natsim.test", "hunter2", key);
  hash_init_fails = false;
  assert_int_equal(rc, STUN_EINTEGRITY);
  assert_memory_equal(key, zeros, sizeof key);
  assert_int_equal(stun_long_term_key("bob", "natsim.test", "hunter2", key), STUN_OK);
  assert_memory_not_equal(key, zeros, sizeof key);
}

/* Every flipped bit is caught, by the fingerprint or the integrity, except
** in FINGERPRINT's own type field: that turns it into an unknown optional
** attribute after MESSAGE-INTEGRITY, which RFC 8489 says to ignore. */
static void test_flipped_bits(void **state) {
  (void)state;
  const struct { const uint8_t *p; size_t n; } v[] = {
      {sample_request, sizeof sample_request},
      {sample_ipv4, sizeof sample_ipv4},
      {sample_ipv6, sizeof sample_ipv6}};
  for (size_t k = 0; k < 3; k++) {
    uint8_t buf[128];
    for (size_t bit = 0; bit < (v[k].n - 8) * 8; bit++) {
      memcpy(buf, v[k].p, v[k].n);
      buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      stun_msg m;
      int rc = stun_decode(buf, v[k].n, &m);
      if (rc == STUN_OK || rc == STUN_EUNKNOWN) rc = check_short_term(&m);
      if (rc == STUN_OK) fail_msg("vector %zu: flipped bit %zu went unnoticed", k, bit);
    }
    for (size_t bit = (v[k].n - 6) * 8; bit < v[k].n * 8; bit++) {
      memcpy(buf, v[k].p, v[k].n);
      buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      stun_msg m;
      assert_int_not_equal(stun_decode(buf, v[k].n, &m), STUN_OK);
    }
  }
  /* And without FINGERPRINT, integrity alone catches a flip. */
  uint8_t buf[128];
  memcpy(buf, sample_ipv4, 72);
  buf[3] = 0x34; /* the length, now ending after MESSAGE-INTEGRITY */
  stun_msg m;
  assert_int_equal(stun_decode(buf, 72, &m), STUN_OK);
  assert_int_equal(check_short_term(&m), STUN_OK);
  buf[45] ^= 1; /* a bit of the mapped address */
  assert_int_equal(stun_decode(buf, 72, &m), STUN_OK);
  assert_int_equal(check_short_term(&m), STUN_EINTEGRITY);
}

static void test_malformed(void **state) {
  (void)state;
  stun_msg m;
  uint8_t buf[128];
  assert_int_equal(stun_decode(sample_ipv4, 19, &m), STUN_ETRUNC);
  assert_int_equal(stun_decode(sample_ipv4, 79, &m), STUN_ETRUNC);
  memcpy(buf, sample_ipv4, 80);
  buf[80] = 0; /* a byte beyond the declared length */
  assert_int_equal(stun_decode(buf, 81, &m), STUN_ELENGTH);
  memcpy(buf, sample_ipv4, 80);
  buf[4] = 0x22; /* magic cookie */
  assert_int_equal(stun_decode(buf, 80, &m), STUN_ENOTSTUN);
  memcpy(buf, sample_ipv4, 80);
  buf[0] |= 0x80; /* first two bits must be zero */
  assert_int_equal(stun_decode(buf, 80, &m), STUN_ENOTSTUN);
  memcpy(buf, sample_ipv4, 80);
  buf[3] = 0x3d; /* not a multiple of 4 */
  assert_int_equal(stun_decode(buf, 80, &m), STUN_ELENGTH);
  memcpy(buf, sample_ipv4, 80);
  buf[23] = 0x40; /* SOFTWARE claims 64 bytes: overruns */
  assert_int_equal(stun_decode(buf, 80, &m), STUN_EATTR);
  memcpy(buf, sample_ipv4, 80);
  buf[41] = 0x03; /* XOR-MAPPED-ADDRESS family 3 */
  assert_int_equal(stun_decode(buf, 80, &m), STUN_EVALUE);
  /* A header-only message with a lone 2-byte tail inside its length. */
  memcpy(buf, sample_ipv4, 20);
  buf[2] = 0;
  buf[3] = 4;
  memset(buf + 20, 0, 4);
  buf[21] = 0x30; /* type 0x0030, length 0: fine, but unknown and required */
  assert_int_equal(stun_decode(buf, 24, &m), STUN_EUNKNOWN);
  assert_int_equal(m.nunknown, 1);
  assert_int_equal(m.unknown[0], 0x0030);
  buf[20] = 0x80; /* 0x8030: comprehension-optional, ignored */
  assert_int_equal(stun_decode(buf, 24, &m), STUN_OK);
  /* Nothing may follow FINGERPRINT. */
  uint8_t tid[12] = {0};
  stun_writer w;
  stun_begin(&w, buf, sizeof buf, STUN_BINDING, STUN_REQUEST, tid);
  stun_put_fingerprint(&w);
  stun_put_str(&w, STUN_A_SOFTWARE, "late");
  int n = stun_end(&w);
  assert_true(n > 0);
  assert_int_equal(stun_decode(buf, (size_t)n, &m), STUN_EATTR);
  assert_false(stun_is_message(buf, 10));
}

static void test_round_trip(void **state) {
  (void)state;
  uint8_t buf[512], tid[12];
  rng r;
  rng_seed(&r, 1, 0);
  stun_new_tid(&r, tid);
  addr xm, ro, oa, v6;
  addr_parse("198.51.100.7:40000", &xm);
  addr_parse("203.0.113.10:3478", &ro);
  addr_parse("203.0.113.20:3479", &oa);
  addr_parse("[2001:db8::1]:9", &v6);
  uint16_t unknown[2] = {0x0031, 0x0032};
  stun_writer w;
  stun_begin(&w, buf, sizeof buf, STUN_BINDING, STUN_ERROR, tid);
  stun_put_xor_addr(&w, STUN_A_XOR_MAPPED_ADDRESS, &xm);
  stun_put_addr(&w, STUN_A_MAPPED_ADDRESS, &v6);
  stun_put_addr(&w, STUN_A_RESPONSE_ORIGIN, &ro);
  stun_put_addr(&w, STUN_A_OTHER_ADDRESS, &oa);
  stun_put_error(&w, 420, "Unknown Attribute");
  stun_put_unknown(&w, unknown, 2);
  stun_put_u32(&w, STUN_A_CHANGE_REQUEST, STUN_CHANGE_IP | STUN_CHANGE_PORT);
  stun_put_u32(&w, STUN_A_RESPONSE_PORT, 5000u << 16);
  stun_put(&w, STUN_A_PADDING, "xxxxx", 5);
  stun_put_str(&w, STUN_A_SOFTWARE, "natsim");
  stun_put_integrity_sha256(&w, (const uint8_t *)"key", 3);
  stun_put_fingerprint(&w);
  int n = stun_end(&w);
  assert_true(n > 0 && n % 4 == 0);
  stun_msg m;
  assert_int_equal(stun_decode(buf, (size_t)n, &m), STUN_OK);
  assert_int_equal(m.cls, STUN_ERROR);
  assert_memory_equal(m.tid, tid, 12);
  assert_true(addr_equal(&m.xor_mapped, &xm));
  assert_true(addr_equal(&m.mapped, &v6));
  assert_true(addr_equal(&m.response_origin, &ro));
  assert_true(addr_equal(&m.other_address, &oa));
  assert_int_equal(m.error_code, 420);
  assert_int_equal(m.nunknown_attrs, 2);
  assert_int_equal(m.unknown_attrs[1], 0x0032);
  assert_int_equal(m.change_request, STUN_CHANGE_IP | STUN_CHANGE_PORT);
  assert_int_equal(m.response_port, 5000);
  assert_int_equal(m.padding.len, 5);
  stun_bytes sw;
  assert_true(stun_find(&m, STUN_A_SOFTWARE, &sw));
  assert_memory_equal(sw.p, "natsim", 6);
  assert_false(stun_find(&m, STUN_A_NONCE, &sw));
  assert_int_equal(stun_check_integrity(&m, (const uint8_t *)"key", 3), STUN_OK);
  assert_int_equal(stun_check_integrity(&m, (const uint8_t *)"kez", 3), STUN_EINTEGRITY);
  char d[64];
  assert_string_equal(stun_describe(&m, d, sizeof d), "Binding error response");
}

static void test_encode_overflow(void **state) {
  (void)state;
  uint8_t buf[40], tid[12] = {0};
  stun_writer w;
  stun_begin(&w, buf, sizeof buf, STUN_BINDING, STUN_REQUEST, tid);
  stun_put_str(&w, STUN_A_SOFTWARE, "this does not fit in forty bytes");
  stun_put_fingerprint(&w);
  assert_int_equal(stun_end(&w), STUN_ENOSPACE);
  stun_begin(&w, buf, 10, STUN_BINDING, STUN_REQUEST, tid);
  assert_int_equal(stun_end(&w), STUN_ENOSPACE);
}

/* The message type packs method and class in interleaved bits. */
static void test_type_bits(void **state) {
  (void)state;
  uint8_t buf[64], tid[12] = {0};
  stun_writer w;
  stun_msg m;
  stun_begin(&w, buf, sizeof buf, STUN_BINDING, STUN_SUCCESS, tid);
  assert_int_equal(buf[0] << 8 | buf[1], 0x0101);
  stun_begin(&w, buf, sizeof buf, STUN_ALLOCATE, STUN_ERROR, tid);
  assert_int_equal(buf[0] << 8 | buf[1], 0x0113);
  stun_begin(&w, buf, sizeof buf, STUN_DATA, STUN_INDICATION, tid);
  assert_int_equal(buf[0] << 8 | buf[1], 0x0017);
  assert_int_equal(stun_decode(buf, (size_t)stun_end(&w), &m), STUN_OK);
  assert_int_equal(m.method, STUN_DATA);
  assert_int_equal(m.cls, STUN_INDICATION);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc5769_request),
      cmocka_unit_test(test_rfc5769_ipv4_response),
      cmocka_unit_test(test_rfc5769_ipv6_response),
      cmocka_unit_test(test_rfc5769_long_term),
      cmocka_unit_test(test_long_term_key_fails),
      cmocka_unit_test(test_flipped_bits),
      cmocka_unit_test(test_malformed),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_encode_overflow),
      cmocka_unit_test(test_type_bits),
  };
  return cmocka_run_group_tests_name("stun", tests, NULL, NULL);
}
