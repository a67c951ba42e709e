/*
** units.h: durations and rates as scenarios write them.
** Durations: a number of seconds ("1.5") or a number with a unit
** ("250us", "10ms", "2s", "5min"). Rates: bits per second ("1000") or with
** a unit ("512kbps", "10Mbps", "1Gbps"). Both return 0, or -1 when s is
** not of that form or is negative.
*/
#ifndef NATSIM_UNITS_H
#define NATSIM_UNITS_H

#include <stdbool.h>
#include <stdint.h>

int units_duration(const char *s, int64_t *ns);
int units_rate(const char *s, uint64_t *bps);
/* Seconds (a double, as Lua numbers are) to nanoseconds; -1 if out of range. */
int units_seconds(double s, int64_t *ns);
/* Whether the number s starts with is followed by something (a unit). */
bool units_has_unit(const char *s);

#endif
