/* plan.c: ladder_plan_solve: read, build, baselines, solve, round, explain, write plan.json. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan/plan.h"
#include "util/banned.h"

/*
 * Baselines are the deployments a team makes without ladder: one rung per
 * stream (the cheapest accurate one), in one tier or placed greedily.  The
 * ablations are ladder's own plan with one of its parts taken away: without
 * cascades (single rungs anywhere), and without escalation between nodes
 * (every stage of a cascade on the node that starts it).
 */
enum { BASE_CLOUD, BASE_EDGE, BASE_DEVICE, BASE_GREEDY, ABL_RUNGS, ABL_LOCAL, BASE_COUNT };
#define N_BASELINES ABL_RUNGS
/*
 * A baseline is optimal (within the gap), feasible (stopped by the time
 * limit, or the greedy heuristic), infeasible (proven), or has no plan: the
 * solver found none in its time and did not prove there is none, or the
 * greedy heuristic failed.
 */
enum base_status { BS_OPTIMAL, BS_FEASIBLE, BS_INFEASIBLE, BS_NONE };
static const char *const base_status_names[] = { "optimal", "feasible", "infeasible", "no plan" };
static const char *const base_names[BASE_COUNT] = { "cloud-only", "edge-only", "device-only",
	"greedy", "no-cascades", "no-escalation" };

struct ladder_plan {
	struct plan_topology topo;
	struct plan_inputs in;
	struct plan_model model;
	struct plan_solution sol;
	bool have_sol, feasible, explained, finished;
	bool optimal;			/* the rounded plan is within the requested gap of the bound */
	double bound, gap, solve_ms, mip_objective;
	double build_ms, lp_ms, lp_objective, cpu_ms, baselines_ms;
	int rows, cols;
	int closed, parts, parts_exact, relaxed;	/* decompose.c, on the plan's own solve */
	double split_bound;				/* -INFINITY: no split */
	char *source;			/* where the final plan came from: "mip", "greedy", ... */
	bool base_done[BASE_COUNT], base_feasible[BASE_COUNT];
	int base_status[BASE_COUNT];	/* enum base_status */
	double base_cost[BASE_COUNT];
	size_t n_unserved;
	char **unserved;
	struct plan_explain ex;
	char *json, *summary;
	long epoch;
	int64_t created;
	char out_dir[4096];		/* absolute directory of plan.json, "" when unknown */
};

/*
 * The path of an input as plan.json should record it: relative to the
 * directory plan.json is written to, so that readers (ladder pack) resolve it
 * from there.  Falls back to the path as given.
 */
static void
recorded_path(const struct ladder_plan *p, const char *path, char *out, size_t size)
{
	char abs[4096];
	size_t common = 0, i;
	size_t len = 0;

	snprintf(out, size, "%s", path);
	if (p->out_dir[0] == '\0' || realpath(path, abs) == NULL)
		return;
	/* Longest common prefix ending at a '/' (or the whole of out_dir). */
	for (i = 0; p->out_dir[i] != '\0' && abs[i] == p->out_dir[i]; i++) {
		if (abs[i] == '/')
			common = i;
	}
	if (p->out_dir[i] == '\0' && (abs[i] == '/' || abs[i] == '\0'))
		common = i;
	out[0] = '\0';
	for (const char *d = p->out_dir + common; *d != '\0'; d++) {
		if (*d == '/' && len + 4 < size) {
			memcpy(out + len, "../", 3);
			len += 3;
			out[len] = '\0';
		}
	}
	snprintf(out + len, size - len, "%s", abs[common] == '/' ? abs + common + 1 : abs + common);
}

/* Rounds to 12 significant digits so the printed value round-trips and reads well. */
static double
tidy(double v)
{
	char buf[32];

	if (!isfinite(v) || v == 0)
		return 0;
	snprintf(buf, sizeof buf, "%.12g", v);
	return strtod(buf, NULL);
}

