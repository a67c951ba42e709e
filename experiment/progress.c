/* progress.c: the progress display. */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define TTY_EVERY 0.2  /* s between redraws on a terminal */
#define PLAIN_EVERY 10 /* s between plain lines */

static struct {
  bool quiet, active, tty, drawn;
  char label[64];
  int index, count; /* the series: task index of count, or count 0 */
  int total, started, connected, finished;
  double fraction, start, last;
  volatile progress_slot *slot; /* a worker's: figures go there */
} pg;

static double wall(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec / 1e9;
}

void progress_set_quiet(bool quiet) { pg.quiet = quiet; }

void progress_set_slot(volatile progress_slot *slot) { pg.slot = slot; }

void progress_set_series(int index, int count) {
  pg.index = index;
  pg.count = count;
}

void progress_begin(const char *label, int total) {
  pg.active = pg.slot != NULL;
  if (pg.quiet || pg.slot) return;
  if (pg.count > 0)
    snprintf(pg.label, sizeof pg.label, "%s, version %d of %d", label, pg.index, pg.count);
  else
    snprintf(pg.label, sizeof pg.label, "%s", label);
  pg.total = total;
  pg.started = 0;
  pg.connected = 0;
  pg.finished = 0;
  pg.fraction = 0;
  pg.active = true;
  pg.drawn = false;
  pg.tty = isatty(STDERR_FILENO);
  pg.start = wall();
  pg.last = pg.start;
}

static void draw(double now) {
  double t = now - pg.start;
  double left = pg.fraction > 0 ? t * (1 - pg.fraction) / pg.fraction : 0;
  if (!pg.tty) {
    fprintf(stderr, "%s: %d/%d attempts started, %d connected, %d finished, %.0f%% of "
            "virtual time, %.0f s left\n", pg.label, pg.started, pg.total, pg.connected,
            pg.finished, 100 * pg.fraction, left);
    return;
  }
  char bar[31];
  int fill = (int)(30 * pg.fraction);
  for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
  bar[30] = '\0';
  fprintf(stderr, "\r%s [%s] %d/%d started, %d connected, %d finished, %.0f s left \x1b[K",
          pg.label, bar, pg.started, pg.total, pg.connected, pg.finished, left);
  pg.drawn = true;
}

/* Into the worker's slot. */
static void report_slot(int started, int connected, int finished, double fraction) {
  pg.slot->started = started;
  pg.slot->connected = connected;
  pg.slot->finished = finished;
  pg.slot->fraction = fraction;
}

void progress_update(int started, int connected, int finished, double fraction) {
  if (!pg.active) return;
  if (pg.slot) {
    report_slot(started, connected, finished, fraction);
    return;
  }
  pg.started = started;
  pg.connected = connected;
  pg.finished = finished;
  pg.fraction = fraction;
  double now = wall();
  if (now - pg.last < (pg.tty ? TTY_EVERY : PLAIN_EVERY)) return;
  pg.last = now;
  draw(now);
}

void progress_end(void) {
  if (!pg.active) return;
  pg.active = false;
  if (pg.slot) return;
  if (pg.tty && pg.drawn) fputs("\r\x1b[K", stderr); /* leave the terminal clean */
  else if (!pg.tty && wall() - pg.start >= PLAIN_EVERY) draw(wall());
}
