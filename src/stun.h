/*
** stun.h: the STUN message codec (RFC 8489), with the RFC 5780 attributes
** for NAT behaviour discovery. No I/O.
**
** Decoding: stun_decode fills a stun_msg whose pointers (username, realm,
** ...) point into the caller's buffer, valid while that buffer is. It never
** reads past len, whatever the bytes. Integrity is checked separately, once
** the key is known (it depends on USERNAME and REALM).
** Encoding: stun_writer appends attributes to a caller's buffer and keeps
** the header length right; an overflow is sticky and reported by stun_end.
** Errors are negative enum stun_err values.
*/
#ifndef NATSIM_STUN_H
#define NATSIM_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "rng.h"

#define STUN_MAGIC 0x2112A442u
#define STUN_HEADER 20
#define STUN_TID_LEN 12

enum stun_class { STUN_REQUEST = 0, STUN_INDICATION = 1, STUN_SUCCESS = 2,
                  STUN_ERROR = 3 };

enum stun_method {
  STUN_BINDING = 0x001,
  STUN_ALLOCATE = 0x003, /* TURN, RFC 8656 */
  STUN_REFRESH = 0x004,
  STUN_SEND = 0x006,
  STUN_DATA = 0x007,
  STUN_CREATE_PERMISSION = 0x008,
  STUN_CHANNEL_BIND = 0x009,
};

enum stun_attr_type {
  STUN_A_MAPPED_ADDRESS = 0x0001,
  STUN_A_RESPONSE_ADDRESS = 0x0002, /* RFC 3489 only; not understood */
  STUN_A_CHANGE_REQUEST = 0x0003,   /* RFC 5780 */
  STUN_A_USERNAME = 0x0006,
  STUN_A_CHANNEL_NUMBER = 0x000C,   /* TURN, RFC 8656 */
  STUN_A_LIFETIME = 0x000D,         /* TURN */
  STUN_A_XOR_PEER_ADDRESS = 0x0012, /* TURN; may repeat */
  STUN_A_DATA = 0x0013,             /* TURN */
  STUN_A_XOR_RELAYED_ADDRESS = 0x0016, /* TURN */
  STUN_A_REQUESTED_ADDRESS_FAMILY = 0x0017, /* TURN */
  STUN_A_EVEN_PORT = 0x0018,        /* TURN */
  STUN_A_REQUESTED_TRANSPORT = 0x0019, /* TURN */
  STUN_A_DONT_FRAGMENT = 0x001A,    /* TURN */
  STUN_A_RESERVATION_TOKEN = 0x0022, /* TURN */
  STUN_A_MESSAGE_INTEGRITY = 0x0008,
  STUN_A_ERROR_CODE = 0x0009,
  STUN_A_UNKNOWN_ATTRIBUTES = 0x000A,
  STUN_A_REALM = 0x0014,
  STUN_A_NONCE = 0x0015,
  STUN_A_MESSAGE_INTEGRITY_SHA256 = 0x001C,
  STUN_A_XOR_MAPPED_ADDRESS = 0x0020,
  STUN_A_PRIORITY = 0x0024,         /* ICE, RFC 8445 */
  STUN_A_USE_CANDIDATE = 0x0025,    /* ICE */
  STUN_A_PADDING = 0x0026,          /* RFC 5780 */
  STUN_A_RESPONSE_PORT = 0x0027,    /* RFC 5780 */
  STUN_A_SOFTWARE = 0x8022,
  STUN_A_ALTERNATE_SERVER = 0x8023,
  STUN_A_FINGERPRINT = 0x8028,
  STUN_A_RESPONSE_ORIGIN = 0x802B,  /* RFC 5780 */
  STUN_A_OTHER_ADDRESS = 0x802C,    /* RFC 5780 */
  STUN_A_ICE_CONTROLLED = 0x8029,   /* ICE */
  STUN_A_ICE_CONTROLLING = 0x802A,  /* ICE */
};

/* CHANGE-REQUEST flags (RFC 5780 section 7.2). */
#define STUN_CHANGE_IP 0x04u
#define STUN_CHANGE_PORT 0x02u

