/*
 * conformance.c: runs the ONNX backend test data (Debian libonnx-testdata)
 * through the executor and compares with ONNX's tolerance.
 *
 *   conformance [--data DIR] [--suites a,b] [--table FILE] [--write-pass FILE]
 *               [--baseline FILE] [--jobs N] [-v] [CASE-SUBSTRING...]
 *
 * Each case runs in a forked child (a crash or a hang is a failure, not the
 * end of the run).  --baseline FILE: exit 1 if a case listed there (one
 * "suite/case" per line) does not pass now (the regression gate).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ladder.h"

#define RTOL 1e-3
#define ATOL 1e-7
#define CASE_TIMEOUT_S 60

enum result { R_PASS, R_FAIL, R_UNSUP, R_EXCLUDED, R_COUNT_ };
static const char *result_names[] = { "pass", "fail", "unsupported", "excluded" };

struct case_result {
	char suite[32];
	char name[160];
	enum result r;
	char reason[400];
	char ops[400];		/* distinct op types, space separated */
};

static const char *default_suites[] = { "node", "pytorch-converted", "pytorch-operator", "simple" };

static int verbose;

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted subdirectory names (caller frees each and the array). */
static char **
list_dir(const char *dir, const char *prefix, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			v = realloc(v, cap * sizeof *v);
		}
		v[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	if (*n > 0)
		qsort(v, *n, sizeof *v, cmp_str);
	return v;
}

static void
free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool
out_of_scope_op(const struct ladder_node *n)
{
	static const char *ops[] = { "If", "Loop", "Scan", "StringNormalizer", "RegexFullMatch",
		"StringConcat", "StringSplit", "Adagrad", "Adam", "Momentum", "Gradient",
		"SequenceInsert", "SequenceAt", "SequenceConstruct", "SequenceEmpty", "SequenceErase",
		"SequenceLength", "SequenceMap", "SplitToSequence", "ConcatFromSequence",
		"Optional", "OptionalGetElement", "OptionalHasElement", NULL };
	const char *d = n->domain ? n->domain : "";

	if (strcmp(d, "ai.onnx.preview.training") == 0)
		return true;
	for (int i = 0; ops[i]; i++) {
		if (strcmp(n->op_type, ops[i]) == 0)
			return true;
	}
	return false;
}

static bool
type_out_of_scope(const struct ladder_value_info *vi)
{
	return vi->type.kind != LADDER_TYPE_TENSOR || vi->type.dtype == LADDER_DT_STRING;
}

/* Why a model is outside the targets (training, sequence, string, control flow), or NULL. */
static const char *
excluded_reason(const struct ladder_model *m, char *buf, size_t size)
{
	const struct ladder_graph *g = &m->graph;

	for (size_t i = 0; i < g->n_nodes; i++) {
		if (out_of_scope_op(&g->nodes[i])) {
			snprintf(buf, size, "out of scope: %s", g->nodes[i].op_type);
			return buf;
		}
	}
	for (size_t i = 0; i < g->n_inputs; i++) {
		if (type_out_of_scope(&g->inputs[i])) {
			snprintf(buf, size, "out of scope: input '%s' is a sequence, optional or string",
			    g->inputs[i].name);
			return buf;
		}
	}
	for (size_t i = 0; i < g->n_outputs; i++) {
		if (type_out_of_scope(&g->outputs[i])) {
			snprintf(buf, size, "out of scope: output '%s' is a sequence, optional or string",
			    g->outputs[i].name);
			return buf;
		}
	}
	return NULL;
}

static void
collect_ops(const struct ladder_model *m, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < m->graph.n_nodes; i++) {
		const char *op = m->graph.nodes[i].op_type;
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(m->graph.nodes[j].op_type, op) == 0;
		if (!seen && len + strlen(op) + 2 < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? " " : "", op);
	}
}

static int
load_pb(const char *path, struct ladder_tensor **t, struct ladder_arena **arena,
    struct ladder_err *err)
{
	char *data;
	size_t len;
	int rc = ladder_read_file(path, 0, &data, &len, err);

	if (rc != 0)
		return rc;
	rc = ladder_tensor_load_pb(data, len, t, arena, err);
	free(data);
	return rc;
}

