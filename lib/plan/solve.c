/* solve.c: the GLPK model (the only glpk.h user), greedy plans, rounding and repair. */
#include <glpk.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/lp.h"
#include "plan/plan.h"
#include "util/banned.h"

#define INST_TOL 1e-7

static long
instances_for(double load)
{
	double c = ceil(load - INST_TOL);

	return c < 0 ? 0 : (long)c;
}

/* ---- solutions and incremental state ---- */

struct state {
	const struct plan_model *m;
	double *x, *load, *link, *mem_used;
	double *rung_streams;	/* [node * n_rungs + rung]: streams using the rung there */
};

static int
state_init(struct state *st, const struct plan_model *m)
{
	size_t nn = m->topo->n_nodes, nr = m->in->n_rungs;

	memset(st, 0, sizeof *st);
	st->m = m;
	st->x = calloc(m->n_options + 1, sizeof *st->x);
	st->load = calloc(nn + 1, sizeof *st->load);
	st->link = calloc(m->topo->n_links + 1, sizeof *st->link);
	st->mem_used = calloc(nn + 1, sizeof *st->mem_used);
	st->rung_streams = calloc(nn * nr + 1, sizeof *st->rung_streams);
	if (!st->x || !st->load || !st->link || !st->mem_used || !st->rung_streams)
		return LADDER_ENOMEM;
	return 0;
}

static void
state_release(struct state *st)
{
	free(st->x);
	free(st->load);
	free(st->link);
	free(st->mem_used);
	free(st->rung_streams);
}

static void
state_add(struct state *st, size_t oi, double q)
{
	const struct plan_model *m = st->m;
	const struct plan_option *o = &m->options[oi];
	size_t nr = m->in->n_rungs;

	st->x[oi] += q;
	for (int i = 0; i < o->n_use; i++) {
		const struct plan_use *u = &o->use[i];
		double *rs = &st->rung_streams[(size_t)u->node * nr + (size_t)u->rung];
		double mem = plan_perf_at(m->in, u->rung, m->topo->nodes[u->node].hw)->mem_mb;

		st->load[u->node] += q * u->inst_per_stream;
		if (*rs < 0.5 && *rs + q >= 0.5)
			st->mem_used[u->node] += mem;
		else if (*rs >= 0.5 && *rs + q < 0.5)
			st->mem_used[u->node] -= mem;
		*rs += q;
	}
	for (size_t j = o->luse_off; j < o->luse_off + o->n_luse; j++)
		st->link[m->luse[j].link] += q * m->luse[j].mbps_per_stream;
}

/*
 * Cost change of adding q streams (q may be negative) to option oi, or
 * INFINITY when a limit would be exceeded.
 */
static double
state_delta(const struct state *st, size_t oi, double q)
{
	const struct plan_model *m = st->m;
	const struct plan_option *o = &m->options[oi];
	size_t nr = m->in->n_rungs;
	double d = q * o->var_cost;

	for (int i = 0; i < o->n_use; i++) {
		const struct plan_use *u = &o->use[i];
		const struct plan_node *nd = &m->topo->nodes[u->node];
		double add = 0, before, after;
		bool first = true;

		/* Sum the uses of the same node once (a cascade may use it twice). */
		for (int j = 0; j < i && first; j++)
			first = o->use[j].node != u->node;
		if (!first)
			continue;
		for (int j = i; j < o->n_use; j++) {
			if (o->use[j].node == u->node)
				add += q * o->use[j].inst_per_stream;
		}
		before = (double)instances_for(st->load[u->node]);
		after = (double)instances_for(st->load[u->node] + add);
		if (q > 0 && after > (double)nd->max_instances)
			return INFINITY;
		d += (after - before) * nd->cost_per_hour;
		if (q > 0) {
			double extra = 0;

			for (int j = i; j < o->n_use; j++) {
				if (o->use[j].node == u->node &&
				    st->rung_streams[(size_t)u->node * nr + (size_t)o->use[j].rung] < 0.5)
					extra += plan_perf_at(m->in, o->use[j].rung, nd->hw)->mem_mb;
			}
			if (extra > 0 && st->mem_used[u->node] + extra > nd->memory_mb * (1 + 1e-9))
				return INFINITY;
		}
	}
	if (q > 0) {
		for (size_t j = o->luse_off; j < o->luse_off + o->n_luse; j++) {
			const struct plan_link *l = &m->topo->links[m->luse[j].link];

			if (st->link[m->luse[j].link] + q * m->luse[j].mbps_per_stream >
			    l->bandwidth_mbps * (1 + 1e-9))
				return INFINITY;
		}
	}
	return d;
}

int
plan_solution_init(struct plan_solution *s, const struct plan_model *m)
{
	memset(s, 0, sizeof *s);
	s->x = calloc(m->n_options + 1, sizeof *s->x);
	s->inst = calloc(m->topo->n_nodes + 1, sizeof *s->inst);
	return s->x && s->inst ? 0 : LADDER_ENOMEM;
}

void
plan_solution_release(struct plan_solution *s)
{
	free(s->x);
	free(s->inst);
	memset(s, 0, sizeof *s);
}

void
plan_solution_copy(struct plan_solution *dst, const struct plan_solution *src,
    const struct plan_model *m)
{
	memcpy(dst->x, src->x, m->n_options * sizeof *dst->x);
	memcpy(dst->inst, src->inst, m->topo->n_nodes * sizeof *dst->inst);
	dst->feasible = src->feasible;
	dst->cost = src->cost;
	dst->compute_cost = src->compute_cost;
	dst->network_cost = src->network_cost;
	dst->energy_cost = src->energy_cost;
}

