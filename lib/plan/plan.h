/* plan.h: internal model of lib/plan (inputs, options, solutions).  Only lib/plan includes it. */
#ifndef LADDER_PLAN_INTERNAL_H
#define LADDER_PLAN_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ladder-plan.h"

enum { TIER_DEVICE, TIER_HUB, TIER_EDGE_DC, TIER_CLOUD, TIER_COUNT };
#define PLAN_MAX_STAGES 3

/* Sizes accepted from files: bounds on allocation, far above realistic use. */
#define PLAN_MAX_NODES 200000
#define PLAN_MAX_ITEMS 1000000
#define PLAN_MAX_STREAMS 100000000L

extern const char *const plan_tier_names[TIER_COUNT];
int plan_tier_parse(const char *s);

/* ---- file reading helpers (yaml.c) ---- */

/* Reads a YAML or JSON file into a jansson tree (new reference). */
int plan_load_tree(const char *path, json_t **out, struct ladder_err *err);

/*
 * Typed access with the path in error messages: "cannot read 'F': P.key: cause".
 * Required fields fail when missing; optional ones leave *out at def.
 */
struct plan_reader {
	const char *file;
	struct ladder_err *err;
};
int plan_get_str(const struct plan_reader *r, json_t *obj, const char *path, const char *key,
    bool required, const char **out);
int plan_get_num(const struct plan_reader *r, json_t *obj, const char *path, const char *key,
    bool required, double def, double *out);