enum stun_err {
  STUN_OK = 0,
  STUN_ETRUNC = -1,       /* shorter than a header, or than its length */
  STUN_ENOTSTUN = -2,     /* first bits not 00, or no magic cookie */
  STUN_ELENGTH = -3,      /* length not a multiple of 4, or shorter than the datagram */
  STUN_EATTR = -4,        /* an attribute overruns the message, or follows FINGERPRINT */
  STUN_EVALUE = -5,       /* an attribute's value is malformed */
  STUN_EUNKNOWN = -6,     /* comprehension-required attributes not understood */
  STUN_EFINGERPRINT = -7, /* FINGERPRINT does not match */
  STUN_EINTEGRITY = -8,   /* MESSAGE-INTEGRITY(-SHA256) missing or wrong */
  STUN_ENOSPACE = -9,     /* encoding: the buffer is too small */
};

/* Bits of stun_msg.present, one per attribute understood. */
enum {
  STUN_HAS_MAPPED = 1u << 0, STUN_HAS_XOR_MAPPED = 1u << 1,
  STUN_HAS_USERNAME = 1u << 2, STUN_HAS_INTEGRITY = 1u << 3,
  STUN_HAS_INTEGRITY_SHA256 = 1u << 4, STUN_HAS_FINGERPRINT = 1u << 5,
  STUN_HAS_ERROR = 1u << 6, STUN_HAS_UNKNOWN_ATTRS = 1u << 7,
  STUN_HAS_REALM = 1u << 8, STUN_HAS_NONCE = 1u << 9,
  STUN_HAS_SOFTWARE = 1u << 10, STUN_HAS_ALTERNATE = 1u << 11,
  STUN_HAS_CHANGE_REQUEST = 1u << 12, STUN_HAS_RESPONSE_ORIGIN = 1u << 13,
  STUN_HAS_OTHER_ADDRESS = 1u << 14, STUN_HAS_RESPONSE_PORT = 1u << 15,
  STUN_HAS_PADDING = 1u << 16, STUN_HAS_PRIORITY = 1u << 17,
  STUN_HAS_USE_CANDIDATE = 1u << 18, STUN_HAS_ICE_CONTROLLED = 1u << 19,
  STUN_HAS_ICE_CONTROLLING = 1u << 20, STUN_HAS_CHANNEL = 1u << 21,
  STUN_HAS_LIFETIME = 1u << 22, STUN_HAS_XOR_PEER = 1u << 23, STUN_HAS_DATA = 1u << 24,
  STUN_HAS_XOR_RELAYED = 1u << 25, STUN_HAS_REQUESTED_TRANSPORT = 1u << 26,
};

typedef struct stun_bytes { const uint8_t *p; size_t len; } stun_bytes;

#define STUN_MAX_UNKNOWN 8
#define STUN_MAX_ATTRS 32

typedef struct stun_attr { uint16_t type, len; uint32_t off; } stun_attr;

typedef struct stun_msg {
  const uint8_t *buf; /* the decoded bytes (borrowed) */
  size_t len;
  uint16_t method;
  uint8_t cls; /* enum stun_class */
  uint8_t tid[STUN_TID_LEN];
  uint32_t present; /* STUN_HAS_ bits */
  addr mapped, xor_mapped, alternate, response_origin, other_address;
  stun_bytes username, realm, nonce, software, reason, padding;
  uint16_t error_code; /* 300..699 */
  uint32_t change_request;
  uint16_t response_port;
  uint32_t priority;
  uint64_t tiebreaker; /* ICE-CONTROLLING or ICE-CONTROLLED */
  /* TURN */
  addr xor_peer, xor_relayed; /* the first XOR-PEER-ADDRESS */
  stun_bytes data;
  uint16_t channel;
  uint32_t lifetime;
  uint8_t requested_transport;
  /* Every attribute, in order (the first STUN_MAX_ATTRS), but none after
  ** MESSAGE-INTEGRITY(-SHA256) save MESSAGE-INTEGRITY-SHA256 and
  ** FINGERPRINT (RFC 8489 section 14.5: the rest is ignored). */
  stun_attr attrs[STUN_MAX_ATTRS];
  int nattrs;
  /* Comprehension-required attributes not understood (up to 8). */
  uint16_t unknown[STUN_MAX_UNKNOWN];
  int nunknown;
  /* From UNKNOWN-ATTRIBUTES in an error response. */
  uint16_t unknown_attrs[STUN_MAX_UNKNOWN];
  int nunknown_attrs;
  /* Offsets of the integrity attributes, for stun_check_integrity. */
  size_t integrity_at, integrity256_at, fingerprint_at;
} stun_msg;

/* Writes 12 random bytes from the caller's generator. */
void stun_new_tid(rng *r, uint8_t tid[STUN_TID_LEN]);

