/* quic.c: a QUIC connection over ngtcp2 and GnuTLS, on caller-named paths. */
#include "quic.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include "pki.h"
#include "rng.h"

#define CID_LEN 8
#define PKT_MAX 1200 /* leaves room for gateway and TURN framing in a 1500-byte MTU */
#define NVEC 16
/* Keepalive pacing and the quiet path (see pace_keepalive and stall_at), from the interval k. */
#define QUIET_AFTER(k) ((k) * 3 / 2)  /* nothing heard this long: probe four times as often */
#define STALL_QUIET(k) ((k) * 5 / 2)  /* and a stall after this long ... */
#define STALL_PACKETS 8               /* ... with at least this many packets unanswered */
#define ALPN "natsim"
/* TLS 1.3 only, no middlebox compatibility mode (QUIC has none), X25519 and
** AES-128-GCM: fixed sizes, so the timeline does not depend on the keys */
#define PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-X25519:" \
                 "-CIPHER-ALL:+AES-128-GCM:%DISABLE_TLS13_COMPAT_MODE"

/* A queued message (length prefix included), kept until acknowledged:
** ngtcp2 resends from the caller's memory. */
typedef struct chunk {
  struct chunk *next;
  uint64_t offset; /* of its first byte in the stream */
  size_t len;
  uint8_t data[];
} chunk;

struct quic {
  quic_cfg cfg;
  quic_io io;
  char *peer_name;     /* owned copy of cfg.peer_name: GnuTLS keeps a pointer to it */
  ngtcp2_conn *conn;
  gnutls_session_t tls;
  ngtcp2_crypto_conn_ref ref;
  rng rng;
  struct sockaddr_in local[QUIC_PATHS], remote[QUIC_PATHS];
  enum quic_state state;
  char error[160];
  enum quic_close reason; /* error's kind */
  int64_t now;        /* of the call in progress, for callbacks */
  int64_t last_rx;    /* the last packet from the other side on the path in use */
  int64_t busy_since; /* when packets last went in flight with none before; -1: none in flight */
  int sent_since_rx;  /* packets written since last_rx */
  bool probing;       /* quiet too long: keepalives at a quarter of the interval */
  int64_t start, migrate_start;
  int probe;          /* client: the path being validated before moving there; -1: none */
  int64_t probe_next; /* when to probe it again with fresh challenges (INT64_MAX: never) */
  int64_t probe_wait; /* ... and how long the last try had */
  bool confirmed;
  int64_t tx_stream, rx_stream; /* -1 until open */
  chunk *head, *tail; /* unacknowledged, in stream order */
  chunk *next_out;    /* first chunk with bytes not yet handed to ngtcp2 */
  size_t next_off;    /* ... and how many of its bytes were */
  uint64_t queued;    /* stream bytes queued so far */
  uint8_t rhead[2];   /* the length prefix of the message being received */
  uint8_t *rbuf;      /* its bytes; grown to the longest message yet, NULL before one */
  size_t rcap;        /* rbuf's size */
  size_t rlen;        /* bytes of it received, prefix included */
  quic_stats stats;
};

void quic_cfg_defaults(quic_cfg *c) {
  memset(c, 0, sizeof *c);
  c->idle_timeout = 30000000000LL;
  c->keepalive = 1000000000LL;
}

/* --- paths --------------------------------------------------------------- */

/* Path i is 10.0.0.1:(1000+i) -> 10.0.1.1:(1000+i) to ngtcp2: made-up
** addresses that only name the path. */
static void init_paths(quic *q) {
  for (int i = 0; i < QUIC_PATHS; i++) {
    struct sockaddr_in *l = &q->local[i], *r = &q->remote[i];
    l->sin_family = r->sin_family = AF_INET;
    l->sin_port = r->sin_port = htons((uint16_t)(1000 + i));
    l->sin_addr.s_addr = htonl(0x0a000001u);
    r->sin_addr.s_addr = htonl(0x0a000101u);
  }
}

static ngtcp2_path path_of(quic *q, int i) {
  ngtcp2_path p = {{(ngtcp2_sockaddr *)&q->local[i], sizeof q->local[i]},
                   {(ngtcp2_sockaddr *)&q->remote[i], sizeof q->remote[i]},
                   NULL};
  return p;
}

static int path_id(const ngtcp2_path *p) {
  if (p->remote.addrlen != sizeof(struct sockaddr_in)) return 0;
  int i = ntohs(((const struct sockaddr_in *)p->remote.addr)->sin_port) - 1000;
  return i >= 0 && i < QUIC_PATHS ? i : 0;
}

/* --- closing ------------------------------------------------------------- */

