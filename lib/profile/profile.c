/*
 * profile.c: `ladder profile`: read the rungs (ladder.json or ONNX files),
 * reuse what profile.json already holds for the same key, measure the rest,
 * add modelled entries, and write profile.json with its per-sample files.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/data.h"
#include "profile/profile.h"
#include "util/banned.h"

#define PROFILE_SCHEMA "ladder.profile/1"

json_t *
jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

double
jget_num(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

int64_t
jget_int(const json_t *o, const char *key, int64_t lo, int64_t hi, int64_t def)
{
	double v = jget_num(o, key);

	/* Checked before the conversion: a double out of range converts to nothing defined. */
	if (!(v >= (double)lo && v <= (double)hi))
		return def;
	return (int64_t)v;
}

static const char *
jget_str(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

void
ladder_profile_options_init(struct ladder_profile_options *o)
{
	memset(o, 0, sizeof *o);
	o->threads = 1;
	o->target_ci = 0.02;
	o->budget_s = 2.0;
	o->server_p99_ms = 10.0;
	o->seed = 1;
}

void
ladder_profile_result_free(struct ladder_profile_result *r)
{
	if (r == NULL)
		return;
	free(r->rows);
	free(r);
}

int
profile_npy_write(const char *path, enum ladder_dtype dtype, const int64_t *dims, int rank,
    const void *data, size_t bytes, struct ladder_err *err)
{
	struct ladder_tensor t = { .dtype = dtype, .rank = rank, .data = (void *)data, .bytes = bytes };

	memcpy(t.dims, dims, (size_t)rank * sizeof t.dims[0]);
	return ladder_npy_save(path, &t, err);
}

/* ---- inputs: ladder.json or ONNX files ---- */

static void
base_name(const char *path, char *out, size_t size)
{
	const char *s = strrchr(path, '/');

	snprintf(out, size, "%s", s ? s + 1 : path);
	if (data_has_suffix(out, ".onnx"))
		out[strlen(out) - 5] = '\0';
}

static int
add_rung(struct rung_input **rungs, size_t *n, const struct rung_input *r)
{
	struct rung_input *g;

	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*rungs)[i].sha256, r->sha256) == 0)
			return 0;	/* the same bytes twice: measure once */
	}
	g = realloc(*rungs, (*n + 1) * sizeof *g);
	if (g == NULL)
		return LADDER_ENOMEM;
	*rungs = g;
	g[(*n)++] = *r;
	return 0;
}

static int
read_ladder(const char *path, struct rung_input **rungs, size_t *n, struct ladder_err *err)
{
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je), *arr, *v;
	const char *schema;
	char dir[4096];
	size_t i;
	int rc = 0;

	if (doc == NULL)
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': line %d: %s", path, je.line,
		    je.text);
	schema = jget_str(doc, "schema");
	if (schema == NULL || strncmp(schema, "ladder.ladder/", 14) != 0 || atoi(schema + 14) != 1) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': schema '%s' is not ladder.ladder/1",
		    path, schema ? schema : "");
		goto done;
	}
	ladder_path_dir(path, dir, sizeof dir);
	arr = json_object_get(doc, "rungs");
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': no rungs", path);
		goto done;
	}
	json_array_foreach(arr, i, v) {
		struct rung_input r = { 0 };
		const char *name = jget_str(v, "name"), *file = jget_str(v, "file");
		const char *sha = jget_str(v, "sha256"), *kind = jget_str(v, "output_kind");

		if (name == NULL || file == NULL || strlen(name) >= sizeof r.name) {
			rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': rung %zu has no name or file",
			    path, i);
			goto done;
		}
		snprintf(r.name, sizeof r.name, "%s", name);
		if (file[0] == '/')
			snprintf(r.path, sizeof r.path, "%s", file);
		else if (ladder_path_join(r.path, sizeof r.path, dir, file) != 0) {
			rc = ladder_errf(err, LADDER_EINVAL, "cannot read '%s': path too long", path);
			goto done;
		}
		rc = ladder_sha256_file(r.path, r.sha256, err);
		if (rc != 0)
			goto done;
		if (sha != NULL && strcmp(sha, r.sha256) != 0) {
			rc = ladder_errf(err, LADDER_ESECURITY,
			    "cannot use '%s': rung '%s' file '%s' does not match its sha256", path, name, file);
			goto done;
		}
		{
			json_t *outs = json_object_get(v, "outputs");
			const char *oname = jget_str(json_array_get(outs, 0), "name");

			if (oname != NULL)
				snprintf(r.output, sizeof r.output, "%s", oname);
		}
		if (kind != NULL && (strcmp(kind, "logits") == 0 || strcmp(kind, "probs") == 0))
			snprintf(r.kind, sizeof r.kind, "%s", kind);
		if (add_rung(rungs, n, &r) != 0) {
			rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
			goto done;
		}
	}
