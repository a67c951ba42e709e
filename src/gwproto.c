/* gwproto.c: frame encoding, decoding, tags, sealed session keys, replay windows. */
#include "gwproto.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "wire.h"

#define MAGIC0 'N'
#define MAGIC1 'G'
#define VERSION 1

typedef struct wbuf { uint8_t *p; size_t cap, len; int err; } wbuf;

static void put(wbuf *w, const void *v, size_t n) {
  if (w->err || w->len + n > w->cap) {
    w->err = GW_ENOSPACE;
    return;
  }
  if (n) memcpy(w->p + w->len, v, n); /* v may be NULL when n is 0 */
  w->len += n;
}
static void put8(wbuf *w, uint8_t v) { put(w, &v, 1); }
static void put16(wbuf *w, uint16_t v) {
  uint8_t b[2];
  wire_put16(b, v);
  put(w, b, 2);
}
static void put32(wbuf *w, uint32_t v) {
  put16(w, (uint16_t)(v >> 16));
  put16(w, (uint16_t)v);
}
static void put64(wbuf *w, uint64_t v) {
  put32(w, (uint32_t)(v >> 32));
  put32(w, (uint32_t)v);
}
static void put_addr(wbuf *w, const addr *a) {
  put8(w, a->family == ADDR_V6 ? 6 : 4);
  put16(w, a->port);
  put(w, a->ip, a->family == ADDR_V6 ? 16 : 4);
}

typedef struct rbuf { const uint8_t *p; size_t len, at; int err; } rbuf;

static const uint8_t *get(rbuf *r, size_t n) {
  if (r->err || r->len - r->at < n) {
    r->err = GW_ETRUNC;
    return NULL;
  }
  r->at += n;
  return r->p + r->at - n;
}
static uint8_t get8(rbuf *r) {
  const uint8_t *b = get(r, 1);
  return b ? b[0] : 0;
}
static uint16_t get16(rbuf *r) {
  const uint8_t *b = get(r, 2);
  return b ? wire_get16(b) : 0;
}
static uint32_t get32(rbuf *r) {
  uint32_t hi = get16(r);
  return hi << 16 | get16(r);
}
static uint64_t get64(rbuf *r) {
  uint64_t hi = get32(r);
  return hi << 32 | get32(r);
}
static void get_addr(rbuf *r, addr *a) {
  memset(a, 0, sizeof *a);
  uint8_t fam = get8(r);
  if (fam != 4 && fam != 6) {
    if (!r->err) r->err = GW_EVALUE;
    return;
  }
  a->family = fam == 6 ? ADDR_V6 : ADDR_V4;
  a->port = get16(r);
  const uint8_t *ip = get(r, fam == 6 ? 16 : 4);
  if (ip) memcpy(a->ip, ip, fam == 6 ? 16 : 4);
}

static int tag(const uint8_t *buf, size_t len, const uint8_t key[GW_KEY_LEN],
               uint8_t out[GW_TAG_LEN]) {
  uint8_t mac[32];
  if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, GW_KEY_LEN, buf, len, mac) < 0) return -1;
  memcpy(out, mac, GW_TAG_LEN);
  return 0;
}

static void put_text(wbuf *w, const char *t, size_t max) {
  size_t n = strnlen(t, max);
  put8(w, (uint8_t)n);
  put(w, t, n);
}

static void get_text(rbuf *r, char *out, size_t max) {
  size_t n = get8(r);
  const uint8_t *p = get(r, n);
  if (!p || n > max) {
    if (!r->err) r->err = GW_EVALUE;
    out[0] = '\0';
    return;
  }
  memcpy(out, p, n);
  out[n] = '\0';
}