static void close_with(quic *q, enum quic_close reason, const char *fmt, const char *detail) {
  if (q->state == QUIC_CLOSED) return;
  q->state = QUIC_CLOSED;
  q->reason = reason;
  snprintf(q->error, sizeof q->error, fmt, detail);
}

/* Why TLS failed on this side: the certificate check's verdict, if that was it. */
static void tls_failed(quic *q) {
  if (!q->tls) { /* released with the handshake done: see cb_crypto */
    close_with(q, QUIC_CLOSE_TLS, "TLS: a handshake message after the handshake%s", "");
    return;
  }
  unsigned status = gnutls_session_get_verify_cert_status(q->tls);
  gnutls_datum_t out = {0};
  if (status && gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0) == 0) {
    close_with(q, QUIC_CLOSE_CERTIFICATE, "certificate refused: %s", (const char *)out.data);
    gnutls_free(out.data);
    for (size_t n = strlen(q->error); n && q->error[n - 1] == ' ';) q->error[--n] = 0;
  } else {
    close_with(q, QUIC_CLOSE_TLS, "TLS handshake failed: %s", "no certificate or protocol error");
  }
}

/* An error of ours: tell the other side (CONNECTION_CLOSE) and stop. */
static void fail(quic *q, int64_t now, int liberr) {
  if (q->state == QUIC_CLOSED) return;
  ngtcp2_connection_close_error ccerr;
  if (liberr == NGTCP2_ERR_CRYPTO) {
    ngtcp2_connection_close_error_set_transport_error_tls_alert(
        &ccerr, ngtcp2_conn_get_tls_alert(q->conn), NULL, 0);
    tls_failed(q);
  } else {
    ngtcp2_connection_close_error_set_transport_error_liberr(&ccerr, liberr, NULL, 0);
    close_with(q, QUIC_CLOSE_ERROR, "QUIC error: %s", ngtcp2_strerror(liberr));
  }
  uint8_t buf[PKT_MAX];
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_ssize n = ngtcp2_conn_write_connection_close(q->conn, &ps.path, NULL, buf, sizeof buf,
                                                      &ccerr, (ngtcp2_tstamp)now);
  if (n > 0) q->io.send(q->io.ctx, path_id(&ps.path), buf, (size_t)n, 0);
}

/* The other side closed: say why, from its CONNECTION_CLOSE. */
static void closed_by_peer(quic *q) {
  ngtcp2_connection_close_error ccerr;
  ngtcp2_conn_get_connection_close_error(q->conn, &ccerr);
  if (ccerr.type == NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_TRANSPORT &&
      (ccerr.error_code & ~0xffULL) == NGTCP2_CRYPTO_ERROR) {
    const char *alert = gnutls_alert_get_name((gnutls_alert_description_t)(ccerr.error_code & 0xff));
    close_with(q, QUIC_CLOSE_REFUSED, "the other side refused the handshake: TLS alert %s",
               alert ? alert : "?");
  } else {
    close_with(q, QUIC_CLOSE_PEER, "closed by the other side%s", "");
  }
}

/* --- sending ------------------------------------------------------------- */

/* Unsent stream bytes as vectors into the queued chunks. */
static size_t gather(quic *q, ngtcp2_vec *v) {
  size_t n = 0, off = q->next_off;
  for (chunk *c = q->next_out; c && n < NVEC; c = c->next, off = 0)
    v[n++] = (ngtcp2_vec){c->data + off, c->len - off};
  return n;
}

static void advance(quic *q, size_t n) {
  while (n && q->next_out) {
    size_t left = q->next_out->len - q->next_off;
    size_t take = n < left ? n : left;
    q->next_off += take;
    n -= take;
    if (q->next_off == q->next_out->len) q->next_out = q->next_out->next, q->next_off = 0;
  }
}

static uint64_t in_flight(quic *q) {
  ngtcp2_conn_stat st;
  ngtcp2_conn_get_conn_stat(q->conn, &st);
  return st.bytes_in_flight;
}

/* Keeps busy_since: since when packets have been waiting for an
** acknowledgement without a break (-1: none in flight). */
static void note_in_flight(quic *q, int64_t now) {
  ngtcp2_conn_stat st;
  ngtcp2_conn_get_conn_stat(q->conn, &st);
  if (!st.bytes_in_flight) q->busy_since = -1;
  else if (q->busy_since < 0) q->busy_since = now;
}

