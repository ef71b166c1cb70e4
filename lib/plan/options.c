/* options.c: per-class options (single rungs and cascades on nodes), SLO filter, Pareto pruning. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "util/banned.h"

bool plan_debug_no_prune;
size_t plan_integer_x_max = PLAN_INTEGER_X_MAX;

/* A cascade's p99 includes a later stage when more than this fraction reaches it. */
#define P99_TAIL 0.01

struct builder {
	struct plan_model *m;
	size_t cap_opt, cap_luse;
	struct ladder_err *err;
};

static int
grow(struct builder *b)
{
	struct plan_model *m = b->m;

	if (m->n_options == b->cap_opt) {
		size_t nc = b->cap_opt ? 2 * b->cap_opt : 1024;
		struct plan_option *no = realloc(m->options, nc * sizeof *no);

		if (no == NULL || nc > 50000000)
			return ladder_errf(b->err, LADDER_ENOMEM, "planner: too many options");
		m->options = no;
		b->cap_opt = nc;
	}
	if (m->n_luse + 3 * 64 >= b->cap_luse) {
		size_t nc = b->cap_luse ? 2 * b->cap_luse : 4096;
		struct plan_luse *nl = realloc(m->luse, nc * sizeof *nl);

		if (nl == NULL)
			return ladder_errf(b->err, LADDER_ENOMEM, "planner: out of memory");
		m->luse = nl;
		b->cap_luse = nc;
	}
	return 0;
}

/* Adds the links of the route from `from` to `to` with the given Mbps per stream. */
static int
add_route(struct builder *b, const struct plan_reach *r, size_t nr, int to, double mbps,
    struct plan_option *o)
{
	struct plan_model *m = b->m;
	const struct plan_reach *at = plan_reach_find(r, nr, to);
	int guard = 0;

	while (at != NULL && at->prev_link >= 0 && guard++ < 64) {
		int l = at->prev_link;
		size_t j;

		for (j = o->luse_off; j < o->luse_off + o->n_luse; j++) {
			if (m->luse[j].link == l)
				break;
		}
		if (j == o->luse_off + o->n_luse) {
			if (o->n_luse >= 3 * 64)
				return 0;
			m->luse[j].link = l;
			m->luse[j].mbps_per_stream = 0;
			o->n_luse++;
		}
		m->luse[j].mbps_per_stream += mbps;
		at = plan_reach_find(r, nr, m->topo->links[l].from);
	}
	return 0;
}

static double
route_ms(const struct plan_topology *t, const struct plan_reach *r, size_t nr, int to, double bytes)
{
	const struct plan_reach *at = plan_reach_find(r, nr, to);
	double ms = 0;
	int guard = 0;

	if (at == NULL)
		return INFINITY;
	ms = at->rtt_ms;
	while (at != NULL && at->prev_link >= 0 && guard++ < 64) {
		const struct plan_link *l = &t->links[at->prev_link];

		ms += bytes * 8.0 / (l->bandwidth_mbps * 1e3);
		at = plan_reach_find(r, nr, l->from);
	}
	return ms;
}

static void
add_use(struct plan_option *o, int node, int rung, double inst)
{
	for (int i = 0; i < o->n_use; i++) {
		if (o->use[i].node == node && o->use[i].rung == rung) {
			o->use[i].inst_per_stream += inst;
			return;
		}
	}
	o->use[o->n_use++] = (struct plan_use){ node, rung, inst };
}

/*
 * Fills the option's costs, latency and resource use; returns false when a
 * stage cannot run on its node.
 */
