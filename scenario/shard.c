/* shard.c: a version's attempts run here, in workers, as a shard, or read back from shards. */
#include "shard.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attempts.h"
#include "jread.h"
#include "part.h"
#include "progress.h"

#define MAX_JOBS 256

/* Keeps a part of experiment call `call` (taken over: the entry frees
** it). NULL when memory runs out. */
static shard_entry *keep(shard_ctx *ctx, int call, const char *version, int shard,
                         const exp_part *p) {
  if (ctx->n == ctx->cap) {
    int cap = ctx->cap ? 2 * ctx->cap : 16;
    shard_entry *e = realloc(ctx->e, (size_t)cap * sizeof *e);
    if (!e) return NULL;
    ctx->e = e;
    ctx->cap = cap;
  }
  shard_entry *e = &ctx->e[ctx->n];
  ctx->n++;
  *e = (shard_entry){.call = call, .shard = shard, .part = *p};
  snprintf(e->version, sizeof e->version, "%s", version);
  return e;
}

/* --- in this process ------------------------------------------------------------- */

static int run_here(shard_ctx *ctx, const exp_cfg *c0, const char *version, FILE *attempts,
                    char *err, size_t len) {
  exp_cfg c = *c0;
  exp_part p;
  c.shard = ctx->shard;
  c.shards = ctx->shards;
  c.record = attempts ? attempts_write : NULL;
  c.record_ctx = attempts;
  if (experiment_run_part(&c, version, &p, err, len) != 0) return -1;
  if (keep(ctx, ctx->calls, version, ctx->shard, &p)) return 0;
  exp_part_free(&p);
  snprintf(err, len, "out of memory");
  return -1;
}

/* --- in worker processes ---------------------------------------------------------- */

typedef struct worker {
  pid_t pid;     /* 0 once it ended, or when it never started */
  bool done;     /* ended, or never started: ready to collect */
  FILE *part;    /* its part as JSON, or "!" and its error */
  FILE *records; /* its attempts' records, or NULL */
  FILE *log;     /* its stderr (NAT model hooks' prints), shown in order of tasks */
} worker;

/* In the worker: runs share k of n, its progress into slot, and exits. */
static void work(const exp_cfg *c0, const char *version, int k, int n, const worker *wk,
                 volatile progress_slot *slot) {
  exp_cfg c = *c0;
  exp_part p;
  char err[512];
  c.shard = k;
  c.shards = n;
  c.record = wk->records ? attempts_write : NULL;
  c.record_ctx = wk->records;
  progress_set_slot(slot);
  dup2(fileno(wk->log), STDERR_FILENO);
  int rc = experiment_run_part(&c, version, &p, err, sizeof err);
  if (rc == 0) {
    json j = json_start(wk->part);
    part_write(&j, NULL, &p);
  } else {
    fprintf(wk->part, "!%s", err);
  }
  bool ok = fflush(wk->part) == 0 && (!wk->records || fflush(wk->records) == 0);
  _exit(rc == 0 && ok ? 0 : 1);
}

/* The whole of f, from its start, NUL-terminated (the caller frees). */
static char *slurp(FILE *f, size_t *len) {
  if (fseek(f, 0, SEEK_END) != 0) return NULL;
  long n = ftell(f);
  char *text = n >= 0 ? malloc((size_t)n + 1) : NULL;
  rewind(f);
  if (!text || fread(text, 1, (size_t)n, f) != (size_t)n) {
    free(text);
    return NULL;
  }
  text[n] = 0;
  *len = (size_t)n;
  return text;
}

/* Share k of n's part, kept; its records appended to attempts. Errors
** name the share's attempts. */
static int collect(shard_ctx *ctx, const char *version, int pairs, int k, int shares,
                   const worker *wk, FILE *attempts, char *err, size_t len) {
  size_t n = 0;
  char *text = slurp(wk->part, &n);
  char owner[64];
  exp_part p;
  int lo, hi;
  experiment_shard_range(pairs, k, shares, &lo, &hi);
  snprintf(owner, sizeof owner, "the worker of attempts %d-%d", lo, hi - 1);
  if (!text || n == 0 || text[0] == '!') {
    snprintf(err, len, "%s: %s", owner, text && n ? text + 1 : "it died before it finished");
    free(text);
    return -1;
  }
  jv *v = jread_parse(text, n, err, len);
  free(text);
  int rc = v ? part_read(v, owner, &p, err, len) : -1;
  jread_free(v);
  if (rc == 0 && !keep(ctx, ctx->calls, version, k, &p)) {
    exp_part_free(&p);
    snprintf(err, len, "out of memory");
    return -1;
  }
  char *rec = rc == 0 && wk->records ? slurp(wk->records, &n) : NULL;
  if (rec && fwrite(rec, 1, n, attempts) != n) rc = -1;
  free(rec);
  return rc;
}

