/* topology.c: the plan input (nodes, links, workloads; schema ladder.topology/1) and routes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "util/banned.h"

static int
find_node(const struct plan_topology *t, const char *id)
{
	/* Linear; topologies are read once and ids are looked up a few times each. */
	for (size_t i = 0; i < t->n_nodes; i++) {
		if (strcmp(t->nodes[i].id, id) == 0)
			return (int)i;
	}
	return -1;
}

/* A path from the topology, resolved against its directory. */
static char *
resolve_path(const char *topo_path, const char *p)
{
	char dir[4096], out[8192];

	if (p[0] == '/')
		return strdup(p);
	ladder_path_dir(topo_path, dir, sizeof dir);
	if (strcmp(dir, ".") == 0)
		return strdup(p);
	if (ladder_path_join(out, sizeof out, dir, p) != 0)
		return NULL;
	return strdup(out);
}

static int
read_nodes(struct plan_topology *t, const struct plan_reader *rd, json_t *arr)
{
	size_t i;
	json_t *n;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return plan_fail(rd, "nodes", "must be a non-empty list");
	if (json_array_size(arr) > PLAN_MAX_NODES)
		return plan_fail(rd, "nodes", "more than %d nodes", PLAN_MAX_NODES);
	t->nodes = calloc(json_array_size(arr), sizeof *t->nodes);
	if (t->nodes == NULL)
		return ladder_errf(rd->err, LADDER_ENOMEM, "out of memory");
	json_array_foreach(arr, i, n) {
		struct plan_node *nd = &t->nodes[i];
		const char *id, *tier, *hw, *addr;
		double count, maxi, cost, mem;
		char p[48];

		snprintf(p, sizeof p, "nodes[%zu]", i);
		if (!json_is_object(n))
			return plan_fail(rd, p, "must be a mapping");
		if (plan_get_str(rd, n, p, "id", true, &id) != 0 ||
		    plan_get_str(rd, n, p, "tier", false, &tier) != 0 ||
		    plan_get_str(rd, n, p, "hardware", true, &hw) != 0 ||
		    plan_get_str(rd, n, p, "address", false, &addr) != 0 ||
		    plan_get_num(rd, n, p, "count", false, -1, &count) != 0 ||
		    plan_get_num(rd, n, p, "max_instances", false, -1, &maxi) != 0 ||
		    plan_get_num(rd, n, p, "cost_per_hour", false, -1, &cost) != 0 ||
		    plan_get_num(rd, n, p, "memory_mb", false, -1, &mem) != 0)
			return rd->err->code;
		if (find_node(t, id) >= 0)
			return plan_fail(rd, p, "id: duplicate node '%s'", id);
		nd->tier = -1;
		if (tier != NULL && (nd->tier = plan_tier_parse(tier)) < 0)
			return plan_fail(rd, p, "tier: unknown tier '%s' (device, hub, edge-dc, cloud)",
			    tier);
		if (count >= 0 && maxi >= 0)
			return plan_fail(rd, p, "give count or max_instances, not both");
		if (maxi < 0)
			maxi = count >= 0 ? count : 1;
		if (maxi < 1 || maxi > 1e6 || floor(maxi) != maxi)
			return plan_fail(rd, p, "%s: must be a whole number from 1 to 1000000",
			    count >= 0 ? "count" : "max_instances");
		if (json_object_get(n, "cost_per_hour") != NULL && cost < 0)
			return plan_fail(rd, p, "cost_per_hour: must not be negative");
		if (json_object_get(n, "memory_mb") != NULL && !(mem > 0))
			return plan_fail(rd, p, "memory_mb: must be positive");
		nd->max_instances = (long)maxi;
		nd->cost_per_hour = cost;
		nd->memory_mb = mem;
		nd->hw = -1;
		nd->id = strdup(id);
		nd->hardware = strdup(hw);
		nd->address = addr ? strdup(addr) : NULL;
		t->n_nodes++;
		if (nd->id == NULL || nd->hardware == NULL || (addr != NULL && nd->address == NULL))
			return ladder_errf(rd->err, LADDER_ENOMEM, "out of memory");
	}
	return 0;
}