static int
add_unserved(struct ladder_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
add_unserved(struct ladder_plan *p, const char *fmt, ...)
{
	char line[512], **nu;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	nu = realloc(p->unserved, (p->n_unserved + 1) * sizeof *nu);
	if (nu == NULL)
		return LADDER_ENOMEM;
	p->unserved = nu;
	if ((nu[p->n_unserved] = strdup(line)) == NULL)
		return LADDER_ENOMEM;
	p->n_unserved++;
	return 0;
}

static void
class_label(const struct plan_model *m, const struct plan_class *c, char *buf, size_t size)
{
	snprintf(buf, size, "%s@%s", m->topo->workloads[c->workload].name,
	    m->topo->nodes[c->source].id);
}

/* Classes with no option at all: say what the nearest feasible relaxation would be. */
static int
explain_no_options(struct ladder_plan *p)
{
	const struct plan_model *m = &p->model;

	for (size_t c = 0; c < m->n_classes; c++) {
		const struct plan_class *cl = &m->classes[c];
		const struct plan_workload *w = &m->topo->workloads[cl->workload];
		char label[256];
		int rc;

		if (cl->opt_end > cl->opt_begin)
			continue;
		class_label(m, cl, label, sizeof label);
		if (cl->best_acc_in_latency >= 0)
			rc = add_unserved(p, "%s: needs accuracy %.4g, best reachable %.4g within p99 %g ms",
			    label, w->accuracy, cl->best_acc_in_latency, w->p99_ms);
		else if (cl->best_lat_in_accuracy >= 0)
			rc = add_unserved(p, "%s: needs p99 %g ms, best reachable %.4g ms at accuracy %.4g",
			    label, w->p99_ms, cl->best_lat_in_accuracy, w->accuracy);
		else if (w->energy_j > 0)
			rc = add_unserved(p, "%s: no rung meets accuracy %.4g, p99 %g ms and energy %g J "
			    "together", label, w->accuracy, w->p99_ms, w->energy_j);
		else
			rc = add_unserved(p, "%s: no profiled rung can serve it on any node it reaches "
			    "(accuracy %.4g, p99 %g ms)", label, w->accuracy, w->p99_ms);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static void
baseline_mask(const struct plan_model *m, int kind, bool *allowed)
{
	for (size_t i = 0; i < m->n_options; i++) {
		const struct plan_option *o = &m->options[i];
		const struct plan_class *c = &m->classes[o->cls];
		bool single = o->n_stages == 1;

		switch (kind) {
		case BASE_CLOUD:
			allowed[i] = single && o->tiers == 1u << TIER_CLOUD;
			break;
		case BASE_EDGE:
			/* The edge servers: hubs and the edge data centre. */
			allowed[i] = single && (o->tiers & ~(1u << TIER_HUB | 1u << TIER_EDGE_DC)) == 0;
			break;
		case BASE_DEVICE:
			allowed[i] = single && o->node[0] == c->source;
			break;
		case ABL_LOCAL:
			allowed[i] = true;
			for (int s = 1; s < o->n_stages; s++)
				allowed[i] = allowed[i] && o->node[s] == o->node[0];
			break;
		default:	/* BASE_GREEDY, ABL_RUNGS */
			allowed[i] = single;
			break;
		}
	}
}

static int
solve_all(struct ladder_plan *p, const struct ladder_plan_options *opt,
    const struct ladder_progress *progress, struct ladder_err *err)
{
	struct plan_model *m = &p->model;
	double tl = opt->time_limit_s > 0 ? opt->time_limit_s : 10;
	double gap = opt->gap > 0 ? opt->gap : 0.005;
	struct plan_solution best, tmp, seed;
	struct plan_mip_result r;
	bool *allowed = calloc(m->n_options + 1, sizeof *allowed);
	double *unserved = NULL;
	uint64_t t_start = ladder_now_ns();
	int rc;

	memset(&seed, 0, sizeof seed);
	if (allowed == NULL || plan_solution_init(&best, m) != 0 || plan_solution_init(&tmp, m) != 0 ||
	    plan_solution_init(&seed, m) != 0)
		return ladder_errf(err, LADDER_ENOMEM, "planner: out of memory");
	if ((rc = explain_no_options(p)) != 0)
		goto out;
	if (p->n_unserved > 0) {
		p->feasible = false;
		goto out;
	}
	/* Baselines: the same model with the options restricted. */
	for (int b = 0; b < BASE_COUNT && opt->baselines; b++) {
		ladder_progress_report(progress, "baselines", (uint64_t)b, BASE_COUNT + 1);
		baseline_mask(m, b, allowed);
		p->base_done[b] = true;
		if (b == BASE_GREEDY) {
			plan_greedy(m, allowed, &tmp);
			p->base_status[b] = tmp.feasible ? BS_FEASIBLE : BS_NONE;
		} else {
			/*
			 * The greedy plan within the same options is the solver's
			 * start, so a baseline stopped by the time limit is never
			 * reported without a plan when a simple one exists.
			 */
			plan_greedy(m, allowed, &seed);
			if ((rc = plan_mip_solve(m, allowed, seed.feasible ? &seed : NULL, tl / BASE_COUNT, gap,
			    &r, err)) != 0)
				goto out;
			tmp.feasible = false;
			if (r.x != NULL)
				plan_round_repair(m, allowed, r.x, &tmp);
			if (seed.feasible && (!tmp.feasible || seed.cost < tmp.cost - 1e-12))
				plan_solution_copy(&tmp, &seed, m);
			if (r.status == 2)
				p->base_status[b] = BS_INFEASIBLE;
			else if (!tmp.feasible)
				p->base_status[b] = BS_NONE;
			else if (r.status == 0 && tmp.cost <= r.objective + 1e-9 + gap * fabs(r.objective))
				p->base_status[b] = BS_OPTIMAL;
			else
				p->base_status[b] = BS_FEASIBLE;
			plan_mip_result_release(&r);
		}
		p->base_feasible[b] = tmp.feasible;
		p->base_cost[b] = tmp.feasible ? tmp.cost : 0;
		if (tmp.feasible && (!best.feasible || tmp.cost < best.cost - 1e-12)) {
			plan_solution_copy(&best, &tmp, m);
			free(p->source);
			p->source = strdup(base_names[b]);
		}
	}
	p->baselines_ms = (double)(ladder_now_ns() - t_start) / 1e6;
	/* Greedy over every option: an incumbent for the solver. */
	plan_greedy(m, NULL, &tmp);
	if (tmp.feasible && (!best.feasible || tmp.cost < best.cost - 1e-12)) {
		plan_solution_copy(&best, &tmp, m);
		free(p->source);
		p->source = strdup("greedy-all");
	}
	ladder_progress_report(progress, "solving", BASE_COUNT, BASE_COUNT + 1);
	if ((rc = plan_mip_solve(m, NULL, best.feasible ? &best : NULL, tl, gap, &r, err)) != 0)
		goto out;
	p->solve_ms = r.solve_ms;
	p->lp_ms = r.lp_ms;
	p->lp_objective = r.lp_objective;
	p->rows = r.rows;
	p->closed = r.closed;
	p->parts = r.parts;
	p->parts_exact = r.parts_exact;
	p->relaxed = r.relaxed;
	p->split_bound = r.split_bound;
	p->cols = r.cols;
	p->finished = r.status == 0;
	if (r.status == 2 || (r.status == 3 && !best.feasible)) {
		/* Infeasible: elastic slacks say which classes cannot be fully served. */
		plan_mip_result_release(&r);
		p->feasible = false;
		if ((unserved = calloc(m->n_classes + 1, sizeof *unserved)) == NULL ||
		    (rc = plan_elastic(m, unserved, err)) != 0)
			goto out;
		for (size_t c = 0; c < m->n_classes; c++) {
			char label[256];

			if (unserved[c] < 1e-6)
				continue;
			class_label(m, &m->classes[c], label, sizeof label);
			rc = add_unserved(p, "%s: only %.4g of %ld streams fit the instance, memory and "
			    "bandwidth limits", label,
			    fmax(0, (double)m->classes[c].streams - unserved[c]), m->classes[c].streams);
			if (rc != 0)
				goto out;
		}
		if (p->n_unserved == 0)
			rc = add_unserved(p, "the solver found no feasible plan within the time limit");
		goto out;
	}
	p->bound = r.bound;
	p->mip_objective = r.objective;
	if (r.x != NULL) {
		plan_round_repair(m, NULL, r.x, &tmp);
		if (tmp.feasible && (!best.feasible || tmp.cost <= best.cost + 1e-12)) {
			plan_solution_copy(&best, &tmp, m);
			free(p->source);
			p->source = strdup("mip");
		}
	}
	plan_mip_result_release(&r);
	if (!best.feasible) {
		p->feasible = false;
		rc = add_unserved(p, "the solver's plan could not be rounded to whole streams");
		goto out;
	}
	plan_solution_copy(&p->sol, &best, m);
	p->have_sol = true;
	p->feasible = true;
	if (p->bound > p->sol.cost)
		p->bound = p->sol.cost;
	p->gap = p->sol.cost > 0 ? (p->sol.cost - p->bound) / p->sol.cost : 0;
	p->optimal = p->finished && p->gap <= gap + 1e-9;
	if (opt->explain) {
		ladder_progress_report(progress, "explaining", BASE_COUNT, BASE_COUNT + 1);
		if ((rc = plan_explain_compute(m, &p->sol, &p->ex, err)) != 0)
			goto out;
		p->explained = true;
	}
	ladder_progress_report(progress, "done", BASE_COUNT + 1, BASE_COUNT + 1);
out:
	free(allowed);
	free(unserved);
	plan_solution_release(&best);
	plan_solution_release(&tmp);
	plan_solution_release(&seed);
	return rc;
}

/* ---- plan.json ---- */

struct route {
	int node;
	int workload;
	int rung;		/* -1: forward only */
	int chain, point, stage;
	int next_node, next_rung;
	int source;
	double streams;
};

static int
cmp_route(const void *a, const void *b, void *arg)
{
	const struct route *x = a, *y = b;
	const struct plan_model *m = arg;
	int c;

	if (x->node != y->node)
		return x->node - y->node;
	if ((c = strcmp(m->topo->workloads[x->workload].name, m->topo->workloads[y->workload].name)))
		return c;
	if (x->rung != y->rung)
		return x->rung - y->rung;
	if (x->chain != y->chain)
		return x->chain - y->chain;
	if (x->point != y->point)
		return x->point - y->point;
	if (x->stage != y->stage)
		return x->stage - y->stage;
	if (x->next_node != y->next_node)
		return x->next_node - y->next_node;
	if (x->next_rung != y->next_rung)
		return x->next_rung - y->next_rung;
	return strcmp(m->topo->nodes[x->source].id, m->topo->nodes[y->source].id);
}

static bool
same_route(const struct route *x, const struct route *y)
{
	return x->node == y->node && x->workload == y->workload && x->rung == y->rung &&
	    x->chain == y->chain && x->point == y->point && x->stage == y->stage &&
	    x->next_node == y->next_node && x->next_rung == y->next_rung;
}

static json_t *
file_ref_json(const struct ladder_plan *p, const struct plan_file_ref *f)
{
	char path[4096];

	if (f->path == NULL)
		return json_null();
	recorded_path(p, f->path, path, sizeof path);
	return json_pack("{s:s, s:s}", "path", path, "sha256", f->sha256);
}

static json_t *
rung_json(const struct plan_inputs *in, int r)
{
	const struct plan_rung *rg = &in->rungs[r];
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(rg->name));
	json_object_set_new(o, "sha256", rg->sha256 ? json_string(rg->sha256) : json_null());
	json_object_set_new(o, "file", rg->file ? json_string(rg->file) : json_null());
	return o;
}

static int
cmp_node_deploy(const void *a, const void *b, void *arg)
{
	const struct plan_topology *t = arg;
	const struct plan_node *x = &t->nodes[*(const int *)a], *y = &t->nodes[*(const int *)b];

	if (x->tier != y->tier)
		return y->tier - x->tier;	/* receivers first: cloud → device */
	return strcmp(x->id, y->id);
}

static json_t *
nodes_json(const struct ladder_plan *p)
{
	const struct plan_model *m = &p->model;
	const struct plan_topology *t = m->topo;
	size_t nr = 0, cap = 16;
	struct route *routes = malloc(cap * sizeof *routes);
	int *order = calloc(t->n_nodes + 1, sizeof *order);
	bool *resident = calloc(t->n_nodes * m->in->n_rungs + 1, sizeof *resident);
	json_t *arr = json_array();

	if (routes == NULL || order == NULL || resident == NULL)
		goto out;
	for (size_t i = 0; i < m->n_options; i++) {
		const struct plan_option *o = &m->options[i];
		const struct plan_class *c = &m->classes[o->cls];

		if (p->sol.x[i] <= 0)
			continue;
		for (int s = -1; s < o->n_stages; s++) {
			struct route rt;

			if (s == -1 && o->node[0] == c->source)
				continue;
			if (nr == cap) {
				struct route *n2 = realloc(routes, 2 * cap * sizeof *routes);

				if (n2 == NULL)
					goto out;
				routes = n2;
				cap *= 2;
			}
			rt.workload = c->workload;
			rt.source = c->source;
			rt.streams = p->sol.x[i];
			rt.stage = s;
			if (s == -1) {
				rt.node = c->source;
				rt.rung = -1;
				rt.chain = rt.point = -1;
				rt.next_node = o->node[0];
				rt.next_rung = o->rung[0];
			} else {
				rt.node = o->node[s];
				rt.rung = o->rung[s];
				rt.chain = s + 1 < o->n_stages ? o->chain : -1;
				rt.point = s + 1 < o->n_stages ? o->point : -1;
				rt.next_node = s + 1 < o->n_stages ? o->node[s + 1] : -1;
				rt.next_rung = s + 1 < o->n_stages ? o->rung[s + 1] : -1;
				resident[(size_t)rt.node * m->in->n_rungs + (size_t)rt.rung] = true;
			}
			routes[nr++] = rt;
		}
	}
	qsort_r(routes, nr, sizeof *routes, cmp_route, (void *)m);
	for (size_t k = 0; k < t->n_nodes; k++)
		order[k] = (int)k;
	qsort_r(order, t->n_nodes, sizeof *order, cmp_node_deploy, (void *)t);
	for (size_t oi = 0; oi < t->n_nodes; oi++) {
		int k = order[oi];
		const struct plan_node *nd = &t->nodes[k];
		json_t *node, *rungs, *rts;
		bool any = p->sol.inst[k] > 0;

		for (size_t i = 0; i < nr && !any; i++)
			any = routes[i].node == k;
		if (!any)
			continue;
		node = json_object();
		json_object_set_new(node, "id", json_string(nd->id));
		json_object_set_new(node, "tier", json_string(plan_tier_names[nd->tier]));
		json_object_set_new(node, "hardware", json_string(nd->hardware));
		json_object_set_new(node, "address", nd->address ? json_string(nd->address) : json_null());
		json_object_set_new(node, "instances", json_integer(p->sol.inst[k]));
		rungs = json_array();
		for (size_t r = 0; r < m->in->n_rungs; r++) {
			if (resident[(size_t)k * m->in->n_rungs + r])
				json_array_append_new(rungs, rung_json(m->in, (int)r));
		}
		json_object_set_new(node, "rungs", rungs);
		rts = json_array();
		for (size_t i = 0; i < nr; i++) {
			const struct route *rt = &routes[i];
			json_t *o, *srcs;
			double streams = 0;

			if (rt->node != k || (i > 0 && same_route(rt, &routes[i - 1])))
				continue;
			o = json_object();
			json_object_set_new(o, "workload", json_string(t->workloads[rt->workload].name));
			json_object_set_new(o, "rung", rt->rung >= 0 ?
			    json_string(m->in->rungs[rt->rung].name) : json_null());
			if (rt->chain >= 0) {
				const struct plan_chain *ch = &m->in->chains[rt->chain];

				json_object_set_new(o, "measure", json_string(ch->measure));
				json_object_set_new(o, "temperature",
				    json_real(tidy(ch->temperatures[rt->stage])));
				json_object_set_new(o, "threshold",
				    json_real(tidy(ch->points[rt->point].threshold[rt->stage])));
			} else {
				json_object_set_new(o, "measure", json_null());
				json_object_set_new(o, "temperature", json_null());
				json_object_set_new(o, "threshold", json_null());
			}
			json_object_set_new(o, "escalate_to", rt->next_node >= 0 ?
			    json_pack("{s:s, s:s}", "node", t->nodes[rt->next_node].id, "rung",
			    m->in->rungs[rt->next_rung].name) : json_null());
			srcs = json_array();
			for (size_t j = i; j < nr && same_route(&routes[j], rt); j++) {
				if (j == i || routes[j].source != routes[j - 1].source)
					json_array_append_new(srcs,
					    json_string(t->nodes[routes[j].source].id));
				streams += routes[j].streams;
			}
			json_object_set_new(o, "sources", srcs);
			json_object_set_new(o, "streams", json_integer((json_int_t)streams));
			json_array_append_new(rts, o);
		}
		json_object_set_new(node, "routes", rts);
		json_array_append_new(arr, node);
	}
out:
	free(routes);
	free(order);
	free(resident);
	return arr;
}

struct wl_row {
	int cls;
	size_t opt;
	char name[512];
};

static int
cmp_wl_row(const void *a, const void *b, void *arg)
{
	const struct wl_row *x = a, *y = b;
	const struct plan_model *m = arg;
	const struct plan_class *cx = &m->classes[x->cls], *cy = &m->classes[y->cls];
	int c;

	if ((c = strcmp(m->topo->workloads[cx->workload].name, m->topo->workloads[cy->workload].name)))
		return c;
	if ((c = strcmp(m->topo->nodes[cx->source].id, m->topo->nodes[cy->source].id)))
		return c;
	return strcmp(x->name, y->name);
}

static double
option_share(const struct plan_model *m, const struct plan_option *o)
{
	double v = o->var_cost;

	for (int i = 0; i < o->n_use; i++)
		v += o->use[i].inst_per_stream * m->topo->nodes[o->use[i].node].cost_per_hour;
	return v;
}

/* The baselines or ablations in [from, to) that were solved. */
static json_t *
baselines_json(const struct ladder_plan *p, int from, int to)
{
	json_t *arr = json_array();

	for (int b = from; b < to; b++) {
		if (!p->base_done[b])
			continue;
		json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:o}", "name", base_names[b],
		    "status", base_status_names[p->base_status[b]],
		    "feasible", p->base_feasible[b], "cost_per_hour", p->base_feasible[b] ?
		    json_real(tidy(p->base_cost[b])) : json_null()));
	}
	return arr;
}