static void put_body(wbuf *w, const gw_frame *f) {
  switch (f->type) {
  case GW_CANDIDATE:
    put64(w, f->session);
    put32(w, f->peer);
    put8(w, f->cand_type);
    put32(w, f->cand_priority);
    put32(w, f->cand_foundation);
    put_addr(w, &f->cand_addr);
    put_text(w, f->ufrag, sizeof f->ufrag - 1);
    put_text(w, f->pwd, sizeof f->pwd - 1);
    break;
  case GW_REGISTER:
    put32(w, f->peer);
    put64(w, f->epoch);
    put8(w, f->caps);
    break;
  case GW_KEEPALIVE:
    put32(w, f->peer);
    break;
  case GW_REGISTERED:
    put32(w, f->peer);
    put_addr(w, &f->observed);
    break;
  case GW_CONNECT:
    put32(w, f->peer);
    put32(w, f->target);
    break;
  case GW_SESSION:
    put64(w, f->session);
    put32(w, f->target);
    put_addr(w, &f->observed);
    put32(w, f->punch_delay_ms);
    put8(w, f->initiator);
    put(w, f->nonce, GW_NONCE_LEN);
    put(w, f->sealed, GW_SEALED_LEN);
    put8(w, f->caps);
    break;
  case GW_RELAY: case GW_DATA:
    put64(w, f->session);
    put32(w, f->peer);
    put(w, f->payload, f->payload_len);
    break;
  case GW_REPORT:
    put32(w, f->peer);
    put64(w, f->session);
    put8(w, f->outcome);
    break;
  case GW_ERROR:
    put8(w, f->code);
    put32(w, f->attempt);
    break;
  case GW_PUNCH: case GW_PUNCH_ACK:
    put64(w, f->session);
    put32(w, f->peer);
    put32(w, f->attempt);
    break;
  default:
    w->err = GW_ETYPE;
  }
}

int gw_encode(const gw_frame *f, const uint8_t key[GW_KEY_LEN], uint8_t *buf, size_t cap) {
  wbuf w = {buf, cap, 0, GW_OK};
  uint8_t head[6] = {MAGIC0, MAGIC1, VERSION, f->type, 0, 0}; /* length set below */
  put(&w, head, sizeof head);
  put64(&w, f->counter);
  put_body(&w, f);
  if (w.err) return w.err;
  size_t body = w.len - GW_HEADER;
  if (body > 0xFFFF || w.len + GW_TAG_LEN > cap) return GW_ENOSPACE;
  buf[4] = (uint8_t)(body >> 8);
  buf[5] = (uint8_t)body;
  if (tag(buf, w.len, key, buf + w.len) != 0) return GW_EAUTH;
  return (int)(w.len + GW_TAG_LEN);
}

int gw_is_frame(const uint8_t *buf, size_t len) {
  return len >= GW_HEADER && buf[0] == MAGIC0 && buf[1] == MAGIC1 && buf[2] == VERSION;
}

static void get_bytes(rbuf *r, uint8_t *out, size_t n) {
  const uint8_t *p = get(r, n);
  if (p) memcpy(out, p, n);
}

static void get_session(rbuf *r, gw_frame *f) {
  f->session = get64(r);
  f->target = get32(r);
  get_addr(r, &f->observed);
  f->punch_delay_ms = get32(r);
  f->initiator = get8(r);
  get_bytes(r, f->nonce, GW_NONCE_LEN);
  get_bytes(r, f->sealed, GW_SEALED_LEN);
  f->caps = get8(r);
}

