/* status.c - print fields of this process's /proc/self/status, e.g.
 * "status VmRSS VmData": a program that barely allocates, for
 * tests/footprint.sh to preload mialloc into when the build machine's own
 * programs cannot load it (a cross or musl build).  Prints each field's
 * number (KiB), one a line; exits 1 if one is missing. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  static char line[256];
  int status = 0;
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen("/proc/self/status", "r");
    size_t len = strlen(argv[i]);
    long value = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
      if (strncmp(line, argv[i], len) == 0 && line[len] == ':' && sscanf(line + len + 1, "%ld", &value) == 1)
        break;
    if (f != NULL)
      fclose(f);
    if (value < 0) {
      fprintf(stderr, "status: no %s in /proc/self/status\n", argv[i]);
      status = 1;
    }
    printf("%ld\n", value);
  }
  return status;
}
