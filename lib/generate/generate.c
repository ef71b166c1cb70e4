/* generate.c: recipes, rung files and the ladder.json manifest. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "generate/gen.h"
#include "ladder-exec.h"
#include "util/banned.h"

#define MAX_STEPS 8

enum step_kind { STEP_FP16, STEP_INT8_WEIGHTS, STEP_INT8, STEP_EXIT, STEP_SPLIT, STEP_RESOLUTION };

struct step {
	enum step_kind kind;
	char arg[256];
	int64_t h, w;
};

struct recipe {
	int n_steps;
	struct step steps[MAX_STEPS];
	char model[256];	/* @MODEL restriction, or "" */
};

static int
parse_step(const char *recipe, const char *s, size_t len, struct step *st, struct ladder_err *err)
{
	char word[300];

	if (len == 0 || len >= sizeof word)
		return ladder_errf(err, LADDER_EINVAL, "recipe '%s': empty or overlong step", recipe);
	memcpy(word, s, len);
	word[len] = '\0';
	memset(st, 0, sizeof *st);
	if (strcmp(word, "fp16") == 0) {
		st->kind = STEP_FP16;
	} else if (strcmp(word, "int8-weights") == 0) {
		st->kind = STEP_INT8_WEIGHTS;
	} else if (strcmp(word, "int8") == 0) {
		st->kind = STEP_INT8;
	} else if (strncmp(word, "exit:", 5) == 0 && word[5]) {
		st->kind = STEP_EXIT;
		snprintf(st->arg, sizeof st->arg, "%s", word + 5);
	} else if (strncmp(word, "split:", 6) == 0 && word[6]) {
		st->kind = STEP_SPLIT;
		snprintf(st->arg, sizeof st->arg, "%s", word + 6);
	} else if (strncmp(word, "resolution:", 11) == 0) {
		char *end;
		long long h = strtoll(word + 11, &end, 10), w;
		if (end == word + 11 || (*end != 'x' && *end != 'X'))
			return ladder_errf(err, LADDER_EINVAL,
			    "recipe '%s': resolution needs HxW, e.g. resolution:224x224", recipe);
		const char *ws = end + 1;
		w = strtoll(ws, &end, 10);
		if (end == ws || *end != '\0' || h <= 0 || w <= 0 || h > 65536 || w > 65536)
			return ladder_errf(err, LADDER_EINVAL,
			    "recipe '%s': resolution needs HxW with sizes from 1 to 65536", recipe);
		st->kind = STEP_RESOLUTION;
		st->h = h;
		st->w = w;
	} else {
		return ladder_errf(err, LADDER_EINVAL,
		    "unknown recipe step '%s' in '%s' (known: fp16, int8-weights, int8, exit:NAME, "
		    "split:TENSOR, resolution:HxW)", word, recipe);
	}
	return 0;
}

static int
parse_recipe(const char *recipe, struct recipe *r, struct ladder_err *err)
{
	const char *at = strchr(recipe, '@'), *p = recipe;
	size_t body = at ? (size_t)(at - recipe) : strlen(recipe);

	memset(r, 0, sizeof *r);
	if (at != NULL) {
		if (at[1] == '\0' || strlen(at + 1) >= sizeof r->model)
			return ladder_errf(err, LADDER_EINVAL, "recipe '%s': bad model name after '@'", recipe);
		snprintf(r->model, sizeof r->model, "%s", at + 1);
	}
	while (p < recipe + body) {
		size_t len = strcspn(p, "+");
		if (p + len > recipe + body)
			len = (size_t)(recipe + body - p);
		if (r->n_steps == MAX_STEPS)
			return ladder_errf(err, LADDER_EINVAL, "recipe '%s': more than %d steps", recipe,
			    MAX_STEPS);
		int rc = parse_step(recipe, p, len, &r->steps[r->n_steps], err);
		if (rc != 0)
			return rc;
		r->n_steps++;
		p += len;
		if (*p == '+')
			p++;
	}
	if (r->n_steps == 0)
		return ladder_errf(err, LADDER_EINVAL, "recipe '%s' is empty", recipe);
	for (int i = 0; i + 1 < r->n_steps; i++)
		if (r->steps[i].kind == STEP_SPLIT)
			return ladder_errf(err, LADDER_EINVAL, "recipe '%s': split must be the last step",
			    recipe);
	for (int i = 0; i < r->n_steps; i++)
		for (int j = i + 1; j < r->n_steps; j++)
			if (r->steps[i].kind == r->steps[j].kind)
				return ladder_errf(err, LADDER_EINVAL,
				    "recipe '%s': a step kind appears twice", recipe);
	return 0;
}

