/* thresholds.h: the result of ladder_thresholds_run (internal to lib/cascade). */
#ifndef LADDER_CASCADE_THRESHOLDS_H
#define LADDER_CASCADE_THRESHOLDS_H

#include "cascade.h"

#define PLOT_MAX_CURVES 64

/* The configuration chosen for one target (on one split). */
struct cascade_pick {
	bool feasible;
	struct cascade_cand cal;	/* scored on calibration */
	struct cascade_cand eval;	/* the same thresholds scored on evaluation */
	double lower_bound;		/* on evaluation */
	double temperature[3];
	int single_stage;		/* cheapest single rung meeting the target, or -1 */
	double single_cost;
};

/* One chain with one measure: its per-target certified points. */
struct cascade_curve {
	int chain;
	int measure;
	double temperature[3];
	struct cascade_pick *points;	/* [n_targets]; feasible ones are written */
};

struct repeat_stat {
	int runs, feasible, misses, ratio_n;
	double cost_sum, ratio_sum, holdout_acc_sum;
};

struct plot_curve {
	struct cascade_cand *cands;
	size_t n;
};

/* certify_min_correct for every target, for one (n, check, bound). */
struct certify_cache {
	uint64_t n, check;
	enum ladder_bound_kind kind;
	uint64_t *kmin;		/* [n_targets] */
};

struct ladder_thresholds {
	struct ladder_thresholds_options opt;	/* targets point at .targets below */
	char *profile_path;
	double *targets;
	struct cascade_input in;
	size_t n_cal, n_eval;
	double *temperature;		/* per outputs, fitted on the main calibration split */
	struct cascade_pick *picks;	/* [n_targets] */
	struct cascade_curve *curves;
	size_t n_curves;
	struct cascade_cand *frontier;	/* all samples, cost vs accuracy */
	size_t n_frontier;
	struct cascade_cand *frontier_lat;	/* all samples, latency vs accuracy */
	size_t n_frontier_lat;
	struct plot_curve plot[PLOT_MAX_CURVES];
	size_t n_plot;
	int repeat;
	size_t rep_holdout, rep_cal, rep_eval;
	struct repeat_stat *rep;	/* [n_targets] */
	struct certify_cache certify[3];	/* calibration, calibration (wilson), evaluation */
};

int thresholds_select(struct ladder_thresholds *t, const size_t *cal_idx, size_t n_cal,
    const size_t *eval_idx, size_t n_eval, uint64_t check, struct cascade_pick *picks,
    bool chain_points);

#endif