static int get_body(rbuf *r, gw_frame *f) {
  switch (f->type) {
  case GW_CANDIDATE:
    f->session = get64(r);
    f->peer = get32(r);
    f->cand_type = get8(r);
    f->cand_priority = get32(r);
    f->cand_foundation = get32(r);
    get_addr(r, &f->cand_addr);
    get_text(r, f->ufrag, sizeof f->ufrag - 1);
    get_text(r, f->pwd, sizeof f->pwd - 1);
    if (!r->err && f->cand_type > 4) return GW_EVALUE; /* 4: a birthday hint (ice.h) */
    break;
  case GW_REGISTER:
    f->peer = get32(r);
    f->epoch = get64(r);
    f->caps = get8(r);
    if (!r->err && (f->epoch == 0 || f->caps > GW_CAP_ALL)) return GW_EVALUE;
    break;
  case GW_KEEPALIVE:
    f->peer = get32(r);
    break;
  case GW_REGISTERED:
    f->peer = get32(r);
    get_addr(r, &f->observed);
    break;
  case GW_CONNECT:
    f->peer = get32(r);
    f->target = get32(r);
    break;
  case GW_SESSION:
    get_session(r, f);
    if (!r->err && (f->initiator > 1 || f->caps > GW_CAP_ALL)) return GW_EVALUE;
    break;
  case GW_RELAY: case GW_DATA:
    f->session = get64(r);
    f->peer = get32(r);
    f->payload = r->p + r->at;
    f->payload_len = r->err ? 0 : r->len - r->at;
    r->at = r->len;
    break;
  case GW_REPORT:
    f->peer = get32(r);
    f->session = get64(r);
    f->outcome = get8(r);
    if (!r->err && f->outcome != GW_OUT_DIRECT && f->outcome != GW_OUT_RELAYED) return GW_EVALUE;
    break;
  case GW_ERROR:
    f->code = get8(r);
    f->attempt = get32(r);
    break;
  case GW_PUNCH: case GW_PUNCH_ACK:
    f->session = get64(r);
    f->peer = get32(r);
    f->attempt = get32(r);
    break;
  default:
    return GW_ETYPE;
  }
  if (r->err) return r->err;
  return r->at == r->len ? GW_OK : GW_EVALUE;
}

int gw_decode(const uint8_t *buf, size_t len, gw_frame *f) {
  memset(f, 0, sizeof *f);
  if (len < GW_HEADER) return GW_ETRUNC;
  if (!gw_is_frame(buf, len)) return GW_EMAGIC;
  size_t body = (size_t)buf[4] << 8 | buf[5];
  if (len < GW_HEADER + body + GW_TAG_LEN) return GW_ETRUNC;
  if (len > GW_HEADER + body + GW_TAG_LEN) return GW_EVALUE;
  f->type = buf[3];
  f->counter = wire_get64(buf + 6);
  if (f->counter == 0) return GW_EVALUE; /* counters start at 1 */
  rbuf r = {buf + GW_HEADER, body, 0, GW_OK};
  return get_body(&r, f);
}

int gw_verify(const uint8_t *buf, size_t len, const uint8_t key[GW_KEY_LEN]) {
  uint8_t t[GW_TAG_LEN];
  if (len < GW_HEADER + GW_TAG_LEN || tag(buf, len - GW_TAG_LEN, key, t) != 0) return GW_EAUTH;
  return gnutls_memcmp(t, buf + len - GW_TAG_LEN, GW_TAG_LEN) == 0 ? GW_OK : GW_EAUTH;
}

const char *gw_type_name(int type) {
  static const char *const names[] = {"?", "REGISTER", "REGISTERED", "KEEPALIVE", "CONNECT",
                                      "SESSION", "RELAY", "REPORT", "ERROR", "PUNCH",
                                      "PUNCH_ACK", "DATA", "CANDIDATE"};
  return type >= 1 && type <= GW_CANDIDATE ? names[type] : "?";
}

/* HMAC-SHA256(key, "ice" || peer), spelled in base64's alphabet. */
int gw_ice_credentials(const uint8_t key[GW_KEY_LEN], uint32_t peer, char ufrag[9],
                       char pwd[25]) {
  static const char alphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
  uint8_t in[7] = {'i', 'c', 'e', (uint8_t)(peer >> 24), (uint8_t)(peer >> 16),
                   (uint8_t)(peer >> 8), (uint8_t)peer};
  uint8_t mac[32];
  if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, GW_KEY_LEN, in, sizeof in, mac) < 0) return -1;
  for (int i = 0; i < 8; i++) ufrag[i] = alphabet[mac[i] & 63];
  for (int i = 0; i < 24; i++) pwd[i] = alphabet[mac[8 + i] & 63];
  ufrag[8] = pwd[24] = '\0';
  return 0;
}

