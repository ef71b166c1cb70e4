/*
 * fuzz-plan.c: libFuzzer target for the planner's input readers (topology
 * YAML/JSON through ladder_yaml_load_json and the topology checks).  Build, e.g.:
 *   clang -g -fsanitize=fuzzer,address -Ilib -Ibuild/gen tests/fuzz/fuzz-plan.c \
 *     build/libladder.a $(DEP_LIBS) -o fuzz-plan
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
	char dir[] = "/tmp/fuzz-plan.XXXXXX", path[64];
	struct ladder_plan_options opt = { 0 };
	struct ladder_plan *plan = NULL;
	struct ladder_err err = { 0 };

	if (mkdtemp(dir) == NULL)
		return 0;
	if (fuzz_file(dir, "topology.yaml", data, size, path, sizeof path)) {
		opt.topology_path = path;
		opt.epoch = 1;
		opt.time_limit_s = 1;
		opt.created_unix = 1;
		if (ladder_plan_solve(&opt, &plan, NULL, &err) == 0)
			ladder_plan_free(plan);
		unlink(path);
	}
	rmdir(dir);
	return 0;
}