static double
elem(const struct ladder_tensor *t, int64_t i)
{
	const void *p = t->data;

	switch (t->dtype) {
	case LADDER_DT_FLOAT: return ((const float *)p)[i];
	case LADDER_DT_DOUBLE: return ((const double *)p)[i];
	case LADDER_DT_FLOAT16: {
		uint16_t h = ((const uint16_t *)p)[i];
		uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, man = h & 0x3ff;
		double v;

		if (e == 0)
			v = ldexp((double)man, -24);
		else if (e == 31)
			v = man ? NAN : INFINITY;
		else
			v = ldexp((double)(man | 0x400), (int)e - 25);
		return sign ? -v : v;
	}
	case LADDER_DT_BFLOAT16: {
		uint32_t bits = (uint32_t)((const uint16_t *)p)[i] << 16;
		float f;

		memcpy(&f, &bits, sizeof f);
		return f;
	}
	default: return 0;
	}
}

static bool
is_float(enum ladder_dtype dt)
{
	return dt == LADDER_DT_FLOAT || dt == LADDER_DT_DOUBLE || dt == LADDER_DT_FLOAT16 ||
	    dt == LADDER_DT_BFLOAT16;
}

/* Compares got with want; describes the first difference in why. */
static bool
compare(const struct ladder_tensor *got, const struct ladder_tensor *want, char *why, size_t size)
{
	int64_t n = ladder_tensor_numel(want);

	if (got->dtype != want->dtype) {
		snprintf(why, size, "dtype %s, expected %s", ladder_dtype_name(got->dtype),
		    ladder_dtype_name(want->dtype));
		return false;
	}
	bool same_shape = got->rank == want->rank;

	for (int i = 0; same_shape && i < got->rank; i++)
		same_shape = got->dims[i] == want->dims[i];
	if (!same_shape) {
		char a[128] = "", b[128] = "";
		size_t la = 0, lb = 0;

		for (int i = 0; i < got->rank && la < sizeof a - 24; i++)
			la += (size_t)snprintf(a + la, sizeof a - la, "%s%lld", i ? "," : "", (long long)got->dims[i]);
		for (int i = 0; i < want->rank && lb < sizeof b - 24; i++)
			lb += (size_t)snprintf(b + lb, sizeof b - lb, "%s%lld", i ? "," : "", (long long)want->dims[i]);
		snprintf(why, size, "shape [%s], expected [%s]", a, b);
		return false;
	}
	if (is_float(want->dtype)) {
		for (int64_t i = 0; i < n; i++) {
			double a = elem(got, i), b = elem(want, i);

			if (isnan(a) && isnan(b))
				continue;
			if (a == b)
				continue;
			if (!(fabs(a - b) <= ATOL + RTOL * fabs(b))) {
				snprintf(why, size, "element %lld is %.9g, expected %.9g", (long long)i, a, b);
				return false;
			}
		}
		return true;
	}
	size_t es = ladder_dtype_size(want->dtype);

	if (es == 0 || got->bytes < (size_t)n * es || want->bytes < (size_t)n * es) {
		snprintf(why, size, "cannot compare %s data", ladder_dtype_name(want->dtype));
		return false;
	}
	for (int64_t i = 0; i < n; i++) {
		if (memcmp((const char *)got->data + i * es, (const char *)want->data + i * es, es) != 0) {
			snprintf(why, size, "element %lld differs", (long long)i);
			return false;
		}
	}
	return true;
}