done:
	json_decref(doc);
	return rc;
}

/* ---- the document ---- */

int
profile_load_doc(const char *path, json_t **out, bool must_exist, struct ladder_err *err)
{
	json_error_t je;
	json_t *doc;
	const char *schema;

	*out = NULL;
	if (!must_exist && access(path, F_OK) != 0) {
		doc = json_object();
		json_object_set_new(doc, "schema", json_string(PROFILE_SCHEMA));
		json_object_set_new(doc, "hardware", json_array());
		json_object_set_new(doc, "data", json_array());
		json_object_set_new(doc, "entries", json_array());
		*out = doc;
		return 0;
	}
	doc = json_load_file(path, 0, &je);
	if (doc == NULL) {
		if (access(path, R_OK) != 0)
			return ladder_errf(err, LADDER_EIO, "cannot open '%s': %s", path, strerror(errno));
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': line %d: %s", path, je.line,
		    je.text);
	}
	schema = jget_str(doc, "schema");
	if (schema == NULL || strncmp(schema, "ladder.profile/", 15) != 0) {
		json_decref(doc);
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': not a ladder profile", path);
	}
	if (atoi(schema + 15) != 1) {
		ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': schema '%s' is not ladder.profile/1",
		    path, schema);
		json_decref(doc);
		return LADDER_EFORMAT;
	}
	if (!json_is_array(json_object_get(doc, "hardware")) ||
	    !json_is_array(json_object_get(doc, "data")) ||
	    !json_is_array(json_object_get(doc, "entries"))) {
		json_decref(doc);
		return ladder_errf(err, LADDER_EFORMAT,
		    "cannot read '%s': needs \"hardware\", \"data\" and \"entries\" arrays", path);
	}
	*out = doc;
	return 0;
}

static json_t *
find_by(json_t *arr, const char *key, const char *value, size_t *index)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		const char *s = jget_str(v, key);

		if (s != NULL && strcmp(s, value) == 0) {
			if (index)
				*index = i;
			return v;
		}
	}
	return NULL;
}

/* Replaces or appends the record whose `key` equals rec's. */
static void
upsert(json_t *arr, const char *key, json_t *rec)
{
	size_t i;

	if (find_by(arr, key, jget_str(rec, key), &i) != NULL)
		json_array_set_new(arr, i, rec);
	else
		json_array_append_new(arr, rec);
}

static int
cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int
cmp_entries(const void *pa, const void *pb)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	static const char *const keys[] = { "hardware", "rung", "sha256", "data", "runner" };
	int c;

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if ((c = cmp_str(jget_str(a, keys[i]), jget_str(b, keys[i]))) != 0)
			return c;
	}
	if ((c = (jget_num(a, "threads") > jget_num(b, "threads")) -
	    (jget_num(a, "threads") < jget_num(b, "threads"))) != 0)
		return c;
	return (jget_num(a, "batch") > jget_num(b, "batch")) - (jget_num(a, "batch") < jget_num(b, "batch"));
}

static const char *sort_key;

static int
cmp_by_key(const void *pa, const void *pb)
{
	return cmp_str(jget_str(*(json_t *const *)pa, sort_key), jget_str(*(json_t *const *)pb, sort_key));
}

static void
sort_array(json_t *arr, const char *key)
{
	size_t n = json_array_size(arr);
	json_t **items = malloc((n ? n : 1) * sizeof *items);

	if (items == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		items[i] = json_incref(json_array_get(arr, i));
	sort_key = key;
	qsort(items, n, sizeof *items, key ? cmp_by_key : cmp_entries);
	json_array_clear(arr);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, items[i]);
	free(items);
}

