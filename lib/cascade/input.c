/*
 * input.c: reads what `ladder thresholds` needs from profile.json (entries
 * with per-sample records, hardware prices) and, for the MACs cost model,
 * ladder.json; loads the outputs and labels and lists the chains.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cascade.h"

#define PROFILE_MAX_BYTES ((size_t)256 << 20)
#define NPY_MAX_BYTES ((size_t)2 << 30)

/* Checks "schema": "<kind>/<major>" with major 1. */
static int
check_schema(json_t *root, const char *path, const char *kind, struct ladder_err *err)
{
	const char *s = json_string_value(json_object_get(root, "schema"));
	size_t kl = strlen(kind);

	if (s == NULL)
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': no \"schema\"", path);
	if (strncmp(s, kind, kl) != 0 || s[kl] != '/')
		return ladder_errf(err, LADDER_EFORMAT,
		    "cannot read '%s': schema '%s' is not %s/1", path, s, kind);
	if (atoi(s + kl + 1) != 1)
		return ladder_errf(err, LADDER_EUNSUPPORTED,
		    "cannot read '%s': schema '%s' is not supported (this ladder reads %s/1)", path,
		    s, kind);
	return 0;
}

static int
load_json(const char *path, json_t **root, struct ladder_err *err)
{
	char *text = NULL;
	size_t len = 0;
	json_error_t je;
	int rc = ladder_read_file(path, PROFILE_MAX_BYTES, &text, &len, err);

	if (rc != 0)
		return rc;
	*root = json_loadb(text, len, 0, &je);
	free(text);
	if (*root == NULL)
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': line %d: %s", path,
		    je.line, je.text);
	if (!json_is_object(*root)) {
		json_decref(*root);
		*root = NULL;
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': not a JSON object", path);
	}
	return 0;
}

