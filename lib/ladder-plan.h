/* ladder-plan.h: the fleet planner (`ladder plan`): rung, threshold and tier placement under SLOs. */
#ifndef LADDER_PLAN_H
#define LADDER_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ladder-util.h"

struct ladder_plan_options {
	const char *topology_path;	/* YAML or JSON, schema ladder.topology/1 */
	const char *const *profile_paths; /* profile.json files; NULL: those the topology names */
	size_t n_profiles;
	const char *thresholds_path;	/* NULL: the one the topology names (or none) */
	long epoch;			/* plan epoch written to plan.json (>= 1) */
	double time_limit_s;		/* MIP time limit for the main solve (0: 10 s) */
	double gap;			/* relative MIP gap at which to stop (0: 0.005) */
	bool explain;			/* compute the sensitivity report */
	bool baselines;			/* compute the baselines (cloud-only, edge-only, ...) */
	int64_t created_unix;		/* "created" timestamp; 0: now */
	const char *output_path;	/* where plan.json goes: input paths are written
					   relative to its directory (NULL: to the cwd) */
};

/* The outcome of a plan; opaque.  ladder_plan_free accepts NULL. */
struct ladder_plan;

/*
 * Reads the topology and its inputs, solves, rounds and repairs.  Returns 0
 * with *out set (also when the input is infeasible: see
 * ladder_plan_feasible), or a negative code for bad input.  *out is owned by
 * the caller (ladder_plan_free).
 */
int ladder_plan_solve(const struct ladder_plan_options *opt, struct ladder_plan **out,
    const struct ladder_progress *progress, struct ladder_err *err);
void ladder_plan_free(struct ladder_plan *plan);

bool ladder_plan_feasible(const struct ladder_plan *plan);
/* One line per class that cannot be served, with the nearest relaxation. */
size_t ladder_plan_unserved_count(const struct ladder_plan *plan);
const char *ladder_plan_unserved(const struct ladder_plan *plan, size_t i);

/* Rounded plan cost, solver bound and gap (of the rounded cost against the bound). */
double ladder_plan_cost(const struct ladder_plan *plan);
double ladder_plan_bound(const struct ladder_plan *plan);
double ladder_plan_gap(const struct ladder_plan *plan);
double ladder_plan_solve_ms(const struct ladder_plan *plan);

/*
 * plan.json text (schema ladder.plan/1), NUL-terminated, owned by the plan.
 * With explain, an "explain" section is included.
 */
const char *ladder_plan_json(const struct ladder_plan *plan);
/* The human summary (cost by tier, utilisation, binding SLOs, baselines, explanation). */
const char *ladder_plan_summary(const struct ladder_plan *plan);

#endif