static json_t *
workloads_json(const struct ladder_plan *p)
{
	const struct plan_model *m = &p->model;
	json_t *arr = json_array();
	struct wl_row *rows = calloc(m->n_options + 1, sizeof *rows);
	size_t n = 0;

	if (rows == NULL)
		return arr;
	for (size_t i = 0; i < m->n_options; i++) {
		if (p->sol.x[i] <= 0)
			continue;
		rows[n].cls = m->options[i].cls;
		rows[n].opt = i;
		plan_option_name(m, &m->options[i], rows[n].name, sizeof rows[n].name);
		n++;
	}
	qsort_r(rows, n, sizeof *rows, cmp_wl_row, (void *)m);
	for (size_t i = 0; i < n; i++) {
		const struct plan_option *o = &m->options[rows[i].opt];
		const struct plan_class *c = &m->classes[o->cls];
		const struct plan_workload *w = &m->topo->workloads[c->workload];
		double x = p->sol.x[rows[i].opt];
		json_t *j = json_object();

		json_object_set_new(j, "name", json_string(w->name));
		json_object_set_new(j, "source", json_string(m->topo->nodes[c->source].id));
		json_object_set_new(j, "streams", json_integer((json_int_t)x));
		json_object_set_new(j, "option", json_string(rows[i].name));
		json_object_set_new(j, "accuracy", json_real(tidy(o->accuracy)));
		json_object_set_new(j, "accuracy_target", json_real(tidy(w->accuracy)));
		json_object_set_new(j, "p99_ms", json_real(tidy(o->latency_ms)));
		json_object_set_new(j, "p99_slo_ms", json_real(tidy(w->p99_ms)));
		json_object_set_new(j, "escalation", o->n_stages > 1 ?
		    json_real(tidy(o->frac[1])) : json_real(0));
		json_object_set_new(j, "cost_per_hour", json_real(tidy(x * option_share(m, o))));
		json_array_append_new(arr, j);
	}
	free(rows);
	return arr;
}