static int
read_links(struct plan_topology *t, const struct plan_reader *rd, json_t *arr)
{
	size_t i;
	json_t *l;

	if (arr == NULL)
		return 0;
	if (!json_is_array(arr))
		return plan_fail(rd, "links", "must be a list");
	if (json_array_size(arr) > PLAN_MAX_ITEMS)
		return plan_fail(rd, "links", "too many links");
	t->links = calloc(json_array_size(arr) + 1, sizeof *t->links);
	if (t->links == NULL)
		return ladder_errf(rd->err, LADDER_ENOMEM, "out of memory");
	json_array_foreach(arr, i, l) {
		struct plan_link *lk = &t->links[i];
		const char *from, *to;
		char p[48];

		snprintf(p, sizeof p, "links[%zu]", i);
		if (!json_is_object(l))
			return plan_fail(rd, p, "must be a mapping");
		if (plan_get_str(rd, l, p, "from", true, &from) != 0 ||
		    plan_get_str(rd, l, p, "to", true, &to) != 0 ||
		    plan_get_num(rd, l, p, "bandwidth_mbps", true, 0, &lk->bandwidth_mbps) != 0 ||
		    plan_get_num(rd, l, p, "rtt_ms", false, 0, &lk->rtt_ms) != 0 ||
		    plan_get_num(rd, l, p, "usd_per_gb", false, 0, &lk->usd_per_gb) != 0)
			return rd->err->code;
		if ((lk->from = find_node(t, from)) < 0)
			return plan_fail(rd, p, "from: unknown node '%s'", from);
		if ((lk->to = find_node(t, to)) < 0)
			return plan_fail(rd, p, "to: unknown node '%s'", to);
		if (lk->from == lk->to)
			return plan_fail(rd, p, "links node '%s' to itself", from);
		if (!(lk->bandwidth_mbps > 0))
			return plan_fail(rd, p, "bandwidth_mbps: must be positive");
		if (lk->rtt_ms < 0)
			return plan_fail(rd, p, "rtt_ms: must not be negative");
		if (lk->usd_per_gb < 0)
			return plan_fail(rd, p, "usd_per_gb: must not be negative");
		t->n_links++;
	}
	return 0;
}

static int
add_source(struct plan_workload *w, int node)
{
	for (size_t i = 0; i < w->n_sources; i++) {
		if (w->sources[i] == node)
			return 0;
	}
	w->sources[w->n_sources++] = node;
	return 0;
}