static bool
evaluate(struct builder *b, struct plan_class *c, struct plan_option *o)
{
	struct plan_model *m = b->m;
	struct plan_topology *t = m->topo;
	const struct plan_workload *w = &t->workloads[c->workload];
	double lat = 0, lat_p99 = 0, mbps_full = w->rate_hz * w->input_bytes * 8.0 / 1e6;
	int prev = c->source;

	o->n_use = 0;
	o->luse_off = m->n_luse;
	o->n_luse = 0;
	o->energy_j = 0;
	o->tiers = 0;
	for (int i = 0; i < o->n_stages; i++) {
		const struct plan_node *nd = &t->nodes[o->node[i]];
		const struct plan_perf *pf = plan_perf_at(m->in, o->rung[i], nd->hw);
		const struct plan_reach *r;
		size_t nr;

		if (!pf->present)
			return false;
		if (plan_topology_reach(t, prev, &r, &nr) != 0)
			return false;
		lat += route_ms(t, r, nr, o->node[i], w->input_bytes) + pf->stage_ms +
		    t->queueing_margin_ms;
		if (i == 0 || o->frac[i] > P99_TAIL)
			lat_p99 = lat;
		add_route(b, r, nr, o->node[i], mbps_full * o->frac[i], o);
		add_use(o, o->node[i], o->rung[i], w->rate_hz * o->frac[i] / pf->max_rate_ips);
		o->energy_j += o->frac[i] * pf->joules;
		o->tiers |= 1u << nd->tier;
		prev = o->node[i];
	}
	o->latency_ms = lat_p99;
	o->net_cost = 0;
	for (size_t j = o->luse_off; j < o->luse_off + o->n_luse; j++) {
		const struct plan_link *l = &t->links[m->luse[j].link];

		/* Mbps → GB per hour: 1e6/8 bytes/s * 3600 s / 1e9. */
		o->net_cost += m->luse[j].mbps_per_stream * 0.45 * l->usd_per_gb;
	}
	o->var_cost = o->net_cost + w->rate_hz * o->energy_j / 1000.0 * t->energy_usd_per_kwh;
	o->standalone_cost = o->var_cost;
	for (int i = 0; i < o->n_use; i++)
		o->standalone_cost += o->use[i].inst_per_stream * t->nodes[o->use[i].node].cost_per_hour;
	return true;
}

/* Keeps the option if it meets the class's SLOs; records why not otherwise. */
static int
consider(struct builder *b, struct plan_class *c, struct plan_option *o)
{
	struct plan_model *m = b->m;
	const struct plan_workload *w = &m->topo->workloads[c->workload];
	bool acc_ok, lat_ok, energy_ok;

	if (!evaluate(b, c, o))
		return 0;
	m->n_enumerated++;
	acc_ok = o->accuracy >= w->accuracy - 1e-12;
	lat_ok = o->latency_ms <= w->p99_ms + 1e-9;
	energy_ok = w->energy_j <= 0 || o->energy_j <= w->energy_j + 1e-12;
	if (lat_ok && energy_ok && o->accuracy > c->best_acc_in_latency)
		c->best_acc_in_latency = o->accuracy;
	if (acc_ok && energy_ok && (c->best_lat_in_accuracy < 0 ||
	    o->latency_ms < c->best_lat_in_accuracy))
		c->best_lat_in_accuracy = o->latency_ms;
	if (!(acc_ok && lat_ok && energy_ok)) {
		if (c->rejected_by == 0 || o->standalone_cost < c->best_rejected_cost) {
			c->best_rejected_cost = o->standalone_cost;
			c->rejected_by = !acc_ok ? 1 : !lat_ok ? 2 : 3;
		}
		return 0;
	}
	m->options[m->n_options] = *o;
	m->n_options++;
	m->n_luse += o->n_luse;
	return grow(b);
}

/* Does a use at most what b uses of every node, rung (where residency matters) and link? */
static bool
dominates(const struct plan_model *m, const struct plan_option *a, const struct plan_option *b)
{
	if (a->var_cost > b->var_cost + 1e-12)
		return false;
	for (int i = 0; i < a->n_use; i++) {
		int node = a->use[i].node;
		double ua = 0, ub = 0;
		bool z = m->node_needs_z[node];

		for (int j = 0; j < a->n_use; j++) {
			if (a->use[j].node == node)
				ua += a->use[j].inst_per_stream;
		}
		for (int j = 0; j < b->n_use; j++) {
			if (b->use[j].node == node)
				ub += b->use[j].inst_per_stream;
		}
		if (ua > ub * (1 + 1e-12))
			return false;
		if (z) {
			bool found = false;

			for (int j = 0; j < b->n_use && !found; j++)
				found = b->use[j].node == node && b->use[j].rung == a->use[i].rung;
			if (!found)
				return false;
		}
	}
	for (size_t i = a->luse_off; i < a->luse_off + a->n_luse; i++) {
		double ub = 0;

		for (size_t j = b->luse_off; j < b->luse_off + b->n_luse; j++) {
			if (m->luse[j].link == m->luse[i].link)
				ub = m->luse[j].mbps_per_stream;
		}
		if (m->luse[i].mbps_per_stream > ub * (1 + 1e-12))
			return false;
	}
	return true;
}

