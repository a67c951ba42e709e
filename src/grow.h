/*
** grow.h: tables that start empty and double as they fill, up to a limit,
** so that a component keeps the slots its use needs rather than the most
** it could ever need.
*/
#ifndef NATSIM_GROW_H
#define NATSIM_GROW_H

#include <stddef.h>

/* Room for `need` items of `size` bytes in `items`, a table of *cap items
** (NULL when *cap is 0): if need > *cap, the table is reallocated to `first`
** items doubled until it holds need, never more than `max`, the new items
** zeroed, and *cap updated. Returns the table (moved or not), owned by the
** caller (free it); NULL when need > max or memory runs out, `items` and
** *cap then untouched. */
void *grow_table(void *items, int *cap, int need, int first, int max, size_t size);

#endif
