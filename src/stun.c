/* stun.c: STUN message decoding, encoding, integrity and fingerprint. */
#include "stun.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <string.h>

#include "wire.h"

#define FINGERPRINT_XOR 0x5354554eu

/* CRC-32 (IEEE 802.3, reflected, as in zlib), bit by bit in nibbles. */
static uint32_t crc32(const uint8_t *p, size_t n) {
  static const uint32_t nib[16] = {
      0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
      0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
      0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c};
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    c = (c >> 4) ^ nib[c & 15];
    c = (c >> 4) ^ nib[c & 15];
  }
  return c ^ 0xffffffffu;
}

void stun_new_tid(rng *r, uint8_t tid[STUN_TID_LEN]) {
  uint64_t a = rng_u64(r), b = rng_u64(r);
  memcpy(tid, &a, 8);
  memcpy(tid + 8, &b, 4);
}

bool stun_is_message(const uint8_t *buf, size_t len) {
  return len >= STUN_HEADER && (buf[0] & 0xC0) == 0 && wire_get32(buf + 4) == STUN_MAGIC;
}

/* --- decoding ------------------------------------------------------------ */

static int read_addr(const uint8_t *v, size_t n, const uint8_t *tid, bool xor,
                     addr *a) {
  memset(a, 0, sizeof *a);
  if (n < 4 || v[0] != 0) return STUN_EVALUE;
  size_t iplen = v[1] == 1 ? 4 : v[1] == 2 ? 16 : 0;
  if (!iplen || n != 4 + iplen) return STUN_EVALUE;
  uint8_t pad[16];
  wire_put32(pad, STUN_MAGIC);
  memcpy(pad + 4, tid, STUN_TID_LEN);
  a->family = iplen == 4 ? ADDR_V4 : ADDR_V6;
  a->port = wire_get16(v + 2) ^ (xor ? (uint16_t)(STUN_MAGIC >> 16) : 0);
  for (size_t i = 0; i < iplen; i++) a->ip[i] = v[4 + i] ^ (xor ? pad[i] : 0);
  return STUN_OK;
}

static bool understood(uint16_t t) {
  switch (t) {
  case STUN_A_MAPPED_ADDRESS: case STUN_A_CHANGE_REQUEST: case STUN_A_USERNAME:
  case STUN_A_MESSAGE_INTEGRITY: case STUN_A_ERROR_CODE:
  case STUN_A_UNKNOWN_ATTRIBUTES: case STUN_A_REALM: case STUN_A_NONCE:
  case STUN_A_MESSAGE_INTEGRITY_SHA256: case STUN_A_XOR_MAPPED_ADDRESS:
  case STUN_A_PRIORITY: case STUN_A_USE_CANDIDATE: case STUN_A_PADDING:
  case STUN_A_RESPONSE_PORT: case STUN_A_CHANNEL_NUMBER: case STUN_A_LIFETIME:
  case STUN_A_XOR_PEER_ADDRESS: case STUN_A_DATA: case STUN_A_XOR_RELAYED_ADDRESS:
  case STUN_A_REQUESTED_ADDRESS_FAMILY: case STUN_A_EVEN_PORT:
  case STUN_A_REQUESTED_TRANSPORT: case STUN_A_DONT_FRAGMENT: case STUN_A_RESERVATION_TOKEN:
    return true;
  default:
    return t >= 0x8000; /* comprehension-optional: ignored if unknown */
  }
}