/* Exact Pareto pruning within one class: drop options another one dominates. */
static void
prune_class(struct plan_model *m, struct plan_class *c, bool *dead)
{
	size_t n = c->opt_end - c->opt_begin;
	struct plan_option *o = &m->options[c->opt_begin];

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n && !dead[c->opt_begin + i]; j++) {
			/*
			 * Only by an option of no more stages: every baseline's
			 * option set (single rungs, one node, one tier) then keeps
			 * its own best options.
			 */
			if (i == j || dead[c->opt_begin + j] || o[j].n_stages > o[i].n_stages)
				continue;
			if (dominates(m, &o[j], &o[i]) && (!dominates(m, &o[i], &o[j]) || j < i))
				dead[c->opt_begin + i] = true;
		}
	}
}

static void
compact(struct plan_model *m, const bool *dead)
{
	size_t w = 0, lw = 0;
	size_t c = 0;

	for (size_t ci = 0; ci < m->n_classes; ci++) {
		struct plan_class *cl = &m->classes[ci];
		size_t begin = w;

		for (size_t i = cl->opt_begin; i < cl->opt_end; i++) {
			struct plan_option o = m->options[i];

			if (dead[i])
				continue;
			memmove(&m->luse[lw], &m->luse[o.luse_off], o.n_luse * sizeof *m->luse);
			o.luse_off = lw;
			lw += o.n_luse;
			m->options[w++] = o;
		}
		cl->opt_begin = begin;
		cl->opt_end = w;
		c++;
	}
	m->n_pruned = m->n_options - w;
	m->n_options = w;
	m->n_luse = lw;
}

static int
enumerate_class(struct builder *b, struct plan_class *c)
{
	struct plan_model *m = b->m;
	struct plan_topology *t = m->topo;
	struct plan_inputs *in = m->in;
	const struct plan_reach *r1, *r2, *r3;
	size_t n1, n2, n3;
	struct plan_option o;
	int rc;

	if (plan_topology_reach(t, c->source, &r1, &n1) != 0)
		return ladder_errf(b->err, LADDER_ENOMEM, "planner: out of memory");
	/* Single rungs on every reachable node. */
	for (size_t k = 0; k < n1; k++) {
		for (size_t r = 0; r < in->n_rungs; r++) {
			if (in->rungs[r].accuracy < 0)
				continue;
			memset(&o, 0, sizeof o);
			o.cls = (int)(c - m->classes);
			o.n_stages = 1;
			o.rung[0] = (int)r;
			o.node[0] = r1[k].node;
			o.frac[0] = 1;
			o.chain = o.point = -1;
			o.accuracy = in->rungs[r].accuracy;
			if ((rc = consider(b, c, &o)) != 0)
				return rc;
		}
	}
	/*
	 * Cascades: the first stage at the source or one hop away, later stages on
	 * nodes reachable from the previous stage (the same node included).  Per
	 * chain and placement only the cheapest qualifying point can be optimal:
	 * fewer escalations use less of everything.
	 */
	for (size_t ci = 0; ci < in->n_chains; ci++) {
		const struct plan_chain *ch = &in->chains[ci];
		const struct plan_workload *w = &t->workloads[c->workload];
		int best = -1;

		if (ch->n < 2 || ch->n > t->max_stages)
			continue;
		for (size_t p = 0; p < ch->n_points; p++) {
			const struct plan_point *pt = &ch->points[p];

			if (pt->target < w->accuracy - 1e-12)
				continue;
			if (best < 0 || pt->escalation[0] < ch->points[best].escalation[0] ||
			    (pt->escalation[0] == ch->points[best].escalation[0] &&
			    (ch->n < 3 || pt->escalation[1] < ch->points[best].escalation[1])))
				best = (int)p;
		}
		if (best < 0)
			continue;
		for (size_t k1 = 0; k1 < n1; k1++) {
			if (r1[k1].hops > 1)
				continue;
			if (plan_topology_reach(t, r1[k1].node, &r2, &n2) != 0)
				return ladder_errf(b->err, LADDER_ENOMEM, "planner: out of memory");
			for (size_t k2 = 0; k2 < n2; k2++) {
				int nk2 = r2[k2].node;

				if (t->nodes[nk2].tier < t->nodes[r1[k1].node].tier)
					continue;
				if (ch->n == 2) {
					memset(&o, 0, sizeof o);
					o.cls = (int)(c - m->classes);
					o.n_stages = 2;
					o.rung[0] = ch->rung[0];
					o.rung[1] = ch->rung[1];
					o.node[0] = r1[k1].node;
					o.node[1] = nk2;
					o.frac[0] = 1;
					o.frac[1] = ch->points[best].escalation[0];
					o.chain = (int)ci;
					o.point = best;
					o.accuracy = ch->points[best].accuracy;
					if ((rc = consider(b, c, &o)) != 0)
						return rc;
					continue;
				}
				if (plan_topology_reach(t, nk2, &r3, &n3) != 0)
					return ladder_errf(b->err, LADDER_ENOMEM, "planner: out of memory");
				for (size_t k3 = 0; k3 < n3; k3++) {
					if (t->nodes[r3[k3].node].tier < t->nodes[nk2].tier)
						continue;
					memset(&o, 0, sizeof o);
					o.cls = (int)(c - m->classes);
					o.n_stages = 3;
					for (int s = 0; s < 3; s++)
						o.rung[s] = ch->rung[s];
					o.node[0] = r1[k1].node;
					o.node[1] = nk2;
					o.node[2] = r3[k3].node;
					o.frac[0] = 1;
					o.frac[1] = ch->points[best].escalation[0];
					o.frac[2] = ch->points[best].escalation[1];
					o.chain = (int)ci;
					o.point = best;
					o.accuracy = ch->points[best].accuracy;
					if ((rc = consider(b, c, &o)) != 0)
						return rc;
				}
			}
		}
	}
	return 0;
}