/* Starts a worker on share k of n; 0, or -1 with the reason in err. */
static int spawn(const exp_cfg *c, const char *version, int k, int n, worker *wk,
                 volatile progress_slot *slot, bool records, char *err, size_t len) {
  wk->part = tmpfile();
  wk->log = tmpfile();
  wk->records = records ? tmpfile() : NULL;
  if (!wk->part || !wk->log || (records && !wk->records)) {
    snprintf(err, len, "--jobs: cannot make a temporary file: %s", strerror(errno));
    return -1;
  }
  fflush(NULL); /* nothing buffered is written twice */
  wk->pid = fork();
  if (wk->pid == 0) work(c, version, k, n, wk, slot);
  if (wk->pid > 0) return 0;
  wk->pid = 0;
  snprintf(err, len, "--jobs: cannot start a worker: %s", strerror(errno));
  return -1;
}

/* What the worker wrote on stderr, onto ours. */
static void show_log(const worker *wk) {
  size_t n = 0;
  char *text = wk->log ? slurp(wk->log, &n) : NULL;
  if (text) fwrite(text, 1, n, stderr);
  free(text);
}

static void close_worker(worker *wk) {
  if (wk->log) fclose(wk->log);
  if (wk->part) fclose(wk->part);
  if (wk->records) fclose(wk->records);
}

/* A version's attempts as `tasks` shares (simulations), each run by a
** worker process, at most `jobs` at a time; their parts are collected in
** order of shares, so records and logs come in attempt order. */
typedef struct pool {
  worker *wk;                    /* one per task */
  volatile progress_slot *slots; /* one per task, shared with its worker */
  int tasks, jobs;
  int started, collected, running;
} pool;

/* How many shares a version's pairs run as: at least one per worker and
** at most `batch` attempts each (0: one per worker), never empty. */
static int task_count(int pairs, int jobs, int batch) {
  int tasks = batch > 0 ? (int)(((int64_t)pairs + batch - 1) / batch) : 0;
  if (tasks < jobs) tasks = jobs;
  if (tasks > pairs) tasks = pairs;
  return tasks;
}

/* Starts tasks while a worker is free; a task that could not start is
** done (rc then holds why). Tasks run at most 4 x jobs ahead of the
** oldest one not collected, so few temporary files are open at once. */
static int fill(pool *pl, const exp_cfg *c, const char *version, bool records, char *err,
                size_t len) {
  int rc = 0;
  while (rc == 0 && pl->started < pl->tasks && pl->running < pl->jobs &&
         pl->started - pl->collected < 4 * pl->jobs) {
    worker *wk = &pl->wk[pl->started];
    rc = spawn(c, version, pl->started, pl->tasks, wk, &pl->slots[pl->started], records, err,
               len);
    wk->done = rc != 0;
    pl->running += rc == 0;
    pl->started++;
  }
  return rc;
}

/* Marks the workers that ended as done. */
static void reap(pool *pl) {
  for (int k = pl->collected; k < pl->started; k++) {
    worker *wk = &pl->wk[k];
    int status = 0;
    if (wk->done || waitpid(wk->pid, &status, WNOHANG) == 0) continue;
    wk->pid = 0;
    wk->done = true;
    pl->running--;
  }
}

/* The tasks' summed progress (a collected task's virtual time is all gone). */
static void show_progress(const pool *pl) {
  progress_slot sum = {0};
  for (int k = 0; k < pl->started; k++) {
    sum.started += pl->slots[k].started;
    sum.connected += pl->slots[k].connected;
    sum.finished += pl->slots[k].finished;
    sum.fraction += (k < pl->collected ? 1 : pl->slots[k].fraction) / pl->tasks;
  }
  progress_update(sum.started, sum.connected, sum.finished, sum.fraction);
}

