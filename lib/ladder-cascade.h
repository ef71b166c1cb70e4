/*
 * ladder-cascade.h: confidence cascades (lib/cascade).  Reads the per-sample
 * records of a profile, sweeps every chain of rungs over every threshold,
 * certifies one configuration per accuracy target on held-out data and
 * writes thresholds.json (man/ladder-thresholds.5).
 *
 * Semantics everywhere: a stage ESCALATES when its confidence < threshold
 * and answers when confidence >= threshold.  Confidences are computed in
 * double precision from the float32 outputs by ladder_confidence(); anything
 * that applies thresholds at run time must use the same function.
 */
#ifndef LADDER_CASCADE_H
#define LADDER_CASCADE_H

#include <stddef.h>
#include <stdint.h>

#include "ladder-util.h"

/* Confidence measures: larger means more confident. */
enum ladder_measure {
	LADDER_MEASURE_MAX_SOFTMAX = 0,	/* max_i softmax(z)_i */
	LADDER_MEASURE_MARGIN,		/* top-1 minus top-2 softmax probability */
	LADDER_MEASURE_ENTROPY,		/* 1 - H(softmax(z)) / ln(classes), in [0, 1] */
	LADDER_MEASURE_TEMP_SOFTMAX,	/* max_i softmax(z / T)_i, T fitted by NLL */
	LADDER_MEASURE_COUNT
};

/* "max_softmax", "margin", "entropy", "temp_softmax". */
const char *ladder_measure_name(enum ladder_measure m);
/* Returns 0 and sets *m, or LADDER_EINVAL for an unknown name. */
int ladder_measure_parse(const char *name, enum ladder_measure *m);

/*
 * Confidence and predicted class of one output row of `classes` values.
 * probs: the row holds probabilities (used as log(p) logits) rather than
 * logits.  temperature divides the logits (1.0 for every measure but
 * temp_softmax).  Ties in the arg max go to the lowest class index.
 */
double ladder_confidence(const float *row, size_t classes, int probs, enum ladder_measure m,
    double temperature, int32_t *predicted);

/*
 * The temperature T minimising the mean negative log-likelihood of
 * softmax(z / T) over the rows listed in idx (n of them); searched on
 * log T in [0.05, 20].
 */
double ladder_fit_temperature(const float *outputs, size_t classes, int probs,
    const int32_t *labels, const size_t *idx, size_t n);

/*
 * One-sided lower confidence bounds on a binomial proportion: k successes
 * out of n, level e.g. 0.95.  Return 0 when n is 0.
 */
double ladder_clopper_pearson_lower(uint64_t k, uint64_t n, double level);
double ladder_wilson_lower(uint64_t k, uint64_t n, double level);

/* P(X >= k) for X ~ Binomial(n, p); 1 when k is 0, 0 when k > n. */
double ladder_binomial_tail(uint64_t k, uint64_t n, double p);

/*
 * The fewest correct answers out of n that meet target: ceil(target * n)
 * (with a 1e-9 slack for targets like 0.845 that are not exact in binary).
 * A check of n samples MISSES the target when it counts fewer.
 */
uint64_t ladder_min_count(double target, uint64_t n);

/*
 * The smallest true accuracy p whose check on `check` fresh samples misses
 * target with probability at most risk: P(Binomial(check, p) <
 * ladder_min_count(target, check)) <= risk.  Certifying p instead of target
 * is what makes a guarantee about a finite check set hold (the check's own
 * noise would otherwise miss ~50% of the time at a true accuracy of exactly
 * target).
 */
double ladder_check_shift(double target, uint64_t check, double risk);

/* Reading a .npy file (bounded): float32 [N, C] outputs or int32 [N] labels. */
struct ladder_npy_matrix {
	size_t rows;
	size_t cols;		/* 1 for a vector */
	float *f32;		/* set for float32 data */
	int32_t *i32;		/* set for int32 data */
};

/* Reads a float32 2-D array, or an int32 1-D array (want_int set).  max_bytes bounds the data. */
int ladder_cascade_npy_read(const char *path, int want_int, size_t max_bytes,
    struct ladder_npy_matrix *out, struct ladder_err *err);
void ladder_npy_matrix_release(struct ladder_npy_matrix *m);

/* Cost models. */
enum ladder_cost_kind {
	LADDER_COST_LATENCY_DOLLARS = 0,	/* mean latency x hardware $/s */
	LADDER_COST_ENERGY,			/* joules per inference */
	LADDER_COST_MACS,			/* multiply-accumulates (needs ladder.json) */
};