static json_t *
explain_json(const struct ladder_plan *p)
{
	const struct plan_model *m = &p->model;
	const struct plan_topology *t = m->topo;
	json_t *o = json_object(), *wl = json_array(), *nodes = json_array(), *links = json_array();

	for (size_t w = 0; w < t->n_workloads; w++) {
		double dual = 0, dual_lp = 0;
		json_t *j = json_object();

		for (size_t c = 0; c < m->n_classes; c++) {
			if (m->classes[c].workload == (int)w) {
				dual = fmax(dual, p->ex.class_dual[c]);
				dual_lp = fmax(dual_lp, p->ex.class_dual_lp[c]);
			}
		}
		json_object_set_new(j, "name", json_string(t->workloads[w].name));
		json_object_set_new(j, "accuracy_plus_0_01_per_hour", p->ex.acc_step[w] < 0 ?
		    json_null() : json_real(tidy(p->ex.acc_step[w])));
		json_object_set_new(j, "p99_minus_10pct_per_hour", p->ex.lat_step[w] < 0 ?
		    json_null() : json_real(tidy(p->ex.lat_step[w])));
		json_object_set_new(j, "stream_marginal_per_hour", json_real(tidy(dual)));
		json_object_set_new(j, "stream_long_run_per_hour", json_real(tidy(dual_lp)));
		json_array_append_new(wl, j);
	}
	for (size_t k = 0; k < t->n_nodes; k++) {
		if (p->ex.node_dual[k] > 1e-9)
			json_array_append_new(nodes, json_pack("{s:s, s:o}", "id", t->nodes[k].id,
			    "instance_value_per_hour", json_real(tidy(p->ex.node_dual[k]))));
	}
	for (size_t l = 0; l < t->n_links; l++) {
		if (p->ex.link_dual[l] > 1e-9)
			json_array_append_new(links, json_pack("{s:s, s:s, s:o}", "from",
			    t->nodes[t->links[l].from].id, "to", t->nodes[t->links[l].to].id,
			    "mbps_value_per_hour", json_real(tidy(p->ex.link_dual[l]))));
	}
	json_object_set_new(o, "workloads", wl);
	json_object_set_new(o, "nodes", nodes);
	json_object_set_new(o, "links", links);
	return o;
}

