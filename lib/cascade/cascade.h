/* cascade.h: internal structures of lib/cascade (profile input, chains, candidates). */
#ifndef LADDER_CASCADE_INTERNAL_H
#define LADDER_CASCADE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ladder-cascade.h"

#define CASCADE_MAX_SAMPLES ((size_t)50 * 1000 * 1000)
#define CASCADE_MAX_CLASSES ((size_t)100000)
#define CASCADE_MAX_STAGES 256
#define CASCADE_MAX_CHAINS 200000
#define CASCADE_TAIL_POINTS 48	/* tau2 values tried per three-stage chain */

/* One per distinct per-sample outputs file (shared by a rung's entries on several hardware). */
struct cascade_outputs {
	char *path;
	float *rows;		/* [n, classes] */
	size_t classes;
	int probs;
	uint8_t *correct;	/* [n] */
	double *conf[LADDER_MEASURE_COUNT];	/* [n]; temp_softmax refitted per split */
	double temperature;
};

/* A profile entry usable as a cascade stage: a rung on a hardware. */
struct cascade_stage {
	char *rung;
	char *sha256;
	char *hardware;
	int tier;		/* 0 device .. 3 cloud */
	double cost;		/* in the cost model's unit */
	double latency_ms;
	double energy_j;
	double macs;		/* -1 when unknown */
	size_t out;		/* index into outputs */
	double accuracy;	/* on all samples */
};

struct cascade_chain {
	int n;			/* 1, 2 or 3 stages */
	int stage[3];
	double net_cost[2];	/* per escalation between stage i and i+1 */
	double net_ms[2];
};

/* One configuration: a chain, a measure and its thresholds, scored on some sample set. */
struct cascade_cand {
	int chain;
	int measure;		/* -1 for a single rung */
	double thr[2];
	uint64_t esc_count[2];	/* samples escalated past stage 1, reaching stage 3 */
	uint64_t n;		/* samples scored */
	uint64_t correct;
	double cost, latency_ms, energy_j;
};

struct cascade_input {
	size_t n;		/* samples */
	int32_t *labels;
	size_t n_outputs;
	struct cascade_outputs *outputs;
	size_t n_stages;
	struct cascade_stage *stages;
	size_t n_chains;
	struct cascade_chain *chains;
	char *data_name;
	char *data_sha256;
};

int cascade_input_load(const struct ladder_thresholds_options *o, struct cascade_input *in,
    struct ladder_err *err);
void cascade_input_release(struct cascade_input *in);

/* Fills conf[] of every outputs for every measure (temp_softmax with o->temperature). */
void cascade_compute_confidence(struct cascade_input *in, int measure);

/* Per-sample sweep core (see sweep.c). */
struct cascade_group {
	double thr;
	uint64_t correct;
	uint64_t escalated;
	uint64_t escalated2;
};

int cascade_sweep_chain(const struct cascade_input *in, int chain, int measure,
    const size_t *idx, size_t n, struct cascade_cand **cands, size_t *n_cands);
void cascade_cost_of(const struct cascade_input *in, struct cascade_cand *c);
uint64_t cascade_eval_cand(const struct cascade_input *in, const struct cascade_cand *c,
    const size_t *idx, size_t n, uint64_t *esc);
/* Pareto-prunes cands in place (cost ascending, accuracy strictly rising). */
size_t cascade_pareto(struct cascade_cand *cands, size_t n, bool by_latency);

/* A tiny JSON writer with fixed key order and shortest round-trip numbers. */
struct jw {
	struct ladder_buf *b;
	int depth;
	bool first[64];
	bool after_key;
};

void jw_init(struct jw *w, struct ladder_buf *b);
void jw_obj(struct jw *w);
void jw_arr(struct jw *w);
void jw_end_obj(struct jw *w);
void jw_end_arr(struct jw *w);
void jw_key(struct jw *w, const char *k);
void jw_num(struct jw *w, double v);
void jw_int(struct jw *w, int64_t v);
void jw_str(struct jw *w, const char *s);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* Shortest "%.*g" that reads back as v. */
void cascade_fmt_double(char *out, size_t size, double v);

#endif