/* Keepalives (both sides, quic_cfg.keepalive): the client's every
** interval; once nothing has been heard for QUIET_AFTER, either side's
** every quarter interval until something is, so that a dead path shows
** by enough unanswered packets (quic_stalled) and a live one is not
** taken for dead when a few PINGs or their answers are lost. */
static void pace_keepalive(quic *q, int64_t now) {
  if (q->cfg.keepalive <= 0 || q->state != QUIC_UP) return;
  bool quiet = now - q->last_rx >= QUIET_AFTER(q->cfg.keepalive);
  if (quiet == q->probing) return;
  q->probing = quiet;
  int64_t period = q->cfg.server ? 0 : q->cfg.keepalive;
  if (quiet) period = q->cfg.keepalive / 4;
  ngtcp2_conn_set_keep_alive_timeout(q->conn, (ngtcp2_duration)period);
}

/* Writes every packet ngtcp2 has for now. */
static void flush(quic *q, int64_t now) {
  uint8_t buf[PKT_MAX];
  bool blocked = false;
  while (q->state != QUIC_CLOSED) {
    ngtcp2_vec v[NVEC];
    size_t nv = q->tx_stream >= 0 && !blocked ? gather(q, v) : 0;
    ngtcp2_path_storage ps;
    ngtcp2_path_storage_zero(&ps);
    ngtcp2_ssize ndata = -1;
    ngtcp2_ssize n = ngtcp2_conn_writev_stream(q->conn, &ps.path, NULL, buf, sizeof buf, &ndata,
                                               0, nv ? q->tx_stream : -1, v, nv,
                                               (ngtcp2_tstamp)now);
    if (n == NGTCP2_ERR_STREAM_DATA_BLOCKED) { /* flow control: other frames still go */
      blocked = true;
      continue;
    }
    if (n < 0) {
      fail(q, now, (int)n);
      return;
    }
    if (n == 0) break;
    int path = path_id(&ps.path);
    size_t app = ndata > 0 ? (size_t)ndata : 0;
    advance(q, app);
    q->stats.stream_bytes[path] += app;
    q->stats.packet_bytes[path] += (uint64_t)n;
    q->sent_since_rx++;
    q->io.send(q->io.ctx, path, buf, (size_t)n, app);
  }
  if (q->state != QUIC_CLOSED) note_in_flight(q, now);
}

int quic_send(quic *q, int64_t now, const uint8_t *msg, size_t len) {
  if (len > QUIC_MAX_MESSAGE || q->state == QUIC_CLOSED) return -1;
  chunk *c = malloc(sizeof *c + 2 + len);
  if (!c) return -1;
  c->next = NULL;
  c->offset = q->queued;
  c->len = 2 + len;
  c->data[0] = (uint8_t)(len >> 8);
  c->data[1] = (uint8_t)len;
  memcpy(c->data + 2, msg, len);
  q->queued += c->len;
  if (q->tail) q->tail->next = c;
  else q->head = c;
  q->tail = c;
  if (!q->next_out) q->next_out = c, q->next_off = 0;
  if (q->conn) flush(q, now);
  return 0;
}

/* --- ngtcp2 callbacks ---------------------------------------------------- */

static void cb_rand(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *ctx) {
  rng *r = ctx->native_handle;
  for (size_t i = 0; i < len; i++) dest[i] = (uint8_t)rng_u64(r);
}

static void fill(quic *q, uint8_t *dest, size_t len) {
  for (size_t i = 0; i < len; i++) dest[i] = (uint8_t)rng_u64(&q->rng);
}

static int cb_new_cid(ngtcp2_conn *conn, ngtcp2_cid *cid, uint8_t *token, size_t cidlen,
                      void *ud) {
  quic *q = ud;
  (void)conn;
  cid->datalen = cidlen;
  fill(q, cid->data, cidlen);
  fill(q, token, NGTCP2_STATELESS_RESET_TOKENLEN);
  return 0;
}

static int cb_challenge(ngtcp2_conn *conn, uint8_t *data, void *ud) {
  (void)conn;
  fill(ud, data, NGTCP2_PATH_CHALLENGE_DATALEN);
  return 0;
}

static int open_tx(quic *q) {
  if (q->tx_stream >= 0) return 0;
  int rv = ngtcp2_conn_open_uni_stream(q->conn, &q->tx_stream, NULL);
  if (rv != 0) q->tx_stream = -1;
  return 0; /* not yet allowed: extend_max_local_streams_uni comes later */
}

static int cb_streams(ngtcp2_conn *conn, uint64_t max, void *ud) {
  (void)conn, (void)max;
  return open_tx(ud);
}

static int cb_handshake(ngtcp2_conn *conn, void *ud) {
  quic *q = ud;
  (void)conn;
  q->state = QUIC_UP;
  q->stats.handshake = q->now - q->start;
  return open_tx(q);
}

static int cb_confirmed(ngtcp2_conn *conn, void *ud) {
  (void)conn;
  ((quic *)ud)->confirmed = true;
  return 0;
}