static int
make_json(struct ladder_plan *p, const struct ladder_plan_options *opt)
{
	const struct plan_model *m = &p->model;
	json_t *root = json_object(), *inputs = json_object(), *profiles = json_array(), *obj, *arr;
	char created[32], topo_path[4096];

	ladder_utc_iso8601(p->created, created);
	json_object_set_new(root, "schema", json_string("ladder.plan/1"));
	json_object_set_new(root, "epoch", json_integer(p->epoch));
	json_object_set_new(root, "created", json_string(created));
	recorded_path(p, p->topo.path, topo_path, sizeof topo_path);
	json_object_set_new(inputs, "topology", json_pack("{s:s, s:s}", "path", topo_path,
	    "sha256", p->topo.sha256));
	json_object_set_new(inputs, "ladder", file_ref_json(p, &p->in.ladder));
	for (size_t i = 0; i < p->in.n_profiles; i++)
		json_array_append_new(profiles, file_ref_json(p, &p->in.profiles[i]));
	json_object_set_new(inputs, "profiles", profiles);
	json_object_set_new(inputs, "thresholds", file_ref_json(p, &p->in.thresholds));
	json_object_set_new(root, "inputs", inputs);
	json_object_set_new(root, "status", json_string(!p->feasible ? "infeasible" :
	    p->optimal ? "optimal" : "feasible"));
	obj = json_object();
	json_object_set_new(obj, "cost_per_hour", p->feasible ? json_real(tidy(p->sol.cost)) :
	    json_null());
	json_object_set_new(obj, "bound", p->feasible ? json_real(tidy(p->bound)) : json_null());
	json_object_set_new(obj, "gap", p->feasible ? json_real(tidy(p->gap)) : json_null());
	json_object_set_new(obj, "solve_ms", json_integer((json_int_t)llround(p->solve_ms)));
	json_object_set_new(obj, "mip_cost_per_hour", p->feasible ?
	    json_real(tidy(p->mip_objective)) : json_null());
	json_object_set_new(obj, "source", json_string(p->source ? p->source : "none"));
	json_object_set_new(root, "objective", obj);
	json_object_set_new(root, "nodes", p->have_sol ? nodes_json(p) : json_array());
	json_object_set_new(root, "workloads", p->have_sol ? workloads_json(p) : json_array());
	obj = json_object();
	json_object_set_new(obj, "cost_per_hour", json_real(tidy(p->have_sol ? p->sol.cost : 0)));
	json_object_set_new(obj, "compute_per_hour",
	    json_real(tidy(p->have_sol ? p->sol.compute_cost : 0)));
	json_object_set_new(obj, "network_per_hour",
	    json_real(tidy(p->have_sol ? p->sol.network_cost : 0)));
	json_object_set_new(obj, "energy_per_hour",
	    json_real(tidy(p->have_sol ? p->sol.energy_cost : 0)));
	json_object_set_new(root, "totals", obj);
	json_object_set_new(root, "baselines", baselines_json(p, 0, N_BASELINES));
	json_object_set_new(root, "ablations", baselines_json(p, N_BASELINES, BASE_COUNT));
	arr = json_array();
	for (size_t i = 0; i < p->n_unserved; i++)
		json_array_append_new(arr, json_string(p->unserved[i]));
	json_object_set_new(root, "unserved", arr);
	obj = json_object();
	json_object_set_new(obj, "classes", json_integer((json_int_t)m->n_classes));
	json_object_set_new(obj, "options_enumerated", json_integer((json_int_t)m->n_enumerated));
	json_object_set_new(obj, "options_pruned", json_integer((json_int_t)m->n_pruned));
	json_object_set_new(obj, "options", json_integer((json_int_t)m->n_options));
	json_object_set_new(obj, "rows", json_integer(p->rows));
	json_object_set_new(obj, "columns", json_integer(p->cols));
	json_object_set_new(obj, "integer_x", json_boolean(m->x_integer));
	json_object_set_new(obj, "lp_bound", json_real(tidy(p->lp_objective)));
	{
		json_t *d = json_object();

		json_object_set_new(d, "closed_nodes", json_integer(p->closed));
		json_object_set_new(d, "parts", json_integer(p->parts));
		json_object_set_new(d, "parts_exact", json_integer(p->parts_exact));
		json_object_set_new(d, "relaxed_resources", json_integer(p->relaxed));
		json_object_set_new(d, "bound", isfinite(p->split_bound) ?
		    json_real(tidy(p->split_bound)) : json_null());
		json_object_set_new(obj, "decomposition", d);
	}
	json_object_set_new(obj, "build_ms", json_integer((json_int_t)llround(p->build_ms)));
	json_object_set_new(obj, "baselines_ms", json_integer((json_int_t)llround(p->baselines_ms)));
	json_object_set_new(obj, "lp_ms", json_integer((json_int_t)llround(p->lp_ms)));
	json_object_set_new(obj, "cpu_ms", json_integer((json_int_t)llround(p->cpu_ms)));
	json_object_set_new(root, "model", obj);
	if (p->explained)
		json_object_set_new(root, "explain", explain_json(p));
	p->json = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	json_decref(root);
	return p->json != NULL ? 0 : LADDER_ENOMEM;
}