const char *ladder_cost_kind_name(enum ladder_cost_kind k);
int ladder_cost_kind_parse(const char *name, enum ladder_cost_kind *k);

enum ladder_certify_method {
	LADDER_CERTIFY_SPLIT = 0,	/* pick on calibration, one bound on evaluation */
	LADDER_CERTIFY_FIXED_SEQUENCE,	/* Learn-then-Test fixed sequence along the frontier */
	LADDER_CERTIFY_NONE,		/* naive: cheapest meeting the target on calibration */
	LADDER_CERTIFY_WILSON_EACH,	/* naive: Wilson bound per candidate on calibration */
};

const char *ladder_certify_method_name(enum ladder_certify_method m);
int ladder_certify_method_parse(const char *name, enum ladder_certify_method *m);

enum ladder_bound_kind {
	LADDER_BOUND_CLOPPER_PEARSON = 0,
	LADDER_BOUND_WILSON,
};

struct ladder_thresholds_options {
	const char *profile_path;	/* profile.json with per-sample records */
	const char *ladder_path;	/* ladder.json for MACs, or NULL */
	const char *data;		/* data set name or sha256 to use, or NULL: the only one */
	const double *targets;		/* accuracy targets */
	size_t n_targets;
	double level;			/* bound level, default 0.95 (1 - risk) */
	double risk;			/* stated risk of missing a target on new data, default 0.05 */
	uint64_t check_samples;		/* the guarantee is for a check on this many fresh
					   samples; 0 (default): for the true accuracy */
	enum ladder_bound_kind bound;
	enum ladder_certify_method method;
	enum ladder_cost_kind cost_kind;
	double network_usd_per_gb;	/* per escalation between different hardware */
	double bandwidth_mbps;
	double rtt_ms;
	double input_bytes;		/* bytes sent per escalation */
	uint64_t seed;
	double calibration;		/* fraction of samples for calibration (0.5) */
	double evaluation;		/* fraction for evaluation (rest when 0) */
	int max_chain;			/* 1, 2 or 3 (default 3) */
	unsigned measures;		/* bit set of enum ladder_measure; 0: all */
	int repeat;			/* > 0: rerun selection over this many random splits */
	double holdout;			/* with repeat: fraction kept out for the miss rate (0.5) */
	const struct ladder_progress *progress;
};

void ladder_thresholds_options_init(struct ladder_thresholds_options *o);

/*
 * Parses "0.80:0.95:0.005" (inclusive grid) or "0.9,0.92" into a new array
 * the caller frees.  At most 10000 targets, each in (0, 1].
 */
int ladder_targets_parse(const char *spec, double **targets, size_t *n, struct ladder_err *err);

/*
 * The fewest correct answers out of n on the evaluation split that certify
 * target, by o's bound, level and risk: for the true accuracy (check 0), or
 * for a count on check fresh samples (see ladder-thresholds(1), --check).
 * n + 1 when no count does.
 */
uint64_t ladder_certify_min_correct(const struct ladder_thresholds_options *o, uint64_t n,
    uint64_t check, double target);

/* The result is a jansson document in the thresholds.json format; opaque here. */
struct ladder_thresholds;

/* Runs everything; *out is new (ladder_thresholds_free). */
int ladder_thresholds_run(const struct ladder_thresholds_options *o,
    struct ladder_thresholds **out, struct ladder_err *err);
void ladder_thresholds_free(struct ladder_thresholds *t);

/* thresholds.json text (2-space indent, fixed key order, trailing newline); caller frees. */
char *ladder_thresholds_json(const struct ladder_thresholds *t);
/* A human table of targets (and, with repeat, the miss rates); caller frees. */
char *ladder_thresholds_table(const struct ladder_thresholds *t);
/* An SVG of accuracy vs cost: single rungs as points, cascade curves, picks; caller frees. */
char *ladder_thresholds_svg(const struct ladder_thresholds *t);

/*
 * Pure sweep, exposed for tests: for a two-stage chain with confidence
 * conf[i] of stage 1 and correctness of both stages, writes every distinct
 * threshold (descending order of confidence groups) with the number of
 * correct answers and the number escalated.  Arrays hold n + 1 entries;
 * *count is set.  Threshold k answers samples with conf >= thr[k].
 */
int ladder_sweep2(const double *conf, const uint8_t *correct1, const uint8_t *correct2,
    size_t n, double *thr, uint64_t *correct, uint64_t *escalated, size_t *count);

#endif
