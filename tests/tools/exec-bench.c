/*
 * exec-bench.c: times ladder's executor in-process for bench/ort-bench.
 * Reads commands from stdin, one per line, and answers one line each:
 *   load PATH THREADS  -> "ok MACS ARENA_BYTES WEIGHT_BYTES INPUT_NAME D0xD1x..."
 *   run                -> "ok MS SUM"  (one inference; MS wall time, SUM of output 0)
 *   rss                -> "ok PEAK_RSS_BYTES"
 * The input is filled with ((i * 2654435761) mod 2^32 mod 1000) / 1000, which
 * the node side reproduces, so both runtimes see the same data.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ladder.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long long
peak_rss_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long long kb = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = atoll(line + 6);
	fclose(f);
	return kb * 1024;
}

int
main(void)
{
	struct ladder_model *model = NULL;
	struct ladder_exec *ex = NULL;
	struct ladder_tensor in;
	struct ladder_err err;
	char line[4096];

	memset(&in, 0, sizeof in);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof line, stdin) != NULL) {
		char path[4000];
		int threads = 1;

		if (sscanf(line, "load %3999s %d", path, &threads) >= 1) {
			struct ladder_exec_options opts = { .threads = threads };
			struct ladder_model_stats st;

			if (ladder_model_load(path, &model, &err) != 0 ||
			    ladder_model_analyze(model, &st, &err) != 0 ||
			    ladder_exec_new(model, &opts, &ex, &err) != 0) {
				printf("error %s\n", err.msg);
				return 1;
			}
			const struct ladder_value_info *vi = ladder_exec_input(ex, 0);
			int64_t numel = 1;

			in.dtype = LADDER_DT_FLOAT;
			in.rank = vi->type.rank;
			for (int i = 0; i < in.rank; i++) {
				in.dims[i] = vi->type.dims[i].value > 0 ? vi->type.dims[i].value : 1;
				numel *= in.dims[i];
			}
			in.bytes = (size_t)numel * sizeof(float);
			float *x = malloc(in.bytes);

			if (x == NULL)
				return 1;
			for (int64_t i = 0; i < numel; i++)
				x[i] = (float)(((uint32_t)i * 2654435761u) % 1000u) / 1000.0f;
			in.data = x;
			if (ladder_exec_run(ex, &in, 1, &err) != 0) {
				printf("error %s\n", err.msg);
				return 1;
			}
			printf("ok %lld %zu %zu %s ", (long long)st.macs, ladder_exec_arena_bytes(ex),
			    ladder_exec_weight_bytes(ex), vi->name);
			for (int i = 0; i < in.rank; i++)
				printf("%s%lld", i ? "x" : "", (long long)in.dims[i]);
			printf("\n");
		} else if (strncmp(line, "run", 3) == 0 && ex != NULL) {
			double t0 = now_ms();

			if (ladder_exec_run(ex, &in, 1, &err) != 0) {
				printf("error %s\n", err.msg);
				return 1;
			}
			double t1 = now_ms();
			const struct ladder_tensor *y = ladder_exec_output(ex, 0);
			double sum = 0;

			if (y->dtype == LADDER_DT_FLOAT)
				for (size_t i = 0; i < y->bytes / sizeof(float); i++)
					sum += ((const float *)y->data)[i];
			printf("ok %.6f %.9g\n", t1 - t0, sum);
		} else if (strncmp(line, "rss", 3) == 0) {
			printf("ok %lld\n", peak_rss_bytes());
		} else {
			printf("error unknown command\n");
		}
	}
	ladder_exec_free(ex);
	ladder_model_free(model);
	free(in.data);
	return 0;
}