/* Room for a message of len bytes: rbuf grows to the longest message
** yet, so a connection that receives nothing keeps no buffer. At least one
** byte, so that an empty message has an address too. Returns 0, or -1 when
** memory runs out. */
static int reserve(quic *q, size_t len) {
  if (len == 0) len = 1;
  if (len <= q->rcap) return 0;
  uint8_t *b = realloc(q->rbuf, len);
  if (!b) return -1;
  q->rbuf = b;
  q->rcap = len;
  return 0;
}

/* The length of the message being received, from its prefix. */
static size_t rsize(const quic *q) { return (size_t)q->rhead[0] << 8 | q->rhead[1]; }

/* Takes up to len (> 0) bytes of the message being received. Returns how
** many it took, or -1 when memory runs out. */
static ngtcp2_ssize take_bytes(quic *q, const uint8_t *data, size_t len) {
  if (q->rlen < 2) {
    q->rhead[q->rlen] = data[0];
    q->rlen++;
    if (q->rlen == 2 && reserve(q, rsize(q)) != 0) return -1;
    return 1;
  }
  size_t want = rsize(q) - (q->rlen - 2);
  size_t take = want < len ? want : len;
  memcpy(q->rbuf + (q->rlen - 2), data, take);
  q->rlen += take;
  return (ngtcp2_ssize)take;
}

/* Hands the message being received over if it is whole. */
static void deliver_whole(quic *q) {
  if (q->rlen < 2 || q->rlen != 2 + rsize(q)) return;
  q->io.deliver(q->io.ctx, q->rbuf, q->rlen - 2);
  q->rlen = 0;
}

/* Stream bytes arrive in order; messages are cut out of them. */
static int cb_stream_data(ngtcp2_conn *conn, uint32_t flags, int64_t id, uint64_t offset,
                          const uint8_t *data, size_t len, void *ud, void *sud) {
  quic *q = ud;
  (void)flags, (void)offset, (void)sud;
  q->rx_stream = id;
  for (size_t i = 0; i < len;) {
    ngtcp2_ssize n = take_bytes(q, data + i, len - i);
    if (n < 0) return NGTCP2_ERR_CALLBACK_FAILURE;
    i += (size_t)n;
    deliver_whole(q);
  }
  ngtcp2_conn_extend_max_stream_offset(conn, id, len);
  ngtcp2_conn_extend_max_offset(conn, len);
  return 0;
}

/* Acknowledged stream bytes: the chunks they cover are freed. */
static int cb_acked(ngtcp2_conn *conn, int64_t id, uint64_t offset, uint64_t len, void *ud,
                    void *sud) {
  quic *q = ud;
  (void)conn, (void)id, (void)sud;
  uint64_t upto = offset + len;
  while (q->head && q->head != q->next_out && q->head->offset + q->head->len <= upto) {
    chunk *c = q->head;
    q->head = c->next;
    if (!q->head) q->tail = NULL;
    free(c);
  }
  return 0;
}

/* The client's probe of a path ended: on success ngtcp2 has moved the
** connection there; on failure it stays where it was. */
static int cb_path(ngtcp2_conn *conn, uint32_t flags, const ngtcp2_path *path,
                   ngtcp2_path_validation_result res, void *ud) {
  quic *q = ud;
  (void)conn, (void)flags, (void)path;
  if (q->cfg.server || q->migrate_start < 0) return 0;
  if (res == NGTCP2_PATH_VALIDATION_RESULT_ABORTED) return 0; /* reprobe started another */
  if (res == NGTCP2_PATH_VALIDATION_RESULT_SUCCESS) {
    q->stats.migrations++;
    q->stats.migration = q->now - q->migrate_start;
    q->busy_since = -1; /* the new path gets its own time */
  } else {
    q->stats.failed_migrations++;
  }
  q->migrate_start = -1;
  q->probe = -1;
  q->probe_next = INT64_MAX;
  return 0;
}

/* Handshake bytes go to TLS while there is a session. Once the handshake
** is confirmed the session is gone (release_tls): TLS 1.3 over QUIC allows
** only one later message, the server's NewSessionTicket (RFC 9001 4.1.3,
** 4.4, 6), which a client that never resumes may drop. Anything else is
** unexpected_message. */
static int cb_crypto(ngtcp2_conn *conn, ngtcp2_crypto_level level, uint64_t offset,
                     const uint8_t *data, size_t len, void *ud) {
  quic *q = ud;
  if (q->tls) return ngtcp2_crypto_recv_crypto_data_cb(conn, level, offset, data, len, ud);
  if (!q->cfg.server && level == NGTCP2_CRYPTO_LEVEL_APPLICATION) return 0;
  ngtcp2_conn_set_tls_alert(conn, GNUTLS_A_UNEXPECTED_MESSAGE);
  return NGTCP2_ERR_CRYPTO;
}