static int
tier_of(const char *s)
{
	static const char *const tiers[] = { "device", "hub", "edge-dc", "cloud" };

	for (int i = 0; s != NULL && i < 4; i++)
		if (strcmp(s, tiers[i]) == 0)
			return i;
	return -1;
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static double
num_or(json_t *v, double def)
{
	return json_is_number(v) ? json_number_value(v) : def;
}

static int
cmp_stage(const void *a, const void *b)
{
	const struct cascade_stage *x = a, *y = b;
	int c;

	if (x->cost != y->cost)
		return x->cost < y->cost ? -1 : 1;
	if ((c = strcmp(x->rung, y->rung)) != 0)
		return c;
	return strcmp(x->hardware, y->hardware);
}

/* Outputs index for path, loading it on first use. */
static int
outputs_for(struct cascade_input *in, const char *path, int probs, struct ladder_err *err,
    size_t *index)
{
	struct ladder_npy_matrix m;
	int rc;

	for (size_t i = 0; i < in->n_outputs; i++) {
		if (strcmp(in->outputs[i].path, path) == 0) {
			*index = i;
			return 0;
		}
	}
	rc = ladder_cascade_npy_read(path, 0, NPY_MAX_BYTES, &m, err);
	if (rc != 0)
		return rc;
	if (m.rows != in->n) {
		ladder_npy_matrix_release(&m);
		return ladder_errf(err, LADDER_EFORMAT,
		    "cannot read '%s': %zu rows, but the labels have %zu", path, m.rows, in->n);
	}
	if (m.cols < 2 || m.cols > CASCADE_MAX_CLASSES) {
		ladder_npy_matrix_release(&m);
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': %zu classes", path,
		    m.cols);
	}
	struct cascade_outputs *v = realloc(in->outputs, (in->n_outputs + 1) * sizeof(*v));
	if (v == NULL) {
		ladder_npy_matrix_release(&m);
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	}
	in->outputs = v;
	struct cascade_outputs *o = &v[in->n_outputs];
	memset(o, 0, sizeof(*o));
	o->path = strdup(path);
	o->rows = m.f32;
	o->classes = m.cols;
	o->probs = probs;
	o->temperature = 1.0;
	o->correct = malloc(in->n ? in->n : 1);
	for (int k = 0; k < LADDER_MEASURE_COUNT; k++)
		o->conf[k] = malloc((in->n ? in->n : 1) * sizeof(double));
	in->n_outputs++;
	if (o->path == NULL || o->correct == NULL || o->conf[0] == NULL || o->conf[1] == NULL ||
	    o->conf[2] == NULL || o->conf[3] == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	for (size_t s = 0; s < in->n; s++) {
		int32_t pred;
		int32_t y = in->labels[s];
		if (y < 0 || (size_t)y >= o->classes)
			return ladder_errf(err, LADDER_EFORMAT,
			    "cannot use '%s': label %d of sample %zu is not below its %zu classes",
			    path, (int)y, s, o->classes);
		ladder_confidence(o->rows + s * o->classes, o->classes, probs,
		    LADDER_MEASURE_MAX_SOFTMAX, 1.0, &pred);
		o->correct[s] = pred == y;
	}
	*index = in->n_outputs - 1;
	return 0;
}

void
cascade_compute_confidence(struct cascade_input *in, int measure)
{
	for (size_t i = 0; i < in->n_outputs; i++) {
		struct cascade_outputs *o = &in->outputs[i];
		for (size_t s = 0; s < in->n; s++) {
			double c = ladder_confidence(o->rows + s * o->classes, o->classes, o->probs,
			    (enum ladder_measure)measure, o->temperature, NULL);
			o->conf[measure][s] = isnan(c) ? 0 : c;
		}
	}
}

static int
load_macs(const char *path, struct cascade_input *in, struct ladder_err *err)
{
	json_t *root = NULL, *rungs;
	int rc = load_json(path, &root, err);

	if (rc != 0)
		return rc;
	if ((rc = check_schema(root, path, "ladder.ladder", err)) != 0)
		goto out;
	rungs = json_object_get(root, "rungs");
	if (!json_is_array(rungs)) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': no \"rungs\" array", path);
		goto out;
	}
	for (size_t i = 0; i < in->n_stages; i++) {
		struct cascade_stage *st = &in->stages[i];
		size_t k;
		json_t *r;
		json_array_foreach(rungs, k, r) {
			const char *sha = json_string_value(json_object_get(r, "sha256"));
			json_t *macs = json_object_get(r, "macs");
			if (sha != NULL && strcmp(sha, st->sha256) == 0 && json_is_number(macs))
				st->macs = json_number_value(macs);
		}
	}
out:
	json_decref(root);
	return rc;
}

static int
list_chains(const struct ladder_thresholds_options *o, struct cascade_input *in,
    struct ladder_err *err)
{
	size_t ns = in->n_stages, cap = ns, count = 0;
	struct cascade_chain *v;

