/* libFuzzer target: the JSON reader (results/jread.c) on arbitrary bytes:
** a tree or an error, never a crash or a leak; and a parsed tree answers
** lookups. */
#include <stddef.h>
#include <stdint.h>

#include "jread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[200];
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
  return 0;
}