/* Cheap test: could buf be a STUN message? (at least 20 bytes, first bits
** 00 and the magic cookie) */
bool stun_is_message(const uint8_t *buf, size_t len);
/* Decodes and checks the structure, and FINGERPRINT when present. m is
** cleared first and then borrows buf (buf must outlive every use of m).
** Returns STUN_OK, or STUN_ETRUNC, STUN_ENOTSTUN, STUN_ELENGTH, STUN_EATTR,
** STUN_EVALUE, STUN_EFINGERPRINT (m is partial: do not use it), or
** STUN_EUNKNOWN (m is complete and m->unknown lists the culprits). */
int stun_decode(const uint8_t *buf, size_t len, stun_msg *m);
/* Checks MESSAGE-INTEGRITY-SHA256 if present, else MESSAGE-INTEGRITY, with
** key (the password for short-term credentials, stun_long_term_key for
** long-term ones). m comes from stun_decode, its buffer still valid.
** STUN_OK, or STUN_EINTEGRITY (no integrity attribute, a wrong MAC, or
** GnuTLS failed). */
int stun_check_integrity(const stun_msg *m, const uint8_t *key,
                         size_t keylen);
/* The value of the first attribute of this type among m->attrs; false
** when absent. value->p points into m's buffer. */
bool stun_find(const stun_msg *m, uint16_t type, stun_bytes *value);
/* Decodes the XOR-encoded address in m->attrs[i]: STUN_OK, or STUN_EVALUE
** (i out of range, or a malformed address; *out is cleared then). */
int stun_attr_xor_addr(const stun_msg *m, int i, addr *out);
/* The long-term credential key: MD5(username ":" realm ":" password), of
** three NUL-terminated strings, into key. STUN_OK, or STUN_EINTEGRITY when
** GnuTLS cannot hash (MD5 refused, say, or out of memory): key is then all
** zeros, to be used for nothing. */
int stun_long_term_key(const char *user, const char *realm,
                       const char *password, uint8_t key[16]);

typedef struct stun_writer {
  uint8_t *buf;
  size_t cap, len;
  int err;
} stun_writer;

/* Starts a message in buf (cap bytes, the caller's; w writes into it until
** stun_end). cap < STUN_HEADER sets STUN_ENOSPACE. tid is copied. */
void stun_begin(stun_writer *w, uint8_t *buf, size_t cap, uint16_t method,
                enum stun_class cls, const uint8_t tid[STUN_TID_LEN]);
/* The stun_put functions append one attribute, zero-padded to 4 bytes,
** copying its value. One that does not fit (or any, after an error) sets
** w->err to STUN_ENOSPACE and writes nothing. */
/* len bytes of value (value may be NULL when len is 0). */
void stun_put(stun_writer *w, uint16_t type, const void *value, size_t len);
/* The bytes of s, without its NUL. */
void stun_put_str(stun_writer *w, uint16_t type, const char *s);
/* v as 4 bytes, big-endian. */
void stun_put_u32(stun_writer *w, uint16_t type, uint32_t v);
/* MAPPED-ADDRESS style (plain) or XOR-MAPPED-ADDRESS style (xor, with the
** header's transaction ID); IPv6 when a->family is ADDR_V6, else IPv4. */
void stun_put_addr(stun_writer *w, uint16_t type, const addr *a);
void stun_put_xor_addr(stun_writer *w, uint16_t type, const addr *a);
/* ERROR-CODE: code (300..699, not checked) and the reason phrase. */
void stun_put_error(stun_writer *w, int code, const char *reason);
/* UNKNOWN-ATTRIBUTES listing types[0..n). */
void stun_put_unknown(stun_writer *w, const uint16_t *types, int n);
/* MESSAGE-INTEGRITY (HMAC-SHA1) or MESSAGE-INTEGRITY-SHA256 over what is
** written so far, with key. If GnuTLS fails, w->err becomes
** STUN_EINTEGRITY. */
void stun_put_integrity(stun_writer *w, const uint8_t *key, size_t keylen);
void stun_put_integrity_sha256(stun_writer *w, const uint8_t *key,
                               size_t keylen);
/* FINGERPRINT over what is written so far: the last attribute. */
void stun_put_fingerprint(stun_writer *w);
/* The message's length (> 0), or the first error: STUN_ENOSPACE or
** STUN_EINTEGRITY. */
int stun_end(stun_writer *w);

/* "Binding request", "Allocate error response", ... for messages: writes
** into buf, truncated to len, and returns buf. */
const char *stun_describe(const stun_msg *m, char *buf, size_t len);
/* A static description of a stun_err ("unknown error" for other values). */
const char *stun_strerror(int err);

#endif