static int
read_workloads(struct plan_topology *t, const struct plan_reader *rd, json_t *arr)
{
	size_t i;
	json_t *w;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return plan_fail(rd, "workloads", "must be a non-empty list");
	if (json_array_size(arr) > PLAN_MAX_ITEMS)
		return plan_fail(rd, "workloads", "too many workloads");
	t->workloads = calloc(json_array_size(arr), sizeof *t->workloads);
	if (t->workloads == NULL)
		return ladder_errf(rd->err, LADDER_ENOMEM, "out of memory");
	json_array_foreach(arr, i, w) {
		struct plan_workload *wl = &t->workloads[i];
		json_t *src, *s;
		const char *name;
		double streams;
		char p[48], q[80];
		size_t j;

		snprintf(p, sizeof p, "workloads[%zu]", i);
		if (!json_is_object(w))
			return plan_fail(rd, p, "must be a mapping");
		if (plan_get_str(rd, w, p, "name", true, &name) != 0 ||
		    plan_get_num(rd, w, p, "streams", false, 1, &streams) != 0 ||
		    plan_get_num(rd, w, p, "rate_hz", true, 0, &wl->rate_hz) != 0 ||
		    plan_get_num(rd, w, p, "input_bytes", true, 0, &wl->input_bytes) != 0 ||
		    plan_get_num(rd, w, p, "accuracy", true, 0, &wl->accuracy) != 0 ||
		    plan_get_num(rd, w, p, "p99_ms", true, 0, &wl->p99_ms) != 0 ||
		    plan_get_num(rd, w, p, "energy_j", false, 0, &wl->energy_j) != 0)
			return rd->err->code;
		for (size_t k = 0; k < i; k++) {
			if (strcmp(t->workloads[k].name, name) == 0)
				return plan_fail(rd, p, "name: duplicate workload '%s'", name);
		}
		if (!(wl->rate_hz > 0))
			return plan_fail(rd, p, "rate_hz: must be positive");
		if (!(wl->input_bytes >= 0) || wl->input_bytes > 1e12)
			return plan_fail(rd, p, "input_bytes: must be from 0 to 1e12");
		if (!(wl->accuracy >= 0 && wl->accuracy <= 1))
			return plan_fail(rd, p, "accuracy: must be within [0, 1]");
		if (!(wl->p99_ms > 0))
			return plan_fail(rd, p, "p99_ms: must be positive");
		if (wl->energy_j < 0)
			return plan_fail(rd, p, "energy_j: must not be negative");
		if (!(streams >= 1) || streams > PLAN_MAX_STREAMS || floor(streams) != streams)
			return plan_fail(rd, p, "streams: must be a whole number from 1 to %ld",
			    PLAN_MAX_STREAMS);
		wl->streams = (long)streams;
		src = json_object_get(w, "sources");
		if (json_is_string(src)) {
			json_t *one = json_array();

			json_array_append(one, src);
			json_object_set_new(w, "sources", one);
			src = one;
		}
		snprintf(q, sizeof q, "%s.sources", p);
		if (!json_is_array(src) || json_array_size(src) == 0)
			return plan_fail(rd, q, "must name at least one node");
		if ((wl->name = strdup(name)) == NULL ||
		    (wl->sources = calloc(t->n_nodes, sizeof *wl->sources)) == NULL)
			return ladder_errf(rd->err, LADDER_ENOMEM, "out of memory");
		t->n_workloads++;
		json_array_foreach(src, j, s) {
			const char *id = json_string_value(s);
			size_t len;

			snprintf(q, sizeof q, "%s.sources[%zu]", p, j);
			if (id == NULL || (len = strlen(id)) == 0)
				return plan_fail(rd, q, "must be a node id");
			if (id[len - 1] == '*') {
				size_t before = wl->n_sources;

				/* "cam-*": every node whose id starts with "cam-". */
				for (size_t k = 0; k < t->n_nodes; k++) {
					if (strncmp(t->nodes[k].id, id, len - 1) == 0)
						add_source(wl, (int)k);
				}
				if (wl->n_sources == before)
					return plan_fail(rd, q, "'%s' matches no node", id);
				continue;
			}
			int k = find_node(t, id);

			if (k < 0)
				return plan_fail(rd, q, "unknown node '%s'", id);
			add_source(wl, k);
		}
		if ((double)wl->streams * (double)wl->n_sources > PLAN_MAX_STREAMS)
			return plan_fail(rd, p, "more than %ld streams", PLAN_MAX_STREAMS);
	}
	return 0;
}

static int
build_adjacency(struct plan_topology *t, const struct plan_reader *rd)
{
	size_t n = t->n_nodes, *fill;

	t->adj_off = calloc(n + 1, sizeof *t->adj_off);
	t->adj = calloc(t->n_links + 1, sizeof *t->adj);
	fill = calloc(n + 1, sizeof *fill);
	if (t->adj_off == NULL || t->adj == NULL || fill == NULL) {
		free(fill);
		return ladder_errf(rd->err, LADDER_ENOMEM, "out of memory");
	}
	for (size_t l = 0; l < t->n_links; l++)
		t->adj_off[t->links[l].from + 1]++;
	for (size_t v = 0; v < n; v++)
		t->adj_off[v + 1] += t->adj_off[v];
	for (size_t l = 0; l < t->n_links; l++) {
		int v = t->links[l].from;

		for (size_t a = t->adj_off[v]; a < t->adj_off[v] + fill[v]; a++) {
			if (t->links[t->adj[a]].to == t->links[l].to) {
				char p[48];

				free(fill);
				snprintf(p, sizeof p, "links[%zu]", l);
				return plan_fail(rd, p, "duplicate link '%s' to '%s'",
				    t->nodes[v].id, t->nodes[t->links[l].to].id);
			}
		}
		t->adj[t->adj_off[v] + fill[v]++] = (int)l;
	}
	free(fill);
	return 0;
}

