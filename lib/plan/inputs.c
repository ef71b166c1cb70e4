/* inputs.c: the planner's readers for profile.json, thresholds.json and ladder.json. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "util/banned.h"

int
plan_inputs_find_rung(const struct plan_inputs *in, const char *name)
{
	for (size_t i = 0; i < in->n_rungs; i++) {
		if (strcmp(in->rungs[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

int
plan_inputs_find_hw(const struct plan_inputs *in, const char *name)
{
	for (size_t i = 0; i < in->n_hw; i++) {
		if (strcmp(in->hw[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

/* Grows the perf table to the current rung and hardware counts. */
static int
perf_resize(struct plan_inputs *in, size_t old_r, size_t old_h)
{
	struct plan_perf *p = calloc(in->n_rungs * in->n_hw + 1, sizeof *p);

	if (p == NULL)
		return LADDER_ENOMEM;
	for (size_t r = 0; r < old_r; r++) {
		for (size_t h = 0; h < old_h; h++)
			p[r * in->n_hw + h] = in->perf[r * old_h + h];
	}
	free(in->perf);
	in->perf = p;
	return 0;
}

static int
add_rung(struct plan_inputs *in, const char *name, const char *sha256)
{
	struct plan_rung *nr;
	int i = plan_inputs_find_rung(in, name);

	if (i >= 0) {
		if (in->rungs[i].sha256 == NULL && sha256 != NULL)
			in->rungs[i].sha256 = strdup(sha256);
		return i;
	}
	if (in->n_rungs >= 4096)
		return LADDER_ENOMEM;
	nr = realloc(in->rungs, (in->n_rungs + 1) * sizeof *nr);
	if (nr == NULL)
		return LADDER_ENOMEM;
	in->rungs = nr;
	memset(&nr[in->n_rungs], 0, sizeof *nr);
	nr[in->n_rungs].name = strdup(name);
	nr[in->n_rungs].sha256 = sha256 ? strdup(sha256) : NULL;
	nr[in->n_rungs].accuracy = -1;
	if (nr[in->n_rungs].name == NULL)
		return LADDER_ENOMEM;
	in->n_rungs++;
	if (perf_resize(in, in->n_rungs - 1, in->n_hw) != 0)
		return LADDER_ENOMEM;
	return (int)in->n_rungs - 1;
}

