/*
** nat.h: the NAT engine. Translates and filters UDP flows the way RFC 4787
** describes: a mapping policy, a filtering policy, a port allocation policy,
** mapping lifetimes and hairpinning. No I/O and no clock: the caller passes
** each packet's addresses and the current time, and gets back a verdict and
** the rewritten addresses. Testable without ns-3.
**
** Ownership: nat_new returns an engine the caller frees with nat_free.
** Errors: nat_new returns NULL for an invalid config (nat_config_check says
** why); per-packet results are enum nat_drop values, NAT_OK when forwarded.
*/
#ifndef NATSIM_NAT_H
#define NATSIM_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Mapping: which destinations share one external port (RFC 4787 4.1). */
enum nat_mapping { NAT_EI, NAT_AD, NAT_APD };
/* Filtering uses the same three words (RFC 4787 5). */
enum nat_alloc { NAT_PRESERVE, NAT_SEQUENTIAL, NAT_RANDOM };

/* What a scripted allocator is asked; it answers with a port. */
typedef struct nat_alloc_req {
  uint32_t int_ip;
  uint16_t int_port;
  uint32_t rem_ip;
  uint16_t rem_port;
  uint16_t last_port; /* the previous port allocated, 0 if none */
} nat_alloc_req;

/* Returns the external port to use, or -1 after writing why into err. A
** port outside the range, or already in use, is rejected by the engine. */
typedef int (*nat_alloc_hook)(void *ctx, const nat_alloc_req *req,
                              char *err, size_t errlen);

typedef struct nat_config {
  enum nat_mapping mapping;
  enum nat_mapping filtering;
  enum nat_alloc alloc;
  uint16_t stride;          /* NAT_SEQUENTIAL: step between ports (>= 1) */
  uint16_t port_min, port_max;
  int64_t lifetime_ns;      /* idle time after which a mapping expires */
  bool refresh_inbound;     /* accepted inbound packets refresh the mapping */
  bool hairpin;             /* inside hosts may reach each other's mappings */
  nat_alloc_hook alloc_hook; /* optional; replaces alloc when set */
  void *hook_ctx;
} nat_config;

enum nat_drop {
  NAT_OK,          /* forwarded */
  NAT_NO_MAPPING,  /* inbound to a port with no live mapping */
  NAT_FILTERED,    /* the filtering policy refused the sender */
  NAT_NO_HAIRPIN,  /* hairpinning is off */
  NAT_EXHAUSTED,   /* no free external port */
  NAT_HOOK_ERROR,  /* the scripted allocator failed; see nat_error */
  NAT_BLOCKED,     /* to or from the blocked address (nat_block) */
  NAT_NDROP
};

typedef struct nat_stats {
  uint64_t out, in;                /* packets forwarded, by direction */
  uint64_t hairpin;                /* looped back inside, before filtering */
  uint64_t created, expired;       /* mappings */
  uint64_t dropped[NAT_NDROP];     /* indexed by enum nat_drop */
} nat_stats;

/* A UDP flow as seen on the wire: source and destination, host order. */
typedef struct nat_flow {
  uint32_t src_ip, dst_ip;
  uint16_t src_port, dst_port;
} nat_flow;

typedef struct nat nat;

/* Returns 0, or -1 with the reason in err (when err is not NULL; truncated
** to len): an unknown policy, a port range not 1 <= min <= max, a stride
** of 0, or a lifetime <= 0. */
int nat_config_check(const nat_config *cfg, char *err, size_t len);
/* Copies *cfg; cfg->hook_ctx is borrowed and must outlive the engine.
** seed and public_ip seed the random allocator. Returns NULL for an
** invalid config (nat_config_check says why) or when out of memory. */
nat *nat_new(const nat_config *cfg, uint32_t public_ip, uint64_t seed);
/* Frees n (which may be NULL) and its mappings. */
void nat_free(nat *n);

/* A packet from the inside to f->dst. On NAT_OK, f holds the translated
** flow: the source is the mapping, or, when hairpinned, the destination is
** the inside host too. Drops: NAT_BLOCKED, NAT_EXHAUSTED (no free port, or
** out of memory), NAT_HOOK_ERROR, NAT_NO_HAIRPIN, and, hairpinned, those of
** nat_inbound; f may be partly rewritten then. Each is counted in the
** stats. */
enum nat_drop nat_outbound(nat *n, int64_t now, nat_flow *f);
/* A packet from the outside to the NAT's public address. On NAT_OK,
** f->dst is rewritten to the inside host. Drops (counted, f untouched):
** NAT_BLOCKED, NAT_NO_MAPPING, NAT_FILTERED. */
enum nat_drop nat_inbound(nat *n, int64_t now, nat_flow *f);

/* Forgets every mapping now, as a NAT reboot would. Ports retired by
** nat_rebind stay retired. */
void nat_flush(nat *n);
/* A rebinding: forgets every mapping, and the external ports they held are
** not given out again (until the next rebinding), so the inside hosts'
** next packets leave from new ports whatever the allocator. 0, or -1 when
** memory runs out (the mappings are forgotten all the same). */
int nat_rebind(nat *n);
/* From now on, drops every packet to or from `ip` (0: none): a path
** through this NAT that dies while others live on. */
void nat_block(nat *n, uint32_t ip);
/* An explicit mapping for the inside endpoint ip:port (PCP MAP, RFC 6887):
** endpoint-independent in mapping and filtering whatever the policies, it
** lives `lifetime` ns and carries all the endpoint's outbound traffic.
** lifetime <= 0 deletes it (an explicit mapping only) and returns 0 with
** *ext_port 0. Returns 0 with the external port, or -1 when no port is
** free, the scripted allocator fails (nat_error says why) or memory runs
** out; *ext_port is untouched then. */
int nat_map_explicit(nat *n, int64_t now, uint32_t ip, uint16_t port, int64_t lifetime,
                     uint16_t *ext_port);
/* Live mappings at time now (expired ones are swept first). */
size_t nat_mapping_count(nat *n, int64_t now);
/* Calls fn for each live mapping (expired ones are swept first). fn must
** not call into n. */
typedef void (*nat_mapping_fn)(void *ctx, uint32_t int_ip, uint16_t int_port,
                               uint16_t ext_port, uint32_t rem_ip,
                               uint16_t rem_port);
void nat_foreach(nat *n, int64_t now, nat_mapping_fn fn, void *ctx);

/* The counters, owned by n and kept current. */
const nat_stats *nat_get_stats(const nat *n);
/* The public address given to nat_new. */
uint32_t nat_public_ip(const nat *n);
/* The last hook error, or "" when there was none. Owned by n; overwritten
** by the next hook error. */
const char *nat_error(const nat *n);
/* "ok", "no_mapping", "filtered", ... (static), or "?" out of range. */
const char *nat_drop_name(enum nat_drop d);

#endif
