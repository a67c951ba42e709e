/* libFuzzer target: the JSON reader (results/jread.c) and the typed results
** reader (results/run.c) on arbitrary bytes: a tree or an error, typed
** results or an error naming the field, never a crash or a leak; and a
** parsed tree answers lookups. */
#include <stddef.h>
#include <stdint.h>

#include "jread.h"
#include "run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[300];
  jv *v = jread_parse((const char *)data, size, err, sizeof err);
  if (v) {
    for (size_t i = 0; i < jlen(v); i++) {
      const jv *x = jat(v, i);
      (void)jnum(x, 0);
      (void)jstr(x, NULL);
      (void)jtrue(x);
    }
    (void)jget(v, "schema");
  }
  jread_free(v);
  run_results r;
  if (run_parse((const char *)data, size, "fuzz", &r, err, sizeof err) == 0)
    (void)run_events(&r);
  run_free(&r);
  return 0;
}
