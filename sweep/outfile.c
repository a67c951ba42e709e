/* outfile.c: a file written whole by a callback, its errors named. */
#include "outfile.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

int outfile_write(const char *path, int (*fn)(FILE *f, const void *ctx), const void *ctx,
                  char *err, size_t len) {
  FILE *f = fopen(path, "w");
  if (!f) {
    snprintf(err, len, "cannot write %s: %s", path, strerror(errno));
    return -1;
  }
  bool bad = fn(f, ctx) != 0;
  bad = ferror(f) != 0 || bad;
  if (fclose(f) != 0 || bad) {
    snprintf(err, len, "cannot write %s", path);
    return -1;
  }
  return 0;
}
