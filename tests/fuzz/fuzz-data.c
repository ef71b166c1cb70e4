/*
 * fuzz-data.c: libFuzzer target for the data readers (.npy, .npz, IDX plain
 * and gzip, data specs).  Build, e.g.:
 *   clang -g -fsanitize=fuzzer,address -Ilib -Ibuild/gen tests/fuzz/fuzz-data.c \
 *     build/libladder.a $(DEP_LIBS) -o fuzz-data
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ladder.h"
#include "fuzz-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "f.npy", "f.npz", "f.idx", "f.yaml" };
	char dir[] = "/tmp/fuzz-data.XXXXXX", path[64];

	if (mkdtemp(dir) == NULL)
		return 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct ladder_err err = { 0 };
		struct ladder_tensor t;
		struct ladder_data_spec spec;

		if (!fuzz_file(dir, names[i], data, size, path, sizeof path))
			continue;
		if (i == 3) {
			ladder_data_spec_load(path, &spec, &err);
		} else if (ladder_tensor_file_read(path, 1 << 24, &t, &err) == 0) {
			ladder_data_tensor_release(&t);
		}
		unlink(path);
	}
	rmdir(dir);
	return 0;
}