int
ladder_recipe_check(const char *recipe, struct ladder_err *err)
{
	struct recipe r;

	return parse_recipe(recipe, &r, err);
}

/* File-name-safe rung name from a model name and a recipe body. */
static void
rung_name(char *out, size_t size, const char *model, const char *recipe)
{
	size_t n = (size_t)snprintf(out, size, "%s%s", model, recipe ? "-" : "");
	for (const char *p = recipe; p && *p && *p != '@' && n + 1 < size; p++) {
		char c = *p;
		if (c == '+')
			c = '-';
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.'))
			c = '_';
		out[n++] = c;
	}
	out[n < size ? n : size - 1] = '\0';
}

static void
stem(char *out, size_t size, const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(out, size, "%s", base);
	char *dot = strrchr(out, '.');
	if (dot && dot != out)
		*dot = '\0';
	for (char *p = out; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_'))
			*p = '_';
}

struct rung {
	char name[300];
	char file[400];		/* relative to out_dir */
	char sha256[LADDER_SHA256_HEX];
	char parent[300];
	char recipe[300];
	int64_t bytes;
	struct ladder_model_stats stats;
	json_t *inputs, *outputs;
	const char *output_kind;
	bool has_fidelity;
	struct ladder_fidelity fidelity;
	const char *split_part;
	char split_pair[300];
};

static json_t *
values_json(const struct ladder_graph *g, bool inputs)
{
	json_t *arr = json_array();
	size_t n = inputs ? g->n_inputs : g->n_outputs;

	for (size_t i = 0; i < n; i++) {
		const struct ladder_value_info *v = inputs ? &g->inputs[i] : &g->outputs[i];
		json_t *o, *shape;

		if (inputs && ladder_graph_is_initializer(g, v->name))
			continue;
		o = json_object();
		json_object_set_new(o, "name", json_string(v->name));
		json_object_set_new(o, "dtype", json_string(ladder_dtype_name(v->type.dtype)));
		shape = v->type.rank < 0 ? json_null() : json_array();
		for (int d = 0; d < v->type.rank; d++) {
			const struct ladder_dim *dim = &v->type.dims[d];
			json_array_append_new(shape, dim->value >= 0 ? json_integer(dim->value) :
			    json_string(dim->param ? dim->param : "?"));
		}
		json_object_set_new(o, "shape", shape);
		json_array_append_new(arr, o);
	}
	return arr;
}

static const char *
output_kind(const struct ladder_graph *g)
{
	long p;

	if (g->n_outputs == 0 || (p = gen_producer(g, g->outputs[0].name)) < 0)
		return "logits";
	return strcmp(g->nodes[p].op_type, "Softmax") == 0 ? "probs" : "logits";
}

/* One sample for a smoke run: the first calibration sample, or zeros. */
static int
smoke_run(const struct ladder_model *m, const struct ladder_generate_options *o,
    struct ladder_err *err)
{
	struct ladder_exec *ex = NULL;
	int rc = gen_exec_new(m, o->threads, &ex, err);

	if (rc == 0 && o->samples && o->samples->n > 0 && m->graph.n_inputs > 0 &&
	    m->graph.inputs[0].type.rank == o->samples->inputs[0].rank)
		rc = ladder_exec_run(ex, &o->samples->inputs[0], 1, err);
	ladder_exec_free(ex);
	return rc;
}

static int
write_rung(const struct ladder_generate_options *o, struct ladder_model *m, struct rung *r,
    const char *copy_from, struct ladder_err *err)
{
	char path[PATH_MAX];
	struct stat st;
	int rc;

	snprintf(r->file, sizeof r->file, "rungs/%s.onnx", r->name);
	if (ladder_path_join(path, sizeof path, o->out_dir, r->file) != 0)
		return ladder_errf(err, LADDER_EINVAL, "output path too long for rung '%s'", r->name);
	if (copy_from != NULL) {
		char *data;
		size_t len;
		rc = ladder_read_file(copy_from, 0, &data, &len, err);
		if (rc == 0) {
			rc = ladder_write_file(path, data, len, err);
			free(data);
		}
	} else {
		rc = ladder_model_save(m, path, err);
	}
	if (rc == 0)
		rc = ladder_sha256_file(path, r->sha256, err);
	if (rc == 0 && stat(path, &st) != 0)
		rc = ladder_errf(err, LADDER_EIO, "cannot stat '%s': %s", path, strerror(errno));
	if (rc != 0)
		return rc;
	r->bytes = (int64_t)st.st_size;
	rc = ladder_model_analyze(m, &r->stats, err);
	if (rc != 0)
		return rc;
	r->inputs = values_json(&m->graph, true);
	r->outputs = values_json(&m->graph, false);
	r->output_kind = output_kind(&m->graph);
	return 0;
}

static bool
has_external_data(const struct ladder_graph *g)
{
	for (size_t i = 0; i < g->n_initializers; i++)
		if (g->initializers[i].external_location)
			return true;
	return false;
}

static int
apply_steps(struct ladder_model *m, const struct recipe *r, const struct ladder_generate_options *o,
    struct ladder_model **tail, const struct ladder_samples *calib, struct ladder_err *err)
{
	int rc = 0;

	*tail = NULL;
	for (int i = 0; i < r->n_steps && rc == 0; i++) {
		const struct step *s = &r->steps[i];

		switch (s->kind) {
		case STEP_FP16:
			rc = ladder_transform_fp16(m, o->fp16_keep ? o->fp16_keep : "", err);
			break;
		case STEP_INT8_WEIGHTS:
			rc = ladder_transform_int8_weights(m, err);
			break;
		case STEP_INT8:
			rc = ladder_transform_int8(m, calib, o->calib_samples ? o->calib_samples : 256,
			    o->calib_method, o->calib_percentile, o->threads, err);
			break;
		case STEP_EXIT:
			rc = ladder_transform_exit(m, s->arg, err);
			break;
		case STEP_RESOLUTION:
			rc = ladder_transform_resolution(m, s->h, s->w, err);
			break;
		case STEP_SPLIT: {
			struct ladder_model *head = NULL;
			rc = ladder_transform_split(m, s->arg, &head, tail, err);
			if (rc == 0) {
				/* Swap the head's contents into m so the caller owns one model each. */
				struct ladder_model tmp = *m;
				*m = *head;
				*head = tmp;
				ladder_model_free(head);
			}
			break;
		}
		}
	}
	return rc;
}

static int
cmp_rungs(const void *a, const void *b)
{
	const struct rung *x = a, *y = b;

	if (x->stats.macs != y->stats.macs)
		return x->stats.macs < y->stats.macs ? -1 : 1;
	return strcmp(x->name, y->name);
}

static json_t *
rung_json(const struct rung *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "file", json_string(r->file));
	json_object_set_new(o, "sha256", json_string(r->sha256));
	json_object_set_new(o, "parent", r->parent[0] ? json_string(r->parent) : json_null());
	json_object_set_new(o, "recipe", json_string(r->recipe));
	json_object_set_new(o, "params", json_integer(r->stats.params));
	json_object_set_new(o, "macs", json_integer(r->stats.macs));
	json_object_set_new(o, "bytes", json_integer(r->bytes));
	json_object_set_new(o, "weight_bytes", json_integer(r->stats.weight_bytes));
	json_object_set_new(o, "inputs", json_incref(r->inputs));
	json_object_set_new(o, "outputs", json_incref(r->outputs));
	json_object_set_new(o, "output_kind", json_string(r->output_kind));
	if (r->split_part) {
		json_t *s = json_object();
		json_object_set_new(s, "part", json_string(r->split_part));
		json_object_set_new(s, "pair", json_string(r->split_pair));
		json_object_set_new(o, "split", s);
	}
	if (r->has_fidelity) {
		json_t *f = json_object();
		json_object_set_new(f, "samples", json_integer((json_int_t)r->fidelity.samples));
		json_object_set_new(f, "top1_agreement", json_real(r->fidelity.top1_agreement));
		json_object_set_new(f, "max_rel_err", json_real(r->fidelity.max_rel_err));
		json_object_set_new(f, "mean_rel_err", json_real(r->fidelity.mean_rel_err));
		json_object_set_new(o, "fidelity", f);
	} else {
		json_object_set_new(o, "fidelity", json_null());
	}
	return o;
}