int
profile_write_doc(json_t *doc, const char *path, struct ladder_err *err)
{
	char *text;
	struct ladder_buf b;
	int rc;

	sort_array(json_object_get(doc, "hardware"), "name");
	sort_array(json_object_get(doc, "data"), "sha256");
	sort_array(json_object_get(doc, "entries"), NULL);
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	if (text == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "cannot write '%s': out of memory", path);
	ladder_buf_init(&b);
	ladder_buf_addstr(&b, text);
	ladder_buf_addstr(&b, "\n");
	free(text);
	rc = b.failed ? ladder_errf(err, LADDER_ENOMEM, "out of memory")
		      : ladder_write_file(path, b.data, b.len, err);
	ladder_buf_release(&b);
	return rc;
}

/* ---- records ---- */

static json_t *
hardware_record(const struct ladder_hardware *hw, const char *name, const char *fingerprint,
    const struct ladder_host *host, bool modelled, const char *modelled_from)
{
	json_t *o = json_object(), *libs;
	json_error_t je;

	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "tier", json_string(hw && hw->tier[0] ? hw->tier : "edge-dc"));
	json_object_set_new(o, "fingerprint", json_string(fingerprint));
	json_object_set_new(o, "cpu_model", json_string(host ? host->cpu_model : hw->cpu_model));
	json_object_set_new(o, "cores", json_integer(host ? host->cores : hw->cores));
	json_object_set_new(o, "memory_mb", json_integer(host ? host->memory_mb : hw->memory_mb));
	{
		const char *acc = host ? host->accelerator : hw->accelerator;

		json_object_set_new(o, "accelerator", acc[0] ? json_string(acc) : json_null());
	}
	json_object_set_new(o, "cost_per_hour", hw ? json_real(hw->cost_per_hour) : json_null());
	if (hw != NULL && isfinite(hw->power_active_w)) {
		json_t *p = json_object();

		json_object_set_new(p, "idle", jnum(hw->power_idle_w));
		json_object_set_new(p, "active", jnum(hw->power_active_w));
		json_object_set_new(o, "power_w", p);
	} else {
		json_object_set_new(o, "power_w", json_null());
	}
	libs = host ? json_loads(host->libs, 0, &je) : NULL;
	json_object_set_new(o, "libs", libs ? libs : json_object());
	json_object_set_new(o, "modelled", json_boolean(modelled));
	json_object_set_new(o, "modelled_from", modelled_from ? json_string(modelled_from) : json_null());
	json_object_set_new(o, "speed_factor", json_real(hw ? hw->speed_factor : 1.0));
	return o;
}

static json_t *
data_record(const struct ladder_dataset *ds)
{
	json_t *o = json_object(), *pre;
	char *text = ladder_dataset_preprocess_json(ds);
	json_error_t je;

	pre = text ? json_loads(text, 0, &je) : NULL;
	free(text);
	json_object_set_new(o, "name", json_string(ds->spec.name));
	json_object_set_new(o, "sha256", json_string(ds->sha256));
	json_object_set_new(o, "samples", json_integer((json_int_t)ds->samples));
	json_object_set_new(o, "classes", json_integer(ds->classes));
	json_object_set_new(o, "preprocess", pre ? pre : json_object());
	return o;
}

static json_t *
latency_object(const struct ladder_latency_stats *st)
{
	json_t *o = json_object();

	json_object_set_new(o, "min", jnum(st->min_ms));
	json_object_set_new(o, "p50", jnum(st->p50_ms));
	json_object_set_new(o, "p90", jnum(st->p90_ms));
	json_object_set_new(o, "p95", jnum(st->p95_ms));
	json_object_set_new(o, "p99", jnum(st->p99_ms));
	json_object_set_new(o, "max", jnum(st->max_ms));
	json_object_set_new(o, "mean", jnum(st->mean_ms));
	json_object_set_new(o, "stddev", jnum(st->stddev_ms));
	json_object_set_new(o, "samples", json_integer((json_int_t)st->samples));
	json_object_set_new(o, "converged", json_boolean(st->converged));
	json_object_set_new(o, "ci_rel_halfwidth", jnum(st->ci_rel_halfwidth));
	return o;
}

/*
 * "<rung sha256>-<16 hex>.npy": the suffix hashes the data set and the
 * runner, so one rung profiled on two data sets (or runtimes) keeps both.
 */
static const char *
outputs_name(const struct rung_input *r, const struct ladder_dataset *ds, const char *runner)
{
	static char name[128];
	char id[LADDER_SHA256_HEX];
	struct ladder_buf b;

	ladder_buf_init(&b);
	ladder_buf_addf(&b, "%s\n%s\n", ds ? ds->sha256 : "", runner);
	ladder_sha256_hex(b.data ? b.data : "", b.len, id);
	ladder_buf_release(&b);
	snprintf(name, sizeof name, "%s-%.16s.npy", r->sha256, id);
	return name;
}