static const ngtcp2_callbacks callbacks = {
    .recv_crypto_data = cb_crypto,
    .encrypt = ngtcp2_crypto_encrypt_cb,
    .decrypt = ngtcp2_crypto_decrypt_cb,
    .hp_mask = ngtcp2_crypto_hp_mask_cb,
    .update_key = ngtcp2_crypto_update_key_cb,
    .delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb,
    .delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb,
    .version_negotiation = ngtcp2_crypto_version_negotiation_cb,
    .rand = cb_rand,
    .get_new_connection_id = cb_new_cid,
    .get_path_challenge_data = cb_challenge,
    .extend_max_local_streams_uni = cb_streams,
    .handshake_completed = cb_handshake,
    .handshake_confirmed = cb_confirmed,
    .recv_stream_data = cb_stream_data,
    .acked_stream_data_offset = cb_acked,
    .path_validation = cb_path,
};

/* --- setting up ---------------------------------------------------------- */

static ngtcp2_conn *get_conn(ngtcp2_crypto_conn_ref *ref) { return ((quic *)ref->user_data)->conn; }

int quic_priority_new(gnutls_priority_t *out) {
  gnutls_priority_t p;
  int rv = gnutls_priority_init(&p, PRIORITY, NULL);
  if (rv < 0) return rv;
  *out = p;
  return 0;
}

/* The shared priorities if there are any, else the session's own. */
static int set_priority(quic *q) {
  if (q->cfg.priority) return gnutls_priority_set(q->tls, q->cfg.priority);
  return gnutls_priority_set_direct(q->tls, PRIORITY, NULL);
}

/* GnuTLS asks for our certificate (gnutls_certificate_retrieve_function2):
** the connection's own, whatever the credentials it shares. */
static int show_cert(gnutls_session_t s, const gnutls_datum_t *ca_names, int n_names,
                     const gnutls_pk_algorithm_t *algos, int n_algos, gnutls_pcert_st **pcert,
                     unsigned *n_pcert, gnutls_privkey_t *key) {
  (void)ca_names;
  (void)n_names;
  (void)algos;
  (void)n_algos;
  const ngtcp2_crypto_conn_ref *ref = gnutls_session_get_ptr(s);
  const quic *q = ref->user_data;
  if (!q->cfg.cert) {
    *pcert = NULL;
    *n_pcert = 0;
    *key = NULL;
    return 0;
  }
  pki_cert_get(q->cfg.cert, pcert, key);
  *n_pcert = 1;
  return 0;
}

static int setup_tls(quic *q) {
  unsigned flags = q->cfg.server ? GNUTLS_SERVER : GNUTLS_CLIENT;
  const gnutls_datum_t alpn = {(unsigned char *)ALPN, sizeof ALPN - 1};
  if (gnutls_init(&q->tls, flags | GNUTLS_NO_END_OF_EARLY_DATA) < 0) return -1;
  int rv = q->cfg.server ? ngtcp2_crypto_gnutls_configure_server_session(q->tls)
                         : ngtcp2_crypto_gnutls_configure_client_session(q->tls);
  if (rv != 0 || set_priority(q) < 0 ||
      gnutls_credentials_set(q->tls, GNUTLS_CRD_CERTIFICATE, q->cfg.cred) < 0 ||
      gnutls_alpn_set_protocols(q->tls, &alpn, 1, GNUTLS_ALPN_MANDATORY) < 0)
    return -1;
  /* both sides show a certificate, and check that the other's chains to
  ** the trusted CA and names the expected peer */
  if (q->cfg.server) gnutls_certificate_server_set_request(q->tls, GNUTLS_CERT_REQUIRE);
  else if (gnutls_server_name_set(q->tls, GNUTLS_NAME_DNS, q->cfg.peer_name,
                                  strlen(q->cfg.peer_name)) < 0)
    return -1;
  gnutls_session_set_verify_cert(q->tls, q->cfg.peer_name, 0);
  if (q->cfg.cred) gnutls_certificate_set_retrieve_function2(q->cfg.cred, show_cert);
  q->ref = (ngtcp2_crypto_conn_ref){get_conn, q};
  gnutls_session_set_ptr(q->tls, &q->ref);
  return 0;
}