static int
write_manifest(const struct ladder_generate_options *o, const char *name, struct rung *rungs,
    size_t n, struct ladder_err *err)
{
	char path[PATH_MAX], *text;
	json_t *root = json_object(), *arr = json_array();
	int rc;

	qsort(rungs, n, sizeof *rungs, cmp_rungs);
	json_object_set_new(root, "schema", json_string("ladder.ladder/1"));
	json_object_set_new(root, "name", json_string(name));
	json_object_set_new(root, "created_by", json_string("ladder " LADDER_VERSION));
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, rung_json(&rungs[i]));
	json_object_set_new(root, "rungs", arr);
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	json_decref(root);
	if (text == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "out of memory writing ladder.json");
	if (ladder_path_join(path, sizeof path, o->out_dir, "ladder.json") != 0) {
		free(text);
		return ladder_errf(err, LADDER_EINVAL, "output path too long");
	}
	size_t len = strlen(text);
	text[len] = '\n';	/* replaces the NUL: the file ends with a newline */
	rc = ladder_write_file(path, text, len + 1, err);
	free(text);
	return rc;
}

int
ladder_generate(const struct ladder_generate_options *o, const struct ladder_progress *progress,
    struct ladder_err *err)
{
	struct recipe *recipes = NULL;
	struct rung *rungs = NULL;
	struct ladder_model **models = NULL;
	char (*names)[256] = NULL;
	size_t n_rungs = 0, cap_rungs, total, done = 0;
	struct ladder_samples calib = { 0 }, fid = { 0 };
	char dir[PATH_MAX];
	int rc = 0;