static json_t *
entry_record(const struct rung_input *r, const char *hardware, const struct ladder_dataset *ds,
    const char *runner, int threads, const struct measurement *m, const struct ladder_hardware *hw,
    double server_p99_ms)
{
	json_t *o = json_object(), *off = json_array(), *sv = json_object(), *mem = json_object();
	json_t *en = json_object();

	json_object_set_new(o, "rung", json_string(r->name));
	json_object_set_new(o, "sha256", json_string(r->sha256));
	json_object_set_new(o, "hardware", json_string(hardware));
	json_object_set_new(o, "data", ds ? json_string(ds->sha256) : json_null());
	json_object_set_new(o, "runner", json_string(runner));
	json_object_set_new(o, "threads", json_integer(threads));
	json_object_set_new(o, "batch", json_integer(m->batch));
	json_object_set_new(o, "load_ms", jnum(m->load_ms));
	json_object_set_new(o, "latency_ms", latency_object(&m->latency));
	for (size_t i = 0; i < m->n_offline; i++) {
		json_t *b = json_object();

		json_object_set_new(b, "batch", json_integer(m->offline_batch[i]));
		json_object_set_new(b, "throughput_ips", jnum(m->offline_ips[i]));
		json_array_append_new(off, b);
	}
	json_object_set_new(o, "offline", off);
	json_object_set_new(sv, "p99_bound_ms", jnum(server_p99_ms));
	json_object_set_new(sv, "max_rate_ips", jnum(m->server_rate_ips));
	json_object_set_new(o, "server", sv);
	json_object_set_new(mem, "arena_bytes", json_integer(m->arena_bytes));
	json_object_set_new(mem, "weight_bytes", json_integer(m->weight_bytes));
	json_object_set_new(mem, "peak_rss_bytes", json_integer(m->peak_rss_bytes));
	json_object_set_new(o, "memory", mem);
	if (m->energy_source != NULL && isfinite(m->joules)) {
		json_object_set_new(en, "joules_per_inference", jnum(m->joules));
		json_object_set_new(en, "source", json_string(m->energy_source));
	} else if (hw != NULL && isfinite(hw->power_active_w) && isfinite(m->latency.mean_ms)) {
		/* Active power for the duration of one single-stream query. */
		json_object_set_new(en, "joules_per_inference",
		    jnum(hw->power_active_w * m->latency.mean_ms / 1000 / m->batch));
		json_object_set_new(en, "source", json_string("modelled"));
	} else {
		json_decref(en);
		en = json_null();
	}
	json_object_set_new(o, "energy", en);
	if (m->have_accuracy) {
		json_t *a = json_object(), *s = json_object();
		char p[128];

		json_object_set_new(a, "top1", jnum(m->top1));
		json_object_set_new(a, "top5", jnum(m->top5));
		json_object_set_new(a, "samples", json_integer((json_int_t)m->accuracy_samples));
		json_object_set_new(o, "accuracy", a);
		snprintf(p, sizeof p, "samples/%s", outputs_name(r, ds, runner));
		json_object_set_new(s, "outputs", json_string(p));
		snprintf(p, sizeof p, "samples/labels-%s.npy", ds->sha256);
		json_object_set_new(s, "labels", json_string(p));
		json_object_set_new(s, "kind", json_string(m->kind ? m->kind : "logits"));
		json_object_set_new(o, "samples", s);
	} else {
		json_object_set_new(o, "accuracy", json_null());
		json_object_set_new(o, "samples", json_null());
	}
	return o;
}

static bool
same_key(const json_t *e, const char *sha, const char *hardware, const char *data,
    const char *runner, int threads)
{
	const char *d = jget_str(e, "data");

	return cmp_str(jget_str(e, "sha256"), sha) == 0 && cmp_str(jget_str(e, "hardware"), hardware) == 0 &&
	    ((d == NULL && data == NULL) || (d && data && strcmp(d, data) == 0)) &&
	    cmp_str(jget_str(e, "runner"), runner) == 0 && jget_num(e, "threads") == threads;
}