/* ---- the human summary ---- */

/* One table of baselines or ablations: cost and what the plan saves against each. */
static void
summary_baselines(const struct ladder_plan *p, struct ladder_buf *b, int from, int to,
    const char *title)
{
	static const char *const what[BASE_COUNT] = { "", "", "", "",
		"  single rungs, any node", "  cascades within one node" };
	bool any = false;

	for (int i = from; i < to; i++)
		any = any || p->base_done[i];
	if (!any)
		return;
	ladder_buf_addf(b, "\n%-13s %12s  %s\n", title, "$/h", "plan saves");
	for (int i = from; i < to; i++) {
		if (!p->base_done[i])
			continue;
		if (!p->base_feasible[i])
			ladder_buf_addf(b, "%-13s %12s  -%s\n", base_names[i],
			    base_status_names[p->base_status[i]], what[i]);
		else
			ladder_buf_addf(b, "%-13s %12.4f  %.1f%%%s%s\n", base_names[i],
			    p->base_cost[i], p->base_cost[i] > 0 ? 100 *
			    (p->base_cost[i] - p->sol.cost) / p->base_cost[i] : 0, what[i],
			    p->base_status[i] == BS_FEASIBLE && i != BASE_GREEDY ?
			    "  (time limit: not proven optimal)" : "");
	}
}

