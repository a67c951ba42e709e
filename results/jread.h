/*
** jread.h: a JSON reader, for results files read back (reports, regression
** baselines). jread_parse builds a tree of values from text; any input,
** however malformed, gives either a tree or an error naming the line and
** column and what was expected. Nesting is limited to JREAD_MAX_DEPTH.
**
** Ownership: the tree is the caller's, freed with jread_free. Lookups
** return NULL (or the given default) when a key, index or type is missing,
** so a chain of lookups needs one check at the end.
*/
#ifndef NATSIM_JREAD_H
#define NATSIM_JREAD_H

#include <stdbool.h>
#include <stddef.h>

#define JREAD_MAX_DEPTH 64

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct jv {
  enum jtype type;
  double num;      /* J_NUM; J_BOOL: 0 or 1 */
  char *str;       /* J_STR (NUL-terminated; \u0000 is refused) */
  char **keys;     /* J_OBJ: n keys */
  struct jv **items; /* J_ARR, J_OBJ: n values */
  size_t n;
  size_t cap;      /* room in items (and keys): grows by doubling */
} jv;

/* Parses len bytes. NULL on error, with "line L, column C: ..." in err. */
jv *jread_parse(const char *text, size_t len, char *err, size_t errlen);
/* Reads and parses a file; NULL on error, with the file named in err
** (cannot open it, cannot read it, out of memory, or not JSON). */
jv *jread_file(const char *path, char *err, size_t errlen);
void jread_free(jv *v);

const jv *jget(const jv *obj, const char *key); /* NULL if absent or not an object */
const jv *jat(const jv *arr, size_t i);         /* NULL if out of range */
size_t jlen(const jv *v);                        /* items of an array or object */
double jnum(const jv *v, double dflt);
const char *jstr(const jv *v, const char *dflt);
bool jtrue(const jv *v); /* a JSON true */

#endif