static void settings_for(quic *q, ngtcp2_settings *s, ngtcp2_transport_params *t) {
  ngtcp2_settings_default(s);
  s->initial_ts = (ngtcp2_tstamp)q->now;
  s->max_tx_udp_payload_size = PKT_MAX;
  s->no_pmtud = 1;
  s->rand_ctx.native_handle = &q->rng;
  /* ngtcp2's default, 10 s, is four tries at a lossy relay path's backed-off
  ** probe timeouts: the idle timeout bounds the handshake as it does the rest */
  s->handshake_timeout = (ngtcp2_duration)q->cfg.idle_timeout;
  ngtcp2_transport_params_default(t);
  t->initial_max_streams_uni = 1;
  t->initial_max_stream_data_uni = 1 << 20;
  t->initial_max_data = 1 << 20;
  t->max_idle_timeout = (ngtcp2_duration)q->cfg.idle_timeout;
  t->active_connection_id_limit = 4; /* spares for migrating there and back */
}

static void random_cid(quic *q, ngtcp2_cid *cid, size_t len) {
  cid->datalen = len;
  fill(q, cid->data, len);
}

static int start_client(quic *q, int path) {
  ngtcp2_settings s;
  ngtcp2_transport_params t;
  settings_for(q, &s, &t);
  ngtcp2_cid dcid, scid;
  random_cid(q, &dcid, 18);
  random_cid(q, &scid, CID_LEN);
  ngtcp2_path p = path_of(q, path);
  ngtcp2_callbacks cb = callbacks;
  cb.client_initial = ngtcp2_crypto_client_initial_cb;
  cb.recv_retry = ngtcp2_crypto_recv_retry_cb;
  if (ngtcp2_conn_client_new(&q->conn, &dcid, &scid, &p, NGTCP2_PROTO_VER_V1, &cb, &s, &t, NULL,
                             q) != 0)
    return -1;
  ngtcp2_conn_set_tls_native_handle(q->conn, q->tls);
  if (q->cfg.keepalive > 0)
    ngtcp2_conn_set_keep_alive_timeout(q->conn, (ngtcp2_duration)q->cfg.keepalive);
  return 0;
}

/* A server's connection begins with the client's first Initial packet,
** and so does its TLS session. */
static int start_server(quic *q, int path, const uint8_t *pkt, size_t len) {
  ngtcp2_pkt_hd hd;
  if (ngtcp2_accept(&hd, pkt, len) != 0) return -1;
  if (setup_tls(q) != 0) {
    close_with(q, QUIC_CLOSE_SETUP, "TLS setup failed%s", "");
    return -1;
  }
  ngtcp2_settings s;
  ngtcp2_transport_params t;
  settings_for(q, &s, &t);
  t.original_dcid = hd.dcid;
  ngtcp2_cid scid;
  random_cid(q, &scid, CID_LEN);
  ngtcp2_path p = path_of(q, path);
  ngtcp2_callbacks cb = callbacks;
  cb.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
  if (ngtcp2_conn_server_new(&q->conn, &hd.scid, &scid, &p, hd.version, &cb, &s, &t, NULL, q) != 0) {
    gnutls_deinit(q->tls);
    q->tls = NULL;
    return -1;
  }
  ngtcp2_conn_set_tls_native_handle(q->conn, q->tls);
  return 0;
}

quic *quic_new(const quic_cfg *cfg, const quic_io *io, int64_t now, int path) {
  quic *q = calloc(1, sizeof *q);
  if (!q) return NULL;
  q->cfg = *cfg;
  q->io = *io;
  q->peer_name = strdup(cfg->peer_name ? cfg->peer_name : "");
  if (!q->peer_name) {
    free(q);
    return NULL;
  }
  q->cfg.peer_name = q->peer_name;
  q->now = q->start = now;
  q->migrate_start = q->busy_since = -1;
  q->probe = -1;
  q->probe_next = INT64_MAX;
  q->tx_stream = q->rx_stream = -1;
  q->stats.handshake = q->stats.migration = -1;
  rng_seed(&q->rng, cfg->seed, 0x51554943u);
  init_paths(q);
  if (!cfg->server && (setup_tls(q) != 0 || start_client(q, path) != 0)) {
    quic_free(q);
    return NULL;
  }
  if (q->conn) flush(q, now);
  return q;
}

void quic_free(quic *q) {
  if (!q) return;
  if (q->conn) ngtcp2_conn_del(q->conn);
  if (q->tls) gnutls_deinit(q->tls);
  free(q->rbuf);
  free(q->peer_name);
  for (chunk *c = q->head, *n; c; c = n) {
    n = c->next;
    free(c);
  }
  free(q);
}

/* --- receiving and time -------------------------------------------------- */

/* A server's first packet did not start a connection: back to waiting.
** The next Initial gets a fresh TLS session (ngtcp2 may have fed this one). */
static void unstart(quic *q) {
  ngtcp2_conn_del(q->conn);
  q->conn = NULL;
  gnutls_deinit(q->tls);
  q->tls = NULL;
}