static void
summary_workloads(const struct ladder_plan *p, struct ladder_buf *b)
{
	const struct plan_model *m = &p->model;
	const struct plan_topology *t = m->topo;

	ladder_buf_addf(b, "\n%-16s %8s  %-34s %8s %14s  %s\n", "workload", "streams",
	    "option (by tier)", "accuracy", "p99 ms (SLO)", "binding");
	for (size_t w = 0; w < t->n_workloads; w++) {
		/* Group this workload's streams by the option's shape (rungs and tiers). */
		char shapes[8][160];
		double streams[8], acc[8], lat[8];
		int ns = 0, bind = 0;

		for (size_t c = 0; c < m->n_classes; c++) {
			if (m->classes[c].workload == (int)w && m->classes[c].rejected_by > bind)
				bind = m->classes[c].rejected_by;
		}
		for (size_t i = 0; i < m->n_options; i++) {
			const struct plan_option *o = &m->options[i];
			char shape[160];
			size_t len = 0;
			int s;

			if (p->sol.x[i] <= 0 || m->classes[o->cls].workload != (int)w)
				continue;
			shape[0] = '\0';
			for (int st = 0; st < o->n_stages; st++)
				len += (size_t)snprintf(shape + len, sizeof shape - len < 2 ? 0 :
				    sizeof shape - len, "%s%s@%s", st ? "\xe2\x86\x92" : "",
				    m->in->rungs[o->rung[st]].name,
				    plan_tier_names[t->nodes[o->node[st]].tier]);
			for (s = 0; s < ns; s++) {
				if (strcmp(shapes[s], shape) == 0)
					break;
			}
			if (s == ns) {
				if (ns == 8)
					s = 7;
				else {
					ns++;
					snprintf(shapes[s], sizeof shapes[s], "%s", shape);
					streams[s] = 0;
					acc[s] = 1;
					lat[s] = 0;
				}
			}
			streams[s] += p->sol.x[i];
			acc[s] = fmin(acc[s], o->accuracy);
			lat[s] = fmax(lat[s], o->latency_ms);
		}
		for (int s = 0; s < ns; s++) {
			char slo[48];

			snprintf(slo, sizeof slo, "%.3g (%g)", lat[s], t->workloads[w].p99_ms);
			ladder_buf_addf(b, "%-16s %8.0f  %-34s %8.4f %14s  %s\n",
			    s == 0 ? t->workloads[w].name : "", streams[s], shapes[s], acc[s], slo,
			    s > 0 ? "" : bind == 1 ? "accuracy" : bind == 2 ? "p99" :
			    bind == 3 ? "energy" : "cost");
		}
	}
}

static int
make_summary(struct ladder_plan *p)
{
	const struct plan_model *m = &p->model;
	const struct plan_topology *t = m->topo;
	struct ladder_buf b;

	ladder_buf_init(&b);
	if (!p->feasible) {
		ladder_buf_addf(&b, "plan: infeasible (%zu class(es) cannot be served)\n",
		    p->n_unserved);
		for (size_t i = 0; i < p->n_unserved; i++)
			ladder_buf_addf(&b, "  %s\n", p->unserved[i]);
	} else {
		double load[TIER_COUNT] = { 0 }, cost[TIER_COUNT] = { 0 };
		long inst[TIER_COUNT] = { 0 }, nodes[TIER_COUNT] = { 0 };
		double *nl = calloc(t->n_nodes + 1, sizeof *nl);

		ladder_buf_addf(&b, "plan: %s, $%.4f/h (bound $%.4f/h, gap %.2f%%), solved in %.0f ms\n",
		    p->optimal ? "optimal" : "feasible", p->sol.cost,
		    p->bound, 100 * p->gap, p->solve_ms);
		ladder_buf_addf(&b, "model: %zu classes, %zu options (%zu dominated dropped of %zu)\n",
		    m->n_classes, m->n_options, m->n_pruned, m->n_enumerated);
		if (p->parts > 0)
			ladder_buf_addf(&b, "bound: LP $%.4f/h; split into %d parts (%d within the gap), "
			    "nodes closed %d, shared resources relaxed %d: $%.4f/h\n", p->lp_objective,
			    p->parts, p->parts_exact, p->closed, p->relaxed, fmin(p->split_bound, p->sol.cost));
		for (size_t i = 0; i < m->n_options && nl != NULL; i++) {
			for (int u = 0; u < m->options[i].n_use; u++)
				nl[m->options[i].use[u].node] += p->sol.x[i] *
				    m->options[i].use[u].inst_per_stream;
		}
		for (size_t k = 0; k < t->n_nodes && nl != NULL; k++) {
			int tr = t->nodes[k].tier;

			if (p->sol.inst[k] == 0)
				continue;
			nodes[tr]++;
			inst[tr] += p->sol.inst[k];
			load[tr] += nl[k];
			cost[tr] += (double)p->sol.inst[k] * t->nodes[k].cost_per_hour;
		}
		free(nl);
		ladder_buf_addf(&b, "\n%-8s %6s %10s %12s %12s\n", "tier", "nodes", "instances",
		    "compute $/h", "utilisation");
		for (int tr = 0; tr < TIER_COUNT; tr++) {
			if (inst[tr] == 0)
				continue;
			ladder_buf_addf(&b, "%-8s %6ld %10ld %12.4f %11.0f%%\n", plan_tier_names[tr],
			    nodes[tr], inst[tr], cost[tr], 100 * load[tr] / (double)inst[tr]);
		}
		ladder_buf_addf(&b, "network $/h %.4f, energy $/h %.4f\n", p->sol.network_cost,
		    p->sol.energy_cost);
		summary_workloads(p, &b);
		summary_baselines(p, &b, 0, N_BASELINES, "baseline");
		summary_baselines(p, &b, N_BASELINES, BASE_COUNT, "ablation");
		if (p->explained) {
			ladder_buf_addf(&b, "\nsensitivity (LP relaxation; duals with instances fixed):\n");
			for (size_t w = 0; w < t->n_workloads; w++) {
				double dual = 0, dual_lp = 0;

				for (size_t c = 0; c < m->n_classes; c++) {
					if (m->classes[c].workload == (int)w) {
						dual = fmax(dual, p->ex.class_dual[c]);
						dual_lp = fmax(dual_lp, p->ex.class_dual_lp[c]);
					}
				}
				if (p->ex.acc_step[w] < 0)
					ladder_buf_addf(&b, "  +1 point of accuracy on %s: infeasible\n",
					    t->workloads[w].name);
				else
					ladder_buf_addf(&b, "  +1 point of accuracy on %s costs $%.4f/h\n",
					    t->workloads[w].name, p->ex.acc_step[w]);
				if (p->ex.lat_step[w] < 0)
					ladder_buf_addf(&b, "  -10%% p99 on %s: infeasible\n",
					    t->workloads[w].name);
				else
					ladder_buf_addf(&b, "  -10%% p99 on %s costs $%.4f/h\n",
					    t->workloads[w].name, p->ex.lat_step[w]);
				ladder_buf_addf(&b, "  one more stream of %s costs up to $%.5f/h with "
				    "these instances, $%.5f/h in the long run\n", t->workloads[w].name, dual,
				    dual_lp);
			}
			for (size_t k = 0; k < t->n_nodes; k++) {
				if (p->ex.node_dual[k] > 1e-9)
					ladder_buf_addf(&b, "  capacity binds on %s: one more instance's "
					    "worth saves $%.4f/h\n", t->nodes[k].id, p->ex.node_dual[k]);
			}
			for (size_t l = 0; l < t->n_links; l++) {
				if (p->ex.link_dual[l] > 1e-9)
					ladder_buf_addf(&b, "  bandwidth binds on %s->%s: +1 Mbps saves "
					    "$%.5f/h\n", t->nodes[t->links[l].from].id,
					    t->nodes[t->links[l].to].id, p->ex.link_dual[l]);
			}
		}
	}
	if (b.failed) {
		ladder_buf_release(&b);
		return LADDER_ENOMEM;
	}
	p->summary = ladder_buf_detach(&b, NULL);
	return 0;
}

