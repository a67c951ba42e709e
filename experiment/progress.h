/*
** progress.h: progress of long runs, on stderr. On a terminal, one line
** redrawn in place (a bar, attempts done of total, rate, time left);
** otherwise a plain line every 10 s of wall time; nothing when quiet.
** Wall time only decides when to draw: results never depend on it.
*/
#ifndef NATSIM_PROGRESS_H
#define NATSIM_PROGRESS_H

#include <stdbool.h>

void progress_set_quiet(bool quiet);
/* A new task: `label` (copied) with `total` units of work. */
void progress_begin(const char *label, int total);
/* `done` units finished, `fraction` (0 to 1) of the whole task's time
** gone (for the time left); cheap enough to call often. */
void progress_update(int done, double fraction);
/* The task ended: the terminal line is finished, or a last plain line. */
void progress_end(void);

#endif
