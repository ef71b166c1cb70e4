/*
 * fuzz-profile.c: libFuzzer target for what `ladder profile` reads besides
 * data: hardware profiles (YAML and JSON, with a power mode) and profile.json
 * (through merge, which also checks per-sample paths).  Build with `make fuzz`.
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
	static const char *const names[] = { "hw.yaml", "hw.json", "profile.json" };
	char dir[] = "/tmp/fuzz-profile.XXXXXX", path[64], out[96], cmd[96];

	if (mkdtemp(dir) == NULL)
		return 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct ladder_err err = { 0 };
		struct ladder_hardware hw;
		const char *in[1] = { path };

		if (!fuzz_file(dir, names[i], data, size, path, sizeof path))
			continue;
		if (i < 2) {
			ladder_hardware_find(path, &hw, &err);
			snprintf(out, sizeof out, "%s@7w", path);
			ladder_hardware_find(out, &hw, &err);
		} else {
			snprintf(out, sizeof out, "%s/out/merged.json", dir);
			ladder_profile_merge(in, 1, out, &err);
		}
	}
	/* merge may have made out/ and out/samples/: remove the whole tree. */
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 0;
	return 0;
}
