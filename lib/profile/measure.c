/*
 * measure.c: measuring one rung: cold start, the accuracy pass, single-stream
 * latency until the median's CI is tight enough, offline throughput per batch
 * size, memory and energy; with the built-in executor or an external runner.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ladder-exec.h"
#include "profile/profile.h"
#include "util/banned.h"

#define WARMUP_RUNS 5
#define MIN_LATENCY_SAMPLES 200
#define MIN_LATENCY_SECONDS 0.25
#define MAX_LATENCY_SAMPLES 2000000

void
measurement_release(struct measurement *m)
{
	free(m->latency_ms);
	free(m->outputs);
	memset(m, 0, sizeof *m);
}

/* Forget the RSS high-water mark so each rung reports its own (Linux >= 4.0). */
static void
reset_peak_rss(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "5", 1) < 0) {
			/* not resettable: the high-water mark covers the whole process */
		}
		close(fd);
	}
}

static int64_t
peak_rss_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	struct rusage ru;

	if (f != NULL) {
		while (fgets(line, sizeof line, f) != NULL) {
			if (strncmp(line, "VmHWM:", 6) == 0) {
				fclose(f);
				return strtoll(line + 6, NULL, 10) * 1024;
			}
		}
		fclose(f);
	}
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		return (int64_t)ru.ru_maxrss * 1024;
	return 0;
}

void
measurement_accuracy(struct measurement *m, const int32_t *labels, size_t n)
{
	size_t c = m->out_cols, hit1 = 0, hit5 = 0;
	bool probs = true;

	for (size_t i = 0; i < n; i++) {
		const float *row = m->outputs + i * c;
		float want = labels[i] < (int32_t)c ? row[labels[i]] : -INFINITY;
		size_t above = 0, before = 0;
		double sum = 0;

		/* Ties go to the lower index, as argmax does. */
		for (size_t j = 0; j < c; j++) {
			if (row[j] > want)
				above++;
			else if (row[j] == want && (int32_t)j < labels[i])
				before++;
			if (row[j] < 0)
				probs = false;
			sum += row[j];
		}
		if (fabs(sum - 1) > 1e-3)
			probs = false;
		if (labels[i] < (int32_t)c) {
			hit1 += above + before == 0;
			hit5 += above + before < 5;
		}
	}
	m->have_accuracy = true;
	m->accuracy_samples = n;
	m->top1 = n ? (double)hit1 / (double)n : NAN;
	m->top5 = n && c >= 5 ? (double)hit5 / (double)n : NAN;
	if (m->kind == NULL)
		m->kind = probs ? "probs" : "logits";
}

