/* cmd-run.c: `ladder run`: run a model once with the built-in executor and save its outputs. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const struct cmd_option run_options[] = {
	{ "input", 'i', "[NAME=]FILE", true, "input tensor (.npy or .pb); without NAME, in input order",
	  COMPLETE_FILE, NULL },
	{ "output", 'o', "DIR", false, "write each output to DIR/NAME.npy (or .pb)", COMPLETE_DIR, NULL },
	{ "format", 0, "FORMAT", false, "output file format: npy (default) or pb", COMPLETE_WORDS,
	  "npy pb" },
	{ "threads", 0, "N", false, "threads for the executor (default 1)", COMPLETE_NONE, NULL },
	{ "seed", 0, "S", false, "seed of the random data for inputs not given (default 1)",
	  COMPLETE_NONE, NULL },
	{ "json", 0, NULL, false, "print a JSON summary", COMPLETE_NONE, NULL },
	{ "profile-ops", 0, "N", false,
	  "run N more times and print each node's time (slowest first)", COMPLETE_NONE, NULL },
	{ NULL, 0, NULL, false, NULL, COMPLETE_NONE, NULL },
};

struct run_state {
	struct ladder_model *model;
	struct ladder_exec *ex;
	struct ladder_arena *arena;	/* loaded and generated inputs */
	struct ladder_tensor *inputs;
	const char **sources;		/* where each input came from */
	size_t n_inputs;
};