/* Runs one case in this process; fills r. */
static void
run_case(const char *dir, struct case_result *r)
{
	char path[4096], why[300];
	struct ladder_model *m = NULL;
	struct ladder_exec *ex = NULL;
	struct ladder_err err = { 0 };
	size_t n_sets = 0;
	char **sets = NULL;

	snprintf(path, sizeof path, "%s/model.onnx", dir);
	if (ladder_model_load(path, &m, &err) != 0) {
		r->r = R_FAIL;
		snprintf(r->reason, sizeof r->reason, "load: %s", err.msg);
		return;
	}
	collect_ops(m, r->ops, sizeof r->ops);
	const char *ex_reason = excluded_reason(m, why, sizeof why);
	if (ladder_exec_new(m, NULL, &ex, &err) != 0) {
		r->r = ex_reason ? R_EXCLUDED : err.code == LADDER_EUNSUPPORTED ? R_UNSUP : R_FAIL;
		snprintf(r->reason, sizeof r->reason, "%s", err.msg);
		goto out;
	}
	sets = list_dir(dir, "test_data_set_", &n_sets);
	if (n_sets == 0) {
		r->r = R_FAIL;
		snprintf(r->reason, sizeof r->reason, "no test data sets");
		goto out;
	}
	r->r = R_PASS;
	for (size_t s = 0; s < n_sets && r->r == R_PASS; s++) {
		struct ladder_arena *arenas[64] = { 0 };
		struct ladder_tensor inputs[64];
		size_t n_in = 0, n_arenas = 0;
		char sd[4096];

		snprintf(sd, sizeof sd, "%s/%s", dir, sets[s]);
		for (size_t i = 0; i < 64; i++) {
			struct ladder_tensor *t;

			snprintf(path, sizeof path, "%s/input_%zu.pb", sd, i);
			if (access(path, R_OK) != 0)
				break;
			if (load_pb(path, &t, &arenas[n_arenas], &err) != 0) {
				r->r = R_FAIL;
				snprintf(r->reason, sizeof r->reason, "%s: %s", sets[s], err.msg);
				break;
			}
			n_arenas++;
			inputs[n_in] = *t;
			/* The test data stores bfloat16 as uint16 (numpy has no bfloat16). */
			if (t->dtype == LADDER_DT_UINT16 && n_in < ladder_exec_n_inputs(ex) &&
			    ladder_exec_input(ex, n_in)->type.dtype == LADDER_DT_BFLOAT16)
				inputs[n_in].dtype = LADDER_DT_BFLOAT16;
			inputs[n_in].name = NULL;	/* by position */
			n_in++;
		}
		if (r->r == R_PASS && ladder_exec_run(ex, inputs, n_in, &err) != 0) {
			r->r = err.code == LADDER_EUNSUPPORTED ? (ex_reason ? R_EXCLUDED : R_UNSUP) : R_FAIL;
			snprintf(r->reason, sizeof r->reason, "%s: %s", sets[s], err.msg);
		}
		for (size_t i = 0; r->r == R_PASS && i < ladder_exec_n_outputs(ex); i++) {
			struct ladder_tensor *want;

			snprintf(path, sizeof path, "%s/output_%zu.pb", sd, i);
			if (access(path, R_OK) != 0)
				break;
			if (n_arenas >= 64 || load_pb(path, &want, &arenas[n_arenas], &err) != 0) {
				r->r = R_FAIL;
				snprintf(r->reason, sizeof r->reason, "%s: %s", sets[s], err.msg);
				break;
			}
			n_arenas++;
			if (want->dtype == LADDER_DT_UINT16 &&
			    ladder_exec_output(ex, i)->dtype == LADDER_DT_BFLOAT16)
				want->dtype = LADDER_DT_BFLOAT16;
			if (!compare(ladder_exec_output(ex, i), want, why, sizeof why)) {
				r->r = R_FAIL;
				snprintf(r->reason, sizeof r->reason, "%s: output %zu: %s", sets[s], i, why);
			}
		}
		for (size_t i = 0; i < n_arenas; i++)
			ladder_arena_free(arenas[i]);
	}
	if (r->r != R_PASS && ex_reason != NULL && r->r != R_EXCLUDED) {
		/* Keep the failure visible but out of the targets. */
		r->r = R_EXCLUDED;
	}
out:
	free_list(sets, n_sets);
	ladder_exec_free(ex);
	ladder_model_free(m);
}

/* Runs a case in a child process, so that a crash is recorded, not fatal. */
static void
run_case_isolated(const char *dir, struct case_result *r)
{
	int fd[2];
	pid_t pid;

	if (pipe(fd) != 0) {
		run_case(dir, r);
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		run_case(dir, r);
		return;
	}
	if (pid == 0) {
		close(fd[0]);
		alarm(CASE_TIMEOUT_S);
		run_case(dir, r);
		ssize_t w = write(fd[1], r, sizeof *r);
		_exit(w == (ssize_t)sizeof *r ? 0 : 1);
	}
	close(fd[1]);
	struct case_result tmp;
	size_t got = 0;

	while (got < sizeof tmp) {
		ssize_t k = read(fd[0], (char *)&tmp + got, sizeof tmp - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd[0]);
	int status = 0;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got == sizeof tmp) {
		*r = tmp;
	} else {
		r->r = R_FAIL;
		if (WIFSIGNALED(status))
			snprintf(r->reason, sizeof r->reason, "crashed (signal %d%s)", WTERMSIG(status),
			    WTERMSIG(status) == SIGALRM ? ": timeout" : "");
		else
			snprintf(r->reason, sizeof r->reason, "child exited with status %d",
			    WEXITSTATUS(status));
	}
}

struct op_count {
	char name[64];
	int n[R_COUNT_];
};