/* Links must not form a cycle: escalation only ever moves away from the source. */
static int
check_cycles(struct plan_topology *t, const struct plan_reader *rd)
{
	size_t n = t->n_nodes;
	int *indeg = calloc(n + 1, sizeof *indeg), *queue = calloc(n + 1, sizeof *queue);
	size_t head = 0, tail = 0, seen = 0;
	int rc = 0;

	if (indeg == NULL || queue == NULL) {
		rc = ladder_errf(rd->err, LADDER_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t l = 0; l < t->n_links; l++)
		indeg[t->links[l].to]++;
	for (size_t i = 0; i < n; i++) {
		if (indeg[i] == 0)
			queue[tail++] = (int)i;
	}
	/* Kahn's algorithm; the adjacency is scanned per node (links are few per node). */
	while (head < tail) {
		int v = queue[head++];

		seen++;
		for (size_t a = t->adj_off[v]; a < t->adj_off[v + 1]; a++) {
			int l = t->adj[a];

			if (--indeg[t->links[l].to] == 0)
				queue[tail++] = t->links[l].to;
		}
	}
	if (seen < n) {
		/* Walk forward inside the unresolved nodes until one repeats: that is a cycle. */
		int *visit = calloc(n + 1, sizeof *visit), v = -1, step = 0;
		char cyc[384];
		size_t len = 0;

		if (visit == NULL) {
			rc = ladder_errf(rd->err, LADDER_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < n && v < 0; i++) {
			if (indeg[i] > 0)
				v = (int)i;
		}
		while (visit[v] == 0) {
			visit[v] = ++step;
			for (size_t a = t->adj_off[v]; a < t->adj_off[v + 1]; a++) {
				if (indeg[t->links[t->adj[a]].to] > 0) {
					v = t->links[t->adj[a]].to;
					break;
				}
			}
		}
		/* v starts the cycle; print it and name the link that closes it. */
		int start = v, closing = -1;

		cyc[0] = '\0';
		do {
			len += (size_t)snprintf(cyc + len, len < sizeof cyc ? sizeof cyc - len : 0,
			    "%s -> ", t->nodes[v].id);
			for (size_t a = t->adj_off[v]; a < t->adj_off[v + 1]; a++) {
				int w = t->links[t->adj[a]].to;

				if (indeg[w] > 0 && visit[w] != 0) {
					if (w == start || closing < 0)
						closing = t->adj[a];
					v = w;
					break;
				}
			}
		} while (v != start && len < sizeof cyc);
		if (len < sizeof cyc)
			snprintf(cyc + len, sizeof cyc - len, "%s", t->nodes[start].id);
		free(visit);
		{
			char p[48];

			snprintf(p, sizeof p, "links[%d]", closing);
			rc = plan_fail(rd, p, "links form a cycle (%s)", cyc);
		}
	}
out:
	free(indeg);
	free(queue);
	return rc;
}

int
plan_topology_read(struct plan_topology *t, const char *path, struct ladder_err *err)
{
	struct plan_reader rd = { path, err };
	json_t *root, *v;
	double d;
	int rc;

	memset(t, 0, sizeof *t);
	t->max_stages = 2;
	if ((rc = plan_load_tree(path, &root, err)) != 0)
		return rc;
	if ((t->path = strdup(path)) == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = ladder_sha256_file(path, t->sha256, err)) != 0 ||
	    (rc = plan_check_schema(&rd, root, "ladder.topology", 1)) != 0)
		goto out;
	if ((rc = plan_get_num(&rd, root, "", "energy_usd_per_kwh", false, 0,
	    &t->energy_usd_per_kwh)) != 0 ||
	    (rc = plan_get_num(&rd, root, "", "queueing_margin_ms", false, 0,
	    &t->queueing_margin_ms)) != 0 ||
	    (rc = plan_get_num(&rd, root, "", "max_stages", false, 2, &d)) != 0)
		goto out;
	if (t->energy_usd_per_kwh < 0 || t->queueing_margin_ms < 0) {
		rc = plan_fail(&rd, t->energy_usd_per_kwh < 0 ? "energy_usd_per_kwh" :
		    "queueing_margin_ms", "must not be negative");
		goto out;
	}
	if (d != 1 && d != 2 && d != 3) {
		rc = plan_fail(&rd, "max_stages", "must be 1, 2 or 3");
		goto out;
	}
	t->max_stages = (int)d;
	if ((v = json_object_get(root, "ladder")) != NULL && !json_is_null(v)) {
		if (!json_is_string(v)) {
			rc = plan_fail(&rd, "ladder", "must be a path");
			goto out;
		}
		t->ladder_path = resolve_path(path, json_string_value(v));
	}
	if ((v = json_object_get(root, "thresholds")) != NULL && !json_is_null(v)) {
		if (!json_is_string(v)) {
			rc = plan_fail(&rd, "thresholds", "must be a path");
			goto out;
		}
		t->thresholds_path = resolve_path(path, json_string_value(v));
	}
	if ((v = json_object_get(root, "profiles")) != NULL && !json_is_null(v)) {
		size_t i;
		json_t *p;

		if (json_is_string(v)) {
			json_t *one = json_array();

			json_array_append(one, v);
			json_object_set_new(root, "profiles", one);
			v = one;
		}
		if (!json_is_array(v) || json_array_size(v) > 1000) {
			rc = plan_fail(&rd, "profiles", "must be a list of paths");
			goto out;
		}
		t->profile_paths = calloc(json_array_size(v) + 1, sizeof *t->profile_paths);
		if (t->profile_paths == NULL) {
			rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
			goto out;
		}
		json_array_foreach(v, i, p) {
			char q[48];

			snprintf(q, sizeof q, "profiles[%zu]", i);
			if (!json_is_string(p)) {
				rc = plan_fail(&rd, q, "must be a path");
				goto out;
			}
			t->profile_paths[t->n_profile_paths++] = resolve_path(path,
			    json_string_value(p));
		}
	}
	if ((rc = read_nodes(t, &rd, json_object_get(root, "nodes"))) != 0)
		goto out;
	if ((rc = read_links(t, &rd, json_object_get(root, "links"))) != 0 ||
	    (rc = build_adjacency(t, &rd)) != 0 ||
	    (rc = check_cycles(t, &rd)) != 0 ||
	    (rc = read_workloads(t, &rd, json_object_get(root, "workloads"))) != 0)
		goto out;
	t->reach = calloc(t->n_nodes, sizeof *t->reach);
	t->n_reach = calloc(t->n_nodes, sizeof *t->n_reach);
	if (t->reach == NULL || t->n_reach == NULL)
		rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
out:
	json_decref(root);
	return rc;
}

int
plan_topology_bind(struct plan_topology *t, const struct plan_inputs *in, struct ladder_err *err)
{
	struct plan_reader rd = { t->path, err };

	for (size_t i = 0; i < t->n_nodes; i++) {
		struct plan_node *nd = &t->nodes[i];
		const struct plan_hw *hw;
		char p[48];

		snprintf(p, sizeof p, "nodes[%zu]", i);
		if ((nd->hw = plan_inputs_find_hw(in, nd->hardware)) < 0)
			return plan_fail(&rd, p, "hardware: unknown hardware '%s' (in no profile)",
			    nd->hardware);
		hw = &in->hw[nd->hw];
		if (nd->tier < 0)
			nd->tier = hw->tier;
		if (nd->cost_per_hour < 0)
			nd->cost_per_hour = hw->cost_per_hour;
		if (nd->memory_mb < 0)
			nd->memory_mb = hw->memory_mb > 0 ? hw->memory_mb : 1e12;
	}
	return 0;
}

const struct plan_reach *
plan_reach_find(const struct plan_reach *r, size_t n, int node)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r[mid].node == node)
			return &r[mid];
		if (r[mid].node < node)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
