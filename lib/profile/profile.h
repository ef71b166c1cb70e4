/* profile.h: internals of lib/profile shared between its files. */
#ifndef LADDER_PROFILE_INTERNAL_H
#define LADDER_PROFILE_INTERNAL_H

#include <jansson.h>

#include "ladder-profile.h"

#define ENERGY_MAX_DOMAINS 8
#define ENERGY_PATH_MAX 512

enum energy_kind { ENERGY_NONE, ENERGY_RAPL, ENERGY_INA };

/* One RAPL zone (µJ counter) or INA rail (mW = value [× volt] × factor). */
struct energy_domain {
	char path[ENERGY_PATH_MAX];	/* energy_uj, or the power/current file */
	char volt[ENERGY_PATH_MAX];	/* INA voltage file when power = current × voltage */
	char label[64];
	double factor;
	uint64_t last, range;		/* RAPL: last reading, max_energy_range_uj (0 unknown) */
	double last_mw;			/* INA: last reading */
};

/* energy.c: a measured-energy window over $LADDER_SYSFS_ROOT (default /sys). */
struct energy_meter {
	enum energy_kind kind;
	int n;
	struct energy_domain dom[ENERGY_MAX_DOMAINS];
	uint64_t last_ns;
	double joules;
	bool failed;
	char note[ENERGY_PATH_MAX + 128];	/* why nothing was measured */
};

void energy_begin(struct energy_meter *m);
/* Reads the counters mid-run: RAPL wraps are caught, INA power is integrated. */
void energy_sample(struct energy_meter *m);
/* Joules since energy_begin (source "rapl" or "ina"); false with m->note saying why not. */
bool energy_end(struct energy_meter *m, double *joules, const char **source);
/* The same with the clock given (tests). */
void energy_begin_at(struct energy_meter *m, uint64_t now_ns);
void energy_sample_at(struct energy_meter *m, uint64_t now_ns);
bool energy_end_at(struct energy_meter *m, uint64_t now_ns, double *joules, const char **source);

#define PROFILE_MAX_BATCHES 16

/* One rung's measurements on this machine. */
struct measurement {
	double load_ms;
	struct ladder_latency_stats latency;
	double *latency_ms;		/* sorted samples (owned) */
	int batch;			/* single-stream batch size */
	size_t n_offline;
	int offline_batch[PROFILE_MAX_BATCHES];
	double offline_ips[PROFILE_MAX_BATCHES];
	double server_rate_ips;
	int64_t arena_bytes, weight_bytes, peak_rss_bytes;
	double joules;			/* per inference; NAN unknown */
	const char *energy_source;	/* "rapl", "ina", "modelled", NULL */
	char energy_note[ENERGY_PATH_MAX + 128];	/* why energy was not measured */
	bool have_accuracy;
	double top1, top5;
	size_t accuracy_samples;
	float *outputs;			/* [samples, classes] (owned) */
	size_t out_cols;
	const char *kind;		/* "logits" | "probs" */
};

struct rung_input {
	char name[128];
	char path[4096];
	char sha256[LADDER_SHA256_HEX];
	char kind[8];			/* "logits", "probs" or "" (guess) */
	char output[128];		/* the scores output; "" picks one (see measure.c) */
};

struct measure_ctx {
	const struct ladder_profile_options *opts;
	const struct ladder_dataset *data;	/* may be NULL */
	const struct ladder_progress *progress;
	int batches[PROFILE_MAX_BATCHES];
	size_t n_batches;
};

/* measure.c: the built-in executor and the external runner. */
int measure_builtin(const struct measure_ctx *c, const struct rung_input *r, struct measurement *m,
    struct ladder_err *err);
int measure_external(const struct measure_ctx *c, const struct rung_input *r,
    struct measurement *m, struct ladder_err *err);
void measurement_release(struct measurement *m);
/* Accuracy from [n, cols] float outputs; fills top1/top5 and guesses kind if "". */
void measurement_accuracy(struct measurement *m, const int32_t *labels, size_t n);

/* Writes a .npy (through lib/data/npy.c). */
int profile_npy_write(const char *path, enum ladder_dtype dtype, const int64_t *dims, int rank,
    const void *data, size_t bytes, struct ladder_err *err);

/* profile.c: the document (schema checked; a missing file is an empty profile unless must_exist). */
int profile_load_doc(const char *path, json_t **out, bool must_exist, struct ladder_err *err);
/* Sorts the arrays and writes atomically. */
int profile_write_doc(json_t *doc, const char *path, struct ladder_err *err);

/* json helpers (profile.c) */
json_t *jnum(double v);			/* null for NaN/inf */
double jget_num(const json_t *o, const char *key);	/* NAN when absent */
/* An integer in [lo, hi]; def when absent, not a number or out of range. */
int64_t jget_int(const json_t *o, const char *key, int64_t lo, int64_t hi, int64_t def);

#endif