/* The model's fixed batch (its first graph input's first dim), 0 when symbolic or unreadable. */
static int
model_fixed_batch(const char *path)
{
	struct ladder_err err = { 0 };
	struct ladder_model *model = NULL;
	int fixed = 0;

	if (ladder_model_load(path, &model, &err) != 0)
		return 0;
	for (size_t i = 0; i < model->graph.n_inputs; i++) {
		const struct ladder_value_info *v = &model->graph.inputs[i];

		if (ladder_graph_is_initializer(&model->graph, v->name))
			continue;
		if (v->type.kind == LADDER_TYPE_TENSOR && v->type.rank >= 1 && v->type.dims[0].value > 0)
			fixed = (int)v->type.dims[0].value;
		break;
	}
	ladder_model_free(model);
	return fixed;
}

/*
 * Whether a cached built-in entry has every offline batch size asked for
 * now, leaving out those the measurement would skip (a fixed batch, more
 * than the data holds).
 */
static bool
has_batches(const json_t *e, const struct rung_input *r, const struct measure_ctx *c)
{
	int fixed = -1;

	for (size_t k = 0; k < c->n_batches; k++) {
		int b = c->batches[k];
		bool found = false;
		size_t i;
		json_t *v;

		if (c->data != NULL && (size_t)b > c->data->samples)
			continue;
		json_array_foreach(json_object_get(e, "offline"), i, v)
			found |= jget_num(v, "batch") == b;
		if (found)
			continue;
		if (fixed < 0)
			fixed = model_fixed_batch(r->path);
		if (fixed == 0 || fixed == b)
			return false;
	}
	return true;
}

/*
 * The cached entry: the same key, measured for the same server bound, with
 * every requested offline batch size (built-in runner) and its files.
 */
static json_t *
cached_entry(json_t *doc, const char *outdir, const struct rung_input *r, const char *hardware,
    const struct measure_ctx *c, const char *runner, size_t *index)
{
	json_t *entries = json_object_get(doc, "entries"), *e;
	const struct ladder_dataset *ds = c->data;
	double bound = c->opts->server_p99_ms;
	size_t i;

	json_array_foreach(entries, i, e) {
		json_t *s;
		double have;

		if (!same_key(e, r->sha256, hardware, ds ? ds->sha256 : NULL, runner, c->opts->threads))
			continue;
		*index = i;
		have = jget_num(json_object_get(e, "server"), "p99_bound_ms");
		if (!(fabs(have - bound) <= 1e-9 * bound))
			return NULL;
		if (c->opts->runner == NULL && !has_batches(e, r, c))
			return NULL;
		s = json_object_get(e, "samples");
		if (ds != NULL) {
			char p[8192];
			const char *f;

			if (!json_is_object(s))
				return NULL;
			for (int k = 0; k < 2; k++) {
				f = jget_str(s, k ? "labels" : "outputs");
				if (f == NULL || ladder_path_join(p, sizeof p, outdir, f) != 0 ||
				    access(p, R_OK) != 0)
					return NULL;
			}
		}
		return e;
	}
	return NULL;
}

/* ---- modelled entries ---- */

/*
 * Service times from the reported percentiles (piecewise-linear inverse CDF
 * from min to p99; the top 1% at p99, since the maximum is usually a stall
 * of the measuring machine that scaling would blow up, not the target's).
 */
static void
synth_service(const json_t *lat, double scale, double *out, size_t n)
{
	static const double q[] = { 0, 0.5, 0.9, 0.95, 0.99, 1 };
	static const char *const k[] = { "min", "p50", "p90", "p95", "p99", "max" };
	double v[6];

	for (int i = 0; i < 6; i++)
		v[i] = jget_num(lat, k[i < 5 ? i : 4]) * scale;
	for (size_t i = 0; i < n; i++) {
		double u = ((double)i + 0.5) / (double)n;
		int s = 0;

		while (s < 4 && u > q[s + 1])
			s++;
		out[i] = v[s] + (v[s + 1] - v[s]) * (u - q[s]) / (q[s + 1] - q[s]);
	}
}