bool
plan_solution_evaluate(struct plan_solution *s, const struct plan_model *m)
{
	const struct plan_topology *t = m->topo;
	struct state st;
	bool ok = true;

	if (state_init(&st, m) != 0) {
		state_release(&st);
		s->feasible = false;
		return false;
	}
	s->compute_cost = s->network_cost = s->energy_cost = 0;
	for (size_t c = 0; c < m->n_classes; c++) {
		const struct plan_class *cl = &m->classes[c];
		double served = 0;

		for (size_t i = cl->opt_begin; i < cl->opt_end; i++) {
			if (s->x[i] < 0 || s->x[i] != floor(s->x[i]))
				ok = false;
			if (s->x[i] > 0) {
				state_add(&st, i, s->x[i]);
				s->network_cost += s->x[i] * m->options[i].net_cost;
				s->energy_cost += s->x[i] * (m->options[i].var_cost - m->options[i].net_cost);
			}
			served += s->x[i];
		}
		if (fabs(served - (double)cl->streams) > 1e-6)
			ok = false;
	}
	for (size_t k = 0; k < t->n_nodes; k++) {
		s->inst[k] = instances_for(st.load[k]);
		if (s->inst[k] > t->nodes[k].max_instances)
			ok = false;
		if (st.mem_used[k] > t->nodes[k].memory_mb * (1 + 1e-9))
			ok = false;
		s->compute_cost += (double)s->inst[k] * t->nodes[k].cost_per_hour;
	}
	for (size_t l = 0; l < t->n_links; l++) {
		if (st.link[l] > t->links[l].bandwidth_mbps * (1 + 1e-9))
			ok = false;
	}
	s->cost = s->compute_cost + s->network_cost + s->energy_cost;
	s->feasible = ok;
	state_release(&st);
	return ok;
}

/* ---- greedy ---- */

static int
cmp_class_demand(const void *a, const void *b, void *arg)
{
	const struct plan_model *m = arg;
	const struct plan_class *x = &m->classes[*(const size_t *)a];
	const struct plan_class *y = &m->classes[*(const size_t *)b];
	double dx = (double)x->streams * m->topo->workloads[x->workload].rate_hz;
	double dy = (double)y->streams * m->topo->workloads[y->workload].rate_hz;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;

	if (dx != dy)
		return dx < dy ? 1 : -1;
	return (ia > ib) - (ia < ib);
}

/* Places q streams of class c on the option with the least cost per stream; false if none. */
static bool
greedy_place(struct state *st, const struct plan_class *cl, const bool *allowed, double q)
{
	size_t best = SIZE_MAX;
	double best_cost = INFINITY;

	for (size_t i = cl->opt_begin; i < cl->opt_end; i++) {
		double d;

		if (allowed != NULL && !allowed[i])
			continue;
		d = state_delta(st, i, q);
		if (d < best_cost - 1e-12) {
			best_cost = d;
			best = i;
		}
	}
	if (best == SIZE_MAX)
		return false;
	state_add(st, best, q);
	return true;
}

void
plan_greedy(const struct plan_model *m, const bool *allowed, struct plan_solution *s)
{
	struct state st;
	size_t *order = calloc(m->n_classes + 1, sizeof *order);
	bool ok = true;

	s->feasible = false;
	if (order == NULL || state_init(&st, m) != 0) {
		free(order);
		return;
	}
	for (size_t c = 0; c < m->n_classes; c++)
		order[c] = c;
	qsort_r(order, m->n_classes, sizeof *order, cmp_class_demand, (void *)m);
	for (size_t k = 0; k < m->n_classes && ok; k++) {
		const struct plan_class *cl = &m->classes[order[k]];
		double left = (double)cl->streams, q = left;

		/* Whole class at once, else in halving chunks. */
		while (left > 0 && ok) {
			if (q > left)
				q = left;
			if (greedy_place(&st, cl, allowed, q)) {
				left -= q;
				continue;
			}
			if (q <= 1)
				ok = false;
			q = floor(q / 2) < 1 ? 1 : floor(q / 2);
		}
	}
	memcpy(s->x, st.x, m->n_options * sizeof *s->x);
	if (ok)
		plan_solution_evaluate(s, m);
	state_release(&st);
	free(order);
}

/* ---- rounding, repair and local improvement ---- */

static void
state_from(struct state *st, const double *x)
{
	const struct plan_model *m = st->m;

	for (size_t i = 0; i < m->n_options; i++) {
		if (x[i] > 0)
			state_add(st, i, x[i]);
	}
}

/* Moves streams between options of one class while the cost falls. */
static void
improve(struct state *st, const bool *allowed)
{
	const struct plan_model *m = st->m;

	for (int pass = 0; pass < 20; pass++) {
		bool moved = false;

		for (size_t c = 0; c < m->n_classes; c++) {
			const struct plan_class *cl = &m->classes[c];

			for (size_t a = cl->opt_begin; a < cl->opt_end; a++) {
				double qs[2];

				if (st->x[a] < 1)
					continue;
				qs[0] = st->x[a];
				qs[1] = 1;
				for (int qi = 0; qi < 2 && st->x[a] >= 1; qi++) {
					double q = qs[qi] > st->x[a] ? st->x[a] : qs[qi];
					double out = state_delta(st, a, -q);
					size_t best = SIZE_MAX;
					double best_d = -1e-9;

					state_add(st, a, -q);
					for (size_t b = cl->opt_begin; b < cl->opt_end; b++) {
						double d;

						if (b == a || (allowed != NULL && !allowed[b]))
							continue;
						d = out + state_delta(st, b, q);
						if (d < best_d) {
							best_d = d;
							best = b;
						}
					}
					if (best == SIZE_MAX) {
						state_add(st, a, q);
						continue;
					}
					state_add(st, best, q);
					moved = true;
				}
			}
		}
		if (!moved)
			break;
	}
}