int
ladder_plan_solve(const struct ladder_plan_options *opt, struct ladder_plan **out,
    const struct ladder_progress *progress, struct ladder_err *err)
{
	struct ladder_plan *p = calloc(1, sizeof *p);
	clock_t cpu0 = clock();
	int rc;

	*out = NULL;
	if (p != NULL)
		p->split_bound = -INFINITY;
	if (p == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "planner: out of memory");
	p->epoch = opt->epoch > 0 ? opt->epoch : 1;
	if (opt->output_path != NULL) {
		char dir[4096];

		ladder_path_dir(opt->output_path, dir, sizeof dir);
		if (realpath(dir, p->out_dir) == NULL)
			p->out_dir[0] = '\0';
	}
	p->created = opt->created_unix > 0 ? opt->created_unix : (int64_t)time(NULL);
	if ((rc = plan_topology_read(&p->topo, opt->topology_path, err)) != 0)
		goto fail;
	if (opt->n_profiles > 0) {
		for (size_t i = 0; i < opt->n_profiles; i++) {
			if ((rc = plan_inputs_read_profile(&p->in, opt->profile_paths[i], err)) != 0)
				goto fail;
		}
	} else if (p->topo.n_profile_paths > 0) {
		for (size_t i = 0; i < p->topo.n_profile_paths; i++) {
			if (p->topo.profile_paths[i] == NULL) {
				rc = ladder_errf(err, LADDER_ENOMEM, "planner: out of memory");
				goto fail;
			}
			if ((rc = plan_inputs_read_profile(&p->in, p->topo.profile_paths[i], err)) != 0)
				goto fail;
		}
	} else {
		rc = ladder_errf(err, LADDER_EINVAL, "cannot read '%s': profiles: missing (name "
		    "profile.json files there or give --profile)", opt->topology_path);
		goto fail;
	}
	if (p->topo.ladder_path != NULL &&
	    (rc = plan_inputs_read_ladder(&p->in, p->topo.ladder_path, err)) != 0)
		goto fail;
	if (opt->thresholds_path != NULL || p->topo.thresholds_path != NULL) {
		rc = plan_inputs_read_thresholds(&p->in, opt->thresholds_path ? opt->thresholds_path :
		    p->topo.thresholds_path, err);
		if (rc != 0)
			goto fail;
	}
	if ((rc = plan_topology_bind(&p->topo, &p->in, err)) != 0)
		goto fail;
	ladder_progress_report(progress, "building options", 0, 0);
	uint64_t t_build = ladder_now_ns();

	rc = plan_model_build(&p->model, &p->topo, &p->in, err);
	p->build_ms = (double)(ladder_now_ns() - t_build) / 1e6;
	if (rc != 0 ||
	    (rc = plan_solution_init(&p->sol, &p->model)) != 0 ||
	    (rc = solve_all(p, opt, progress, err)) != 0 ||
	    (p->cpu_ms = (double)(clock() - cpu0) * 1000.0 / CLOCKS_PER_SEC, 0) != 0 ||
	    (rc = make_json(p, opt)) != 0 || (rc = make_summary(p)) != 0) {
		if (rc == LADDER_ENOMEM)
			ladder_errf(err, rc, "planner: out of memory");
		goto fail;
	}
	*out = p;
	return 0;
fail:
	ladder_plan_free(p);
	return rc;
}

void
ladder_plan_free(struct ladder_plan *p)
{
	if (p == NULL)
		return;
	plan_solution_release(&p->sol);
	plan_model_release(&p->model);
	plan_topology_release(&p->topo);
	plan_inputs_release(&p->in);
	plan_explain_release(&p->ex);
	for (size_t i = 0; i < p->n_unserved; i++)
		free(p->unserved[i]);
	free(p->unserved);
	free(p->source);
	free(p->json);
	free(p->summary);
	free(p);
}

bool
ladder_plan_feasible(const struct ladder_plan *p)
{
	return p->feasible;
}

size_t
ladder_plan_unserved_count(const struct ladder_plan *p)
{
	return p->n_unserved;
}

const char *
ladder_plan_unserved(const struct ladder_plan *p, size_t i)
{
	return i < p->n_unserved ? p->unserved[i] : NULL;
}

double
ladder_plan_cost(const struct ladder_plan *p)
{
	return p->feasible ? p->sol.cost : 0;
}

double
ladder_plan_bound(const struct ladder_plan *p)
{
	return p->bound;
}

double
ladder_plan_gap(const struct ladder_plan *p)
{
	return p->gap;
}

double
ladder_plan_solve_ms(const struct ladder_plan *p)
{
	return p->solve_ms;
}

const char *
ladder_plan_json(const struct ladder_plan *p)
{
	return p->json;
}

const char *
ladder_plan_summary(const struct ladder_plan *p)
{
	return p->summary;
}