/* The handshake is over for TLS: confirmed (a client), or complete (a
** server, which confirms it then, RFC 9001 4.1.2). Its session, about half
** of what a connection holds, is not needed again (cb_crypto). */
static void release_tls(quic *q) {
  if (!q->tls || q->state != QUIC_UP) return;
  if (!q->cfg.server && !q->confirmed) return;
  ngtcp2_conn_set_tls_native_handle(q->conn, NULL);
  gnutls_deinit(q->tls);
  q->tls = NULL;
}

void quic_recv(quic *q, int64_t now, int path, const uint8_t *pkt, size_t len) {
  q->now = now;
  if (q->state == QUIC_CLOSED || path < 0 || path >= QUIC_PATHS) return;
  bool first = !q->conn;
  if (first && start_server(q, path, pkt, len) != 0) return; /* not an Initial: dropped */
  ngtcp2_path p = path_of(q, path);
  uint64_t before = in_flight(q);
  int rv = ngtcp2_conn_read_pkt(q->conn, &p, NULL, pkt, len, (ngtcp2_tstamp)now);
  if (rv != 0 && first) {
    unstart(q);
    return;
  }
  if (rv == NGTCP2_ERR_DRAINING) {
    closed_by_peer(q);
    return;
  }
  if (rv == NGTCP2_ERR_DISCARD_PKT) return;
  if (rv == NGTCP2_ERR_DROP_CONN) { /* ngtcp2 says: drop it, no goodbye */
    close_with(q, QUIC_CLOSE_ERROR, "QUIC error: %s", ngtcp2_strerror(rv));
    return;
  }
  if (rv != 0) {
    fail(q, now, rv);
    return;
  }
  release_tls(q);
  /* Heard on the path in use: a packet on it, or one (on any path) that
  ** acknowledged what was in flight, as the server's answers on the old
  ** path do while it validates the new one. The server's probes of the
  ** old path alone say nothing of the path in use. */
  if (path == quic_path(q) || in_flight(q) < before) {
    q->last_rx = now;
    q->sent_since_rx = 0;
  }
  pace_keepalive(q, now);
  flush(q, now);
}

static int64_t stall_at(const quic *q);
static void reprobe(quic *q, int64_t now);

/* When the path turns quiet enough to probe it faster (INT64_MAX: not now). */
static int64_t quiet_at(const quic *q) {
  if (q->cfg.keepalive <= 0 || q->probing || q->state != QUIC_UP) return INT64_MAX;
  return q->last_rx + QUIET_AFTER(q->cfg.keepalive);
}

/* ngtcp2 0.12 clears a timer at T only when now > T: the deadline is the
** nanosecond after (see shared/DESIGN.md). */
int64_t quic_deadline(const quic *q) {
  if (!q->conn || q->state == QUIC_CLOSED) return INT64_MAX;
  ngtcp2_tstamp t = ngtcp2_conn_get_expiry(q->conn);
  int64_t d = t >= (ngtcp2_tstamp)INT64_MAX ? INT64_MAX : (int64_t)t + 1;
  int64_t s = stall_at(q); /* once passed, it is the caller's to act on */
  if (s < INT64_MAX && s + 1 > q->now && s + 1 < d) d = s + 1;
  int64_t k = quiet_at(q);
  if (k < INT64_MAX && k + 1 < d) d = k + 1;
  if (q->probe >= 0 && q->probe_next < d) d = q->probe_next;
  return d;
}

void quic_tick(quic *q, int64_t now) {
  q->now = now;
  if (!q->conn || q->state == QUIC_CLOSED) return;
  pace_keepalive(q, now);
  reprobe(q, now);
  if ((ngtcp2_tstamp)now > ngtcp2_conn_get_expiry(q->conn)) {
    int rv = ngtcp2_conn_handle_expiry(q->conn, (ngtcp2_tstamp)now);
    if (rv == NGTCP2_ERR_IDLE_CLOSE) {
      close_with(q, QUIC_CLOSE_IDLE, "idle timeout: nothing heard from the other side%s", "");
      return;
    }
    if (rv != 0) {
      fail(q, now, rv);
      return;
    }
  }
  flush(q, now);
}

/* --- migration ----------------------------------------------------------- */

