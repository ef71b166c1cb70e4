/*
 * ladder-profile.h: public interface of lib/profile: hardware profiles and
 * the host fingerprint, latency statistics, the MLPerf-style scenarios,
 * and `ladder profile` itself (measure, cache, merge, model).
 * profile.json is described in man/ladder-profile.5.
 */
#ifndef LADDER_PROFILE_H
#define LADDER_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ladder-data.h"
#include "ladder-util.h"

/*
 * A hardware profile (profiles/NAME.yaml or .json, schema ladder.hardware/1,
 * man/ladder-hardware.5).  Unknown numbers are NAN (power) or 0.
 */
struct ladder_hardware {
	char name[64];
	char tier[16];			/* device | hub | edge-dc | cloud */
	char cpu_model[128];
	int cores;
	char accelerator[128];		/* "" for none; else "KIND: MODEL" */
	int64_t memory_mb;
	double power_idle_w, power_active_w;	/* NAN when not given */
	double cost_per_hour;
	double speed_factor;		/* 1.0 when not given */
	char power_mode[32];		/* the power mode chosen, "" for none */
	char path[1024];		/* file it was read from */
};

/* Reads a hardware profile (YAML or JSON). */
int ladder_hardware_load(const char *path, struct ladder_hardware *hw, struct ladder_err *err);
/*
 * The same in one of its power_modes (NULL: none): the mode's watts, speed
 * factor and price replace the profile's, and the name becomes NAME@MODE.
 */
int ladder_hardware_load_mode(const char *path, const char *mode, struct ladder_hardware *hw,
    struct ladder_err *err);
/*
 * NAME or a path, optionally followed by @MODE (a power mode): a value
 * containing '/' or ending in .yaml/.yml/.json is a path; otherwise
 * NAME.yaml/.yml/.json is looked for in $LADDER_PROFILES, ./profiles and
 * the installed share/ladder/profiles.
 */
int ladder_hardware_find(const char *name_or_path, struct ladder_hardware *hw,
    struct ladder_err *err);

/* The machine we run on, and its fingerprint (sha256 hex of the fields and library versions). */
struct ladder_host {
	char cpu_model[128];
	int cores;
	int64_t memory_mb;
	char accelerator[128];
	char libs[512];			/* JSON object text: {"ladder": "0.1.0", ...} */
	char fingerprint[LADDER_SHA256_HEX];
};

void ladder_host_probe(struct ladder_host *host);

/* Latency statistics over a set of samples in milliseconds. */
struct ladder_latency_stats {
	double min_ms, p50_ms, p90_ms, p95_ms, p99_ms, max_ms, mean_ms, stddev_ms;
	size_t samples;
	bool converged;
	double ci_rel_halfwidth;	/* of the 95% CI of the median, relative to it */
};

/* Quantile q in [0, 1] of sorted values, linear interpolation (R type 7). */
double ladder_quantile(const double *sorted, size_t n, double q);
/*
 * Distribution-free 95% confidence interval of the median from order
 * statistics (normal approximation to Binomial(n, 1/2)); relative half-width
 * (hi - lo) / 2 / median, or INFINITY when n is too small.
 */
double ladder_median_ci_rel(const double *sorted, size_t n);
/*
 * The order-statistics interval assumes independent samples; a machine whose
 * load changes during the run breaks that.  Batch medians: the samples in
 * time order cut into 10 blocks, a Student-t 95% interval over the blocks'
 * medians, half-width relative to the overall median (NAN, not used,
 * under 80 samples).
 */
double ladder_block_median_ci_rel(const double *ms_in_time_order, size_t n);
/*
 * ms in time order; sorts it in place and fills st: ci_rel_halfwidth is the
 * wider of the two intervals above, converged = ci_rel_halfwidth <= target.
 */
void ladder_latency_stats_compute(double *ms, size_t n, double target_rel,
    struct ladder_latency_stats *st);

/*
 * Server scenario (MLPerf LoadGen "server"), simulated: Poisson arrivals at
 * rate λ (seeded), one FIFO server whose service times are drawn from the
 * measured single-stream samples; latency = wait + service.  Returns the
 * highest λ (inferences per second) whose simulated p99 stays within
 * bound_ms (0 when even an idle server misses it).  Deterministic.
 */
double ladder_server_max_rate(const double *service_ms, size_t n, double p99_bound_ms,
    uint64_t seed);

/* What `ladder profile` does. */
struct ladder_profile_options {
	const char *const *inputs;	/* ladder.json or .onnx files */
	size_t n_inputs;
	const char *hardware;		/* name or path; NULL: "local" without watts or price */
	const struct ladder_data_spec *data;	/* NULL: synthetic inputs, no accuracy */
	const char *output;		/* profile.json (read as a cache, then written) */
	int threads;			/* 1 by default */
	const int *batches;		/* offline batch sizes; NULL: 1, 8, 32 */
	size_t n_batches;
	double target_ci;		/* relative half-width; default 0.02 */
	double budget_s;		/* per rung for single-stream latency; default 2 */
	double server_p99_ms;		/* default 10 */
	const char *runner;		/* external runner command, NULL: built-in */
	bool force;			/* re-measure cached entries */
	const char *const *model_as;	/* hardware (names or paths) to model */
	size_t n_model_as;
	uint64_t seed;			/* server simulation; default 1 */
};

/* One line of the summary, per entry made or reused. */
struct ladder_profile_row {
	char rung[128];
	char sha256[LADDER_SHA256_HEX];
	char hardware[64];
	bool cached, modelled;
	double load_ms, p50_ms, p99_ms, ci_rel_halfwidth;
	bool converged;
	size_t latency_samples;
	double best_throughput_ips;
	int best_batch;
	double server_max_rate_ips;
	double server_p99_bound_ms;
	double top1, top5;		/* NAN without data */
	double joules_per_inference;	/* NAN when unknown */
	char energy_source[16];
	int64_t arena_bytes, weight_bytes, peak_rss_bytes;
};

struct ladder_profile_result {
	size_t n_rows;
	struct ladder_profile_row *rows;
	size_t measured, reused, modelled;
	char hardware_fingerprint[LADDER_SHA256_HEX];
	/* Why energy was not measured on this machine ("" when it was, or nothing ran). */
	char energy_note[768];
};

void ladder_profile_options_init(struct ladder_profile_options *o);
/* Measures, writes o->output (and its samples/ directory); *out is new. */
int ladder_profile_run(const struct ladder_profile_options *o, const struct ladder_progress *progress,
    struct ladder_profile_result **out, struct ladder_err *err);
void ladder_profile_result_free(struct ladder_profile_result *r);

/*
 * Combines profiles (devices, data sets) into output; the per-sample files
 * are copied next to it.  Entries with the same key: the later input wins.
 */
int ladder_profile_merge(const char *const *inputs, size_t n_inputs, const char *output,
    struct ladder_err *err);

#endif