int plan_fail(const struct plan_reader *r, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int plan_check_schema(const struct plan_reader *r, json_t *root, const char *want_kind,
    int max_major);

/* ---- profiles, thresholds, ladder (inputs.c) ---- */

struct plan_hw {
	char *name;
	int tier;
	double cost_per_hour;
	double memory_mb;
	double power_idle_w, power_active_w;
};

struct plan_rung {
	char *name;
	char *sha256;		/* may be NULL when unknown */
	char *file;		/* relative to the ladder dir; may be NULL */
	double accuracy;	/* top-1, -1 when unknown */
};

/* Measured (or modelled) performance of one rung on one hardware. */
struct plan_perf {
	bool present;
	double p99_ms;		/* compute p99 at low load */
	double stage_ms;	/* p99 at the server rate: compute p99 + queueing margin */
	double max_rate_ips;	/* capacity of one instance at the latency bound */
	double mem_mb;		/* arena + weights */
	double joules;		/* per inference, 0 when unknown */
};

struct plan_point {
	double target;
	double threshold[PLAN_MAX_STAGES - 1];
	double escalation[PLAN_MAX_STAGES - 1];	/* fraction of all inputs reaching stage i+2 */
	double accuracy;			/* accuracy_eval */
	double lower_bound;			/* -1 when absent */
};

struct plan_chain {
	int n;
	int rung[PLAN_MAX_STAGES];
	char *measure;
	double temperature;
	double temperatures[PLAN_MAX_STAGES - 1];	/* per deciding stage */
	size_t n_points;
	struct plan_point *points;
};

struct plan_file_ref {
	char *path;
	char sha256[LADDER_SHA256_HEX];
};

struct plan_inputs {
	size_t n_hw, n_rungs, n_chains;
	struct plan_hw *hw;
	struct plan_rung *rungs;
	struct plan_perf *perf;		/* [rung * n_hw + hw] */
	struct plan_chain *chains;
	struct plan_file_ref ladder;	/* path NULL when none */
	size_t n_profiles;
	struct plan_file_ref *profiles;
	struct plan_file_ref thresholds;
};

int plan_inputs_read_profile(struct plan_inputs *in, const char *path, struct ladder_err *err);
int plan_inputs_read_thresholds(struct plan_inputs *in, const char *path, struct ladder_err *err);
int plan_inputs_read_ladder(struct plan_inputs *in, const char *path, struct ladder_err *err);
int plan_inputs_find_rung(const struct plan_inputs *in, const char *name);
int plan_inputs_find_hw(const struct plan_inputs *in, const char *name);
void plan_inputs_release(struct plan_inputs *in);

static inline struct plan_perf *
plan_perf_at(const struct plan_inputs *in, int rung, int hw)
{
	return &in->perf[(size_t)rung * in->n_hw + (size_t)hw];
}

/* ---- topology (topology.c) ---- */

struct plan_node {
	char *id;
	char *hardware;		/* name as written */
	int tier;
	int hw;
	double cost_per_hour;
	double memory_mb;
	long max_instances;
	char *address;		/* may be NULL */
};

struct plan_link {
	int from, to;
	double bandwidth_mbps, rtt_ms, usd_per_gb;
};

struct plan_workload {
	char *name;
	size_t n_sources;
	int *sources;
	long streams;		/* per source */
	double rate_hz, input_bytes, accuracy, p99_ms;
	double energy_j;	/* mean joules per inference budget; 0: none */
};

/* Shortest (by RTT) route from one node to every node it reaches. */
struct plan_reach {
	int node;
	int prev_link;		/* last link on the route; -1 for the node itself */
	int hops;
	double rtt_ms;
	double mbps_min;	/* narrowest link on the route */
};

struct plan_topology {
	char *path;
	char sha256[LADDER_SHA256_HEX];
	size_t n_nodes, n_links, n_workloads;
	struct plan_node *nodes;
	struct plan_link *links;
	struct plan_workload *workloads;
	double energy_usd_per_kwh;
	double queueing_margin_ms;
	int max_stages;			/* 1..3 */
	/* Inputs named by the topology (resolved against its directory). */
	char *ladder_path;
	size_t n_profile_paths;
	char **profile_paths;
	char *thresholds_path;
	size_t *adj_off;		/* out-links of node v: adj[adj_off[v] .. adj_off[v+1]) */
	int *adj;
	/* Reach sets, one per node (computed lazily). */
	struct plan_reach **reach;
	size_t *n_reach;
};

int plan_topology_read(struct plan_topology *t, const char *path, struct ladder_err *err);
/* Resolves hardware names against the inputs; errors name the topology file. */
int plan_topology_bind(struct plan_topology *t, const struct plan_inputs *in, struct ladder_err *err);
int plan_topology_reach(struct plan_topology *t, int node, const struct plan_reach **out,
    size_t *n);
const struct plan_reach *plan_reach_find(const struct plan_reach *r, size_t n, int node);
void plan_topology_release(struct plan_topology *t);

/* ---- options (options.c) ---- */

struct plan_use {
	int node, rung;
	double inst_per_stream;	/* instances of the node one stream occupies */
};

struct plan_luse {
	int link;
	double mbps_per_stream;
};

struct plan_option {
	int cls;
	int n_stages;
	int rung[PLAN_MAX_STAGES], node[PLAN_MAX_STAGES];
	double frac[PLAN_MAX_STAGES];	/* fraction of inputs reaching each stage */
	int chain, point;		/* -1: single rung */
	double accuracy, latency_ms, energy_j;
	double var_cost;		/* network + energy $/h per stream */
	double net_cost;		/* network part of var_cost */
	double standalone_cost;		/* var_cost + compute share, for ordering */
	int n_use;
	struct plan_use use[PLAN_MAX_STAGES];
	size_t luse_off, n_luse;
	unsigned tiers;			/* bit per tier used by a stage */
};

struct plan_class {
	int workload, source;
	long streams;
	size_t opt_begin, opt_end;
	/* Why cheaper options were excluded, for the summary and infeasibility. */
	double best_acc_in_latency;	/* best accuracy among options meeting p99 (-1 none) */
	double best_lat_in_accuracy;	/* best p99 among options meeting accuracy (-1 none) */
	double best_rejected_cost;	/* cheapest standalone cost among rejected options */
	int rejected_by;		/* 0 none, 1 accuracy, 2 latency, 3 energy */
};

struct plan_model {
	struct plan_topology *topo;
	struct plan_inputs *in;
	size_t n_classes, n_options, n_luse;
	struct plan_class *classes;
	struct plan_option *options;
	struct plan_luse *luse;
	size_t n_enumerated, n_pruned;	/* options before Pareto pruning, and dropped by it */
	bool *node_needs_z;		/* memory may bind: residency variables needed */
	bool x_integer;			/* small models: whole streams in the MIP itself */
};

/* Up to this many options the MIP keeps x integer (exact); above, x is continuous and rounded. */
#define PLAN_INTEGER_X_MAX 4000

/* Tests only: keep dominated options (to check pruning against brute force). */
extern bool plan_debug_no_prune;
/* Largest model (options) solved with integer x; tests lower it to exercise rounding. */
extern size_t plan_integer_x_max;
/* Benchmarks only: the (class, node) opening rows that tighten the LP bound. */
extern bool plan_open_rows;
/*
 * Decomposition (decompose.c): the largest part solved as one MIP, in
 * classes (tests lower it to force splits), and counters for tests: calls
 * that split the model, nodes closed, and budgeted passes.
 */
extern int plan_part_max_classes;
extern unsigned long plan_debug_splits, plan_debug_closed, plan_debug_budgets;

int plan_model_build(struct plan_model *m, struct plan_topology *t, struct plan_inputs *in,
    struct ladder_err *err);
void plan_model_release(struct plan_model *m);
/* "lin@cam-1→cnn@hub-1" into buf. */
void plan_option_name(const struct plan_model *m, const struct plan_option *o, char *buf,
    size_t size);

/* ---- solutions (solve.c) ---- */

struct plan_solution {
	bool feasible;
	double *x;		/* streams per option [n_options] */
	long *inst;		/* instances per node [n_nodes] */
	double compute_cost, network_cost, energy_cost, cost;
};

int plan_solution_init(struct plan_solution *s, const struct plan_model *m);
void plan_solution_release(struct plan_solution *s);
void plan_solution_copy(struct plan_solution *dst, const struct plan_solution *src,
    const struct plan_model *m);
/*
 * Recomputes instances and costs from integer x; feasible when every class is
 * served and no instance, memory or bandwidth limit is exceeded.
 */
bool plan_solution_evaluate(struct plan_solution *s, const struct plan_model *m);

struct plan_mip_result {
	int status;		/* 0 optimal, 1 feasible (limit), 2 infeasible, 3 no solution found */
	double objective, bound, solve_ms;
	double lp_ms, lp_objective;	/* the root LP relaxation */
	int rows, cols;
	/* Closing and decomposition (decompose.c): nodes closed, parts, split bound (-inf: none). */
	int closed, parts, parts_exact, relaxed;
	double split_bound;
	double *x;		/* [n_options], NULL unless a solution */
	long *inst;		/* [n_nodes] */
};

/*
 * Solves the MIP restricted to allowed options (NULL: all).  incumbent (may be
 * NULL) is offered to GLPK's heuristic callback.
 */
int plan_mip_solve(const struct plan_model *m, const bool *allowed,
    const struct plan_solution *incumbent, double time_limit_s, double gap,
    struct plan_mip_result *r, struct ladder_err *err);
void plan_mip_result_release(struct plan_mip_result *r);

/* Greedy: classes in order, each stream to the option of least marginal cost. */
void plan_greedy(const struct plan_model *m, const bool *allowed, struct plan_solution *s);
/* Rounds fractional x to integers per class and repairs violations. */
void plan_round_repair(const struct plan_model *m, const bool *allowed, const double *x,
    struct plan_solution *s);
/*
 * Largest number of streams per class that can be served (elastic slacks on the
 * demand rows); unserved[c] gets the shortfall.
 */
int plan_elastic(const struct plan_model *m, double *unserved, struct ladder_err *err);

/* Sensitivity: LP relaxation with instances fixed; fills duals per class etc. */
struct plan_explain {
	double *class_dual;	/* $/h per extra stream, instances fixed [n_classes] */
	double *class_dual_lp;	/* $/h per extra stream in the LP relaxation (long run) */
	double *node_dual;	/* $/h saved per extra instance capacity [n_nodes] */
	double *link_dual;	/* $/h saved per extra Mbps [n_links] */
	double *acc_step;	/* $/h for +0.01 accuracy per workload (-1: infeasible) */
	double *lat_step;	/* $/h for -10% p99 per workload (-1: infeasible) */
};
int plan_explain_compute(struct plan_model *m, const struct plan_solution *s,
    struct plan_explain *e, struct ladder_err *err);
void plan_explain_release(struct plan_explain *e);

#endif