/* Fills the typed fields for one attribute; first occurrences only. */
static int read_attr(stun_msg *m, uint16_t t, const uint8_t *v, size_t n) {
  stun_bytes b = {v, n};
  switch (t) {
  case STUN_A_MAPPED_ADDRESS:
    m->present |= STUN_HAS_MAPPED;
    return read_addr(v, n, m->tid, false, &m->mapped);
  case STUN_A_XOR_MAPPED_ADDRESS:
    m->present |= STUN_HAS_XOR_MAPPED;
    return read_addr(v, n, m->tid, true, &m->xor_mapped);
  case STUN_A_ALTERNATE_SERVER:
    m->present |= STUN_HAS_ALTERNATE;
    return read_addr(v, n, m->tid, false, &m->alternate);
  case STUN_A_RESPONSE_ORIGIN:
    m->present |= STUN_HAS_RESPONSE_ORIGIN;
    return read_addr(v, n, m->tid, false, &m->response_origin);
  case STUN_A_OTHER_ADDRESS:
    m->present |= STUN_HAS_OTHER_ADDRESS;
    return read_addr(v, n, m->tid, false, &m->other_address);
  case STUN_A_USERNAME:
    m->present |= STUN_HAS_USERNAME;
    m->username = b;
    return n <= 513 ? STUN_OK : STUN_EVALUE;
  case STUN_A_REALM:
    m->present |= STUN_HAS_REALM;
    m->realm = b;
    return n <= 763 ? STUN_OK : STUN_EVALUE;
  case STUN_A_NONCE:
    m->present |= STUN_HAS_NONCE;
    m->nonce = b;
    return n <= 763 ? STUN_OK : STUN_EVALUE;
  case STUN_A_SOFTWARE:
    m->present |= STUN_HAS_SOFTWARE;
    m->software = b;
    return n <= 763 ? STUN_OK : STUN_EVALUE;
  case STUN_A_PADDING:
    m->present |= STUN_HAS_PADDING;
    m->padding = b;
    return STUN_OK;
  case STUN_A_ERROR_CODE:
    m->present |= STUN_HAS_ERROR;
    if (n < 4 || (v[2] & 7) < 3 || (v[2] & 7) > 6 || v[3] > 99) return STUN_EVALUE;
    m->error_code = (uint16_t)((v[2] & 7) * 100 + v[3]);
    m->reason = (stun_bytes){v + 4, n - 4};
    return STUN_OK;
  case STUN_A_UNKNOWN_ATTRIBUTES:
    m->present |= STUN_HAS_UNKNOWN_ATTRS;
    if (n % 2) return STUN_EVALUE;
    for (size_t i = 0; i + 1 < n && m->nunknown_attrs < STUN_MAX_UNKNOWN; i += 2)
      m->unknown_attrs[m->nunknown_attrs++] = wire_get16(v + i);
    return STUN_OK;
  case STUN_A_CHANGE_REQUEST:
    m->present |= STUN_HAS_CHANGE_REQUEST;
    if (n != 4) return STUN_EVALUE;
    m->change_request = wire_get32(v);
    return STUN_OK;
  case STUN_A_RESPONSE_PORT:
    m->present |= STUN_HAS_RESPONSE_PORT;
    if (n != 4) return STUN_EVALUE;
    m->response_port = wire_get16(v);
    return STUN_OK;
  case STUN_A_PRIORITY:
    m->present |= STUN_HAS_PRIORITY;
    if (n != 4) return STUN_EVALUE;
    m->priority = wire_get32(v);
    return STUN_OK;
  case STUN_A_USE_CANDIDATE:
    m->present |= STUN_HAS_USE_CANDIDATE;
    return n == 0 ? STUN_OK : STUN_EVALUE;
  case STUN_A_XOR_PEER_ADDRESS:
    m->present |= STUN_HAS_XOR_PEER;
    return read_addr(v, n, m->tid, true, &m->xor_peer);
  case STUN_A_XOR_RELAYED_ADDRESS:
    m->present |= STUN_HAS_XOR_RELAYED;
    return read_addr(v, n, m->tid, true, &m->xor_relayed);
  case STUN_A_DATA:
    m->present |= STUN_HAS_DATA;
    m->data = b;
    return STUN_OK;
  case STUN_A_CHANNEL_NUMBER:
    m->present |= STUN_HAS_CHANNEL;
    if (n != 4) return STUN_EVALUE;
    m->channel = wire_get16(v);
    return STUN_OK;
  case STUN_A_LIFETIME:
    m->present |= STUN_HAS_LIFETIME;
    if (n != 4) return STUN_EVALUE;
    m->lifetime = wire_get32(v);
    return STUN_OK;
  case STUN_A_REQUESTED_TRANSPORT:
    m->present |= STUN_HAS_REQUESTED_TRANSPORT;
    if (n != 4) return STUN_EVALUE;
    m->requested_transport = v[0];
    return STUN_OK;
  case STUN_A_ICE_CONTROLLED:
  case STUN_A_ICE_CONTROLLING:
    m->present |= t == STUN_A_ICE_CONTROLLED ? STUN_HAS_ICE_CONTROLLED
                                            : STUN_HAS_ICE_CONTROLLING;
    if (n != 8) return STUN_EVALUE;
    m->tiebreaker = (uint64_t)wire_get32(v) << 32 | wire_get32(v + 4);
    return STUN_OK;
  default:
    return STUN_OK;
  }
}