/* Over a limit: move streams off the offending nodes and links, cheapest move first. */
static bool
repair(struct state *st, const bool *allowed)
{
	const struct plan_model *m = st->m;
	const struct plan_topology *t = m->topo;

	for (size_t iter = 0; iter < 4 * m->n_options + 100 && iter < 5000; iter++) {
		int bad_node = -1, bad_link = -1;
		size_t best_a = SIZE_MAX, best_b = SIZE_MAX;
		double best_d = INFINITY;

		for (size_t k = 0; k < t->n_nodes && bad_node < 0; k++) {
			if (instances_for(st->load[k]) > t->nodes[k].max_instances ||
			    st->mem_used[k] > t->nodes[k].memory_mb * (1 + 1e-9))
				bad_node = (int)k;
		}
		for (size_t l = 0; l < t->n_links && bad_node < 0 && bad_link < 0; l++) {
			if (st->link[l] > t->links[l].bandwidth_mbps * (1 + 1e-9))
				bad_link = (int)l;
		}
		if (bad_node < 0 && bad_link < 0)
			return true;
		for (size_t a = 0; a < m->n_options; a++) {
			const struct plan_option *o = &m->options[a];
			const struct plan_class *cl = &m->classes[o->cls];
			bool uses = false;

			if (st->x[a] < 1)
				continue;
			for (int i = 0; i < o->n_use && !uses; i++)
				uses = o->use[i].node == bad_node;
			for (size_t j = o->luse_off; j < o->luse_off + o->n_luse && !uses; j++)
				uses = m->luse[j].link == bad_link;
			if (!uses)
				continue;
			state_add(st, a, -1);
			for (size_t b = cl->opt_begin; b < cl->opt_end; b++) {
				double d;

				if (b == a || (allowed != NULL && !allowed[b]))
					continue;
				d = state_delta(st, b, 1);
				if (d < best_d) {
					best_d = d;
					best_a = a;
					best_b = b;
				}
			}
			state_add(st, a, 1);
		}
		if (best_a == SIZE_MAX)
			return false;
		state_add(st, best_a, -1);
		state_add(st, best_b, 1);
	}
	return false;
}

void
plan_round_repair(const struct plan_model *m, const bool *allowed, const double *x,
    struct plan_solution *s)
{
	struct state st;
	double *xr = calloc(m->n_options + 1, sizeof *xr);

	s->feasible = false;
	if (xr == NULL || state_init(&st, m) != 0) {
		free(xr);
		return;
	}
	for (size_t c = 0; c < m->n_classes; c++) {
		const struct plan_class *cl = &m->classes[c];
		double left = (double)cl->streams;

		for (size_t i = cl->opt_begin; i < cl->opt_end; i++) {
			double v = x[i] < 0 ? 0 : x[i];

			xr[i] = floor(v + 1e-6);
			left -= xr[i];
		}
		/* The remainder goes to the largest fractional parts (ties: lower index). */
		while (left > 0.5) {
			size_t best = SIZE_MAX;
			double best_frac = -1;

			for (size_t i = cl->opt_begin; i < cl->opt_end; i++) {
				double f = x[i] - xr[i];

				if ((allowed == NULL || allowed[i]) && f > best_frac) {
					best_frac = f;
					best = i;
				}
			}
			if (best == SIZE_MAX)
				break;
			xr[best] += 1;
			left -= 1;
		}
		while (left < -0.5) {
			for (size_t i = cl->opt_end; i-- > cl->opt_begin && left < -0.5;) {
				if (xr[i] >= 1) {
					xr[i] -= 1;
					left += 1;
				}
			}
		}
	}
	state_from(&st, xr);
	if (repair(&st, allowed)) {
		improve(&st, allowed);
		memcpy(s->x, st.x, m->n_options * sizeof *s->x);
		for (size_t i = 0; i < m->n_options; i++)
			s->x[i] = floor(s->x[i] + 0.5);
		plan_solution_evaluate(s, m);
	}
	state_release(&st);
	free(xr);
}

struct cb_info {
	const struct plan_model *m;
	const struct lp *lp;
	const struct plan_solution *incumbent;
	bool offered;
	double bound;
};

static void
mip_callback(glp_tree *tree, void *arg)
{
	struct cb_info *cb = arg;

	lp_tree_bound(tree, &cb->bound);
	if (glp_ios_reason(tree) == GLP_IHEUR && !cb->offered && cb->incumbent != NULL) {
		const struct plan_model *m = cb->m;
		const struct lp *lp = cb->lp;
		size_t nr = m->in->n_rungs;
		double *v = calloc((size_t)lp->n_cols + 1, sizeof *v);

		cb->offered = true;
		if (v == NULL)
			return;
		for (size_t i = 0; i < m->n_options; i++) {
			if (lp->col_x[i] != 0)
				v[lp->col_x[i]] = cb->incumbent->x[i];
			for (int u = 0; u < m->options[i].n_use && cb->incumbent->x[i] > 0; u++) {
				int zj = lp->col_z[(size_t)m->options[i].use[u].node * nr +
				    (size_t)m->options[i].use[u].rung];

				if (zj != 0)
					v[zj] = 1;
			}
		}
		for (size_t k = 0; k < m->topo->n_nodes; k++) {
			if (lp->col_m[k] != 0)
				v[lp->col_m[k]] = (double)cb->incumbent->inst[k];
		}
		glp_ios_heur_sol(tree, v);
		free(v);
	}
}

