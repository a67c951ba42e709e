/*
** srcline.h: the line of a field in a script's text. Lua keeps no line for
** a field of a table constructor, so an error about one is located by
** reading the script: from the line of the call that passed the table, the
** call's brackets are scanned (strings and comments skipped) for each key
** in turn, each after the one before.
*/
#ifndef NATSIM_SRCLINE_H
#define NATSIM_SRCLINE_H

#include <stdbool.h>

/* The line in file `path` of the last of keys[0..n-1] found in order
** within the brackets of the call on line `from`; `from` when the first is
** not found or the file cannot be read. A key is found where it is written
** `key =`; one with is_name[i] set is a string value ("key" or 'key'), a
** list entry's name. */
int srcline_find(const char *path, int from, const char *const *keys,
                 const bool *is_name, int n);

#endif
