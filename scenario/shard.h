/*
** shard.h: where an experiment's attempts run. One process (--jobs 1,
** when the attempts fit one batch), worker processes each running a
** share of at most a batch of attempts and handing it back, N at a time
** (--jobs N, --batch B), one share of N kept for a later merge (--shard K/N),
** or no simulation at all: the shares read back from shards' results
** files (`natsim merge`). Whichever way, a version's summary is made from
** parts that tile its attempts (experiment_summarize), so it is the same.
**
** Ownership: a shard_ctx is the caller's (zeroed, then its mode set);
** it keeps every part it hands out until shard_free.
*/
#ifndef NATSIM_SHARD_H
#define NATSIM_SHARD_H

#include <stdbool.h>
#include <stdio.h>

#include "experiment.h"
#include "json.h"

/* At most this many shards make a run (--shard K/N: N <= SHARD_MAX). */
#define SHARD_MAX 4096

typedef struct shard_entry {
  int call;             /* the scenario's natsim.experiment call, from 0 */
  char version[16];
  int shard;            /* the shard that ran it */
  exp_part part;
} shard_entry;

/* A merge's scenario, as its shards' results files name it. */
typedef struct shard_meta {
  char scenario[1024];
  char sha256[65];      /* the script's hash when the shard ran ("" unknown) */
  unsigned long long seed;
  char params[64][256]; /* "KEY=VALUE", in the files' order */
  int nparams;
  int count;            /* shards */
} shard_meta;

typedef struct shard_ctx {
  int shard, shards;    /* --shard K/N; shards 0: every attempt */
  int jobs;             /* worker processes per version; 0 or 1: none */
  int batch;            /* at most this many attempts per simulation, each in a
                        ** worker (also with jobs 1, when there are more); 0:
                        ** one simulation per worker, none with jobs 1 */
  bool replay;          /* natsim merge: parts come from the entries loaded */
  int calls;            /* natsim.experiment calls so far */
  shard_entry *e;
  int n, cap;
  exp_part *scratch;    /* one version's parts, in order */
} shard_ctx;

/* Version `version` of the current natsim.experiment call (ctx->calls
** counts them; the caller advances it after each call) summed up into
** out, run as ctx says; each attempt's record goes to `attempts` (NULL:
** none), in order. A shard's summary covers its own attempts only
** (pairs: how many). 0, or -1 with the reason in err: the simulation's
** error, a worker that failed, or (replay) no part for this call and
** version. out->cells is the caller's to free. */
int shard_summarize(shard_ctx *ctx, const exp_cfg *c, const char *version, FILE *attempts,
                    exp_summary *out, char *err, size_t len);

/* A shard's results: "shard": {"index", "count"} and "parts": [...]. */
void shard_write(json *j, const shard_ctx *ctx);

/* natsim merge: reads the n shards' results files into ctx (replay) and
** their common scenario into meta. 0, or -1 with the reason in err
** naming the file: unreadable, not a shard's results, another scenario,
** script hash, seed, parameters or shard count than the first file's, a
** shard given twice or missing. */
int shard_load(shard_ctx *ctx, const char *const *paths, int n, shard_meta *meta, char *err,
               size_t len);

void shard_free(shard_ctx *ctx);

#endif