/* Whether type t occurs among the first n attributes recorded. */
static bool seen_before(const stun_msg *m, uint16_t t, int n) {
  for (int i = 0; i < n; i++)
    if (m->attrs[i].type == t) return true;
  return false;
}

int stun_decode(const uint8_t *buf, size_t len, stun_msg *m) {
  memset(m, 0, sizeof *m);
  if (len < STUN_HEADER) return STUN_ETRUNC;
  if (!stun_is_message(buf, len)) return STUN_ENOTSTUN;
  size_t body = wire_get16(buf + 2);
  if (body % 4) return STUN_ELENGTH;
  if (STUN_HEADER + body > len) return STUN_ETRUNC;
  if (STUN_HEADER + body < len) return STUN_ELENGTH; /* a datagram is one message */
  uint16_t type = wire_get16(buf);
  m->buf = buf;
  m->len = len;
  m->method = (uint16_t)((type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80));
  m->cls = (uint8_t)(((type >> 4) & 1) | ((type >> 7) & 2));
  memcpy(m->tid, buf + 8, STUN_TID_LEN);
  int rc = STUN_OK;
  for (size_t at = STUN_HEADER; at < len;) {
    if (len - at < 4) return STUN_EATTR;
    uint16_t t = wire_get16(buf + at), n = wire_get16(buf + at + 2);
    size_t padded = ((size_t)n + 3) & ~(size_t)3;
    if (padded > len - at - 4) return STUN_EATTR;
    const uint8_t *v = buf + at + 4;
    int earlier = m->nattrs; /* attributes recorded before this one */
    bool after_mi = m->present & (STUN_HAS_INTEGRITY | STUN_HAS_INTEGRITY_SHA256);
    bool kept = !after_mi || t == STUN_A_FINGERPRINT || t == STUN_A_MESSAGE_INTEGRITY_SHA256;
    if (kept && m->nattrs < STUN_MAX_ATTRS) /* RFC 8489 section 14.5 */
      m->attrs[m->nattrs++] = (stun_attr){t, n, (uint32_t)(at + 4)};
    if (t == STUN_A_FINGERPRINT) {
      if (at + 8 != len) return STUN_EATTR; /* it must come last */
      if (n != 4) return STUN_EVALUE;
      m->present |= STUN_HAS_FINGERPRINT;
      m->fingerprint_at = at;
      if (wire_get32(v) != (crc32(buf, at) ^ FINGERPRINT_XOR)) return STUN_EFINGERPRINT;
    } else if (t == STUN_A_MESSAGE_INTEGRITY_SHA256) {
      if (m->present & STUN_HAS_INTEGRITY_SHA256) { at += 4 + padded; continue; }
      if (n < 16 || n > 32 || n % 4) return STUN_EVALUE;
      m->present |= STUN_HAS_INTEGRITY_SHA256;
      m->integrity256_at = at;
    } else if (after_mi) {
      /* RFC 8489 section 14.5: everything else after MESSAGE-INTEGRITY is ignored. */
    } else if (t == STUN_A_MESSAGE_INTEGRITY) {
      if (n != 20) return STUN_EVALUE;
      m->present |= STUN_HAS_INTEGRITY;
      m->integrity_at = at;
    } else if (!understood(t)) {
      if (m->nunknown < STUN_MAX_UNKNOWN) m->unknown[m->nunknown++] = t;
      rc = STUN_EUNKNOWN;
    } else if (!seen_before(m, t, earlier)) { /* only the first counts */
      int r = read_attr(m, t, v, n);
      if (r != STUN_OK) return r;
    }
    at += 4 + padded;
  }
  return rc;
}

bool stun_find(const stun_msg *m, uint16_t type, stun_bytes *value) {
  for (int i = 0; i < m->nattrs; i++) {
    if (m->attrs[i].type == type) {
      *value = (stun_bytes){m->buf + m->attrs[i].off, m->attrs[i].len};
      return true;
    }
  }
  return false;
}

int stun_attr_xor_addr(const stun_msg *m, int i, addr *out) {
  if (i < 0 || i >= m->nattrs) return STUN_EVALUE;
  return read_addr(m->buf + m->attrs[i].off, m->attrs[i].len, m->tid, true, out);
}

/* --- integrity ----------------------------------------------------------- */