/* The client probes the new path before it moves (RFC 9000 section 9.1):
** only padded PATH_CHALLENGEs go there until one is answered. Moving at
** once instead (ngtcp2_conn_initiate_immediate_migration) can kill the
** connection in ngtcp2 0.12: the server's PATH_CHALLENGE may carry no
** more than three times the bytes it has received on the new path, and
** when the first packets to count there are small (the client's padded
** challenges lost, or come before our NEW_CONNECTION_IDs so that the
** server had no connection ID to answer with), its challenge goes out
** short. After the answer it validates the path again with full-size
** challenges, and when those fail (two sent at once, then none for a
** second: at 5% loss on each of four links both round trips fail about
** one time in nine) it closes with NO_VIABLE_PATH rather than fall back. Probing first, the server has counted our padded challenges
** and answered one on that path before any other packet goes there: its
** own challenge is full size, and if that fails it falls back. */
static int probe(quic *q, int64_t now, int path) {
  ngtcp2_path p = path_of(q, path);
  return ngtcp2_conn_initiate_migration(q->conn, &p, (ngtcp2_tstamp)now);
}

int quic_migrate(quic *q, int64_t now, int path) {
  q->now = now;
  if (q->cfg.server || !q->conn || q->state != QUIC_UP || path < 0 || path >= QUIC_PATHS)
    return -1;
  if (quic_path(q) == path || q->probe == path) return 0;
  if (!q->confirmed) return -1;
  if (probe(q, now, path) != 0) return -1;
  q->probe = path;
  q->migrate_start = now;
  q->probe_wait = (int64_t)ngtcp2_conn_get_pto(q->conn);
  q->probe_next = now + q->probe_wait;
  flush(q, now);
  return 0;
}

/* ngtcp2 0.12 sends its two challenges at once and tries again only after
** three initial RTTs (1 s) whatever the path's RTT: at 5% loss per link a
** round trip on a four-link path fails one time in three, both one time
** in nine. So a probe unanswered after a probe timeout of the path in
** use starts again with fresh challenges (another of the server's
** connection IDs), waiting twice as long each time, so that a path slower
** than the one in use still gets its answers in time. */
static void reprobe(quic *q, int64_t now) {
  if (q->probe < 0 || now < q->probe_next) return;
  q->probe_wait *= 2;
  q->probe_next = now + q->probe_wait;
  probe(q, now, q->probe); /* no spare connection ID: ngtcp2's own tries go on */
}

/* When quic_stalled turns true (INT64_MAX: it cannot now). While messages
** wait for acknowledgement: three probe timeouts with nothing heard and at
** least STALL_PACKETS packets gone unanswered (data and ngtcp2's probes,
** two a probe timeout, backing off). Otherwise: STALL_QUIET with nothing
** heard and at least STALL_PACKETS packets (keepalives, sped up by
** pace_keepalive) unanswered. Counting packets, not intervals, is what keeps loss from
** looking like a dead path: with 5% loss on each of four links a PING and
** its answer are lost one time in three, five in a row (the old rule:
** five intervals) once in 220, eight in a row once in 6000. ngtcp2's own
** probe timeouts do not tell: each new packet pushes them on, and
** keepalive PINGs do not arm them. */
static int64_t stall_at(const quic *q) {
  if (!q->conn || q->state != QUIC_UP || q->busy_since < 0) return INT64_MAX;
  int64_t since = q->busy_since > q->last_rx ? q->busy_since : q->last_rx;
  int64_t t = INT64_MAX;
  if (q->head && q->sent_since_rx >= STALL_PACKETS) t = since + 3 * (int64_t)ngtcp2_conn_get_pto(q->conn);
  int64_t idle = q->last_rx + STALL_QUIET(q->cfg.keepalive);
  if (q->cfg.keepalive > 0 && q->sent_since_rx >= STALL_PACKETS && idle < t) t = idle;
  return t;
}

bool quic_stalled(const quic *q, int64_t now) { return now > stall_at(q); }

/* --- state --------------------------------------------------------------- */

enum quic_state quic_get_state(const quic *q) { return q->state; }
bool quic_confirmed(const quic *q) { return q->confirmed; }
const char *quic_error(const quic *q) { return q->error; }

enum quic_close quic_close_reason(const quic *q) { return q->reason; }

int quic_path(const quic *q) {
  return q->conn ? path_id(ngtcp2_conn_get_path(q->conn)) : 0;
}

size_t quic_unacked(const quic *q) {
  size_t n = 0;
  for (const chunk *c = q->head; c; c = c->next) n++;
  return n;
}

int64_t quic_srtt(const quic *q) {
  if (!q->conn) return 0;
  ngtcp2_conn_stat st;
  ngtcp2_conn_get_conn_stat(q->conn, &st);
  return (int64_t)st.smoothed_rtt;
}

const quic_stats *quic_get_stats(quic *q) {
  if (q->conn && q->tx_stream >= 0)
    q->stats.lost = ngtcp2_conn_get_stream_loss_count(q->conn, q->tx_stream);
  return &q->stats;
}
