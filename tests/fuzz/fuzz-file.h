/* fuzz-file.h: the fuzzers' input written to a file, for readers that take a path. */
#ifndef LADDER_FUZZ_FILE_H
#define LADDER_FUZZ_FILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Writes data to DIR/NAME; path gets that name.  False when it cannot be written. */
static bool
fuzz_file(const char *dir, const char *name, const uint8_t *data, size_t size, char *path,
    size_t cap)
{
	FILE *f;

	snprintf(path, cap, "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL)
		return false;
	fwrite(data, 1, size, f);
	return fclose(f) == 0;
}

#endif