/* HMAC over buf[0..at) with the header's length set to end at at+4+n. */
static int hmac(gnutls_mac_algorithm_t alg, const uint8_t *buf, size_t at,
                size_t n, const uint8_t *key, size_t keylen, uint8_t *out) {
  gnutls_hmac_hd_t h;
  uint8_t head[4];
  memcpy(head, buf, 2);
  wire_put16(head + 2, (uint16_t)(at + 4 + n - STUN_HEADER));
  if (gnutls_hmac_init(&h, alg, key, keylen) < 0) return -1;
  gnutls_hmac(h, head, 4);
  gnutls_hmac(h, buf + 4, at - 4);
  gnutls_hmac_deinit(h, out);
  return 0;
}

int stun_check_integrity(const stun_msg *m, const uint8_t *key, size_t keylen) {
  uint8_t mac[32];
  size_t at, n;
  gnutls_mac_algorithm_t alg;
  if (m->present & STUN_HAS_INTEGRITY_SHA256) {
    at = m->integrity256_at;
    n = wire_get16(m->buf + at + 2);
    alg = GNUTLS_MAC_SHA256;
  } else if (m->present & STUN_HAS_INTEGRITY) {
    at = m->integrity_at;
    n = 20;
    alg = GNUTLS_MAC_SHA1;
  } else {
    return STUN_EINTEGRITY;
  }
  if (hmac(alg, m->buf, at, n, key, keylen, mac) != 0) return STUN_EINTEGRITY;
  return gnutls_memcmp(mac, m->buf + at + 4, n) == 0 ? STUN_OK : STUN_EINTEGRITY;
}

int stun_long_term_key(const char *user, const char *realm,
                       const char *password, uint8_t key[16]) {
  gnutls_hash_hd_t h;
  memset(key, 0, 16);
  if (gnutls_hash_init(&h, GNUTLS_DIG_MD5) < 0) return STUN_EINTEGRITY;
  int rc = gnutls_hash(h, user, strlen(user));
  if (rc >= 0) rc = gnutls_hash(h, ":", 1);
  if (rc >= 0) rc = gnutls_hash(h, realm, strlen(realm));
  if (rc >= 0) rc = gnutls_hash(h, ":", 1);
  if (rc >= 0) rc = gnutls_hash(h, password, strlen(password));
  if (rc >= 0) {
    gnutls_hash_deinit(h, key);
    return STUN_OK;
  }
  gnutls_hash_deinit(h, NULL);
  return STUN_EINTEGRITY;
}

/* --- encoding ------------------------------------------------------------ */

void stun_begin(stun_writer *w, uint8_t *buf, size_t cap, uint16_t method,
                enum stun_class cls, const uint8_t tid[STUN_TID_LEN]) {
  *w = (stun_writer){buf, cap, STUN_HEADER, STUN_OK};
  if (cap < STUN_HEADER) {
    w->err = STUN_ENOSPACE;
    return;
  }
  uint16_t type = (uint16_t)((method & 0x000F) | ((method & 0x0070) << 1) |
                             ((method & 0x0F80) << 2) | ((cls & 1) << 4) |
                             ((cls & 2) << 7));
  wire_put16(buf, type);
  wire_put16(buf + 2, 0);
  wire_put32(buf + 4, STUN_MAGIC);
  memcpy(buf + 8, tid, STUN_TID_LEN);
}

/* Reserves an attribute of n value bytes; returns where the value goes. */
static uint8_t *reserve(stun_writer *w, uint16_t type, size_t n) {
  size_t padded = (n + 3) & ~(size_t)3;
  if (w->err || n > 0xFFFF || w->len + 4 + padded > w->cap ||
      w->len + 4 + padded - STUN_HEADER > 0xFFFF) {
    w->err = STUN_ENOSPACE;
    return NULL;
  }
  uint8_t *p = w->buf + w->len;
  wire_put16(p, type);
  wire_put16(p + 2, (uint16_t)n);
  memset(p + 4 + n, 0, padded - n);
  w->len += 4 + padded;
  wire_put16(w->buf + 2, (uint16_t)(w->len - STUN_HEADER));
  return p + 4;
}

void stun_put(stun_writer *w, uint16_t type, const void *value, size_t n) {
  uint8_t *p = reserve(w, type, n);
  if (p && n) memcpy(p, value, n);
}

void stun_put_str(stun_writer *w, uint16_t type, const char *s) {
  stun_put(w, type, s, strlen(s));
}

void stun_put_u32(stun_writer *w, uint16_t type, uint32_t v) {
  uint8_t b[4];
  wire_put32(b, v);
  stun_put(w, type, b, 4);
}