/* Runs the pool until every task started has been collected. 0, or -1
** with the first failure (in order of tasks) in err. */
static int run_pool(shard_ctx *ctx, pool *pl, const exp_cfg *c, const char *version,
                    FILE *attempts, char *err, size_t len) {
  const struct timespec tick = {0, 50000000}; /* 50 ms */
  int rc = 0;
  for (;;) {
    if (rc == 0) rc = fill(pl, c, version, attempts != NULL, err, len);
    reap(pl);
    for (; pl->collected < pl->started && pl->wk[pl->collected].done; pl->collected++) {
      worker *wk = &pl->wk[pl->collected];
      show_log(wk);
      if (rc == 0)
        rc = collect(ctx, version, c->pairs, pl->collected, pl->tasks, wk, attempts, err, len);
      close_worker(wk);
    }
    show_progress(pl);
    if (pl->collected == pl->started && (rc != 0 || pl->started == pl->tasks)) break;
    if (pl->running > 0) nanosleep(&tick, NULL);
  }
  return rc;
}

static int run_jobs(shard_ctx *ctx, const exp_cfg *c, const char *version, FILE *attempts,
                    char *err, size_t len) {
  pool pl = {0};
  pl.jobs = ctx->jobs < MAX_JOBS ? ctx->jobs : MAX_JOBS;
  if (pl.jobs > c->pairs) pl.jobs = c->pairs; /* no worker without attempts */
  if (pl.jobs < 1) pl.jobs = 1;
  pl.tasks = task_count(c->pairs, pl.jobs, ctx->batch);
  size_t size = (size_t)pl.tasks * sizeof(progress_slot);
  pl.wk = calloc((size_t)pl.tasks, sizeof *pl.wk);
  pl.slots = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (!pl.wk || pl.slots == MAP_FAILED) {
    snprintf(err, len, "--jobs: no memory for %d tasks: %s", pl.tasks, strerror(errno));
    if (pl.slots != MAP_FAILED) munmap((void *)pl.slots, size);
    free(pl.wk);
    return -1;
  }
  progress_begin(version, c->pairs);
  int rc = run_pool(ctx, &pl, c, version, attempts, err, len);
  progress_end();
  munmap((void *)pl.slots, size);
  free(pl.wk);
  return rc;
}

/* --- summing up --------------------------------------------------------------------- */

/* Gathers the parts of this call and version into ctx->scratch; their count. */
static int gather(shard_ctx *ctx, const char *version) {
  int n = 0;
  free(ctx->scratch);
  ctx->scratch = calloc((size_t)ctx->n + 1, sizeof *ctx->scratch);
  for (int i = 0; ctx->scratch && i < ctx->n; i++) {
    if (ctx->e[i].call != ctx->calls || strcmp(ctx->e[i].version, version) != 0) continue;
    ctx->scratch[n] = ctx->e[i].part;
    n++;
  }
  return n;
}

/* A shard's own summary: its attempts, counted from 0. */
static int summarize_share(const shard_ctx *ctx, const exp_cfg *c0, const char *version,
                           const exp_part *p, exp_summary *out, char *err, size_t len) {
  exp_cfg c = *c0;
  exp_part view = *p;
  c.pairs = p->hi - p->lo;
  if (c.pairs == 0) {
    snprintf(err, len, "shard %d of %d has none of the %d attempts: use at most %d shards",
             ctx->shard, ctx->shards, c0->pairs, c0->pairs);
    return -1;
  }
  view.pairs = c.pairs;
  view.lo = 0;
  view.hi = c.pairs;
  return experiment_summarize(&c, version, &view, 1, out, err, len);
}

