/* runner.c: a sweep's runs, each a forked natsim run, some at a time. */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scenario.h"

#define TAIL_LINES 6    /* of a failed run's stderr, in the error */
#define TAIL_BYTES 1500

int runner_dir(const grid *g, const char *out_dir, int point, int seed, char *out, size_t len) {
  char dir[RUNNER_PATH];
  size_t n = grid_name(g, point, 0, '/', dir, sizeof dir);
  int w = snprintf(out, len, "%s/runs/%s/seed-%llu", out_dir, g->nswept ? dir : "all",
                   (unsigned long long)g->seeds[seed]);
  return n < sizeof dir && w >= 0 && (size_t)w < len ? 0 : -1;
}

/* Sends stream fd (1 or 2) to dir/name. */
static void redirect(const char *dir, const char *name, int fd) {
  char path[RUNNER_PATH + 32];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
  if (f < 0) _exit(2);
  dup2(f, fd);
  close(f);
}

/* "KEY=VALUE" of every parameter at point `point` into params (the
** strings malloc'd: the child exits without freeing them). */
static int point_params(const grid *g, int point, const char **params) {
  for (int k = 0; k < g->nparams; k++) {
    const grid_param *p = &g->params[k];
    const char *v = p->values[grid_value(g, point, k)];
    size_t n = strlen(p->key) + strlen(v) + 2;
    char *kv = malloc(n);
    if (!kv) _exit(2);
    snprintf(kv, n, "%s=%s", p->key, v);
    params[k] = kv;
  }
  return g->nparams;
}

/* In the child: the run, then its exit status. */
static void child(const grid *g, const runner_opts *o, int point, int seed, const char *dir) {
  const char *params[GRID_MAX_PARAMS];
  redirect(dir, "stdout.txt", STDOUT_FILENO);
  redirect(dir, "stderr.txt", STDERR_FILENO);
  scenario_opts so = {.path = o->scenario, .seed = g->seeds[seed], .out_dir = dir};
  so.params = params;
  so.nparams = point_params(g, point, params);
  so.quiet = true;
  so.jobs = 1;
  so.max_instructions = o->max_instructions;
  int rc = scenario_run(&so);
  fflush(NULL);
  _exit(rc);
}

/* The last TAIL_LINES lines of dir/stderr.txt, each behind "  | ". */
static void stderr_tail(const char *dir, char *out, size_t len) {
  char path[RUNNER_PATH + 32];
  char text[TAIL_BYTES + 1];
  snprintf(path, sizeof path, "%s/stderr.txt", dir);
  snprintf(out, len, "  (no stderr)");
  FILE *f = fopen(path, "r");
  if (!f) return;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, size > TAIL_BYTES ? size - TAIL_BYTES : 0, SEEK_SET);
  size_t n = fread(text, 1, TAIL_BYTES, f);
  fclose(f);
  while (n > 0 && text[n - 1] == '\n')
    n--;
  text[n] = '\0';
  const char *start = text;
  int lines = 0;
  for (size_t i = n; i-- > 0 && lines < TAIL_LINES;) {
    if (text[i] != '\n') continue;
    lines++;
    if (lines == TAIL_LINES) start = text + i + 1;
  }
  size_t used = 0;
  out[0] = '\0';
  for (const char *s = start; *s && used + 8 < len;) {
    const char *nl = strchr(s, '\n');
    size_t k = nl ? (size_t)(nl - s) : strlen(s);
    int w = snprintf(out + used, len - used, "\n  | %.*s", (int)k, s);
    used += w > 0 ? (size_t)w : 0;
    s += k + (nl ? 1 : 0);
  }
}