int
plan_model_build(struct plan_model *m, struct plan_topology *t, struct plan_inputs *in,
    struct ladder_err *err)
{
	struct builder b = { m, 0, 0, err };
	size_t nc = 0;
	bool *dead;
	int rc;

	memset(m, 0, sizeof *m);
	m->topo = t;
	m->in = in;
	m->node_needs_z = calloc(t->n_nodes + 1, sizeof *m->node_needs_z);
	if (m->node_needs_z == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "planner: out of memory");
	/* Residency matters only where all the rungs that could run do not fit together. */
	for (size_t k = 0; k < t->n_nodes; k++) {
		double total = 0;

		for (size_t r = 0; r < in->n_rungs; r++) {
			const struct plan_perf *pf = plan_perf_at(in, (int)r, t->nodes[k].hw);

			if (pf->present)
				total += pf->mem_mb;
		}
		m->node_needs_z[k] = total > t->nodes[k].memory_mb;
	}
	for (size_t w = 0; w < t->n_workloads; w++)
		nc += t->workloads[w].n_sources;
	m->classes = calloc(nc + 1, sizeof *m->classes);
	if (m->classes == NULL || (rc = grow(&b)) != 0)
		return ladder_errf(err, LADDER_ENOMEM, "planner: out of memory");
	for (size_t w = 0; w < t->n_workloads; w++) {
		for (size_t s = 0; s < t->workloads[w].n_sources; s++) {
			struct plan_class *c = &m->classes[m->n_classes++];

			c->workload = (int)w;
			c->source = t->workloads[w].sources[s];
			c->streams = t->workloads[w].streams;
			c->best_acc_in_latency = -1;
			c->best_lat_in_accuracy = -1;
			c->opt_begin = m->n_options;
			if ((rc = enumerate_class(&b, c)) != 0)
				return rc;
			c->opt_end = m->n_options;
		}
	}
	dead = calloc(m->n_options + 1, sizeof *dead);
	if (dead == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "planner: out of memory");
	for (size_t c = 0; c < m->n_classes && !plan_debug_no_prune; c++)
		prune_class(m, &m->classes[c], dead);
	compact(m, dead);
	free(dead);
	m->x_integer = m->n_options <= plan_integer_x_max;
	/* A rejection explains the choice only when it was cheaper than every kept option. */
	for (size_t c = 0; c < m->n_classes; c++) {
		struct plan_class *cl = &m->classes[c];
		double best = INFINITY;

		for (size_t i = cl->opt_begin; i < cl->opt_end; i++)
			best = fmin(best, m->options[i].standalone_cost);
		if (cl->rejected_by != 0 && cl->best_rejected_cost >= best - 1e-12)
			cl->rejected_by = 0;
	}
	return 0;
}

void
plan_model_release(struct plan_model *m)
{
	free(m->classes);
	free(m->options);
	free(m->luse);
	free(m->node_needs_z);
	memset(m, 0, sizeof *m);
}

void
plan_option_name(const struct plan_model *m, const struct plan_option *o, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < o->n_stages && len < size; i++) {
		int n = snprintf(buf + len, size - len, "%s%s@%s", i ? "\xe2\x86\x92" : "",
		    m->in->rungs[o->rung[i]].name, m->topo->nodes[o->node[i]].id);

		if (n < 0)
			break;
		len += (size_t)n;
	}
}