int shard_summarize(shard_ctx *ctx, const exp_cfg *c, const char *version, FILE *attempts,
                    exp_summary *out, char *err, size_t len) {
  int rc = 0;
  memset(out, 0, sizeof *out);
  if (ctx->replay) rc = 0;
  else if (ctx->shards == 0 && (ctx->jobs > 1 || (ctx->batch > 0 && c->pairs > ctx->batch)))
    rc = run_jobs(ctx, c, version, attempts, err, len);
  else rc = run_here(ctx, c, version, attempts, err, len);
  if (rc != 0) return -1;
  int n = gather(ctx, version);
  if (!ctx->scratch) {
    snprintf(err, len, "out of memory");
    return -1;
  }
  if (ctx->replay && n == 0) {
    snprintf(err, len, "the shards hold no results of version %s of experiment %d (was the "
                       "scenario changed since they ran?)", version, ctx->calls + 1);
    return -1;
  }
  if (ctx->shards > 0) return summarize_share(ctx, c, version, &ctx->scratch[0], out, err, len);
  return experiment_summarize(c, version, ctx->scratch, n, out, err, len);
}

/* --- shards' results files ------------------------------------------------------------ */

void shard_write(json *j, const shard_ctx *ctx) {
  json_object(j, "shard");
  json_int(j, "index", ctx->shard);
  json_int(j, "count", ctx->shards);
  json_end(j, '}');
  json_array(j, "parts");
  for (int i = 0; i < ctx->n; i++) {
    json_object(j, NULL);
    json_int(j, "experiment", ctx->e[i].call);
    json_str(j, "version", ctx->e[i].version);
    part_write(j, "part", &ctx->e[i].part);
    json_end(j, '}');
  }
  json_end(j, ']');
}

/* The file's scenario, seed, parameters and shard, into m and *index. */
static int read_meta(const jv *v, const char *path, shard_meta *m, int *index, char *err,
                     size_t len) {
  const jv *sh = jget(v, "shard");
  const jv *params = jget(v, "params");
  const char *scenario = jstr(jget(v, "scenario"), NULL);
  *index = (int)jnum(jget(sh, "index"), -1);
  m->count = (int)jnum(jget(sh, "count"), 0);
  if (!sh || !scenario || m->count < 1 || *index < 0 || *index >= m->count) {
    snprintf(err, len, "%s: not a shard's results (natsim run --shard K/N --out DIR writes "
                       "them)", path);
    return -1;
  }
  snprintf(m->scenario, sizeof m->scenario, "%s", scenario);
  snprintf(m->sha256, sizeof m->sha256, "%s",
           jstr(jget(jget(v, "config"), "scenario_sha256"), ""));
  m->seed = (unsigned long long)jnum(jget(v, "seed"), 0);
  m->nparams = 0;
  for (size_t i = 0; params && i < jlen(params) && i < 64; i++) {
    snprintf(m->params[i], sizeof m->params[i], "%s=%s", params->keys[i],
             jstr(params->items[i], ""));
    m->nparams++;
  }
  return 0;
}

/* Whether m (of file path) runs what first (of file first_path) ran. */
static int same_run(const shard_meta *first, const char *first_path, const shard_meta *m,
                    const char *path, char *err, size_t len) {
  const char *what = NULL;
  if (strcmp(first->scenario, m->scenario) != 0) what = "scenario";
  else if (strcmp(first->sha256, m->sha256) != 0) what = "scenario file (SHA-256)";
  else if (first->seed != m->seed) what = "seed";
  else if (first->count != m->count) what = "shard count";
  else if (first->nparams != m->nparams) what = "parameters";
  for (int i = 0; !what && i < m->nparams; i++)
    if (strcmp(first->params[i], m->params[i]) != 0) what = "parameters";
  if (!what) return 0;
  snprintf(err, len, "%s: not the same %s as %s: shards of one run only", path, what,
           first_path);
  return -1;
}

/* The file's parts, kept as shard `index`'s. */
static int read_parts(shard_ctx *ctx, const jv *v, const char *path, int index, char *err,
                      size_t len) {
  const jv *parts = jget(v, "parts");
  char owner[1100];
  for (size_t i = 0; i < jlen(parts); i++) {
    const jv *e = jat(parts, i);
    const char *version = jstr(jget(e, "version"), NULL);
    exp_part p;
    snprintf(owner, sizeof owner, "%s: parts[%zu]", path, i);
    if (!version || part_read(jget(e, "part"), owner, &p, err, len) != 0) {
      if (!version) snprintf(err, len, "%s: version: expected a version name", owner);
      return -1;
    }
    if (!keep(ctx, (int)jnum(jget(e, "experiment"), 0), version, index, &p)) {
      exp_part_free(&p);
      snprintf(err, len, "out of memory");
      return -1;
    }
  }
  return 0;
}

