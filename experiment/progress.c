/* progress.c: the progress display. */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define TTY_EVERY 0.2  /* s between redraws on a terminal */
#define PLAIN_EVERY 10 /* s between plain lines */

static struct {
  bool quiet, active, tty, drawn;
  char label[32];
  int total, done;
  double fraction, start, last;
} pg;

static double wall(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec / 1e9;
}

void progress_set_quiet(bool quiet) { pg.quiet = quiet; }

void progress_begin(const char *label, int total) {
  if (pg.quiet) return;
  snprintf(pg.label, sizeof pg.label, "%s", label);
  pg.total = total;
  pg.done = 0;
  pg.fraction = 0;
  pg.active = true;
  pg.drawn = false;
  pg.tty = isatty(STDERR_FILENO);
  pg.start = pg.last = wall();
}

static void draw(double now) {
  double t = now - pg.start, rate = t > 0 ? pg.done / t : 0;
  double left = pg.fraction > 0 ? t * (1 - pg.fraction) / pg.fraction : 0;
  if (!pg.tty) {
    fprintf(stderr, "%s: %d of %d attempts, %.0f/s, %.0f s left\n", pg.label, pg.done, pg.total,
            rate, left);
    return;
  }
  char bar[31];
  int fill = pg.total > 0 ? 30 * pg.done / pg.total : 0;
  for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
  bar[30] = '\0';
  fprintf(stderr, "\r%s [%s] %d/%d attempts, %.0f/s, %.0f s left \x1b[K", pg.label, bar, pg.done,
          pg.total, rate, left);
  pg.drawn = true;
}

void progress_update(int done, double fraction) {
  if (!pg.active) return;
  pg.done = done;
  pg.fraction = fraction;
  double now = wall();
  if (now - pg.last < (pg.tty ? TTY_EVERY : PLAIN_EVERY)) return;
  pg.last = now;
  draw(now);
}

void progress_end(void) {
  if (!pg.active) return;
  pg.active = false;
  if (pg.tty && pg.drawn) fputs("\r\x1b[K", stderr); /* leave the terminal clean */
  else if (!pg.tty && wall() - pg.start >= PLAIN_EVERY) draw(wall());
}
