/*
** progress.h: progress of long runs, on stderr. On a terminal, one line
** redrawn in place; otherwise a plain line every 10 s of wall time;
** nothing when quiet. Each shows the task (e.g. "v0.8, version 2 of 3"),
** a bar of the virtual time gone, the attempts started, connected and
** finished, and the wall time left. Wall time only decides when to draw:
** results never depend on it.
*/
#ifndef NATSIM_PROGRESS_H
#define NATSIM_PROGRESS_H

#include <stdbool.h>

void progress_set_quiet(bool quiet);

/* A --jobs worker's figures, in memory its parent reads while it runs. */
typedef struct progress_slot {
  int started, connected, finished;
  double fraction;
} progress_slot;
/* From now on tasks draw nothing: each progress_update writes its
** figures into slot (borrowed; NULL: draw again). */
void progress_set_slot(volatile progress_slot *slot);
/* The tasks begun from now on are number `index` of `count` (shown as
** "version 2 of 3"); count 0: not part of a series. */
void progress_set_series(int index, int count);
/* A new task: `label` (copied) with `total` attempts. */
void progress_begin(const char *label, int total);
/* Attempts started (the connect call made), connected (the first message
** arrived) and finished (every message arrived both ways); `fraction` (0
** to 1) of the task's virtual time gone. Cheap enough to call often. */
void progress_update(int started, int connected, int finished, double fraction);
/* The task ended: the terminal line is finished, or a last plain line. */
void progress_end(void);

#endif