static uint64_t
rng_next(uint64_t *s)
{
	/* splitmix64: deterministic across platforms. */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint16_t
float_to_half(float f)
{
	/* Inputs are in [0, 1): normal or zero halves only, truncation is fine for random data. */
	uint32_t x;

	memcpy(&x, &f, sizeof x);
	if ((x & 0x7fffffff) == 0)
		return 0;
	int32_t e = (int32_t)((x >> 23) & 0xff) - 127 + 15;

	if (e <= 0)
		return 0;
	return (uint16_t)(((x >> 16) & 0x8000) | ((uint32_t)e << 10) | ((x >> 13) & 0x3ff));
}

/* Random data of the declared shape (unknown dims 1): floats in [0, 1), integers in [0, 10). */
static int
random_input(struct cmd_ctx *ctx, const struct ladder_value_info *vi, uint64_t *seed,
    struct ladder_arena *arena, struct ladder_tensor *t)
{
	const struct ladder_type *ty = &vi->type;
	size_t es, bytes;
	int64_t n;

	memset(t, 0, sizeof *t);
	t->name = vi->name;
	t->dtype = ty->dtype;
	if (ty->kind != LADDER_TYPE_TENSOR || ty->rank < 0 || ty->rank > LADDER_MAX_RANK)
		return cmd_fail(ctx, "input '%s' has no known shape; give it with -i", vi->name);
	t->rank = ty->rank;
	for (int d = 0; d < ty->rank; d++)
		t->dims[d] = ty->dims[d].value >= 0 ? ty->dims[d].value : 1;
	n = ladder_tensor_numel(t);
	es = ladder_dtype_size(t->dtype);
	if (n < 0 || es == 0 || !ladder_mul_size((size_t)n, es, &bytes) || bytes > ((size_t)1 << 32))
		return cmd_fail(ctx, "cannot make random data for input '%s' (%s)", vi->name,
		    ladder_dtype_name(t->dtype));
	t->data = ladder_arena_alloc(arena, bytes);
	if (t->data == NULL)
		return cmd_fail(ctx, "out of memory");
	t->bytes = bytes;
	for (int64_t i = 0; i < n; i++) {
		uint64_t r = rng_next(seed);
		float f = (float)((r >> 40) * (1.0 / (double)(1ull << 24)));
		int64_t k = (int64_t)(r % 10);

		switch (t->dtype) {
		case LADDER_DT_FLOAT: ((float *)t->data)[i] = f; break;
		case LADDER_DT_DOUBLE: ((double *)t->data)[i] = f; break;
		case LADDER_DT_FLOAT16: ((uint16_t *)t->data)[i] = float_to_half(f); break;
		case LADDER_DT_BFLOAT16: {
			uint32_t x;
			memcpy(&x, &f, sizeof x);
			((uint16_t *)t->data)[i] = (uint16_t)(x >> 16);
			break;
		}
		case LADDER_DT_INT8: ((int8_t *)t->data)[i] = (int8_t)k; break;
		case LADDER_DT_UINT8: ((uint8_t *)t->data)[i] = (uint8_t)k; break;
		case LADDER_DT_INT16: ((int16_t *)t->data)[i] = (int16_t)k; break;
		case LADDER_DT_UINT16: ((uint16_t *)t->data)[i] = (uint16_t)k; break;
		case LADDER_DT_INT32: ((int32_t *)t->data)[i] = (int32_t)k; break;
		case LADDER_DT_UINT32: ((uint32_t *)t->data)[i] = (uint32_t)k; break;
		case LADDER_DT_INT64: ((int64_t *)t->data)[i] = k; break;
		case LADDER_DT_UINT64: ((uint64_t *)t->data)[i] = (uint64_t)k; break;
		case LADDER_DT_BOOL: ((uint8_t *)t->data)[i] = (uint8_t)(r & 1); break;
		default:
			return cmd_fail(ctx, "cannot make random data for input '%s' (%s)", vi->name,
			    ladder_dtype_name(t->dtype));
		}
	}
	return 0;
}

static int
load_tensor(struct cmd_ctx *ctx, const char *path, struct ladder_arena *arena,
    struct ladder_tensor *t)
{
	struct ladder_err err = { 0 };
	char *data;
	size_t len;

	if (ladder_read_file(path, 0, &data, &len, &err) != 0)
		return cmd_fail_err(ctx, &err);
	if (len >= 6 && memcmp(data, "\x93NUMPY", 6) == 0) {
		int rc = ladder_npy_load_mem(data, len, arena, t, &err);

		free(data);
		if (rc != 0) {
			ladder_err_prefix(&err, "cannot read '%s'", path);
			return cmd_fail_err(ctx, &err);
		}
		return 0;
	}
	struct ladder_tensor *pb;
	struct ladder_arena *pa = NULL;
	int rc = ladder_tensor_load_pb(data, len, &pb, &pa, &err);

	free(data);
	if (rc != 0) {
		ladder_arena_free(pa);
		ladder_err_prefix(&err, "cannot read '%s'", path);
		return cmd_fail_err(ctx, &err);
	}
	*t = *pb;
	t->data = pb->bytes ? ladder_arena_memdup(arena, pb->data, pb->bytes) : NULL;
	t->name = NULL;
	t->doc_string = NULL;
	t->external_location = NULL;
	ladder_arena_free(pa);
	if (t->bytes && t->data == NULL)
		return cmd_fail(ctx, "out of memory");
	return 0;
}

/* Output file name: characters outside [A-Za-z0-9._-] become '_'; never hidden or empty. */
static void
safe_name(const char *name, char *out, size_t size)
{
	size_t n = 0;

	if (name[0] == '\0' || name[0] == '.')
		out[n++] = '_';
	for (const char *p = name; *p && n + 1 < size; p++) {
		unsigned char ch = (unsigned char)*p;
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';

		out[n++] = ok ? (char)ch : '_';
	}
	out[n] = '\0';
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void
print_shape(FILE *f, const struct ladder_tensor *t, bool json)
{
	fputc('[', f);
	for (int d = 0; d < t->rank; d++)
		fprintf(f, "%s%lld", d ? (json ? ", " : ",") : "", (long long)t->dims[d]);
	fputc(']', f);
}

static int
find_input(const struct ladder_exec *ex, const char *name)
{
	for (size_t i = 0; i < ladder_exec_n_inputs(ex); i++) {
		if (strcmp(ladder_exec_input(ex, i)->name, name) == 0)
			return (int)i;
	}
	return -1;
}

struct node_prof {
	const char *name, *op;
	double min, sum;
};

static int
cmp_prof(const void *a, const void *b)
{
	const struct node_prof *x = a, *y = b;

	if (x->sum != y->sum)
		return x->sum < y->sum ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* --profile-ops N: N more runs, then each node's min and mean time, slowest first, on stderr. */
static int
profile_ops(struct cmd_ctx *ctx, struct run_state *st, int n, const char *model_path)
{
	size_t nn = ladder_exec_n_nodes(st->ex);
	struct node_prof *p = xcalloc(nn + 1, sizeof *p);
	struct ladder_err err = { 0 };
	double total_min = 0, total_sum = 0;
	uint64_t wall = 0;

	for (int r = 0; r < n; r++) {
		uint64_t t0 = ladder_now_ns();

		if (ladder_exec_run(st->ex, st->inputs, st->n_inputs, &err) != 0) {
			ladder_err_prefix(&err, "cannot run '%s'", model_path);
			cmd_fail_err(ctx, &err);
			free(p);
			return -1;
		}
		wall += ladder_now_ns() - t0;
		for (size_t i = 0; i < nn; i++) {
			double ms;

			ladder_exec_node_time(st->ex, i, &p[i].name, &p[i].op, &ms);
			if (r == 0 || ms < p[i].min)
				p[i].min = ms;
			p[i].sum += ms;
		}
	}
	for (size_t i = 0; i < nn; i++) {
		total_min += p[i].min;
		total_sum += p[i].sum;
	}
	qsort(p, nn, sizeof *p, cmp_prof);
	fprintf(stderr, "%-40s %-16s %10s %10s %6s\n", "node", "op", "min ms", "mean ms", "%");
	for (size_t i = 0; i < nn; i++) {
		if (p[i].sum == 0 && ctx->verbosity <= 0)
			continue;
		fprintf(stderr, "%-40.40s %-16.16s %10.4f %10.4f %6.1f\n", p[i].name, p[i].op, p[i].min,
		    p[i].sum / n, total_sum > 0 ? 100 * p[i].sum / total_sum : 0);
	}
	fprintf(stderr, "%-40s %-16s %10.4f %10.4f  (%d runs, mean wall %.4f ms)\n", "total", "",
	    total_min, total_sum / n, n, (double)wall / 1e6 / n);
	free(p);
	return 0;
}

static int
cmd_run_exec(struct cmd_ctx *ctx)
{
	struct ladder_err err = { 0 };
	struct run_state st = { 0 };
	struct ladder_exec_options opts = { 0 };
	const char *model_path = ctx->argv[0], *outdir = cmd_opt(ctx, "output");
	const char *format = cmd_opt(ctx, "format");
	bool json = cmd_flag(ctx, "json"), pb = false;
	long threads, seed_l, profile_n;
	uint64_t seed;
	size_t next_pos = 0;
	int rc = 1;

	if (format != NULL) {
		if (strcmp(format, "pb") == 0)
			pb = true;
		else if (strcmp(format, "npy") != 0)
			return cmd_usage_error(ctx, "--format must be npy or pb");
	}
	if ((rc = cmd_opt_long(ctx, "threads", 1, 1, 1024, &threads)) != 0)
		return rc;
	if ((rc = cmd_opt_long(ctx, "profile-ops", 0, 0, 1000000, &profile_n)) != 0)
		return rc;
	if ((rc = cmd_opt_long(ctx, "seed", 1, 0, 0x7fffffffL, &seed_l)) != 0)
		return rc;
	rc = 1;
	seed = (uint64_t)seed_l;
	opts.threads = (int)threads;
	opts.time_nodes = profile_n > 0;

	if (ladder_model_load(model_path, &st.model, &err) != 0)
		return cmd_fail_err(ctx, &err);
	if (ladder_exec_new(st.model, &opts, &st.ex, &err) != 0) {
		ladder_err_prefix(&err, "cannot run '%s'", model_path);
		cmd_fail_err(ctx, &err);
		goto out;
	}
	st.n_inputs = ladder_exec_n_inputs(st.ex);
	st.arena = ladder_arena_new();
	st.inputs = xcalloc(st.n_inputs + 1, sizeof *st.inputs);
	st.sources = xcalloc(st.n_inputs + 1, sizeof *st.sources);
	if (st.arena == NULL) {
		cmd_fail(ctx, "out of memory");
		goto out;
	}

	/* -i NAME=FILE, -i FILE, and positional FILEs after MODEL, in input order. */
	size_t n_given = cmd_opt_count(ctx, "input") + (size_t)(ctx->argc - 1);

	for (size_t k = 0; k < n_given; k++) {
		const char *arg = k < cmd_opt_count(ctx, "input") ? cmd_opt_nth(ctx, "input", k) :
		    ctx->argv[1 + k - cmd_opt_count(ctx, "input")];
		const char *eq = strchr(arg, '='), *file = arg;
		int idx = -1;

		if (eq != NULL) {
			char name[512];

			snprintf(name, sizeof name, "%.*s", (int)(eq - arg), arg);
			idx = find_input(st.ex, name);
			if (idx >= 0)
				file = eq + 1;
		}
		if (idx < 0) {
			while (next_pos < st.n_inputs && st.sources[next_pos] != NULL)
				next_pos++;
			if (next_pos >= st.n_inputs) {
				if (eq != NULL)
					cmd_fail(ctx, "'%s': the model has no input of that name", arg);
				else
					cmd_fail(ctx, "'%s': the model takes only %zu inputs", arg, st.n_inputs);
				goto out;
			}
			idx = (int)next_pos;
		}
		if (st.sources[idx] != NULL) {
			cmd_fail(ctx, "input '%s' given twice", ladder_exec_input(st.ex, (size_t)idx)->name);
			goto out;
		}
		if (load_tensor(ctx, file, st.arena, &st.inputs[idx]) != 0)
			goto out;
		st.inputs[idx].name = ladder_exec_input(st.ex, (size_t)idx)->name;
		st.sources[idx] = file;
	}
	for (size_t i = 0; i < st.n_inputs; i++) {
		if (st.sources[i] != NULL)
			continue;
		if (random_input(ctx, ladder_exec_input(st.ex, i), &seed, st.arena, &st.inputs[i]) != 0)
			goto out;
		st.sources[i] = "random";
	}

	uint64_t t0 = ladder_now_ns();

	if (ladder_exec_run(st.ex, st.inputs, st.n_inputs, &err) != 0) {
		ladder_err_prefix(&err, "cannot run '%s'", model_path);
		cmd_fail_err(ctx, &err);
		goto out;
	}
	double ms = (double)(ladder_now_ns() - t0) / 1e6;

	if (profile_n > 0 && profile_ops(ctx, &st, (int)profile_n, model_path) != 0)
		goto out;

	if (outdir != NULL && ladder_mkdirs(outdir, &err) != 0) {
		cmd_fail_err(ctx, &err);
		goto out;
	}
	char **files = xcalloc(ladder_exec_n_outputs(st.ex) + 1, sizeof *files);

	for (size_t i = 0; outdir != NULL && i < ladder_exec_n_outputs(st.ex); i++) {
		const struct ladder_tensor *t = ladder_exec_output(st.ex, i);
		char safe[256], leaf[300], path[4096];
		int wrc;

		safe_name(t->name ? t->name : "output", safe, sizeof safe);
		snprintf(leaf, sizeof leaf, "%s.%s", safe, pb ? "pb" : "npy");
		/* Two outputs whose names sanitise alike get a numeric suffix. */
		for (size_t j = 0; j < i; j++) {
			if (files[j] != NULL && strcmp(strrchr(files[j], '/') + 1, leaf) == 0) {
				snprintf(leaf, sizeof leaf, "%s-%zu.%s", safe, i, pb ? "pb" : "npy");
				break;
			}
		}
		if (ladder_path_join(path, sizeof path, outdir, leaf) != 0) {
			cmd_fail(ctx, "output path too long");
			goto out_files;
		}
		if (pb) {
			uint8_t *data;
			size_t len;

			wrc = ladder_tensor_serialize_pb(t, &data, &len, &err);
			if (wrc == 0) {
				wrc = ladder_write_file(path, data, len, &err);
				free(data);
			}
		} else {
			wrc = ladder_npy_save(path, t, &err);
		}
		if (wrc != 0) {
			ladder_err_prefix(&err, "cannot write '%s'", path);
			cmd_fail_err(ctx, &err);
			goto out_files;
		}
		files[i] = xstrdup(path);
	}

	if (json) {
		printf("{\n  \"schema\": \"ladder.run/1\",\n  \"model\": ");
		json_str(stdout, model_path);
		printf(",\n  \"inputs\": [");
		for (size_t i = 0; i < st.n_inputs; i++) {
			printf("%s\n    {\"name\": ", i ? "," : "");
			json_str(stdout, st.inputs[i].name);
			printf(", \"dtype\": \"%s\", \"shape\": ", ladder_dtype_name(st.inputs[i].dtype));
			print_shape(stdout, &st.inputs[i], true);
			printf(", \"source\": ");
			json_str(stdout, st.sources[i]);
			printf("}");
		}
		printf("%s],\n  \"outputs\": [", st.n_inputs ? "\n  " : "");
		for (size_t i = 0; i < ladder_exec_n_outputs(st.ex); i++) {
			const struct ladder_tensor *t = ladder_exec_output(st.ex, i);

			printf("%s\n    {\"name\": ", i ? "," : "");
			json_str(stdout, t->name ? t->name : "");
			printf(", \"dtype\": \"%s\", \"shape\": ", ladder_dtype_name(t->dtype));
			print_shape(stdout, t, true);
			printf(", \"file\": ");
			if (files[i])
				json_str(stdout, files[i]);
			else
				printf("null");
			printf("}");
		}
		printf("%s],\n  \"time_ms\": %.3f,\n  \"arena_bytes\": %zu,\n  \"weight_bytes\": %zu\n}\n",
		    ladder_exec_n_outputs(st.ex) ? "\n  " : "", ms, ladder_exec_arena_bytes(st.ex),
		    ladder_exec_weight_bytes(st.ex));
	} else if (ctx->verbosity >= 0) {
		for (size_t i = 0; ctx->verbosity > 0 && i < st.n_inputs; i++) {
			printf("input  %-24s %-8s ", st.inputs[i].name, ladder_dtype_name(st.inputs[i].dtype));
			print_shape(stdout, &st.inputs[i], false);
			printf("  %s\n", st.sources[i]);
		}
		for (size_t i = 0; i < ladder_exec_n_outputs(st.ex); i++) {
			const struct ladder_tensor *t = ladder_exec_output(st.ex, i);

			printf("output %-24s %-8s ", t->name ? t->name : "", ladder_dtype_name(t->dtype));
			print_shape(stdout, t, false);
			if (files[i])
				printf("  %s", files[i]);
			printf("\n");
		}
		printf("time %.3f ms (plan and run), arena %zu bytes, weights %zu bytes\n", ms,
		    ladder_exec_arena_bytes(st.ex), ladder_exec_weight_bytes(st.ex));
	}
	rc = 0;
out_files:
	for (size_t i = 0; i < ladder_exec_n_outputs(st.ex); i++)
		free(files[i]);
	free(files);
out:
	free(st.inputs);
	free(st.sources);
	ladder_arena_free(st.arena);
	ladder_exec_free(st.ex);
	ladder_model_free(st.model);
	return rc;
}

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.summary = "run a model once with the built-in executor",
	.usage = "MODEL [-i [NAME=]FILE]... [-o DIR] [--format npy|pb] [--threads N] [--seed S] [--json] [--profile-ops N] [FILE...]",
	.options = run_options,
	.min_args = 1,
	.max_args = -1,
	.args_complete = COMPLETE_FILE,
	.exec = cmd_run_exec,
};