static json_t *
modelled_entry(const json_t *measured, const struct ladder_hardware *target, double scale,
    double server_p99_ms, uint64_t seed)
{
	json_t *e = json_deep_copy(measured), *lat, *v, *en;
	static const char *const keys[] = { "min", "p50", "p90", "p95", "p99", "max", "mean", "stddev" };
	double service[1000];
	size_t i;

	json_object_set_new(e, "hardware", json_string(target->name));
	json_object_set_new(e, "load_ms", jnum(jget_num(e, "load_ms") * scale));
	lat = json_object_get(e, "latency_ms");
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
		json_object_set_new(lat, keys[k], jnum(jget_num(lat, keys[k]) * scale));
	json_array_foreach(json_object_get(e, "offline"), i, v)
		json_object_set_new(v, "throughput_ips", jnum(jget_num(v, "throughput_ips") / scale));
	synth_service(lat, 1.0, service, 1000);
	v = json_object_get(e, "server");
	json_object_set_new(v, "p99_bound_ms", jnum(server_p99_ms));
	json_object_set_new(v, "max_rate_ips",
	    jnum(ladder_server_max_rate(service, 1000, server_p99_ms, seed) * jget_num(e, "batch")));
	json_object_set_new(json_object_get(e, "memory"), "peak_rss_bytes", json_null());
	if (isfinite(target->power_active_w)) {
		en = json_object();
		json_object_set_new(en, "joules_per_inference",
		    jnum(target->power_active_w * jget_num(lat, "mean") / 1000 / jget_num(e, "batch")));
		json_object_set_new(en, "source", json_string("modelled"));
	} else {
		en = json_null();
	}
	json_object_set_new(e, "energy", en);
	return e;
}

/* ---- the run ---- */

static int
add_row(struct ladder_profile_result *res, const json_t *e, bool cached, bool modelled)
{
	struct ladder_profile_row *g = realloc(res->rows, (res->n_rows + 1) * sizeof *g), *row;
	const json_t *lat = json_object_get(e, "latency_ms"), *acc = json_object_get(e, "accuracy");
	const json_t *mem = json_object_get(e, "memory"), *en = json_object_get(e, "energy"), *v;
	size_t i;

	if (g == NULL)
		return LADDER_ENOMEM;
	res->rows = g;
	row = &g[res->n_rows++];
	memset(row, 0, sizeof *row);
	snprintf(row->rung, sizeof row->rung, "%s", jget_str(e, "rung") ? jget_str(e, "rung") : "");
	snprintf(row->sha256, sizeof row->sha256, "%s", jget_str(e, "sha256") ? jget_str(e, "sha256") : "");
	snprintf(row->hardware, sizeof row->hardware, "%s",
	    jget_str(e, "hardware") ? jget_str(e, "hardware") : "");
	row->cached = cached;
	row->modelled = modelled;
	row->load_ms = jget_num(e, "load_ms");
	row->p50_ms = jget_num(lat, "p50");
	row->p99_ms = jget_num(lat, "p99");
	row->ci_rel_halfwidth = jget_num(lat, "ci_rel_halfwidth");
	row->converged = json_is_true(json_object_get(lat, "converged"));
	row->latency_samples = (size_t)jget_int(lat, "samples", 0, INT64_C(1) << 53, 0);
	row->best_throughput_ips = NAN;
	json_array_foreach(json_object_get(e, "offline"), i, v) {
		double ips = jget_num(v, "throughput_ips");

		if (!(row->best_throughput_ips >= ips)) {
			row->best_throughput_ips = ips;
			row->best_batch = (int)jget_int(v, "batch", 0, 1 << 30, 0);
		}
	}
	row->server_max_rate_ips = jget_num(json_object_get(e, "server"), "max_rate_ips");
	row->server_p99_bound_ms = jget_num(json_object_get(e, "server"), "p99_bound_ms");
	row->top1 = jget_num(acc, "top1");
	row->top5 = jget_num(acc, "top5");
	row->joules_per_inference = jget_num(en, "joules_per_inference");
	snprintf(row->energy_source, sizeof row->energy_source, "%s",
	    jget_str(en, "source") ? jget_str(en, "source") : "");
	row->arena_bytes = jget_int(mem, "arena_bytes", 0, INT64_C(1) << 53, 0);
	row->weight_bytes = jget_int(mem, "weight_bytes", 0, INT64_C(1) << 53, 0);
	row->peak_rss_bytes = jget_int(mem, "peak_rss_bytes", 0, INT64_C(1) << 53, -1);
	return 0;
}