static int
file_ref(struct plan_file_ref *ref, const char *path, struct ladder_err *err)
{
	ref->path = strdup(path);
	if (ref->path == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", path);
	return ladder_sha256_file(path, ref->sha256, err);
}

static int
read_hardware(struct plan_inputs *in, const struct plan_reader *rd, json_t *arr)
{
	size_t i;
	json_t *h;
	char p[64];

	if (!json_is_array(arr))
		return plan_fail(rd, "hardware", "must be a list");
	json_array_foreach(arr, i, h) {
		const char *name, *tier;
		struct plan_hw *nh;
		json_t *pw;
		int t;

		snprintf(p, sizeof p, "hardware[%zu]", i);
		if (!json_is_object(h))
			return plan_fail(rd, p, "must be a mapping");
		if (plan_get_str(rd, h, p, "name", true, &name) != 0 ||
		    plan_get_str(rd, h, p, "tier", true, &tier) != 0)
			return rd->err->code;
		if ((t = plan_tier_parse(tier)) < 0)
			return plan_fail(rd, p, "tier: unknown tier '%s' (device, hub, edge-dc, cloud)",
			    tier);
		if (plan_inputs_find_hw(in, name) >= 0)
			continue;	/* the first profile that names it wins */
		if (in->n_hw >= 4096)
			return plan_fail(rd, p, "too many hardware records");
		nh = realloc(in->hw, (in->n_hw + 1) * sizeof *nh);
		if (nh == NULL)
			return ladder_errf(rd->err, LADDER_ENOMEM, "out of memory");
		in->hw = nh;
		nh = &in->hw[in->n_hw];
		memset(nh, 0, sizeof *nh);
		nh->tier = t;
		if (plan_get_num(rd, h, p, "cost_per_hour", true, 0, &nh->cost_per_hour) != 0 ||
		    plan_get_num(rd, h, p, "memory_mb", false, 0, &nh->memory_mb) != 0)
			return rd->err->code;
		if (nh->cost_per_hour < 0)
			return plan_fail(rd, p, "cost_per_hour: must not be negative");
		if (nh->memory_mb < 0)
			return plan_fail(rd, p, "memory_mb: must not be negative");
		pw = json_object_get(h, "power_w");
		if (json_is_object(pw)) {
			char pp[80];

			snprintf(pp, sizeof pp, "%s.power_w", p);
			if (plan_get_num(rd, pw, pp, "idle", false, 0, &nh->power_idle_w) != 0 ||
			    plan_get_num(rd, pw, pp, "active", false, 0, &nh->power_active_w) != 0)
				return rd->err->code;
		}
		if ((nh->name = strdup(name)) == NULL)
			return ladder_errf(rd->err, LADDER_ENOMEM, "out of memory");
		in->n_hw++;
		if (perf_resize(in, in->n_rungs, in->n_hw - 1) != 0)
			return ladder_errf(rd->err, LADDER_ENOMEM, "out of memory");
	}
	return 0;
}

static int
read_entry(struct plan_inputs *in, const struct plan_reader *rd, json_t *e, const char *p)
{
	const char *rung, *hwname, *sha = NULL;
	json_t *lat, *server, *mem, *energy, *acc;
	double p99, bound, rate, arena = 0, weights = 0, joules = 0, top1 = -1;
	struct plan_perf *pf;
	char q[96];
	int r, h;

	if (!json_is_object(e))
		return plan_fail(rd, p, "must be a mapping");
	if (plan_get_str(rd, e, p, "rung", true, &rung) != 0 ||
	    plan_get_str(rd, e, p, "hardware", true, &hwname) != 0 ||
	    plan_get_str(rd, e, p, "sha256", false, &sha) != 0)
		return rd->err->code;
	if ((h = plan_inputs_find_hw(in, hwname)) < 0)
		return plan_fail(rd, p, "hardware: unknown hardware '%s' (not in 'hardware')", hwname);
	lat = json_object_get(e, "latency_ms");
	server = json_object_get(e, "server");
	snprintf(q, sizeof q, "%s.latency_ms", p);
	if (!json_is_object(lat))
		return plan_fail(rd, q, "missing");
	if (plan_get_num(rd, lat, q, "p99", true, 0, &p99) != 0)
		return rd->err->code;
	snprintf(q, sizeof q, "%s.server", p);
	if (!json_is_object(server))
		return plan_fail(rd, q, "missing (the planner needs the server capacity)");
	if (plan_get_num(rd, server, q, "max_rate_ips", true, 0, &rate) != 0 ||
	    plan_get_num(rd, server, q, "p99_bound_ms", false, p99, &bound) != 0)
		return rd->err->code;
	if (p99 < 0)
		return plan_fail(rd, p, "latency_ms.p99: must not be negative");
	if (!(rate > 0))
		return plan_fail(rd, q, "max_rate_ips: must be positive");
	if ((mem = json_object_get(e, "memory")) != NULL && json_is_object(mem)) {
		snprintf(q, sizeof q, "%s.memory", p);
		if (plan_get_num(rd, mem, q, "arena_bytes", false, 0, &arena) != 0 ||
		    plan_get_num(rd, mem, q, "weight_bytes", false, 0, &weights) != 0)
			return rd->err->code;
	}
	if ((energy = json_object_get(e, "energy")) != NULL && json_is_object(energy)) {
		snprintf(q, sizeof q, "%s.energy", p);
		if (plan_get_num(rd, energy, q, "joules_per_inference", false, 0, &joules) != 0)
			return rd->err->code;
	}
	if ((acc = json_object_get(e, "accuracy")) != NULL && json_is_object(acc)) {
		snprintf(q, sizeof q, "%s.accuracy", p);
		if (plan_get_num(rd, acc, q, "top1", false, -1, &top1) != 0)
			return rd->err->code;
		if (top1 > 1)
			return plan_fail(rd, q, "top1: must be at most 1");
	}
	if (arena < 0 || weights < 0 || joules < 0)
		return plan_fail(rd, p, "memory and energy must not be negative");
	if ((r = add_rung(in, rung, sha)) < 0)
		return ladder_errf(rd->err, LADDER_ENOMEM, "out of memory");
	if (top1 >= 0 && in->rungs[r].accuracy < 0)
		in->rungs[r].accuracy = top1;
	pf = plan_perf_at(in, r, h);
	/* Several entries (threads, batch): keep the one with the most capacity. */
	if (pf->present && pf->max_rate_ips >= rate)
		return 0;
	pf->present = true;
	pf->p99_ms = p99;
	pf->stage_ms = bound > p99 ? bound : p99;
	pf->max_rate_ips = rate;
	pf->mem_mb = (arena + weights) / 1048576.0;
	pf->joules = joules;
	return 0;
}

int
plan_inputs_read_profile(struct plan_inputs *in, const char *path, struct ladder_err *err)
{
	struct plan_reader rd = { path, err };
	struct plan_file_ref *nr;
	json_t *root, *arr, *e;
	size_t i;
	int rc;

	if ((rc = plan_load_tree(path, &root, err)) != 0)
		return rc;
	if ((rc = plan_check_schema(&rd, root, "ladder.profile", 1)) != 0)
		goto out;
	if ((rc = read_hardware(in, &rd, json_object_get(root, "hardware"))) != 0)
		goto out;
	arr = json_object_get(root, "entries");
	if (!json_is_array(arr)) {
		rc = plan_fail(&rd, "entries", "must be a list");
		goto out;
	}
	json_array_foreach(arr, i, e) {
		char p[48];

		snprintf(p, sizeof p, "entries[%zu]", i);
		if ((rc = read_entry(in, &rd, e, p)) != 0)
			goto out;
	}
	nr = realloc(in->profiles, (in->n_profiles + 1) * sizeof *nr);
	if (nr == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
		goto out;
	}
	in->profiles = nr;
	memset(&nr[in->n_profiles], 0, sizeof *nr);
	rc = file_ref(&nr[in->n_profiles], path, err);
	in->n_profiles++;
out:
	json_decref(root);
	return rc;
}

static int
read_point(const struct plan_reader *rd, json_t *pt, const char *p, int n, struct plan_point *out)
{
	json_t *th = json_object_get(pt, "thresholds"), *es = json_object_get(pt, "escalation");
	double prev = 1;

	if (!json_is_object(pt))
		return plan_fail(rd, p, "must be a mapping");
	if (plan_get_num(rd, pt, p, "target", true, 0, &out->target) != 0 ||
	    plan_get_num(rd, pt, p, "accuracy_eval", false, -1, &out->accuracy) != 0 ||
	    plan_get_num(rd, pt, p, "lower_bound", false, -1, &out->lower_bound) != 0)
		return rd->err->code;
	if (out->target < 0 || out->target > 1)
		return plan_fail(rd, p, "target: must be within [0, 1]");
	if (out->accuracy < 0)
		out->accuracy = out->lower_bound >= 0 ? out->lower_bound : out->target;
	if (!json_is_array(th) || json_array_size(th) != (size_t)n - 1)
		return plan_fail(rd, p, "thresholds: must list %d value(s)", n - 1);
	if (!json_is_array(es) || json_array_size(es) != (size_t)n - 1)
		return plan_fail(rd, p, "escalation: must list %d value(s)", n - 1);
	for (int i = 0; i < n - 1; i++) {
		json_t *t = json_array_get(th, (size_t)i), *e = json_array_get(es, (size_t)i);

		if (!json_is_number(t) || !json_is_number(e))
			return plan_fail(rd, p, "thresholds and escalation must be numbers");
		out->threshold[i] = json_number_value(t);
		out->escalation[i] = json_number_value(e);
		if (!isfinite(out->threshold[i]) || !(out->escalation[i] >= 0) ||
		    out->escalation[i] > prev)
			return plan_fail(rd, p, "escalation: must be fractions that do not grow");
		prev = out->escalation[i];
	}
	return 0;
}

int
plan_inputs_read_thresholds(struct plan_inputs *in, const char *path, struct ladder_err *err)
{
	struct plan_reader rd = { path, err };
	json_t *root, *arr, *c;
	size_t i;
	int rc;

	if ((rc = plan_load_tree(path, &root, err)) != 0)
		return rc;
	if ((rc = plan_check_schema(&rd, root, "ladder.thresholds", 1)) != 0)
		goto out;
	if ((arr = json_object_get(root, "rungs")) != NULL && json_is_array(arr)) {
		json_array_foreach(arr, i, c) {
			const char *name;
			double acc;
			char p[48];
			int r;

			snprintf(p, sizeof p, "rungs[%zu]", i);
			if ((rc = plan_get_str(&rd, c, p, "name", true, &name)) != 0 ||
			    (rc = plan_get_num(&rd, c, p, "accuracy", false, -1, &acc)) != 0)
				goto out;
			if ((r = plan_inputs_find_rung(in, name)) >= 0 && acc >= 0 && acc <= 1)
				in->rungs[r].accuracy = acc;
		}
	}
	arr = json_object_get(root, "chains");
	if (!json_is_array(arr)) {
		rc = plan_fail(&rd, "chains", "must be a list");
		goto out;
	}
	if (json_array_size(arr) > 100000) {
		rc = plan_fail(&rd, "chains", "too many chains");
		goto out;
	}
	in->chains = calloc(json_array_size(arr) + 1, sizeof *in->chains);
	if (in->chains == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(arr, i, c) {
		struct plan_chain *ch = &in->chains[in->n_chains];
		json_t *rungs = json_object_get(c, "rungs"), *pts = json_object_get(c, "points");
		const char *measure;
		char p[48], q[96];
		size_t j;
		json_t *v;

		snprintf(p, sizeof p, "chains[%zu]", i);
		if (!json_is_object(c)) {
			rc = plan_fail(&rd, p, "must be a mapping");
			goto out;
		}
		if (!json_is_array(rungs) || json_array_size(rungs) < 1 ||
		    json_array_size(rungs) > PLAN_MAX_STAGES) {
			rc = plan_fail(&rd, p, "rungs: must list 1 to %d rungs", PLAN_MAX_STAGES);
			goto out;
		}
		if ((rc = plan_get_str(&rd, c, p, "measure", false, &measure)) != 0 ||
		    (rc = plan_get_num(&rd, c, p, "temperature", false, 1.0, &ch->temperature)) != 0)
			goto out;
		ch->n = (int)json_array_size(rungs);
		/* Per-stage temperatures when given (temp_softmax), else the one temperature. */
		for (int s = 0; s < PLAN_MAX_STAGES - 1; s++) {
			json_t *tv = json_array_get(json_object_get(c, "temperatures"), (size_t)s);

			ch->temperatures[s] = json_is_number(tv) && json_number_value(tv) > 0 &&
			    isfinite(json_number_value(tv)) ? json_number_value(tv) : ch->temperature;
		}
		json_array_foreach(rungs, j, v) {
			snprintf(q, sizeof q, "%s.rungs[%zu]", p, j);
			if (!json_is_string(v)) {
				rc = plan_fail(&rd, q, "must be a rung name");
				goto out;
			}
			ch->rung[j] = plan_inputs_find_rung(in, json_string_value(v));
			if (ch->rung[j] < 0) {
				rc = plan_fail(&rd, q, "unknown rung '%s' (in no profile)",
				    json_string_value(v));
				goto out;
			}
		}
		ch->measure = strdup(measure ? measure : "max_softmax");
		if (!json_is_array(pts) || json_array_size(pts) > 10000) {
			rc = plan_fail(&rd, p, "points: must be a list");
			goto out;
		}
		ch->points = calloc(json_array_size(pts) + 1, sizeof *ch->points);
		if (ch->points == NULL || ch->measure == NULL) {
			rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
			goto out;
		}
		in->n_chains++;
		json_array_foreach(pts, j, v) {
			snprintf(q, sizeof q, "%s.points[%zu]", p, j);
			if ((rc = read_point(&rd, v, q, ch->n, &ch->points[ch->n_points])) != 0)
				goto out;
			ch->n_points++;
		}
	}
	rc = file_ref(&in->thresholds, path, err);
out:
	json_decref(root);
	return rc;
}

int
plan_inputs_read_ladder(struct plan_inputs *in, const char *path, struct ladder_err *err)
{
	struct plan_reader rd = { path, err };
	json_t *root, *arr, *e;
	size_t i;
	int rc;

	if ((rc = plan_load_tree(path, &root, err)) != 0)
		return rc;
	if ((rc = plan_check_schema(&rd, root, "ladder.ladder", 1)) != 0)
		goto out;
	arr = json_object_get(root, "rungs");
	if (!json_is_array(arr)) {
		rc = plan_fail(&rd, "rungs", "must be a list");
		goto out;
	}
	json_array_foreach(arr, i, e) {
		const char *name, *sha, *file;
		char p[48];
		int r;

		snprintf(p, sizeof p, "rungs[%zu]", i);
		if ((rc = plan_get_str(&rd, e, p, "name", true, &name)) != 0 ||
		    (rc = plan_get_str(&rd, e, p, "sha256", false, &sha)) != 0 ||
		    (rc = plan_get_str(&rd, e, p, "file", false, &file)) != 0)
			goto out;
		if ((r = plan_inputs_find_rung(in, name)) < 0)
			continue;	/* not profiled: the planner cannot use it */
		if (sha != NULL && in->rungs[r].sha256 != NULL && strcmp(sha, in->rungs[r].sha256) != 0) {
			rc = plan_fail(&rd, p, "sha256: rung '%s' differs from the profiled one", name);
			goto out;
		}
		if (file != NULL && in->rungs[r].file == NULL)
			in->rungs[r].file = strdup(file);
		if (sha != NULL && in->rungs[r].sha256 == NULL)
			in->rungs[r].sha256 = strdup(sha);
	}
	rc = file_ref(&in->ladder, path, err);
out:
	json_decref(root);
	return rc;
}

void
plan_inputs_release(struct plan_inputs *in)
{
	for (size_t i = 0; i < in->n_hw; i++)
		free(in->hw[i].name);
	for (size_t i = 0; i < in->n_rungs; i++) {
		free(in->rungs[i].name);
		free(in->rungs[i].sha256);
		free(in->rungs[i].file);
	}
	for (size_t i = 0; i < in->n_chains; i++) {
		free(in->chains[i].measure);
		free(in->chains[i].points);
	}
	for (size_t i = 0; i < in->n_profiles; i++)
		free(in->profiles[i].path);
	free(in->profiles);
	free(in->ladder.path);
	free(in->thresholds.path);
	free(in->hw);
	free(in->rungs);
	free(in->perf);
	free(in->chains);
	memset(in, 0, sizeof *in);
}