cmp_reach(const void *a, const void *b)
{
	const struct plan_reach *x = a, *y = b;

	return (x->node > y->node) - (x->node < y->node);
}

/*
 * Every node reachable from src with its least-RTT route (ties: fewer hops,
 * then lower link index).  Bellman-Ford on the small reachable set: the links
 * form a DAG, so it settles within |set| rounds.
 */
int
plan_topology_reach(struct plan_topology *t, int src, const struct plan_reach **out, size_t *n)
{
	struct plan_reach *r;
	size_t cnt = 0, cap = 8;
	bool changed = true;

	if (t->reach[src] != NULL) {
		*out = t->reach[src];
		*n = t->n_reach[src];
		return 0;
	}
	if ((r = malloc(cap * sizeof *r)) == NULL)
		return LADDER_ENOMEM;
	r[cnt++] = (struct plan_reach){ src, -1, 0, 0, INFINITY };
	/* Collect the set by DFS order (a stack over r itself). */
	for (size_t i = 0; i < cnt; i++) {
		int v = r[i].node;

		for (size_t a = t->adj_off[v]; a < t->adj_off[v + 1]; a++) {
			int w = t->links[t->adj[a]].to;
			bool have = false;

			for (size_t j = 0; j < cnt && !have; j++)
				have = r[j].node == w;
			if (have)
				continue;
			if (cnt == cap) {
				struct plan_reach *nr = realloc(r, 2 * cap * sizeof *r);

				if (nr == NULL) {
					free(r);
					return LADDER_ENOMEM;
				}
				r = nr;
				cap *= 2;
			}
			r[cnt++] = (struct plan_reach){ w, -1, 0, INFINITY, 0 };
		}
	}
	qsort(r, cnt, sizeof *r, cmp_reach);
	for (size_t round = 0; changed && round <= cnt; round++) {
		changed = false;
		for (size_t i = 0; i < cnt; i++) {
			int v = r[i].node;

			if (!isfinite(r[i].rtt_ms))
				continue;
			for (size_t a = t->adj_off[v]; a < t->adj_off[v + 1]; a++) {
				const struct plan_link *l = &t->links[t->adj[a]];
				struct plan_reach *w = (struct plan_reach *)plan_reach_find(r, cnt, l->to);
				double d = r[i].rtt_ms + l->rtt_ms;
				int hops = r[i].hops + 1;

				if (d < w->rtt_ms || (d == w->rtt_ms && (hops < w->hops ||
				    (hops == w->hops && t->adj[a] < w->prev_link)))) {
					w->rtt_ms = d;
					w->hops = hops;
					w->prev_link = t->adj[a];
					w->mbps_min = fmin(r[i].mbps_min, l->bandwidth_mbps);
					changed = true;
				}
			}
		}
	}
	t->reach[src] = r;
	t->n_reach[src] = cnt;
	*out = r;
	*n = cnt;
	return 0;
}

void
plan_topology_release(struct plan_topology *t)
{
	for (size_t i = 0; i < t->n_nodes; i++) {
		free(t->nodes[i].id);
		free(t->nodes[i].hardware);
		free(t->nodes[i].address);
		if (t->reach != NULL)
			free(t->reach[i]);
	}
	for (size_t i = 0; i < t->n_workloads; i++) {
		free(t->workloads[i].name);
		free(t->workloads[i].sources);
	}
	for (size_t i = 0; i < t->n_profile_paths; i++)
		free(t->profile_paths[i]);
	free(t->profile_paths);
	free(t->ladder_path);
	free(t->thresholds_path);
	free(t->path);
	free(t->nodes);
	free(t->links);
	free(t->workloads);
	free(t->adj_off);
	free(t->adj);
	free(t->reach);
	free(t->n_reach);
	memset(t, 0, sizeof *t);
}