static void
count_op(struct op_count **ops, size_t *n_ops, const char *name, enum result r)
{
	for (size_t i = 0; i < *n_ops; i++) {
		if (strcmp((*ops)[i].name, name) == 0) {
			(*ops)[i].n[r]++;
			return;
		}
	}
	*ops = realloc(*ops, (*n_ops + 1) * sizeof **ops);
	memset(&(*ops)[*n_ops], 0, sizeof **ops);
	snprintf((*ops)[*n_ops].name, sizeof (*ops)[*n_ops].name, "%s", name);
	(*ops)[(*n_ops)++].n[r]++;
}

static int
cmp_op(const void *a, const void *b)
{
	return strcmp(((const struct op_count *)a)->name, ((const struct op_count *)b)->name);
}

int
main(int argc, char **argv)
{
	const char *data = "/usr/share/libonnx-testdata/data", *table = NULL, *write_pass = NULL;
	const char *baseline = NULL;
	const char *suites[8];
	size_t n_suites = 0;
	char *suite_arg = NULL;
	const char *filters[64];
	size_t n_filters = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
			data = argv[++i];
		else if (strcmp(argv[i], "--table") == 0 && i + 1 < argc)
			table = argv[++i];
		else if (strcmp(argv[i], "--write-pass") == 0 && i + 1 < argc)
			write_pass = argv[++i];
		else if (strcmp(argv[i], "--baseline") == 0 && i + 1 < argc)
			baseline = argv[++i];
		else if (strcmp(argv[i], "--suites") == 0 && i + 1 < argc)
			suite_arg = argv[++i];
		else if (strcmp(argv[i], "-v") == 0)
			verbose = 1;
		else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: conformance [--data DIR] [--suites a,b] [--table FILE] "
			    "[--write-pass FILE] [--baseline FILE] [-v] [FILTER...]\n");
			return 2;
		} else if (n_filters < 64)
			filters[n_filters++] = argv[i];
	}
	if (suite_arg != NULL) {
		for (char *s = suite_arg, *next; s && *s && n_suites < 8; s = next) {
			next = strchr(s, ',');
			if (next)
				*next++ = '\0';
			suites[n_suites++] = s;
		}
	} else {
		for (size_t i = 0; i < 4; i++)
			suites[n_suites++] = default_suites[i];
	}

	struct case_result *res = NULL;
	size_t n_res = 0, cap = 0;

	for (size_t s = 0; s < n_suites; s++) {
		char dir[4096];
		size_t n_cases;
		char **cases;

		snprintf(dir, sizeof dir, "%s/%s", data, suites[s]);
		cases = list_dir(dir, "", &n_cases);
		if (cases == NULL) {
			fprintf(stderr, "conformance: cannot read '%s'\n", dir);
			return 1;
		}
		for (size_t c = 0; c < n_cases; c++) {
			char cdir[4096];
			bool want = n_filters == 0;

			for (size_t f = 0; f < n_filters && !want; f++)
				want = strstr(cases[c], filters[f]) != NULL;
			if (!want)
				continue;
			snprintf(cdir, sizeof cdir, "%s/%s", dir, cases[c]);
			if (n_res == cap) {
				cap = cap ? 2 * cap : 256;
				res = realloc(res, cap * sizeof *res);
			}
			struct case_result *r = &res[n_res++];

			memset(r, 0, sizeof *r);
			snprintf(r->suite, sizeof r->suite, "%s", suites[s]);
			snprintf(r->name, sizeof r->name, "%s", cases[c]);
			run_case_isolated(cdir, r);
			if (verbose || (n_filters > 0 && r->r != R_PASS))
				printf("%-10s %s/%s%s%s\n", result_names[r->r], r->suite, r->name,
				    r->reason[0] ? ": " : "", r->reason);
		}
		free_list(cases, n_cases);
	}

	/* Tallies per suite and per op. */
	FILE *out = table ? fopen(table, "w") : NULL;
	struct op_count *ops = NULL;
	size_t n_ops = 0;
	char line[512];
	int total[R_COUNT_] = { 0 };

	if (table && out == NULL) {
		fprintf(stderr, "conformance: cannot write '%s': %s\n", table, strerror(errno));
		return 1;
	}
	if (out)
		fprintf(out, "# ladder conformance on the ONNX backend test data (libonnx-testdata)\n"
		    "# tolerance: |got - want| <= %g + %g * |want|, NaN == NaN, exact for integers\n"
		    "# excluded = uses control flow, sequences, optionals, strings or training ops\n\n",
		    ATOL, RTOL);
	for (int pass = 0; pass < 2; pass++) {
		FILE *f = pass == 0 ? stdout : out;

		if (f == NULL)
			continue;
		fprintf(f, "%-20s %6s %6s %6s %9s %6s  %s\n", "suite", "pass", "fail", "unsup",
		    "excluded", "total", "pass% (of in scope)");
		for (size_t s = 0; s < n_suites; s++) {
			int n[R_COUNT_] = { 0 }, all = 0;

			for (size_t i = 0; i < n_res; i++) {
				if (strcmp(res[i].suite, suites[s]) == 0) {
					n[res[i].r]++;
					all++;
				}
			}
			int scope = all - n[R_EXCLUDED];

			fprintf(f, "%-20s %6d %6d %6d %9d %6d  %.1f%%\n", suites[s], n[R_PASS], n[R_FAIL],
			    n[R_UNSUP], n[R_EXCLUDED], all, scope ? 100.0 * n[R_PASS] / scope : 0.0);
			if (pass == 0)
				for (int k = 0; k < R_COUNT_; k++)
					total[k] += n[k];
		}
	}
	for (size_t i = 0; i < n_res; i++) {
		char ops_copy[400], *save = NULL;

		snprintf(ops_copy, sizeof ops_copy, "%s", res[i].ops);
		for (char *tok = strtok_r(ops_copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			count_op(&ops, &n_ops, tok, res[i].r);
	}
	if (n_ops > 0)
		qsort(ops, n_ops, sizeof *ops, cmp_op);
	if (out) {
		fprintf(out, "\n%-28s %6s %6s %6s %9s   (cases using the op)\n", "op", "pass", "fail",
		    "unsup", "excluded");
		for (size_t i = 0; i < n_ops; i++)
			fprintf(out, "%-28s %6d %6d %6d %9d\n", ops[i].name, ops[i].n[R_PASS],
			    ops[i].n[R_FAIL], ops[i].n[R_UNSUP], ops[i].n[R_EXCLUDED]);
		fprintf(out, "\n# cases\n");
		for (size_t i = 0; i < n_res; i++) {
			snprintf(line, sizeof line, "%s", res[i].reason);
			for (char *p = line; *p; p++)
				if (*p == '\n')
					*p = ' ';
			fprintf(out, "%-11s %s/%s%s%s\n", result_names[res[i].r], res[i].suite, res[i].name,
			    line[0] ? "  " : "", line);
		}
	}
	int all = (int)n_res, scope = all - total[R_EXCLUDED];

	snprintf(line, sizeof line, "conformance: %d passed, %d failed, %d unsupported, %d excluded "
	    "of %d cases (%.1f%% of %d in scope)", total[R_PASS], total[R_FAIL], total[R_UNSUP],
	    total[R_EXCLUDED], all, scope ? 100.0 * total[R_PASS] / scope : 0.0, scope);
	printf("%s\n", line);
	if (out) {
		fprintf(out, "\n%s\n", line);
		fclose(out);
	}
	if (write_pass != NULL) {
		FILE *f = fopen(write_pass, "w");

		if (f == NULL) {
			fprintf(stderr, "conformance: cannot write '%s'\n", write_pass);
			return 1;
		}
		for (size_t i = 0; i < n_res; i++)
			if (res[i].r == R_PASS)
				fprintf(f, "%s/%s\n", res[i].suite, res[i].name);
		fclose(f);
	}
	int rc = 0;

	if (baseline != NULL) {
		FILE *f = fopen(baseline, "r");
		int regressions = 0, checked = 0;

		if (f == NULL) {
			fprintf(stderr, "conformance: cannot read '%s'\n", baseline);
			return 1;
		}
		while (fgets(line, sizeof line, f)) {
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0] == '\0' || line[0] == '#')
				continue;
			for (size_t i = 0; i < n_res; i++) {
				char id[256];

				snprintf(id, sizeof id, "%s/%s", res[i].suite, res[i].name);
				if (strcmp(id, line) != 0)
					continue;
				checked++;
				if (res[i].r != R_PASS) {
					printf("not ok - regression: %s: %s\n", id, res[i].reason);
					regressions++;
				}
			}
		}
		fclose(f);
		printf("%s - %d baseline cases checked, %d regressions\n",
		    regressions ? "not ok" : "ok", checked, regressions);
		rc = regressions ? 1 : 0;
	}
	free(ops);
	free(res);
	return rc;
}
