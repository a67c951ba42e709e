/*
** fields.h: reading option tables (a Lua table on the stack) with errors
** that name the table's owner, the field, what is accepted and what was
** given. Used for NAT model files and for the scenario API's arguments.
**
** Each getter leaves *out alone when the field is absent, returns 0 on
** success, and -1 with a message in f->err otherwise.
*/
#ifndef NATSIM_FIELDS_H
#define NATSIM_FIELDS_H

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FIELDS_DEPTH 4 /* tables within tables that errors locate */

typedef struct fields {
  lua_State *L;
  int idx;           /* absolute stack index of the table */
  const char *owner; /* e.g. "nat-models/x.lua" or "natsim.host" */
  char *err;
  size_t errlen;
  struct fields *up; /* the table this one is a field or entry of, or NULL */
  const char *key;   /* its key there; for a list entry, its name, or NULL */
  bool key_is_name;  /* key is a list entry's name (a string value) */
  /* Kept in the outermost table: the keys from it down to the field the
  ** last error is about, for fields_raise. */
  const char *trail[FIELDS_DEPTH];
  bool trail_name[FIELDS_DEPTH];
  int ntrail;
} fields;

fields fields_at(lua_State *L, int idx, const char *owner, char *err,
                 size_t errlen);
/* Fails on any key not in the NULL-terminated list `accepted`. */
int fields_only(fields *f, const char *const *accepted);
bool fields_has(fields *f, const char *name);
/* Fails when the field is absent; `what` says what it should be. */
int fields_require(fields *f, const char *name, const char *what);
int fields_string(fields *f, const char *name, const char **out);
/* One of the NULL-terminated `names`; *out is its index. */
int fields_enum(fields *f, const char *name, const char *const *names,
                int *out);
int fields_int(fields *f, const char *name, int64_t lo, int64_t hi,
               int64_t *out);
int fields_number(fields *f, const char *name, double lo, double hi,
                  double *out);
int fields_bool(fields *f, const char *name, bool *out);
/* A string with a unit (units.h) such as "20ms"; a bare number is refused,
** since 20 meant as milliseconds would silently be 20 s. */
int fields_duration(fields *f, const char *name, int64_t *ns);
/* For the fields documented in seconds (mapping_lifetime): a number of
** seconds, or a string with a unit. */
int fields_seconds(fields *f, const char *name, int64_t *ns);
int fields_rate(fields *f, const char *name, uint64_t *bps);
/* Opens the sub-table at field `name`: returns 1 with *sub set and the
** table pushed (the caller pops it), 0 when the field is absent, -1 when it
** is not a table. owner (len bytes) holds the sub-table's name for errors. */
int fields_table(fields *f, const char *name, fields *sub, char *owner, size_t len);
/* Opens entry i (from 1) of the list f: returns 1 with *sub set and the
** entry pushed (the caller pops it), -1 when it is not a table. owner (len
** bytes) holds "OWNER[i]" and the entry's name when it has one. */
int fields_entry(fields *f, int i, fields *sub, char *owner, size_t len);
/* Writes "owner: field 'name': expected WHAT, got <the value>". */
int fields_fail(fields *f, const char *name, const char *what);
/* Writes "owner: " and the formatted message about field `name` (NULL: the
** table itself) into f->err, noting the field for fields_raise. */
int fields_failf(fields *f, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Raises f->err as a Lua error prefixed with "FILE:LINE:", the line of the
** field the error is about where the script's text shows it: from the
** calling Lua function's current line (the call that passed the table),
** the keys of the last error are searched in turn within the call's
** brackets; when one is not found there (a table built elsewhere), the
** line of the last key found, or of the call, is given. Does not return. */
int fields_raise(fields *f);

#endif