	if (o->max_chain >= 2)
		cap += ns * ns;
	if (o->max_chain >= 3)
		cap += ns * ns * ns;
	if (cap > CASCADE_MAX_CHAINS)
		return ladder_errf(err, LADDER_ENOMEM,
		    "too many chains from %zu profile entries (at most %d stages per chain "
		    "allowed); lower --max-chain", ns, o->max_chain);
	v = calloc(cap ? cap : 1, sizeof(*v));
	if (v == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	for (int len = 1; len <= o->max_chain && len <= 3; len++) {
		for (size_t a = 0; a < ns; a++) {
			for (size_t b = 0; b < (len >= 2 ? ns : 1); b++) {
				for (size_t c = 0; c < (len >= 3 ? ns : 1); c++) {
					size_t st[3] = { a, b, c };
					bool ok = true;
					for (int i = 1; i < len && ok; i++) {
						const struct cascade_stage *p = &in->stages[st[i - 1]];
						const struct cascade_stage *q = &in->stages[st[i]];
						ok = q->cost > p->cost && q->tier >= p->tier;
						for (int j = 0; j < i && ok; j++)
							ok = strcmp(in->stages[st[j]].sha256, q->sha256) != 0;
					}
					if (!ok)
						continue;
					struct cascade_chain *ch = &v[count++];
					ch->n = len;
					for (int i = 0; i < len; i++)
						ch->stage[i] = (int)st[i];
					for (int i = 1; i < len; i++) {
						const struct cascade_stage *p = &in->stages[st[i - 1]];
						const struct cascade_stage *q = &in->stages[st[i]];
						if (strcmp(p->hardware, q->hardware) == 0)
							continue;
						if (o->cost_kind == LADDER_COST_LATENCY_DOLLARS)
							ch->net_cost[i - 1] = o->input_bytes / 1e9 *
							    o->network_usd_per_gb;
						ch->net_ms[i - 1] = o->rtt_ms;
						if (o->bandwidth_mbps > 0)
							ch->net_ms[i - 1] += o->input_bytes * 8 /
							    (o->bandwidth_mbps * 1e6) * 1000;
					}
				}
			}
		}
	}
	in->chains = v;
	in->n_chains = count;
	return 0;
}

int
cascade_input_load(const struct ladder_thresholds_options *o, struct cascade_input *in,
    struct ladder_err *err)
{
	const char *path = o->profile_path;
	json_t *root = NULL, *hw, *data, *entries, *e;
	char dir[4096], full[8192], labels_path[8192] = "";
	size_t i;
	int rc;

	memset(in, 0, sizeof(*in));
	if ((rc = load_json(path, &root, err)) != 0)
		return rc;
	if ((rc = check_schema(root, path, "ladder.profile", err)) != 0)
		goto out;
	ladder_path_dir(path, dir, sizeof(dir));
	hw = json_object_get(root, "hardware");
	data = json_object_get(root, "data");
	entries = json_object_get(root, "entries");
	if (!json_is_array(hw) || !json_is_array(data) || !json_is_array(entries)) {
		rc = ladder_errf(err, LADDER_EFORMAT,
		    "cannot read '%s': needs \"hardware\", \"data\" and \"entries\" arrays", path);
		goto out;
	}

	/* The data set: named, or the only one. */
	json_t *d, *chosen = NULL;
	json_array_foreach(data, i, d) {
		const char *name = json_string_value(json_object_get(d, "name"));
		const char *sha = json_string_value(json_object_get(d, "sha256"));
		if (o->data != NULL && !((name && strcmp(name, o->data) == 0) ||
		    (sha && strcmp(sha, o->data) == 0)))
			continue;
		if (chosen != NULL) {
			rc = ladder_errf(err, LADDER_EINVAL,
			    "cannot use '%s': several data sets; choose one with --data", path);
			goto out;
		}
		chosen = d;
	}
	if (chosen == NULL) {
		rc = o->data ? ladder_errf(err, LADDER_ENOTFOUND, "cannot use '%s': no data set '%s'",
		    path, o->data) : ladder_errf(err, LADDER_EINVAL,
		    "cannot use '%s': no data sets", path);
		goto out;
	}
	in->data_name = dup_or_null(json_string_value(json_object_get(chosen, "name")));
	in->data_sha256 = dup_or_null(json_string_value(json_object_get(chosen, "sha256")));