/* Reads one file; 0, or -1 with err set. */
static int load_one(shard_ctx *ctx, const char *path, shard_meta *m, int *index, char *err,
                    size_t len) {
  jv *v = jread_file(path, err, len);
  if (!v) return -1;
  int rc = read_meta(v, path, m, index, err, len);
  if (rc == 0) rc = read_parts(ctx, v, path, *index, err, len);
  jread_free(v);
  return rc;
}

/* An entry's place: its shard, then where it was read. */
typedef struct place {
  int shard, at;
} place;

static int by_place(const void *a, const void *b) {
  const place *x = a;
  const place *y = b;
  if (x->shard != y->shard) return x->shard < y->shard ? -1 : 1;
  return (x->at > y->at) - (x->at < y->at);
}

/* Puts the entries in order of shard (stable: each file's order kept).
** 0, or -1 when memory runs out (the order unchanged). */
static int order_entries(shard_ctx *ctx) {
  place *pl = malloc((size_t)ctx->n * sizeof *pl + 1);
  shard_entry *e = malloc((size_t)ctx->n * sizeof *e + 1);
  if (!pl || !e) {
    free(pl);
    free(e);
    return -1;
  }
  for (int i = 0; i < ctx->n; i++) pl[i] = (place){ctx->e[i].shard, i};
  qsort(pl, (size_t)ctx->n, sizeof *pl, by_place);
  for (int i = 0; i < ctx->n; i++) e[i] = ctx->e[pl[i].at];
  memcpy(ctx->e, e, (size_t)ctx->n * sizeof *e);
  free(pl);
  free(e);
  return 0;
}

/* File i: read into ctx, checked against the first (meta), listed in by_index. */
static int load_checked(shard_ctx *ctx, const char *const *paths, int i, shard_meta *meta,
                        shard_meta *m, const char **by_index, char *err, size_t len) {
  int index = -1;
  if (load_one(ctx, paths[i], i == 0 ? meta : m, &index, err, len) != 0) return -1;
  if (i > 0 && same_run(meta, paths[0], m, paths[i], err, len) != 0) return -1;
    if (meta->count > SHARD_MAX) {
      snprintf(err, len, "%s: %d shards; natsim merges at most %d", paths[i], meta->count,
               SHARD_MAX);
      return -1;
    }
    if (by_index[index]) {
      snprintf(err, len, "%s: shard %d of %d is also %s", paths[i], index, meta->count,
               by_index[index]);
      return -1;
    }
  by_index[index] = paths[i];
  return 0;
}

/* Every shard 0..count-1 is in by_index; 0, or -1 with the first missing in err. */
static int all_there(const char **by_index, const shard_meta *meta, const char *first,
                     char *err, size_t len) {
  for (int k = 0; k < meta->count; k++) {
    if (by_index[k]) continue;
    snprintf(err, len, "shard %d of %d is missing (%s and the others given are shards of %d)", k,
             meta->count, first, meta->count);
    return -1;
  }
  return 0;
}

int shard_load(shard_ctx *ctx, const char *const *paths, int n, shard_meta *meta, char *err,
               size_t len) {
  const char **by_index = calloc(SHARD_MAX, sizeof *by_index);
  shard_meta *m = malloc(sizeof *m);
  int rc = m && by_index ? 0 : -1;
  ctx->replay = true;
  if (rc != 0) snprintf(err, len, "out of memory");
  for (int i = 0; i < n && rc == 0; i++)
    rc = load_checked(ctx, paths, i, meta, m, by_index, err, len);
  if (rc == 0) rc = all_there(by_index, meta, paths[0], err, len);
  if (rc == 0 && order_entries(ctx) != 0) {
    snprintf(err, len, "out of memory");
    rc = -1;
  }
  free(m);
  free(by_index);
  return rc;
}

void shard_free(shard_ctx *ctx) {
  for (int i = 0; i < ctx->n; i++) exp_part_free(&ctx->e[i].part);
  free(ctx->e);
  free(ctx->scratch);
  memset(ctx, 0, sizeof *ctx);
}