/* Names the run that failed and why, into err. */
static void describe_failure(const grid *g, const runner_opts *o, int r, int st, char *err,
                             size_t len) {
  char label[1024];
  char dir[RUNNER_PATH];
  char tail[TAIL_BYTES + TAIL_LINES * 8];
  char how[64];
  int point = r / g->nseeds;
  int seed = r % g->nseeds;
  grid_label(g, point, 0, " ", label, sizeof label);
  runner_dir(g, o->out_dir, point, seed, dir, sizeof dir);
  if (WIFEXITED(st)) snprintf(how, sizeof how, "exit %d", WEXITSTATUS(st));
  else snprintf(how, sizeof how, "signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  stderr_tail(dir, tail, sizeof tail);
  snprintf(err, len, "the run of point %s with seed %llu failed (%s); %s/stderr.txt ends:%s",
           label, (unsigned long long)g->seeds[seed], how, dir, tail);
}

/* Starts run r (point r / nseeds, seed r % nseeds): its pid, or -1 with err. */
static pid_t start(const grid *g, const runner_opts *o, int r, char *err, size_t len) {
  char dir[RUNNER_PATH];
  int point = r / g->nseeds;
  int seed = r % g->nseeds;
  runner_dir(g, o->out_dir, point, seed, dir, sizeof dir);
  if (scenario_make_dirs(dir) != 0) {
    snprintf(err, len, "cannot make %s: %s", dir, strerror(errno));
    return -1;
  }
  fflush(NULL); /* nothing buffered is written twice */
  pid_t pid = fork();
  if (pid == 0) child(g, o, point, seed, dir);
  if (pid < 0) snprintf(err, len, "cannot start a run: %s", strerror(errno));
  return pid;
}

/* One line on stderr as run r ends. */
static void report_end(const grid *g, const runner_opts *o, int r, int done, int total, int st) {
  char label[1024];
  if (o->quiet) return;
  grid_label(g, r / g->nseeds, 0, " ", label, sizeof label);
  fprintf(stderr, "natsim sweep: [%d/%d] %s seed %llu: exit %d\n", done, total, label,
          (unsigned long long)g->seeds[r % g->nseeds], WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* The slot whose pid is pid, or -1. */
static int slot_of(const pid_t *pids, long n, pid_t pid) {
  for (long i = 0; i < n; i++)
    if (pids[i] == pid) return (int)i;
  return -1;
}

/* A free slot (pid 0); there is one while fewer than n run. */
static int free_slot(const pid_t *pids, long n) {
  return slot_of(pids, n, 0);
}

/* Whether every run's folder name fits, before any run starts. */
static int check_dirs(const grid *g, const runner_opts *o, char *err, size_t len) {
  char dir[RUNNER_PATH];
  for (int r = 0; r < g->npoints * g->nseeds; r++) {
    if (runner_dir(g, o->out_dir, r / g->nseeds, r % g->nseeds, dir, sizeof dir) == 0) continue;
    snprintf(err, len, "a run's folder would be longer than %d bytes: %.200s...", RUNNER_PATH - 1,
             dir);
    return -1;
  }
  return 0;
}

int runner_run(const grid *g, const runner_opts *o, int *status, char *err, size_t len) {
  if (check_dirs(g, o, err, len) != 0) return -1;
  int total = g->npoints * g->nseeds;
  pid_t *pids = calloc((size_t)o->jobs, sizeof *pids);
  int *runs = calloc((size_t)o->jobs, sizeof *runs);
  int next = 0;
  int running = 0;
  int done = 0;
  int rc = pids && runs ? 0 : -1;
  if (rc) snprintf(err, len, "out of memory");
  while (running > 0 || (rc == 0 && next < total)) {
    while (rc == 0 && running < o->jobs && next < total) {
      int k = free_slot(pids, o->jobs);
      pids[k] = start(g, o, next, err, len);
      if (pids[k] < 0) {
        pids[k] = 0;
        rc = -1;
        break;
      }
      runs[k] = next++;
      running++;
    }
    if (running == 0) break;
    int st = 0;
    pid_t pid = waitpid(-1, &st, 0);
    if (pid < 0 && errno == EINTR) continue;
    if (pid < 0) {
      snprintf(err, len, "cannot wait for the runs: %s", strerror(errno));
      rc = -1;
      break;
    }
    int k = slot_of(pids, o->jobs, pid);
    if (k < 0) continue; /* not one of ours */
    pids[k] = 0;
    running--;
    report_end(g, o, runs[k], ++done, total, st);
    bool counts = WIFEXITED(st) && WEXITSTATUS(st) <= SCENARIO_CHECK_FAILED;
    if (counts) status[runs[k]] = WEXITSTATUS(st);
    if (!counts && rc == 0) describe_failure(g, o, runs[k], st, err, len);
    if (!counts) rc = -1;
  }
  free(pids);
  free(runs);
  return rc;
}