	size_t n_entries = json_array_size(entries);
	if (n_entries > CASCADE_MAX_STAGES * 16) {
		rc = ladder_errf(err, LADDER_ENOMEM, "cannot use '%s': %zu entries is too many", path,
		    n_entries);
		goto out;
	}
	in->stages = calloc(n_entries ? n_entries : 1, sizeof(*in->stages));
	if (in->stages == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(entries, i, e) {
		json_t *samples = json_object_get(e, "samples");
		const char *rung = json_string_value(json_object_get(e, "rung"));
		const char *sha = json_string_value(json_object_get(e, "sha256"));
		const char *hwname = json_string_value(json_object_get(e, "hardware"));
		const char *dsha = json_string_value(json_object_get(e, "data"));
		if (!json_is_object(samples))
			continue;
		if (in->data_sha256 != NULL && dsha != NULL && strcmp(dsha, in->data_sha256) != 0)
			continue;
		const char *outp = json_string_value(json_object_get(samples, "outputs"));
		const char *labp = json_string_value(json_object_get(samples, "labels"));
		const char *kind = json_string_value(json_object_get(samples, "kind"));
		if (rung == NULL || sha == NULL || hwname == NULL || outp == NULL || labp == NULL) {
			rc = ladder_errf(err, LADDER_EFORMAT,
			    "cannot read '%s': entry %zu lacks rung, sha256, hardware or samples paths",
			    path, i);
			goto out;
		}
		/* One stage per (rung, hardware): the first entry wins. */
		bool dup = false;
		for (size_t k = 0; k < in->n_stages && !dup; k++)
			dup = strcmp(in->stages[k].sha256, sha) == 0 &&
			    strcmp(in->stages[k].hardware, hwname) == 0;
		if (dup)
			continue;
		if (in->n_stages == CASCADE_MAX_STAGES) {
			rc = ladder_errf(err, LADDER_ENOMEM,
			    "cannot use '%s': more than %d rung/hardware entries", path,
			    CASCADE_MAX_STAGES);
			goto out;
		}
		json_t *h = NULL, *hk;
		size_t j;
		json_array_foreach(hw, j, hk) {
			const char *hn = json_string_value(json_object_get(hk, "name"));
			if (hn != NULL && strcmp(hn, hwname) == 0)
				h = hk;
		}
		if (h == NULL) {
			rc = ladder_errf(err, LADDER_EFORMAT,
			    "cannot read '%s': entry '%s' names hardware '%s' that is not listed", path,
			    rung, hwname);
			goto out;
		}
		if (labels_path[0] == '\0') {
			if (ladder_path_join(labels_path, sizeof(labels_path), dir, labp) != 0) {
				rc = ladder_errf(err, LADDER_EINVAL, "path too long: '%s'", labp);
				goto out;
			}
			struct ladder_npy_matrix lm;
			if ((rc = ladder_cascade_npy_read(labels_path, 1, NPY_MAX_BYTES / 4, &lm,
			    err)) != 0)
				goto out;
			if (lm.rows == 0 || lm.rows > CASCADE_MAX_SAMPLES) {
				ladder_npy_matrix_release(&lm);
				rc = ladder_errf(err, LADDER_EFORMAT, "cannot use '%s': %zu samples",
				    labels_path, lm.rows);
				goto out;
			}
			in->labels = lm.i32;
			in->n = lm.rows;
		} else {
			if (ladder_path_join(full, sizeof(full), dir, labp) != 0 ||
			    strcmp(full, labels_path) != 0) {
				rc = ladder_errf(err, LADDER_EFORMAT,
				    "cannot use '%s': entries of one data set name different label files",
				    path);
				goto out;
			}
		}
		if (ladder_path_join(full, sizeof(full), dir, outp) != 0) {
			rc = ladder_errf(err, LADDER_EINVAL, "path too long: '%s'", outp);
			goto out;
		}
		if (kind != NULL && strcmp(kind, "logits") != 0 && strcmp(kind, "probs") != 0) {
			rc = ladder_errf(err, LADDER_EFORMAT,
			    "cannot read '%s': samples kind '%s' of '%s' is not logits or probs", path,
			    kind, rung);
			goto out;
		}
		struct cascade_stage *st = &in->stages[in->n_stages];
		if ((rc = outputs_for(in, full, kind != NULL && strcmp(kind, "probs") == 0, err,
		    &st->out)) != 0)
			goto out;
		in->n_stages++;
		st->rung = strdup(rung);
		st->sha256 = strdup(sha);
		st->hardware = strdup(hwname);
		if (st->rung == NULL || st->sha256 == NULL || st->hardware == NULL) {
			rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
			goto out;
		}
		st->tier = tier_of(json_string_value(json_object_get(h, "tier")));
		if (st->tier < 0)
			st->tier = 0;
		json_t *lat = json_object_get(e, "latency_ms");
		st->latency_ms = num_or(json_object_get(lat, "mean"),
		    num_or(json_object_get(lat, "p50"), 0));
		st->energy_j = num_or(json_object_get(json_object_get(e, "energy"),
		    "joules_per_inference"), 0);
		st->macs = -1;
		double usd_per_hour = num_or(json_object_get(h, "cost_per_hour"), 0);
		if (o->cost_kind == LADDER_COST_LATENCY_DOLLARS)
			st->cost = st->latency_ms / 1000 * usd_per_hour / 3600;
		else if (o->cost_kind == LADDER_COST_ENERGY)
			st->cost = st->energy_j;
		if (!(st->latency_ms >= 0) || !isfinite(st->latency_ms) || !(st->energy_j >= 0) ||
		    !isfinite(st->energy_j) || !(usd_per_hour >= 0) || !isfinite(usd_per_hour)) {
			rc = ladder_errf(err, LADDER_EFORMAT,
			    "cannot read '%s': entry '%s' on '%s' has a negative or bad latency, "
			    "energy or price", path, rung, hwname);
			goto out;
		}
	}
	if (in->n_stages == 0) {
		rc = ladder_errf(err, LADDER_EINVAL,
		    "cannot use '%s': no entries with per-sample records (\"samples\") for data '%s'",
		    path, in->data_name ? in->data_name : "?");
		goto out;
	}
	size_t classes = in->outputs[0].classes;
	for (size_t k = 1; k < in->n_outputs; k++) {
		if (in->outputs[k].classes != classes) {
			rc = ladder_errf(err, LADDER_EFORMAT,
			    "cannot use '%s': '%s' has %zu classes, '%s' has %zu", path,
			    in->outputs[0].path, classes, in->outputs[k].path, in->outputs[k].classes);
			goto out;
		}
	}
	if (o->ladder_path != NULL && (rc = load_macs(o->ladder_path, in, err)) != 0)
		goto out;
	if (o->cost_kind == LADDER_COST_MACS) {
		if (o->ladder_path == NULL) {
			rc = ladder_errf(err, LADDER_EINVAL,
			    "cost model 'macs' needs the ladder.json (--ladder)");
			goto out;
		}
		for (size_t k = 0; k < in->n_stages; k++) {
			if (in->stages[k].macs < 0) {
				rc = ladder_errf(err, LADDER_ENOTFOUND,
				    "cannot use '%s': rung '%s' (%.12s) has no MACs in it", o->ladder_path,
				    in->stages[k].rung, in->stages[k].sha256);
				goto out;
			}
			in->stages[k].cost = in->stages[k].macs;
		}
	}
	for (size_t k = 0; k < in->n_stages; k++) {
		struct cascade_stage *st = &in->stages[k];
		uint64_t c = 0;
		for (size_t s = 0; s < in->n; s++)
			c += in->outputs[st->out].correct[s];
		st->accuracy = (double)c / (double)in->n;
	}
	qsort(in->stages, in->n_stages, sizeof(*in->stages), cmp_stage);
	for (int m = 0; m < LADDER_MEASURE_COUNT; m++)
		cascade_compute_confidence(in, m);
	rc = list_chains(o, in, err);
out:
	json_decref(root);
	if (rc != 0)
		cascade_input_release(in);
	return rc;
}

void
cascade_input_release(struct cascade_input *in)
{
	for (size_t i = 0; i < in->n_outputs; i++) {
		struct cascade_outputs *o = &in->outputs[i];
		free(o->path);
		free(o->rows);
		free(o->correct);
		for (int k = 0; k < LADDER_MEASURE_COUNT; k++)
			free(o->conf[k]);
	}
	for (size_t i = 0; i < in->n_stages; i++) {
		free(in->stages[i].rung);
		free(in->stages[i].sha256);
		free(in->stages[i].hardware);
	}
	free(in->outputs);
	free(in->stages);
	free(in->chains);
	free(in->labels);
	free(in->data_name);
	free(in->data_sha256);
	memset(in, 0, sizeof(*in));
}