/* A node whose instance count the dive may lower, and how little the LP used of its last one. */
struct dive_node {
	int node;
	double frac;
};

static int
dive_cmp(const void *a, const void *b)
{
	const struct dive_node *x = a, *y = b;

	if (x->frac != y->frac)
		return x->frac < y->frac ? -1 : 1;
	return x->node - y->node;
}

/*
 * A primal heuristic for the fixed charges (instances): from the root LP,
 * every instance count and residency is rounded up, which keeps the LP's
 * streams feasible; then, nodes in the order of how little the LP used of
 * their last instance, each count is lowered by one while the LP stays
 * feasible (warm-started dual simplex).  The streams of the last feasible LP
 * are rounded to whole streams and repaired.  Where capacity binds, the
 * root LP spreads load thinly over many nodes and branch and cut alone finds
 * good plans late: on the 1000-stream bench city it was 15% above the bound
 * after 5 s.
 */
static void
lp_dive(const struct plan_model *m, const bool *allowed, const struct lp *lp, double budget_ms,
    struct plan_solution *out)
{
	size_t nn = m->topo->n_nodes, nz = nn * m->in->n_rungs, nd = 0;
	uint64_t deadline = ladder_now_ns() + (uint64_t)(budget_ms * 1e6);
	glp_prob *q = glp_create_prob();
	struct dive_node *cand = calloc(nn + 1, sizeof *cand);
	double *x = calloc(m->n_options + 1, sizeof *x);
	bool fractional = false;

	out->feasible = false;
	if (q == NULL || cand == NULL || x == NULL)
		goto out;
	glp_copy_prob(q, lp->p, GLP_OFF);
	for (size_t k = 0; k < nn; k++) {
		int j = lp->col_m[k];
		double v, c;

		if (j == 0)
			continue;
		v = glp_get_col_prim(lp->p, j);
		c = ceil(v - 1e-6);
		if (c < 0)
			c = 0;
		fractional = fractional || c - v > 1e-6;
		glp_set_col_bnds(q, j, GLP_FX, c, c);
		if (c > 0)
			cand[nd++] = (struct dive_node){ (int)k, v - (c - 1) };
	}
	for (size_t k = 0; k < nz; k++) {
		int j = lp->col_z[k];

		if (j != 0) {
			double v = glp_get_col_prim(lp->p, j), c = ceil(v - 1e-6) > 0 ? 1 : 0;

			fractional = fractional || c - v > 1e-6;
			glp_set_col_bnds(q, j, GLP_FX, c, c);
		}
	}
	/* An LP with whole instance counts has nothing to round: branch and cut starts there. */
	if (!fractional || lp_resolve(q, deadline) != 1)
		goto out;
	qsort(cand, nd, sizeof *cand, dive_cmp);
	for (size_t i = 0; i < nd && ladder_now_ns() < deadline; i++) {
		int j = lp->col_m[cand[i].node];
		double c = glp_get_col_lb(q, j);

		glp_set_col_bnds(q, j, GLP_FX, c - 1, c - 1);
		if (lp_resolve(q, deadline) != 1) {
			glp_set_col_bnds(q, j, GLP_FX, c, c);
			if (lp_resolve(q, deadline) != 1)
				break;
		}
	}
	for (size_t i = 0; i < m->n_options; i++)
		x[i] = lp->col_x[i] ? glp_get_col_prim(q, lp->col_x[i]) : 0;
	plan_round_repair(m, allowed, x, out);
out:
	if (q != NULL)
		glp_delete_prob(q);
	free(cand);
	free(x);
}

static bool
incumbent_fits(const struct plan_model *m, const struct lp *lp, const struct plan_solution *s)
{
	if (s == NULL || !s->feasible)
		return false;
	for (size_t i = 0; i < m->n_options; i++) {
		if (s->x[i] > 0 && lp->col_x[i] == 0)
			return false;
	}
	return true;
}