/* Synthetic input (no data given): deterministic values in [0, 1). */
static int
synthetic_input(const struct ladder_value_info *want, int batch, struct ladder_tensor *t,
    void **buf, struct ladder_err *err)
{
	const struct ladder_type *ty = &want->type;
	size_t numel = 1, bytes, esize = ladder_dtype_size(ty->dtype);
	uint64_t s = 12345;

	memset(t, 0, sizeof *t);
	*buf = NULL;
	if (ty->kind != LADDER_TYPE_TENSOR || ty->rank < 0 || esize == 0)
		return ladder_errf(err, LADDER_EUNSUPPORTED,
		    "input '%s' has no static type; give --data to bind it", want->name);
	t->name = want->name;
	t->dtype = ty->dtype;
	t->rank = ty->rank;
	for (int i = 0; i < ty->rank; i++) {
		int64_t v = ty->dims[i].value;

		if (i == 0 && v < 0)
			v = batch;
		if (v < 0)
			return ladder_errf(err, LADDER_EINVAL,
			    "input '%s' has a symbolic dim '%s'; give --data to bind it", want->name,
			    ty->dims[i].param ? ty->dims[i].param : "?");
		t->dims[i] = v;
		if (!ladder_mul_size(numel, (size_t)v, &numel))
			return ladder_errf(err, LADDER_ENOMEM, "input '%s' is too large", want->name);
	}
	if (!ladder_mul_size(numel, esize, &bytes) || bytes > ((size_t)1 << 31))
		return ladder_errf(err, LADDER_ENOMEM, "input '%s' is too large", want->name);
	*buf = malloc(bytes ? bytes : 1);
	if (*buf == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	for (size_t i = 0; i < numel; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		if (ty->dtype == LADDER_DT_FLOAT)
			((float *)*buf)[i] = (float)((s >> 40) & 0xffff) / 65536.0f;
		else
			memset((uint8_t *)*buf + i * esize, (int)((s >> 40) & 0x3), esize);
	}
	t->data = *buf;
	t->bytes = bytes;
	return 0;
}

static int
fixed_batch(const struct ladder_value_info *want)
{
	if (want->type.rank >= 1 && want->type.dims[0].value > 0)
		return (int)want->type.dims[0].value;
	return 0;
}

struct builtin {
	struct ladder_exec *ex;
	const struct ladder_value_info *want;
	const struct ladder_dataset *ds;
	void *synth;
	int synth_batch;
	struct ladder_tensor synth_t;	/* the synthetic input of synth_batch */
	size_t cursor;			/* next sample for single-stream */
};

static int
run_batch(struct builtin *b, int batch, size_t start, struct ladder_err *err)
{
	struct ladder_tensor t;
	int rc;

	if (b->ds != NULL) {
		rc = ladder_dataset_bind(b->ds, b->want, start, (size_t)batch, &t, err);
	} else if (b->synth_batch == batch) {
		t = b->synth_t;
		rc = 0;
	} else {
		free(b->synth);
		b->synth = NULL;
		b->synth_batch = 0;
		rc = synthetic_input(b->want, batch, &t, &b->synth, err);
		if (rc == 0) {
			b->synth_t = t;
			b->synth_batch = batch;
		}
	}
	if (rc != 0)
		return rc;
	return ladder_exec_run(b->ex, &t, 1, err);
}

static size_t
n_samples(const struct builtin *b)
{
	return b->ds ? b->ds->samples : 1000000;
}

/*
 * The output that holds the scores: the one ladder.json names, else one
 * called "logits", "probs" or "output", else the last (early-exit models
 * list their exits first).
 */
static size_t
scores_output(const struct ladder_exec *ex, const struct rung_input *r)
{
	size_t n = ladder_exec_n_outputs(ex);
	static const char *const names[] = { "logits", "probs", "output" };

	for (int k = -1; k < 3; k++) {
		const char *want = k < 0 ? r->output : names[k];

		if (want[0] == '\0')
			continue;
		for (size_t i = 0; i < n; i++) {
			const struct ladder_tensor *t = ladder_exec_output(ex, i);

			if (t->name != NULL && strcmp(t->name, want) == 0)
				return i;
		}
	}
	return n - 1;
}

static int
accuracy_pass(const struct measure_ctx *c, const struct rung_input *r, struct builtin *b,
    int fixed, struct measurement *m, struct ladder_err *err)
{
	const struct ladder_dataset *ds = b->ds;
	size_t n = ds->samples, batch = fixed > 0 ? (size_t)fixed : 64;

	if (batch > n && fixed > 0)
		return ladder_errf(err, LADDER_EINVAL,
		    "rung '%s' has a fixed batch of %d but the data has only %zu samples", r->name, fixed, n);
	if (batch > n)
		batch = n;
	for (size_t at = 0; at < n; at += batch) {
		size_t start = at + batch <= n ? at : n - batch;	/* a full last window */
		const struct ladder_tensor *out;
		size_t cols;
		int64_t numel;
		int rc = run_batch(b, (int)batch, start, err);

		if (rc != 0)
			return rc;
		if (ladder_exec_n_outputs(b->ex) < 1)
			return ladder_errf(err, LADDER_EFORMAT, "rung '%s' has no outputs", r->name);
		out = ladder_exec_output(b->ex, scores_output(b->ex, r));
		numel = ladder_tensor_numel(out);
		if (out->dtype != LADDER_DT_FLOAT || out->rank < 1 || out->dims[0] != (int64_t)batch ||
		    numel <= 0)
			return ladder_errf(err, LADDER_EFORMAT,
			    "rung '%s': output '%s' is not float32 [batch, classes]", r->name,
			    out->name ? out->name : "?");
		cols = (size_t)numel / batch;
		if (m->outputs == NULL) {
			size_t bytes;

			if (cols > (1u << 20) || !ladder_mul_size(n * cols, sizeof(float), &bytes))
				return ladder_errf(err, LADDER_ENOMEM, "rung '%s': output too large", r->name);
			if ((int)cols < ds->classes)
				return ladder_errf(err, LADDER_EINVAL,
				    "rung '%s' gives %zu scores per sample but the labels go up to %d",
				    r->name, cols, ds->classes - 1);
			m->outputs = malloc(bytes);
			if (m->outputs == NULL)
				return ladder_errf(err, LADDER_ENOMEM, "out of memory");
			m->out_cols = cols;
		} else if (cols != m->out_cols) {
			return ladder_errf(err, LADDER_EFORMAT, "rung '%s': output width changed", r->name);
		}
		memcpy(m->outputs + at * cols, (const float *)out->data + (at - start) * cols,
		    (start + batch - at) * cols * sizeof(float));
		if (c->progress != NULL) {
			char what[160];

			snprintf(what, sizeof what, "%s: accuracy", r->name);
			ladder_progress_report(c->progress, what, at + batch, n);
		}
	}
	measurement_accuracy(m, ds->labels, n);
	return 0;
}

/* Single-stream: one query at a time until the CI target or the budget. */
static int
latency_loop(const struct measure_ctx *c, struct builtin *b, int batch, struct measurement *m,
    struct ladder_err *err)
{
	const struct ladder_profile_options *o = c->opts;
	size_t cap = 4096, n = 0, next_check = MIN_LATENCY_SAMPLES, total = n_samples(b);
	uint64_t start = ladder_now_ns(), budget_ns = (uint64_t)(o->budget_s * 1e9);
	uint64_t min_ns = (uint64_t)(fmin(MIN_LATENCY_SECONDS, o->budget_s / 4) * 1e9);
	struct energy_meter em;
	double joules;
	const char *source;
	int rc;

	m->latency_ms = malloc(cap * sizeof *m->latency_ms);
	if (m->latency_ms == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	for (int i = 0; i < WARMUP_RUNS; i++) {
		rc = run_batch(b, batch, (b->cursor + (size_t)i * batch) % (total - batch + 1), err);
		if (rc != 0)
			return rc;
	}
	energy_begin(&em);
	for (;;) {
		size_t at = b->cursor % (total - batch + 1);
		uint64_t t0 = ladder_now_ns(), t1;

		rc = run_batch(b, batch, at, err);
		t1 = ladder_now_ns();
		if (rc != 0)
			return rc;
		b->cursor += (size_t)batch;
		if (n == cap) {
			double *g = realloc(m->latency_ms, 2 * cap * sizeof *g);

			if (g == NULL)
				return ladder_errf(err, LADDER_ENOMEM, "out of memory");
			m->latency_ms = g;
			cap *= 2;
		}
		m->latency_ms[n++] = (double)(t1 - t0) / 1e6;
		if ((n >= next_check && t1 - start >= min_ns) || t1 - start >= budget_ns || n >= MAX_LATENCY_SAMPLES) {
			double *copy = malloc(n * sizeof *copy);
			struct ladder_latency_stats st;

			if (copy == NULL)
				return ladder_errf(err, LADDER_ENOMEM, "out of memory");
			memcpy(copy, m->latency_ms, n * sizeof *copy);
			ladder_latency_stats_compute(copy, n, o->target_ci, &st);
			free(copy);
			energy_sample(&em);
			ladder_progress_report(c->progress, "latency (ms of budget)", (t1 - start) / 1000000,
			    budget_ns / 1000000);
			if (st.converged || t1 - start >= budget_ns || n >= MAX_LATENCY_SAMPLES)
				break;
			next_check = n + n / 8 + 16;
		}
	}
	ladder_latency_stats_compute(m->latency_ms, n, o->target_ci, &m->latency);
	if (energy_end(&em, &joules, &source)) {
		m->joules = joules / (double)n / batch;	/* each query is a batch of inferences */
		m->energy_source = source;
	} else {
		snprintf(m->energy_note, sizeof m->energy_note, "%s", em.note);
	}
	return 0;
}

static int
offline_loop(const struct measure_ctx *c, struct builtin *b, int fixed, struct measurement *m,
    struct ladder_err *err)
{
	double budget_s = c->opts->budget_s / 8;
	size_t total = n_samples(b);

	if (budget_s > 0.5)
		budget_s = 0.5;
	for (size_t i = 0; i < c->n_batches; i++) {
		int batch = c->batches[i];
		uint64_t t0, elapsed = 0;
		size_t runs = 0, at = 0;
		int rc;

		if ((fixed > 0 && batch != fixed) || (size_t)batch > total)
			continue;
		for (int w = 0; w < 2; w++) {
			rc = run_batch(b, batch, 0, err);
			if (rc != 0)
				return rc;
		}
		t0 = ladder_now_ns();
		while (runs < 3 || elapsed < (uint64_t)(budget_s * 1e9)) {
			rc = run_batch(b, batch, at, err);
			if (rc != 0)
				return rc;
			at = (at + (size_t)batch) % (total - (size_t)batch + 1);
			runs++;
			elapsed = ladder_now_ns() - t0;
		}
		m->offline_batch[m->n_offline] = batch;
		m->offline_ips[m->n_offline] = (double)runs * batch / ((double)elapsed / 1e9);
		m->n_offline++;
		ladder_progress_report(c->progress, "offline batch sizes", i + 1, c->n_batches);
	}
	return 0;
}

int
measure_builtin(const struct measure_ctx *c, const struct rung_input *r, struct measurement *m,
    struct ladder_err *err)
{
	struct ladder_exec_options eo = { .threads = c->opts->threads };
	struct ladder_model *model = NULL;
	struct builtin b = { .ds = c->data };
	uint64_t t0;
	int rc, fixed;

	memset(m, 0, sizeof *m);
	m->joules = NAN;
	m->top1 = m->top5 = NAN;
	m->kind = r->kind[0] ? r->kind : NULL;
	reset_peak_rss();
	t0 = ladder_now_ns();
	rc = ladder_model_load(r->path, &model, err);
	if (rc == 0)
		rc = ladder_exec_new(model, &eo, &b.ex, err);
	if (rc != 0)
		goto done;
	if (ladder_exec_n_inputs(b.ex) != 1) {
		rc = ladder_errf(err, LADDER_EUNSUPPORTED, "rung '%s' has %zu inputs; profiling feeds one",
		    r->name, ladder_exec_n_inputs(b.ex));
		goto done;
	}
	b.want = ladder_exec_input(b.ex, 0);
	fixed = fixed_batch(b.want);
	m->batch = fixed > 0 ? fixed : 1;
	if (c->data != NULL && (size_t)m->batch > c->data->samples) {
		rc = ladder_errf(err, LADDER_EINVAL,
		    "rung '%s' has a fixed batch of %d but the data has only %zu samples", r->name,
		    m->batch, c->data->samples);
		goto done;
	}
	/* Cold start: from opening the file to the first answer. */
	rc = run_batch(&b, m->batch, 0, err);
	if (rc != 0)
		goto done;
	m->load_ms = (double)(ladder_now_ns() - t0) / 1e6;
	m->arena_bytes = (int64_t)ladder_exec_arena_bytes(b.ex);
	m->weight_bytes = (int64_t)ladder_exec_weight_bytes(b.ex);
	if (c->data != NULL) {
		rc = accuracy_pass(c, r, &b, fixed, m, err);
		if (rc != 0)
			goto done;
	}
	rc = latency_loop(c, &b, m->batch, m, err);
	if (rc == 0)
		rc = offline_loop(c, &b, fixed, m, err);
	if (rc == 0)
		m->server_rate_ips = ladder_server_max_rate(m->latency_ms, m->latency.samples,
		    c->opts->server_p99_ms, c->opts->seed) * m->batch;
	m->peak_rss_bytes = peak_rss_bytes();
done:
	if (rc != 0 && err != NULL && strstr(err->msg, r->name) == NULL)
		ladder_err_prefix(err, "rung '%s'", r->name);
	free(b.synth);
	ladder_exec_free(b.ex);
	ladder_model_free(model);
	return rc;
}

/* ---- external runner ---- */

/* Appends s to b in single quotes for /bin/sh. */
static void
shell_quote(struct ladder_buf *b, const char *s)
{
	ladder_buf_addstr(b, "'");
	for (; *s; s++) {
		if (*s == '\'')
			ladder_buf_addstr(b, "'\\''");
		else
			ladder_buf_add(b, s, 1);
	}
	ladder_buf_addstr(b, "'");
}

static int
expand_command(const char *tmpl, const struct rung_input *r, const struct measure_ctx *c,
    const char *data_path, const char *outputs_path, int runs, struct ladder_buf *cmd,
    struct ladder_err *err)
{
	char num[32];

	ladder_buf_init(cmd);
	for (const char *p = tmpl; *p;) {
		if (p[0] == '{' && p[1] == '{') {	/* a literal brace */
			ladder_buf_add(cmd, p, 1);
			p += 2;
		} else if (*p == '{') {
			const char *e = strchr(p, '}');
			size_t len = e ? (size_t)(e - p - 1) : 0;

			if (e != NULL && len == 5 && strncmp(p + 1, "model", 5) == 0) {
				shell_quote(cmd, r->path);
			} else if (e != NULL && len == 7 && strncmp(p + 1, "threads", 7) == 0) {
				snprintf(num, sizeof num, "%d", c->opts->threads);
				ladder_buf_addstr(cmd, num);
			} else if (e != NULL && len == 5 && strncmp(p + 1, "batch", 5) == 0) {
				ladder_buf_addstr(cmd, "1");
			} else if (e != NULL && len == 4 && strncmp(p + 1, "runs", 4) == 0) {
				snprintf(num, sizeof num, "%d", runs);
				ladder_buf_addstr(cmd, num);
			} else if (e != NULL && len == 4 && strncmp(p + 1, "data", 4) == 0 && data_path) {
				shell_quote(cmd, data_path);
			} else if (e != NULL && len == 7 && strncmp(p + 1, "outputs", 7) == 0 &&
			    outputs_path) {
				shell_quote(cmd, outputs_path);
			} else if (e != NULL && len == 4 && strncmp(p + 1, "name", 4) == 0) {
				shell_quote(cmd, r->name);
			} else {
				ladder_buf_release(cmd);
				return ladder_errf(err, LADDER_EINVAL,
				    "runner command: unknown placeholder '%.*s'", e ? (int)(len + 2) : 1, p);
			}
			p = e + 1;
		} else {
			ladder_buf_add(cmd, p, 1);
			p++;
		}
	}
	if (cmd->failed)
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	return 0;
}

/* Runs cmd, returns the last stdout line that starts with '{' as JSON. */
static int
run_runner(const char *cmd, const char *rung, json_t **out, struct ladder_err *err)
{
	struct ladder_buf text;
	char chunk[4096], *last = NULL;
	FILE *p;
	size_t n;
	int status;

	*out = NULL;
	ladder_buf_init(&text);
	fflush(NULL);
	p = popen(cmd, "r");
	if (p == NULL)
		return ladder_errf(err, LADDER_EIO, "rung '%s': cannot start the runner: %s", rung,
		    strerror(errno));
	while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) {
		if (text.len < ((size_t)64 << 20))
			ladder_buf_add(&text, chunk, n);
	}
	status = pclose(p);
	if (status != 0) {
		ladder_buf_release(&text);
		if (WIFEXITED(status))
			return ladder_errf(err, LADDER_EIO, "rung '%s': the runner exited with status %d",
			    rung, WEXITSTATUS(status));
		return ladder_errf(err, LADDER_EIO, "rung '%s': the runner failed (status %d)", rung,
		    status);
	}
	for (char *line = text.data; line != NULL && *line;) {
		char *nl = strchr(line, '\n');

		if (*line == '{')
			last = line;
		if (nl == NULL)
			break;
		*nl = '\0';
		line = nl + 1;
	}
	if (last != NULL) {
		json_error_t je;

		*out = json_loads(last, 0, &je);
	}
	ladder_buf_release(&text);
	if (*out == NULL)
		return ladder_errf(err, LADDER_EFORMAT,
		    "rung '%s': the runner printed no JSON line of timings", rung);
	return 0;
}

int
measure_external(const struct measure_ctx *c, const struct rung_input *r,
    struct measurement *m, struct ladder_err *err)
{
	const struct ladder_profile_options *o = c->opts;
	char dir[] = "/tmp/ladder-runner.XXXXXX", data_path[64], out_path[64];
	const bool want_data = strstr(o->runner, "{data}") != NULL;
	const bool want_out = strstr(o->runner, "{outputs}") != NULL;
	uint64_t start = ladder_now_ns();
	size_t cap = 0, n = 0;
	struct rusage ru;
	struct energy_meter em;
	double joules;
	const char *source;
	int rc = 0;

	memset(m, 0, sizeof *m);
	m->joules = NAN;
	m->top1 = m->top5 = NAN;
	m->batch = 1;
	m->kind = r->kind[0] ? r->kind : NULL;
	if (mkdtemp(dir) == NULL)
		return ladder_errf(err, LADDER_EIO, "cannot make a temporary directory: %s", strerror(errno));
	snprintf(data_path, sizeof data_path, "%s/data.npy", dir);
	snprintf(out_path, sizeof out_path, "%s/outputs.npy", dir);
	if (want_data && c->data != NULL) {
		const struct ladder_dataset *ds = c->data;
		int64_t dims[LADDER_MAX_RANK + 1];

		dims[0] = (int64_t)ds->samples;
		memcpy(dims + 1, ds->sample_dims, (size_t)ds->sample_rank * sizeof dims[0]);
		rc = profile_npy_write(data_path, ds->dtype, dims,
		    ds->sample_rank + 1, ds->data, ds->samples * ds->sample_bytes, err);
		if (rc != 0)
			goto done;
	}
	energy_begin(&em);
	for (int call = 0; call < 100; call++) {
		struct ladder_buf cmd;
		json_t *j, *lat, *v;
		size_t i;

		rc = expand_command(o->runner, r, c, want_data && c->data ? data_path : NULL,
		    want_out ? out_path : NULL, 200, &cmd, err);
		if (rc != 0)
			goto done;
		rc = run_runner(cmd.data, r->name, &j, err);
		ladder_buf_release(&cmd);
		if (rc != 0)
			goto done;
		energy_sample(&em);
		lat = json_object_get(j, "latency_ms");
		if (!json_is_array(lat) || json_array_size(lat) == 0) {
			json_decref(j);
			rc = ladder_errf(err, LADDER_EFORMAT,
			    "rung '%s': the runner's JSON has no \"latency_ms\" array", r->name);
			goto done;
		}
		if (call == 0) {
			m->load_ms = jget_num(j, "load_ms");
			m->arena_bytes = jget_int(j, "arena_bytes", 0, INT64_C(1) << 53, 0);
			m->weight_bytes = jget_int(j, "weight_bytes", 0, INT64_C(1) << 53, 0);
			json_array_foreach(json_object_get(j, "offline"), i, v) {
				int64_t b = jget_int(v, "batch", 1, 65536, 0);
				double ips = jget_num(v, "throughput_ips");

				if (m->n_offline < PROFILE_MAX_BATCHES && b >= 1 && ips > 0 && isfinite(ips)) {
					m->offline_batch[m->n_offline] = (int)b;
					m->offline_ips[m->n_offline++] = ips;
				}
			}
			m->peak_rss_bytes = jget_int(j, "peak_rss_bytes", 0, INT64_C(1) << 53, 0);
		}
		json_array_foreach(lat, i, v) {
			if (!json_is_number(v) || !(json_number_value(v) >= 0) ||
			    json_number_value(v) > 1e9) {
				json_decref(j);
				rc = ladder_errf(err, LADDER_EFORMAT,
				    "rung '%s': the runner's \"latency_ms\" has a bad value", r->name);
				goto done;
			}
			if (n == cap) {
				double *g = realloc(m->latency_ms, (cap ? 2 * cap : 1024) * sizeof *g);

				if (g == NULL) {
					json_decref(j);
					rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
					goto done;
				}
				m->latency_ms = g;
				cap = cap ? 2 * cap : 1024;
			}
			m->latency_ms[n++] = json_number_value(v);
		}
		json_decref(j);
		{
			double *copy = malloc(n * sizeof *copy);
			struct ladder_latency_stats st;

			if (copy == NULL) {
				rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
				goto done;
			}
			memcpy(copy, m->latency_ms, n * sizeof *copy);
			ladder_latency_stats_compute(copy, n, o->target_ci, &st);
			free(copy);
			if (st.converged || ladder_now_ns() - start >= (uint64_t)(o->budget_s * 1e9))
				break;
		}
	}
	ladder_latency_stats_compute(m->latency_ms, n, o->target_ci, &m->latency);
	/* The whole runner processes: their start-up and load are in it (an upper bound). */
	if (energy_end(&em, &joules, &source)) {
		m->joules = joules / (double)n;
		m->energy_source = source;
	} else {
		snprintf(m->energy_note, sizeof m->energy_note, "%s", em.note);
	}
	if (!(m->load_ms >= 0 && m->load_ms <= 1e9))
		m->load_ms = NAN;
	if (m->n_offline == 0 && m->latency.mean_ms > 0) {
		m->offline_batch[0] = 1;
		m->offline_ips[0] = 1000.0 / m->latency.mean_ms;
		m->n_offline = 1;
	}
	m->server_rate_ips = ladder_server_max_rate(m->latency_ms, n, o->server_p99_ms, o->seed);
	if (m->peak_rss_bytes == 0 && getrusage(RUSAGE_CHILDREN, &ru) == 0)
		m->peak_rss_bytes = (int64_t)ru.ru_maxrss * 1024;
	if (want_out && c->data != NULL) {
		struct ladder_tensor t;
		int64_t rows;

		rc = ladder_tensor_file_read(out_path, 0, &t, err);
		if (rc != 0) {
			ladder_err_prefix(err, "rung '%s': runner outputs", r->name);
			goto done;
		}
		rows = t.rank >= 1 ? t.dims[0] : 0;
		if (t.dtype != LADDER_DT_FLOAT || t.rank != 2 || rows != (int64_t)c->data->samples ||
		    t.dims[1] < c->data->classes) {
			rc = ladder_errf(err, LADDER_EFORMAT,
			    "rung '%s': runner outputs must be float32 [%zu, classes]", r->name,
			    c->data->samples);
			ladder_data_tensor_release(&t);
			goto done;
		}
		m->outputs = t.data;
		m->out_cols = (size_t)t.dims[1];
		t.data = NULL;
		ladder_data_tensor_release(&t);
		measurement_accuracy(m, c->data->labels, c->data->samples);
	}
done:
	unlink(data_path);
	unlink(out_path);
	rmdir(dir);
	return rc;
}