static void put_addr(stun_writer *w, uint16_t type, const addr *a, bool xor) {
  size_t iplen = a->family == ADDR_V6 ? 16 : 4;
  uint8_t *p = reserve(w, type, 4 + iplen), pad[16];
  if (!p) return;
  wire_put32(pad, STUN_MAGIC);
  memcpy(pad + 4, w->buf + 8, STUN_TID_LEN);
  p[0] = 0;
  p[1] = iplen == 4 ? 1 : 2;
  wire_put16(p + 2, a->port ^ (xor ? (uint16_t)(STUN_MAGIC >> 16) : 0));
  for (size_t i = 0; i < iplen; i++) p[4 + i] = a->ip[i] ^ (xor ? pad[i] : 0);
}

void stun_put_addr(stun_writer *w, uint16_t type, const addr *a) {
  put_addr(w, type, a, false);
}

void stun_put_xor_addr(stun_writer *w, uint16_t type, const addr *a) {
  put_addr(w, type, a, true);
}

void stun_put_error(stun_writer *w, int code, const char *reason) {
  size_t n = strlen(reason);
  uint8_t *p = reserve(w, STUN_A_ERROR_CODE, 4 + n);
  if (!p) return;
  p[0] = p[1] = 0;
  p[2] = (uint8_t)(code / 100);
  p[3] = (uint8_t)(code % 100);
  memcpy(p + 4, reason, n);
}

void stun_put_unknown(stun_writer *w, const uint16_t *types, int n) {
  uint8_t *p = reserve(w, STUN_A_UNKNOWN_ATTRIBUTES, 2 * (size_t)n);
  for (int i = 0; p && i < n; i++) wire_put16(p + 2 * i, types[i]);
}

static void put_mac(stun_writer *w, uint16_t type, gnutls_mac_algorithm_t alg,
                    size_t n, const uint8_t *key, size_t keylen) {
  size_t at = w->len;
  uint8_t *p = reserve(w, type, n);
  if (p && hmac(alg, w->buf, at, n, key, keylen, p) != 0) w->err = STUN_EINTEGRITY;
}

void stun_put_integrity(stun_writer *w, const uint8_t *key, size_t keylen) {
  put_mac(w, STUN_A_MESSAGE_INTEGRITY, GNUTLS_MAC_SHA1, 20, key, keylen);
}

void stun_put_integrity_sha256(stun_writer *w, const uint8_t *key, size_t keylen) {
  put_mac(w, STUN_A_MESSAGE_INTEGRITY_SHA256, GNUTLS_MAC_SHA256, 32, key, keylen);
}

void stun_put_fingerprint(stun_writer *w) {
  size_t at = w->len;
  uint8_t *p = reserve(w, STUN_A_FINGERPRINT, 4);
  if (p) wire_put32(p, crc32(w->buf, at) ^ FINGERPRINT_XOR);
}

int stun_end(stun_writer *w) { return w->err ? w->err : (int)w->len; }

/* --- names ---------------------------------------------------------------- */

const char *stun_describe(const stun_msg *m, char *buf, size_t len) {
  static const char *const classes[] = {"request", "indication",
                                        "success response", "error response"};
  const char *method = "method";
  switch (m->method) {
  case STUN_BINDING: method = "Binding"; break;
  case STUN_ALLOCATE: method = "Allocate"; break;
  case STUN_REFRESH: method = "Refresh"; break;
  case STUN_SEND: method = "Send"; break;
  case STUN_DATA: method = "Data"; break;
  case STUN_CREATE_PERMISSION: method = "CreatePermission"; break;
  case STUN_CHANNEL_BIND: method = "ChannelBind"; break;
  }
  snprintf(buf, len, "%s %s", method, classes[m->cls & 3]);
  return buf;
}

const char *stun_strerror(int err) {
  switch (err) {
  case STUN_OK: return "ok";
  case STUN_ETRUNC: return "truncated message";
  case STUN_ENOTSTUN: return "not a STUN message";
  case STUN_ELENGTH: return "length is not a multiple of 4, or not the datagram's";
  case STUN_EATTR: return "attribute overruns the message or follows FINGERPRINT";
  case STUN_EVALUE: return "malformed attribute value";
  case STUN_EUNKNOWN: return "unknown comprehension-required attribute";
  case STUN_EFINGERPRINT: return "FINGERPRINT mismatch";
  case STUN_EINTEGRITY: return "MESSAGE-INTEGRITY missing or wrong";
  case STUN_ENOSPACE: return "buffer too small";
  default: return "unknown error";
  }
}