	if (o->n_models == 0)
		return ladder_errf(err, LADDER_EINVAL, "no models given");
	cap_rungs = o->n_models * (1 + 2 * o->n_recipes);
	recipes = calloc(o->n_recipes ? o->n_recipes : 1, sizeof *recipes);
	rungs = calloc(cap_rungs, sizeof *rungs);
	models = calloc(o->n_models, sizeof *models);
	names = calloc(o->n_models, sizeof *names);
	if (recipes == NULL || rungs == NULL || models == NULL || names == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < o->n_recipes && rc == 0; i++)
		rc = parse_recipe(o->recipes[i], &recipes[i], err);
	if (rc != 0)
		goto out;
	/* Disjoint samples: calibration first, fidelity after (when there are enough). */
	if (o->samples != NULL) {
		size_t nc = o->calib_samples ? o->calib_samples : 256;
		size_t nf = o->fidelity_samples ? o->fidelity_samples : 500;
		calib = *o->samples;
		if (calib.n > nc)
			calib.n = nc;
		fid = *o->samples;
		if (o->samples->n > calib.n + 1) {
			fid.inputs += calib.n;
			fid.n -= calib.n;
		}
		if (fid.n > nf)
			fid.n = nf;
	}
	for (size_t i = 0; i < o->n_models && rc == 0; i++) {
		if (o->model_names && o->model_names[i])
			snprintf(names[i], sizeof names[i], "%s", o->model_names[i]);
		else
			stem(names[i], sizeof names[i], o->models[i]);
		for (size_t j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				rc = ladder_errf(err, LADDER_EINVAL,
				    "two models are named '%s' (give distinct names)", names[i]);
		if (rc == 0)
			rc = ladder_model_load(o->models[i], &models[i], err);
	}
	for (size_t i = 0; i < o->n_recipes && rc == 0; i++) {
		bool found = recipes[i].model[0] == '\0';
		for (size_t j = 0; j < o->n_models; j++)
			found |= strcmp(recipes[i].model, names[j]) == 0;
		if (!found)
			rc = ladder_errf(err, LADDER_ENOTFOUND, "recipe '%s': no model named '%s'",
			    o->recipes[i], recipes[i].model);
	}
	if (rc != 0)
		goto out;
	if (ladder_path_join(dir, sizeof dir, o->out_dir, "rungs") != 0) {
		rc = ladder_errf(err, LADDER_EINVAL, "output path too long");
		goto out;
	}
	rc = ladder_mkdirs(dir, err);
	if (rc != 0)
		goto out;
	total = o->n_models * (1 + o->n_recipes);
	for (size_t i = 0; i < o->n_models && rc == 0; i++) {
		struct rung *r = &rungs[n_rungs];

		ladder_progress_report(progress, names[i], done, total);
		snprintf(r->name, sizeof r->name, "%s", names[i]);
		snprintf(r->recipe, sizeof r->recipe, "from");
		rc = smoke_run(models[i], o, err);
		if (rc == 0)
			rc = write_rung(o, models[i], r, has_external_data(&models[i]->graph) ? NULL :
			    o->models[i], err);
		if (rc != 0) {
			ladder_err_prefix(err, "model '%s'", o->models[i]);
			break;
		}
		n_rungs++;
		done++;
		for (size_t k = 0; k < o->n_recipes && rc == 0; k++) {
			struct ladder_model *m = NULL, *tail = NULL;
			const char *body = o->recipes[k];
			char body_only[300];

			if (recipes[k].model[0] && strcmp(recipes[k].model, names[i]) != 0)
				continue;
			snprintf(body_only, sizeof body_only, "%.*s", (int)strcspn(body, "@"), body);
			r = &rungs[n_rungs];
			rung_name(r->name, sizeof r->name, names[i], body_only);
			ladder_progress_report(progress, r->name, done, total);
			snprintf(r->parent, sizeof r->parent, "%s", names[i]);
			snprintf(r->recipe, sizeof r->recipe, "%s", body_only);
			rc = ladder_model_clone(models[i], &m, err);
			if (rc == 0)
				rc = apply_steps(m, &recipes[k], o, &tail, &calib, err);
			if (rc == 0 && tail == NULL)
				rc = smoke_run(m, o, err);
			if (rc == 0 && tail == NULL && fid.n > 0 && m->graph.n_outputs > 0) {
				r->has_fidelity = true;
				/* Fidelity against the parent restricted to the same outputs. */
				struct ladder_model *ref = NULL;
				rc = ladder_model_clone(models[i], &ref, err);
				for (int s = 0; rc == 0 && s < recipes[k].n_steps; s++)
					if (recipes[k].steps[s].kind == STEP_EXIT)
						rc = ladder_transform_exit(ref, recipes[k].steps[s].arg, err);
				bool same_shape = true;
				for (int s = 0; s < recipes[k].n_steps; s++)
					same_shape &= recipes[k].steps[s].kind != STEP_RESOLUTION;
				if (rc == 0 && same_shape)
					rc = ladder_fidelity_measure(ref, m, &fid, 0, o->threads,
					    &r->fidelity, err);
				else
					r->has_fidelity = false;
				ladder_model_free(ref);
			}
			if (rc == 0 && tail != NULL) {
				struct rung *t = &rungs[n_rungs + 1];
				*t = *r;
				char base[300];
				snprintf(base, sizeof base, "%s", r->name);
				snprintf(t->name, sizeof t->name, "%.280s-tail", base);
				snprintf(r->name, sizeof r->name, "%.280s-head", base);
				r->split_part = "head";
				t->split_part = "tail";
				snprintf(r->split_pair, sizeof r->split_pair, "%s", t->name);
				snprintf(t->split_pair, sizeof t->split_pair, "%s", r->name);
				rc = write_rung(o, tail, t, NULL, err);
				if (rc == 0)
					n_rungs++;
			}
			if (rc == 0)
				rc = write_rung(o, m, r, NULL, err);
			if (rc == 0)
				n_rungs++;
			else
				ladder_err_prefix(err, "rung '%s'", r->name);
			ladder_model_free(m);
			ladder_model_free(tail);
			done++;
		}
	}
	if (rc == 0) {
		ladder_progress_report(progress, "ladder.json", total, total);
		rc = write_manifest(o, o->name ? o->name : names[0], rungs, n_rungs, err);
	}
out:
	for (size_t i = 0; rungs && i < n_rungs + 1 && i < cap_rungs; i++) {
		json_decref(rungs[i].inputs);
		json_decref(rungs[i].outputs);
	}
	for (size_t i = 0; models && i < o->n_models; i++)
		ladder_model_free(models[i]);
	free(models);
	free(names);
	free(recipes);
	free(rungs);
	return rc;
}