int gw_derive_key(const uint8_t key[GW_KEY_LEN], const char label[4], uint64_t context,
                  uint8_t out[GW_KEY_LEN]) {
  uint8_t in[12];
  uint8_t mac[32];
  memcpy(in, label, 4);
  wire_put64(in + 4, context);
  if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, GW_KEY_LEN, in, sizeof in, mac) < 0) return -1;
  memcpy(out, mac, GW_KEY_LEN);
  gnutls_memset(mac, 0, sizeof mac);
  return 0;
}

/* The associated data of a sealed key: "NGsk", session, receiver, other. */
static void sealing_ad(uint8_t ad[20], uint64_t session, uint32_t receiver, uint32_t other) {
  memcpy(ad, "NGsk", 4);
  wire_put64(ad + 4, session);
  wire_put32(ad + 12, receiver);
  wire_put32(ad + 16, other);
}

/* AES-128-GCM of a session key under key: sealing (in: the key, out: the
** sealed bytes) or opening (the other way). 0, or GW_EAUTH. */
static int crypt_key(bool seal, const uint8_t key[GW_KEY_LEN], const uint8_t nonce[GW_NONCE_LEN],
                     uint64_t session, uint32_t receiver, uint32_t other, const uint8_t *in,
                     uint8_t *out) {
  gnutls_aead_cipher_hd_t h;
  gnutls_datum_t k = {(unsigned char *)key, GW_KEY_LEN};
  uint8_t ad[20];
  sealing_ad(ad, session, receiver, other);
  if (gnutls_aead_cipher_init(&h, GNUTLS_CIPHER_AES_128_GCM, &k) < 0) return GW_EAUTH;
  size_t want = seal ? GW_SEALED_LEN : GW_KEY_LEN;
  size_t n = want;
  int rc;
  if (seal)
    rc = gnutls_aead_cipher_encrypt(h, nonce, GW_NONCE_LEN, ad, sizeof ad, 16, in, GW_KEY_LEN,
                                    out, &n);
  else
    rc = gnutls_aead_cipher_decrypt(h, nonce, GW_NONCE_LEN, ad, sizeof ad, 16, in,
                                    GW_SEALED_LEN, out, &n);
  gnutls_aead_cipher_deinit(h);
  return rc < 0 || n != want ? GW_EAUTH : GW_OK;
}

int gw_seal_key(const uint8_t seal_key[GW_KEY_LEN], const uint8_t nonce[GW_NONCE_LEN],
                uint64_t session, uint32_t receiver, uint32_t other,
                const uint8_t key[GW_KEY_LEN], uint8_t sealed[GW_SEALED_LEN]) {
  return crypt_key(true, seal_key, nonce, session, receiver, other, key, sealed);
}

int gw_open_key(const uint8_t seal_key[GW_KEY_LEN], const uint8_t nonce[GW_NONCE_LEN],
                uint64_t session, uint32_t receiver, uint32_t other,
                const uint8_t sealed[GW_SEALED_LEN], uint8_t key[GW_KEY_LEN]) {
  int rc = crypt_key(false, seal_key, nonce, session, receiver, other, sealed, key);
  if (rc != GW_OK) memset(key, 0, GW_KEY_LEN);
  return rc;
}

bool gw_window_fresh(const gw_window *w, uint64_t counter) {
  if (counter > w->top) return true;
  uint64_t back = w->top - counter; /* 0: the highest itself */
  if (counter == 0 || back == 0 || back > GW_WINDOW) return false;
  return !(w->seen >> (back - 1) & 1);
}

void gw_window_accept(gw_window *w, uint64_t counter) {
  if (counter <= w->top) {
    w->seen |= (uint64_t)1 << (w->top - counter - 1);
    return;
  }
  uint64_t shift = counter - w->top;
  /* the old highest becomes bit shift - 1; older bits move up with it */
  uint64_t seen = shift < GW_WINDOW ? w->seen << shift : 0;
  if (w->top && shift <= GW_WINDOW) seen |= (uint64_t)1 << (shift - 1);
  w->seen = seen;
  w->top = counter;
}