static int
parse_batches(const struct ladder_profile_options *o, struct measure_ctx *c, struct ladder_err *err)
{
	static const int def[] = { 1, 8, 32 };
	const int *b = o->batches ? o->batches : def;
	size_t n = o->batches ? o->n_batches : 3;

	if (n == 0 || n > PROFILE_MAX_BATCHES)
		return ladder_errf(err, LADDER_EINVAL, "give 1 to %d batch sizes", PROFILE_MAX_BATCHES);
	for (size_t i = 0; i < n; i++) {
		if (b[i] < 1 || b[i] > 65536)
			return ladder_errf(err, LADDER_EINVAL, "batch size %d is not 1 to 65536", b[i]);
		c->batches[i] = b[i];
	}
	c->n_batches = n;
	return 0;
}

int
ladder_profile_run(const struct ladder_profile_options *o, const struct ladder_progress *progress,
    struct ladder_profile_result **out, struct ladder_err *err)
{
	struct ladder_profile_result *res = NULL;
	struct ladder_hardware hw, *have_hw = NULL, *targets = NULL;
	struct ladder_dataset *ds = NULL;
	struct rung_input *rungs = NULL;
	struct measure_ctx c = { .opts = o, .progress = progress };
	struct ladder_host host;
	char outdir[4096], samples_dir[4200], runner[1100];
	const char *hw_name = "local";
	json_t *doc = NULL, *hws, *old, *entries;
	size_t n_rungs = 0;
	bool labels_written = false;
	int rc;