/* LADDER_PLAN_TRACE=1: the solver's phases on stderr, with milliseconds since t0. */
static void __attribute__((format(printf, 2, 3)))
trace(uint64_t t0, const char *fmt, ...)
{
	static int on = -1;
	va_list ap;

	if (on < 0)
		on = getenv("LADDER_PLAN_TRACE") != NULL;
	if (!on)
		return;
	fprintf(stderr, "plan: %8.1f ms: ", (double)(ladder_now_ns() - t0) / 1e6);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Now plus a share of the time left until end. */
static uint64_t
deadline_at(uint64_t end, double share)
{
	uint64_t now = ladder_now_ns();

	return now + (end > now ? (uint64_t)((double)(end - now) * share) : 0);
}

/* The LP dive's budget: a quarter of the time limit, at most half the time left. */
static double
dive_budget_ms(uint64_t end, double time_limit_s)
{
	uint64_t now = ladder_now_ns();
	double left = end > now ? (double)(end - now) / 1e6 : 0;

	return fmin(time_limit_s * 1000 * 0.25, left * 0.5);
}

/* Makes s the incumbent offered to branch and cut when it is better. */
static void
offer(const struct plan_model *m, const struct lp *lp, struct cb_info *cb,
    const struct plan_solution *s)
{
	if (s->x != NULL && s->feasible && incumbent_fits(m, lp, s) &&
	    (cb->incumbent == NULL || s->cost < cb->incumbent->cost - 1e-12))
		cb->incumbent = s;
}

/*
 * One pass of lp_decompose: its joined plan, rounded, goes to sol; its
 * figures stay in *split (x freed), for the caller to release.
 */
static int
split_pass(const struct plan_model *m, const bool *allowed, const struct lp *lp, uint64_t deadline,
    double gap, enum split_mode mode, struct plan_solution *sol, struct lp_split *split,
    struct ladder_err *err)
{
	if (lp_decompose(m, allowed, lp, deadline, gap / 2, mode, split) != 0)
		return ladder_errf(err, LADDER_ENOMEM, "planner: out of memory");
	if (split->x != NULL) {
		if (sol->x == NULL && plan_solution_init(sol, m) != 0)
			return ladder_errf(err, LADDER_ENOMEM, "planner: out of memory");
		plan_round_repair(m, allowed, split->x, sol);
	}
	free(split->x);
	split->x = NULL;
	return 0;
}

/* Whether a split's bound holds: every node it closed tentatively is closed in lp. */
static bool
split_holds(const struct plan_model *m, const struct lp *lp, const struct lp_split *split)
{
	for (size_t k = 0; k < m->topo->n_nodes && split->tentative != NULL; k++) {
		if (split->tentative[k] && !node_closed(lp, k))
			return false;
	}
	return true;
}

/*
 * A bound by cases: a plan better than the incumbent either keeps every
 * node the closed pass closed at 0 (then the pass's bound holds) or opens
 * one of them (then that node's open_bound does).
 */
static double
split_cases(const struct plan_model *m, const struct lp *lp, const struct lp_split *split,
    const double *open_bound)
{
	double b = split->bound;

	for (size_t k = 0; k < m->topo->n_nodes && split->tentative != NULL; k++) {
		if (split->tentative[k] && !node_closed(lp, k))
			b = fmin(b, open_bound[k]);
	}
	return b;
}

/* A result made from a plan found outside branch and cut; bound: the best lower bound known. */
static int
result_from(struct plan_mip_result *r, const struct plan_model *m, const struct plan_solution *s,
    double bound)
{
	size_t nn = m->topo->n_nodes;

	r->x = calloc(m->n_options + 1, sizeof *r->x);
	r->inst = calloc(nn + 1, sizeof *r->inst);
	if (r->x == NULL || r->inst == NULL)
		return LADDER_ENOMEM;
	memcpy(r->x, s->x, m->n_options * sizeof *r->x);
	memcpy(r->inst, s->inst, nn * sizeof *r->inst);
	r->objective = s->cost;
	r->bound = fmin(bound, s->cost);
	r->status = r->objective - r->bound <= 1e-9 * fmax(1, fabs(r->objective)) ? 0 : 1;
	return 0;
}

int
plan_mip_solve(const struct plan_model *m, const bool *allowed,
    const struct plan_solution *incumbent, double time_limit_s, double gap,
    struct plan_mip_result *r, struct ladder_err *err)
{
	struct lp lp;
	glp_smcp smcp;
	glp_iocp iocp;
	struct cb_info cb;
	struct plan_solution dived = { 0 }, joined = { 0 }, joined2 = { 0 }, joined3 = { 0 };
	struct plan_solution rounded = { 0 };
	struct lp_split first = { 0 };
	double *open_bound = NULL;
	uint64_t t0 = ladder_now_ns();
	int rc, ret, st;
	double lp_obj, plan_cost = 0;	/* the cost of the plan in r->x */

	memset(r, 0, sizeof *r);
	r->status = 3;
	r->split_bound = -INFINITY;
	glp_term_out(GLP_OFF);
	rc = lp_build(&lp, m, allowed, LP_COST, NULL);
	if (rc == LADDER_EINFEASIBLE) {
		r->status = 2;
		return 0;
	}
	if (rc != 0)
		return ladder_errf(err, rc, "planner: out of memory building the model");
	/* After the early returns above; NULL only skips the closing. */
	open_bound = calloc(m->topo->n_nodes + 1, sizeof *open_bound);
	if (getenv("LADDER_PLAN_DUMP_MPS") != NULL && allowed == NULL)
		glp_write_mps(lp.p, GLP_MPS_FILE, NULL, getenv("LADDER_PLAN_DUMP_MPS"));
	/*
	 * Measured on the 10k-stream bench (2000 classes, 73k columns): dual
	 * simplex without presolve 3.4 s CPU, primal 5.2 s, primal with presolve
	 * 15 s, interior point 143 s.  The root LP is also the basis glp_intopt
	 * starts from.
	 */
	glp_init_smcp(&smcp);
	smcp.msg_lev = GLP_MSG_OFF;
	smcp.meth = GLP_DUALP;
	smcp.presolve = GLP_OFF;
	smcp.tm_lim = (int)(time_limit_s * 1000);
	/*
	 * Bixby's crash basis instead of the all-slack one: 10k streams 4.0 ->
	 * 2.8 s CPU, 20k 15.7 -> 12.0 s, and the city on the measured demo
	 * profile closes its gap in 3 s instead of stopping at 2.9% after 10 s.
	 * GLPK's advanced basis, scaling and the long-step ratio test were slower.
	 */
	glp_cpx_basis(lp.p);
	ret = glp_simplex(lp.p, &smcp);
	if (ret == GLP_ENOPFS || (ret == 0 && glp_get_status(lp.p) == GLP_NOFEAS)) {
		r->status = 2;
		goto done;
	}
	if (ret != 0 || glp_get_status(lp.p) != GLP_OPT) {
		/* Out of time, or numerically stuck: no bound, keep the incumbent. */
		r->status = glp_get_status(lp.p) == GLP_NOFEAS ? 2 : 3;
		goto done;
	}
	if (glp_get_status(lp.p) == GLP_OPT && glp_get_num_int(lp.p) > 0 &&
	    glp_get_prim_stat(lp.p) != GLP_FEAS) {
		r->status = 2;
		goto done;
	}
	lp_obj = glp_get_obj_val(lp.p);
	r->lp_ms = (double)(ladder_now_ns() - t0) / 1e6;
	r->lp_objective = lp_obj;
	r->rows = glp_get_num_rows(lp.p);
	r->cols = glp_get_num_cols(lp.p);
	memset(&cb, 0, sizeof cb);
	cb.m = m;
	cb.lp = &lp;
	cb.incumbent = incumbent_fits(m, &lp, incumbent) ? incumbent : NULL;
	cb.bound = lp_obj;
	trace(t0, "root LP %.6g, incumbent %.6g", lp_obj, cb.incumbent ? cb.incumbent->cost : -1.0);
	/*
	 * Before branch and cut (decompose.c): the parts of the fleet solved
	 * with the shared nodes closed give a plan; with it as the incumbent,
	 * nodes too dear to be in a better plan are closed; then the parts
	 * with the rest priced at their duals give a bound, and another plan.
	 * Where no split exists, the LP dive gives the incumbent instead.
	 */
	{
		uint64_t end = t0 + (uint64_t)(time_limit_s * 1e9);
		double cases = -INFINITY, closed_pass = -INFINITY;
		bool split, holds = true;

		if ((rc = split_pass(m, allowed, &lp, deadline_at(end, 0.4), gap, SPLIT_CLOSED, &joined, &first,
		    err)) != 0)
			goto done;
		split = first.n_parts > 0;
		offer(m, &lp, &cb, &joined);
		trace(t0, "closed pass: %d parts, plan %.6g", first.n_parts,
		    joined.feasible ? joined.cost : -1.0);
		if (!split && plan_solution_init(&dived, m) == 0) {
			lp_dive(m, allowed, &lp, dive_budget_ms(end, time_limit_s), &dived);
			offer(m, &lp, &cb, &dived);
			trace(t0, "dive %.6g", dived.feasible ? dived.cost : -1.0);
		}
		if (cb.incumbent != NULL && open_bound != NULL) {
			r->closed = lp_close_nodes(m, &lp, cb.incumbent->cost, deadline_at(end, 0.5),
			    open_bound);
			trace(t0, "%d nodes closed", r->closed);
			if (r->closed < 0) {
				/* The LP could not be re-solved: the incumbent is the answer. */
				r->closed = 0;
				if (result_from(r, m, cb.incumbent, lp_obj) != 0)
					rc = ladder_errf(err, LADDER_ENOMEM, "planner: out of memory");
				goto done;
			}
		}
		/*
		 * Where the closing closed every node the closed pass did, that
		 * pass was the whole problem and its bound holds; else the parts are
		 * solved again with the shared resources priced.
		 */
		if (split && !split_holds(m, &lp, &first) && cb.incumbent != NULL && open_bound != NULL) {
			int more = lp_raise_open_bounds(m, allowed, &lp, first.tentative, open_bound,
			    cb.incumbent->cost, first.bound, gap / 2, deadline_at(end, 0.4));

			if (more < 0) {
				if (result_from(r, m, cb.incumbent, lp_obj) != 0)
					rc = ladder_errf(err, LADDER_ENOMEM, "planner: out of memory");
				goto done;
			}
			r->closed += more;
			trace(t0, "%d more nodes closed by cases", more);
		}
		if (split && !split_holds(m, &lp, &first)) {
			/* first.bound alone holds no more: only through the cases. */
			holds = false;
			closed_pass = first.bound;
			if (cb.incumbent != NULL)
				cases = split_cases(m, &lp, &first, open_bound);
			/* The priced pass, unless the cases already prove the incumbent within the gap. */
			if (cb.incumbent == NULL || cb.incumbent->cost - cases > gap * fabs(cb.incumbent->cost)) {
				lp_split_release(&first);
				if ((rc = split_pass(m, allowed, &lp, deadline_at(end, 0.7), gap, SPLIT_PRICED,
				    &joined2, &first, err)) != 0)
					goto done;
				offer(m, &lp, &cb, &joined2);
				holds = true;	/* the priced pass's bound holds as it is */
			}
		}
		if (split) {
			r->parts = first.n_parts;
			r->parts_exact = first.n_exact;
			r->relaxed = first.n_relaxed;
			r->split_bound = holds ? fmax(first.bound, cases) : cases;
			trace(t0, "by cases: %.6g (closed pass %.6g)", cases, closed_pass);
			trace(t0, "%d parts (%d within the gap, %d resources relaxed): bound %.6g, plan %.6g",
			    r->parts, r->parts_exact, r->relaxed, r->split_bound, cb.incumbent != NULL ?
			    cb.incumbent->cost : -1.0);
		}
		if (cb.incumbent != NULL && cb.incumbent->cost - fmax(lp_obj, r->split_bound) <=
		    gap * fabs(cb.incumbent->cost) + 1e-12) {
			if (result_from(r, m, cb.incumbent, fmax(lp_obj, r->split_bound)) != 0)
				rc = ladder_errf(err, LADDER_ENOMEM, "planner: out of memory");
			r->status = 0;
			goto done;
		}
		/*
		 * Where the shared nodes are needed (closing them left no plan),
		 * the parts are solved once more within LP budgets of them.
		 */
		if (split && !joined.feasible) {
			struct lp_split budget;

			rc = split_pass(m, allowed, &lp, deadline_at(end, 0.5), gap, SPLIT_BUDGET, &joined3,
			    &budget, err);
			lp_split_release(&budget);
			if (rc != 0)
				goto done;
			offer(m, &lp, &cb, &joined3);
			trace(t0, "budgeted pass: plan %.6g", joined3.feasible ? joined3.cost : -1.0);
		}
		if (split && cb.incumbent != &joined && cb.incumbent != &joined2 &&
		    cb.incumbent != &joined3 && plan_solution_init(&dived, m) == 0) {
			lp_dive(m, allowed, &lp, dive_budget_ms(end, time_limit_s), &dived);
			offer(m, &lp, &cb, &dived);
			trace(t0, "dive %.6g", dived.feasible ? dived.cost : -1.0);
		}
	}
	glp_init_iocp(&iocp);
	iocp.msg_lev = GLP_MSG_OFF;
	iocp.presolve = GLP_OFF;	/* measured best on this shape (DESIGN.md) */
	iocp.mip_gap = gap;
	/*
	 * Gomory mixed-integer cuts: where capacity binds (instances of shared
	 * hubs and cameras as fixed charges) the LP bound is weak and branching
	 * alone stalls; measured on heavy 50-camera cities, 10 s at a 0.8-2%
	 * gap became 0.3-0.5 s to a gap under 0.5%, and a 10-camera platform
	 * 10 s at 4.7% became 1.3 s at 0.5%.  No cost on the benchmark cities,
	 * whose root LP is integral.  MIR, cover and clique cuts did not help;
	 * hybrid pseudocost branching was erratic.
	 */
	iocp.gmi_cuts = GLP_ON;
	iocp.cb_func = mip_callback;
	iocp.cb_info = &cb;
	{
		double left = time_limit_s * 1000 - (double)(ladder_now_ns() - t0) / 1e6;

		iocp.tm_lim = left < 100 ? 100 : (int)left;
	}
	ret = glp_intopt(lp.p, &iocp);
	st = glp_mip_status(lp.p);
	trace(t0, "branch and cut: %d, status %d", ret, st);
	if (st == GLP_OPT || st == GLP_FEAS) {
		size_t nn = m->topo->n_nodes;

		r->objective = glp_mip_obj_val(lp.p);
		/*
		 * 0: the tree was searched out (bound = objective) or the gap was
		 * reached (GLPK guarantees obj - bound <= gap * |obj|); 1: time limit.
		 */
		r->status = ret == 0 || ret == GLP_EMIPGAP ? 0 : 1;
		if (ret == 0 && st == GLP_OPT)
			r->bound = r->objective;
		else if (ret == GLP_EMIPGAP)
			r->bound = fmin(r->objective, fmax(cb.bound, r->objective - gap *
			    fabs(r->objective)));
		else
			r->bound = fmin(cb.bound, r->objective);
		r->x = calloc(m->n_options + 1, sizeof *r->x);
		r->inst = calloc(nn + 1, sizeof *r->inst);
		if (r->x == NULL || r->inst == NULL) {
			rc = ladder_errf(err, LADDER_ENOMEM, "planner: out of memory");
			goto done;
		}
		for (size_t i = 0; i < m->n_options; i++)
			r->x[i] = lp.col_x[i] ? glp_mip_col_val(lp.p, lp.col_x[i]) : 0;
		for (size_t k = 0; k < nn; k++)
			r->inst[k] = lp.col_m[k] ? lround(glp_mip_col_val(lp.p, lp.col_m[k])) : 0;
		/*
		 * With continuous streams (large models) the MIP's plan must still
		 * be rounded, and may round worse than a whole-stream incumbent
		 * (the parts' plans): the better of the two is the answer.
		 */
		plan_cost = r->objective;
		if (cb.incumbent != NULL && !m->x_integer && plan_solution_init(&rounded, m) == 0) {
			plan_round_repair(m, allowed, r->x, &rounded);
			plan_cost = rounded.cost;
			if (!rounded.feasible || cb.incumbent->cost < rounded.cost - 1e-12) {
				memcpy(r->x, cb.incumbent->x, m->n_options * sizeof *r->x);
				memcpy(r->inst, cb.incumbent->inst, nn * sizeof *r->inst);
				plan_cost = cb.incumbent->cost;
			}
		}
	} else if (st == GLP_NOFEAS && cb.incumbent == NULL) {
		r->status = 2;
	} else if (cb.incumbent != NULL) {
		/* Stopped before branch and cut took the incumbent: it is the answer. */
		if (result_from(r, m, cb.incumbent, cb.bound) != 0)
			rc = ladder_errf(err, LADDER_ENOMEM, "planner: out of memory");
		plan_cost = cb.incumbent->cost;
	} else {
		r->status = 3;
		r->bound = cb.bound;
	}
	/* The parts' bound holds for whole streams; it may lie above a continuous MIP's optimum. */
	if (r->x != NULL && r->split_bound > r->bound) {
		r->bound = fmin(r->split_bound, plan_cost);
		if (plan_cost - r->bound <= gap * fabs(plan_cost) + 1e-12)
			r->status = 0;
	}
done:
	r->solve_ms = (double)(ladder_now_ns() - t0) / 1e6;
	plan_solution_release(&dived);
	plan_solution_release(&joined);
	plan_solution_release(&joined2);
	plan_solution_release(&joined3);
	plan_solution_release(&rounded);
	lp_split_release(&first);
	free(open_bound);
	lp_release(&lp);
	return rc;
}

void
plan_mip_result_release(struct plan_mip_result *r)
{
	free(r->x);
	free(r->inst);
	memset(r, 0, sizeof *r);
}

int
plan_elastic(const struct plan_model *m, double *unserved, struct ladder_err *err)
{
	struct lp lp;
	glp_smcp smcp;
	int rc;

	glp_term_out(GLP_OFF);
	for (size_t c = 0; c < m->n_classes; c++)
		unserved[c] = (double)m->classes[c].streams;
	rc = lp_build(&lp, m, NULL, LP_ELASTIC, NULL);
	if (rc != 0)
		return ladder_errf(err, rc, "planner: out of memory building the model");
	glp_init_smcp(&smcp);
	smcp.msg_lev = GLP_MSG_OFF;
	smcp.presolve = GLP_OFF;
	if (glp_simplex(lp.p, &smcp) == 0 && glp_get_status(lp.p) == GLP_OPT) {
		for (size_t c = 0; c < m->n_classes; c++)
			unserved[c] = glp_get_col_prim(lp.p, lp.col_s[c]);
	}
	lp_release(&lp);
	return 0;
}

/*
 * LP relaxation cost (all integers relaxed) of a model, or -1 when
 * infeasible; with duals, the demand rows' duals (long-run $/h per stream).
 */
static double
lp_relaxation_cost(const struct plan_model *m, double *duals)
{
	struct lp lp;
	glp_smcp smcp;
	double v = -1;

	if (lp_build(&lp, m, NULL, LP_COST, NULL) != 0)
		return -1;
	glp_init_smcp(&smcp);
	smcp.msg_lev = GLP_MSG_OFF;
	smcp.meth = GLP_DUALP;
	if (glp_simplex(lp.p, &smcp) == 0 && glp_get_status(lp.p) == GLP_OPT) {
		v = glp_get_obj_val(lp.p);
		for (size_t c = 0; c < m->n_classes && duals != NULL; c++)
			duals[c] = glp_get_row_dual(lp.p, lp.row_demand[c]);
	}
	lp_release(&lp);
	return v;
}

int
plan_explain_compute(struct plan_model *m, const struct plan_solution *s, struct plan_explain *e,
    struct ladder_err *err)
{
	struct plan_topology *t = m->topo;
	struct lp lp;
	glp_smcp smcp;
	double base;
	int rc;

	memset(e, 0, sizeof *e);
	e->class_dual = calloc(m->n_classes + 1, sizeof *e->class_dual);
	e->class_dual_lp = calloc(m->n_classes + 1, sizeof *e->class_dual_lp);
	e->node_dual = calloc(t->n_nodes + 1, sizeof *e->node_dual);
	e->link_dual = calloc(t->n_links + 1, sizeof *e->link_dual);
	e->acc_step = calloc(t->n_workloads + 1, sizeof *e->acc_step);
	e->lat_step = calloc(t->n_workloads + 1, sizeof *e->lat_step);
	if (!e->class_dual || !e->class_dual_lp || !e->node_dual || !e->link_dual || !e->acc_step || !e->lat_step)
		return ladder_errf(err, LADDER_ENOMEM, "planner: out of memory");
	glp_term_out(GLP_OFF);
	/* Duals of the LP with instances and residency fixed at the plan's values. */
	if ((rc = lp_build(&lp, m, NULL, LP_FIXED, s)) == 0) {
		glp_init_smcp(&smcp);
		smcp.msg_lev = GLP_MSG_OFF;
		if (glp_simplex(lp.p, &smcp) == 0 && glp_get_status(lp.p) == GLP_OPT) {
			for (size_t c = 0; c < m->n_classes; c++)
				e->class_dual[c] = glp_get_row_dual(lp.p, lp.row_demand[c]);
			for (size_t k = 0; k < t->n_nodes; k++)
				e->node_dual[k] = lp.row_cap[k] ? -glp_get_row_dual(lp.p, lp.row_cap[k]) : 0;
			for (size_t l = 0; l < t->n_links; l++)
				e->link_dual[l] = lp.row_link[l] ? -glp_get_row_dual(lp.p, lp.row_link[l]) : 0;
		}
		lp_release(&lp);
	}
	/* SLO steps: rebuild the options with a tighter SLO and compare LP relaxations. */
	base = lp_relaxation_cost(m, e->class_dual_lp);
	for (size_t w = 0; w < t->n_workloads; w++) {
		struct plan_workload *wl = &t->workloads[w];

		for (int kind = 0; kind < 2; kind++) {
			struct plan_model m2;
			struct ladder_err e2 = { 0 };
			double saved = kind == 0 ? wl->accuracy : wl->p99_ms, v = -1;

			if (kind == 0)
				wl->accuracy = fmin(1, wl->accuracy + 0.01);
			else
				wl->p99_ms *= 0.9;
			if (plan_model_build(&m2, t, m->in, &e2) == 0)
				v = lp_relaxation_cost(&m2, NULL);
			plan_model_release(&m2);
			if (kind == 0)
				wl->accuracy = saved;
			else
				wl->p99_ms = saved;
			(kind == 0 ? e->acc_step : e->lat_step)[w] = v < 0 || base < 0 ? -1 :
			    fmax(0, v - base);
		}
	}
	return 0;
}

void
plan_explain_release(struct plan_explain *e)
{
	free(e->class_dual);
	free(e->class_dual_lp);
	free(e->node_dual);
	free(e->link_dual);
	free(e->acc_step);
	free(e->lat_step);
	memset(e, 0, sizeof *e);
}
