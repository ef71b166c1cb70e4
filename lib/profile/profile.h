/* profile.h: internals of lib/profile shared between its files. */
#ifndef LADDER_PROFILE_INTERNAL_H
#define LADDER_PROFILE_INTERNAL_H

#include <jansson.h>

#include "ladder-profile.h"

#define ENERGY_MAX_DOMAINS 8

/* energy.c: a measured-energy window. */
struct energy_meter {
	uint64_t start_ns;
	int n_rapl, n_ina;
	char rapl[ENERGY_MAX_DOMAINS][256];
	uint64_t rapl_start[ENERGY_MAX_DOMAINS], rapl_range[ENERGY_MAX_DOMAINS];
	char ina[ENERGY_MAX_DOMAINS][256];
	double ina_start_mw[ENERGY_MAX_DOMAINS];
};

void energy_begin(struct energy_meter *m);
/* Joules since energy_begin; false when nothing could be read (source "rapl" or "ina"). */
bool energy_end(struct energy_meter *m, double *joules, const char **source);

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

#endif