	*out = NULL;
	if (o->output == NULL || o->n_inputs == 0)
		return ladder_errf(err, LADDER_EINVAL, "nothing to profile");
	if (!(o->target_ci > 0) || !(o->budget_s > 0) || !(o->server_p99_ms > 0) || o->threads < 1)
		return ladder_errf(err, LADDER_EINVAL, "bad profiling options");
	rc = parse_batches(o, &c, err);
	if (rc != 0)
		return rc;
	snprintf(runner, sizeof runner, "%s", o->runner ? o->runner : "builtin");
	ladder_path_dir(o->output, outdir, sizeof outdir);
	snprintf(samples_dir, sizeof samples_dir, "%s/samples", outdir);
	res = calloc(1, sizeof *res);
	if (res == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	/* Everything that can fail on bad input before anything is measured. */
	for (size_t i = 0; i < o->n_inputs; i++) {
		const char *in = o->inputs[i];

		if (data_has_suffix(in, ".json")) {
			rc = read_ladder(in, &rungs, &n_rungs, err);
		} else {
			struct rung_input r = { 0 };

			base_name(in, r.name, sizeof r.name);
			snprintf(r.path, sizeof r.path, "%s", in);
			rc = ladder_sha256_file(in, r.sha256, err);
			if (rc == 0 && add_rung(&rungs, &n_rungs, &r) != 0)
				rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
		}
		if (rc != 0)
			goto done;
	}
	if (o->hardware != NULL) {
		rc = ladder_hardware_find(o->hardware, &hw, err);
		if (rc != 0)
			goto done;
		have_hw = &hw;
		hw_name = hw.name;
	}
	if (o->n_model_as > 0) {
		targets = calloc(o->n_model_as, sizeof *targets);
		if (targets == NULL) {
			rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
			goto done;
		}
		for (size_t i = 0; i < o->n_model_as; i++) {
			rc = ladder_hardware_find(o->model_as[i], &targets[i], err);
			if (rc != 0)
				goto done;
			if (strcmp(targets[i].name, hw_name) == 0) {
				rc = ladder_errf(err, LADDER_EINVAL,
				    "cannot model '%s': it is the hardware being measured", hw_name);
				goto done;
			}
		}
	}
	rc = profile_load_doc(o->output, &doc, false, err);
	if (rc != 0)
		goto done;
	if (o->data != NULL) {
		rc = ladder_dataset_load(o->data, &ds, err);
		if (rc != 0)
			goto done;
		c.data = ds;
	}
	ladder_host_probe(&host);
	snprintf(res->hardware_fingerprint, sizeof res->hardware_fingerprint, "%s", host.fingerprint);
	hws = json_object_get(doc, "hardware");
	entries = json_object_get(doc, "entries");
	old = find_by(hws, "name", hw_name, NULL);
	if (old != NULL && cmp_str(jget_str(old, "fingerprint"), host.fingerprint) != 0) {
		/* Same name, another machine (or new libraries): its old entries are stale. */
		for (size_t i = json_array_size(entries); i-- > 0;) {
			if (cmp_str(jget_str(json_array_get(entries, i), "hardware"), hw_name) == 0)
				json_array_remove(entries, i);
		}
	}
	upsert(hws, "name", hardware_record(have_hw, hw_name, host.fingerprint, &host, false, NULL));
	if (ds != NULL)
		upsert(json_object_get(doc, "data"), "sha256", data_record(ds));
	for (size_t i = 0; i < n_rungs; i++) {
		const struct rung_input *r = &rungs[i];
		struct measurement m;
		size_t at = (size_t)-1;
		json_t *e = cached_entry(doc, outdir, r, hw_name, &c, runner, &at);

		ladder_progress_report(progress, "rungs", i, n_rungs);
		if (e != NULL && !o->force) {
			res->reused++;
			if (add_row(res, e, true, false) != 0)
				goto oom;
			continue;
		}
		rc = o->runner ? measure_external(&c, r, &m, err) : measure_builtin(&c, r, &m, err);
		if (rc != 0) {
			measurement_release(&m);
			goto done;
		}
		if (m.have_accuracy) {
			char path[8400];
			int64_t dims[2] = { (int64_t)ds->samples, (int64_t)m.out_cols };

			rc = ladder_mkdirs(samples_dir, err);
			snprintf(path, sizeof path, "%s/%s", samples_dir, outputs_name(r, ds, runner));
			if (rc == 0)
				rc = profile_npy_write(path, LADDER_DT_FLOAT, dims, 2, m.outputs,
				    ds->samples * m.out_cols * sizeof(float), err);
			if (rc == 0 && !labels_written) {
				snprintf(path, sizeof path, "%s/labels-%s.npy", samples_dir, ds->sha256);
				rc = profile_npy_write(path, LADDER_DT_INT32, dims, 1, ds->labels,
				    ds->samples * sizeof(int32_t), err);
				labels_written = true;
			}
			if (rc != 0) {
				measurement_release(&m);
				goto done;
			}
		}
		if (m.energy_note[0] != '\0' && res->energy_note[0] == '\0')
			snprintf(res->energy_note, sizeof res->energy_note, "%s", m.energy_note);
		e = entry_record(r, hw_name, ds, runner, o->threads, &m, have_hw, o->server_p99_ms);
		measurement_release(&m);
		if (at != (size_t)-1)
			json_array_set_new(entries, at, e);
		else
			json_array_append_new(entries, e);
		res->measured++;
		if (add_row(res, e, false, false) != 0)
			goto oom;
	}
	/* Modelled entries: this run's rungs, scaled by the speed factors. */
	for (size_t t = 0; t < o->n_model_as; t++) {
		const struct ladder_hardware *tg = &targets[t];
		double scale = (have_hw ? have_hw->speed_factor : 1.0) / tg->speed_factor;
		struct ladder_buf id;
		char fp[LADDER_SHA256_HEX];

		ladder_buf_init(&id);
		ladder_buf_addf(&id, "modelled\n%s\n%s\n%d\n%s\n%lld\n%.17g\n", tg->name, tg->cpu_model,
		    tg->cores, tg->accelerator, (long long)tg->memory_mb, tg->speed_factor);
		ladder_sha256_hex(id.data ? id.data : "", id.len, fp);
		ladder_buf_release(&id);
		upsert(hws, "name", hardware_record(tg, tg->name, fp, NULL, true, hw_name));
		for (size_t i = 0; i < n_rungs; i++) {
			size_t at = (size_t)-1, k;
			json_t *me = cached_entry(doc, outdir, &rungs[i], hw_name, &c, runner, &k);
			json_t *e;

			if (me == NULL)
				continue;
			e = modelled_entry(me, tg, scale, o->server_p99_ms, o->seed);
			for (size_t j = 0; j < json_array_size(entries); j++) {
				json_t *x = json_array_get(entries, j);

				if (same_key(x, rungs[i].sha256, tg->name, ds ? ds->sha256 : NULL, runner,
				    o->threads))
					at = j;
			}
			if (at != (size_t)-1)
				json_array_set_new(entries, at, e);
			else
				json_array_append_new(entries, e);
			res->modelled++;
			if (add_row(res, e, false, true) != 0)
				goto oom;
		}
	}
	rc = profile_write_doc(doc, o->output, err);
	goto done;
oom:
	rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
done:
	json_decref(doc);
	ladder_dataset_free(ds);
	free(rungs);
	free(targets);
	if (rc != 0)
		ladder_profile_result_free(res);
	else
		*out = res;
	return rc;
}
