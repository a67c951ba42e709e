/*
** json.h: a small streaming JSON writer, indented two spaces or on one
** line (JSON Lines). Keys are given with each value inside objects and
** are NULL inside arrays.
** The writer does not check nesting; unbalanced calls give bad JSON.
*/
#ifndef NATSIM_JSON_H
#define NATSIM_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

typedef struct json {
  FILE *f;
  int depth;
  bool has_items[JSON_MAX_DEPTH];
  bool line; /* each top-level value on one line */
} json;

json json_start(FILE *f);
/* As json_start, but each top-level value goes on one line of its own. */
json json_start_line(FILE *f);
void json_object(json *j, const char *key);
void json_array(json *j, const char *key);
void json_end(json *j, char close); /* '}' or ']' */
void json_str(json *j, const char *key, const char *v);
void json_int(json *j, const char *key, int64_t v);
void json_num(json *j, const char *key, double v);
void json_bool(json *j, const char *key, bool v);
void json_null(json *j, const char *key);

#endif
