/*
** capture.h: a run's packet capture (--pcap DIR, --pcap-attempts LIST):
** which attempts of each experiment are captured, the label of each
** world's files, and DIR/manifest.json, which lists every file with its
** node, device, addresses, attempt and role.
**
** LIST is items separated by commas: N (an attempt), N-M (attempts N to
** M, inclusive), or A:B (attempts between a peer of class A and one of
** class B, in either order; * is any class). Attempts are numbered from 0,
** as in the attempts file. An attempt is captured when it matches one of
** the numbers or ranges (if any are given) and one of the class pairs (if
** any are given). Without LIST, every attempt is; an experiment captures
** at most CAPTURE_MAX_ATTEMPTS attempts, so larger ones need a LIST.
**
** Ownership: a capture owns copies of its directory, selection and
** manifest entries; capture_free releases them. Errors come back as -1
** (or NULL) with the reason in the caller's err.
*/
#ifndef NATSIM_CAPTURE_H
#define NATSIM_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "world.h"

#define CAPTURE_MAX_ATTEMPTS 50

typedef struct capture capture;

/* A capture into dir (which must exist and be writable) of the attempts
** `select` names (NULL: all). NULL with the reason in err for a LIST that
** does not parse ("--pcap-attempts ITEM: expected ...") or no memory. */
capture *capture_new(const char *dir, const char *select, char *err, size_t len);
void capture_free(capture *c);

/* 0, or -1 with the reason in err when the selection names a class that
** is not among the experiment's `n` classes, or selects all of more than
** CAPTURE_MAX_ATTEMPTS pairs. */
int capture_check(const capture *c, const char (*classes)[64], int n, int pairs, char *err,
                  size_t len);

/* Whether attempt `index` between classes a and b is captured. */
bool capture_wants(const capture *c, int index, const char *class_a, const char *class_b);

/* Captures every node of the scenario's own world w (natsim.host,
** natsim.nat) added from now on: files natsim-NODE-DEVICE.pcap. 0, or -1
** when memory runs out. */
int capture_world(capture *c, world *w);

/* Starts capturing world w's nodes from now on, as experiment `name`'s
** (a version) servers. Each name gets a label of its own ("v0.9", then
** "v0.9-2" for a second experiment of that version): file names start
** "natsim-LABEL-". 0, or -1 when memory runs out. */
int capture_begin(capture *c, world *w, const char *name);

/* The nodes added from now on belong to attempt `index` of the current
** experiment (file names start "natsim-LABEL-aN-"), or are not captured
** (index -1). 0, or -1 when memory runs out. */
int capture_attempt(capture *c, world *w, int index);

/* The role of world node `node` (WORLD_CORE: the core router) in
** attempt `attempt` (-1: among the servers): "gateway", "stun", "turn",
** "peer-a", "nat-b", ...; a string that outlives the call. */
typedef const char *(*capture_role_fn)(void *ctx, int node, int attempt);

/* Copies world w's captured files into the manifest (before world_free),
** with each node's role from role(ctx, node), or "host" and "nat" when
** role is NULL. 0, or -1 when memory runs out. */
int capture_collect(capture *c, const world *w, capture_role_fn role, void *ctx);

/* Writes DIR/manifest.json. 0, or -1 with the reason in err. */
int capture_write(const capture *c, char *err, size_t len);

#endif
