/*
 * ladder-generate.h: build a ladder (rungs of model variants + ladder.json)
 * from one model or a family of models.
 *
 * A recipe is one or more steps joined by '+', applied left to right:
 *   fp16              weights and compute in float16, graph I/O kept float32
 *   int8-weights      per-channel symmetric int8 weights (QDQ), float activations
 *   int8              static QDQ quantization, activations calibrated on data
 *   exit:NAME         keep only graph output NAME (multi-exit models), pruned
 *   split:TENSOR      cut into a head (inputs -> TENSOR) and a tail (TENSOR -> outputs)
 *   resolution:HxW    re-shape the spatial input dims (fully convolutional models)
 * A recipe may be restricted to one source model with RECIPE@MODEL_NAME.
 */
#ifndef LADDER_GENERATE_H
#define LADDER_GENERATE_H

#include <stddef.h>
#include <stdint.h>

#include "ladder-model.h"
#include "ladder-util.h"

enum ladder_calib_method {
	LADDER_CALIB_MINMAX = 0,
	LADDER_CALIB_PERCENTILE,
	LADDER_CALIB_ENTROPY,
};

/*
 * Calibration and fidelity samples: n inputs for the models' first graph
 * input, each with batch size 1 (dims[0] == 1), all of the same shape.
 * Borrowed by the generator.
 */
struct ladder_samples {
	size_t n;
	const struct ladder_tensor *inputs;
};

struct ladder_generate_options {
	const char *out_dir;			/* the ladder directory; created */
	const char *name;			/* ladder name (default: first model's) */
	size_t n_models;
	const char *const *models;		/* ONNX files; each becomes a rung */
	const char *const *model_names;		/* NULL or n_models names (default: file stem) */
	size_t n_recipes;
	const char *const *recipes;		/* applied to every model unless @NAME */
	const char *fp16_keep;			/* comma-separated op types kept float32 */
	enum ladder_calib_method calib_method;
	double calib_percentile;		/* PERCENTILE: e.g. 99.99 */
	const struct ladder_samples *samples;	/* calibration + fidelity; NULL: none */
	size_t calib_samples;			/* samples used for calibration (default 256) */
	size_t fidelity_samples;		/* samples used for fidelity (default 500) */
	int threads;
};

/*
 * Writes out_dir/rungs/NAME.onnx for every rung and out_dir/ladder.json.
 * Re-running with the same inputs reproduces the same bytes.
 */
int ladder_generate(const struct ladder_generate_options *opts,
    const struct ladder_progress *progress, struct ladder_err *err);

/* Validates a recipe string without applying it (for the CLI). */
int ladder_recipe_check(const char *recipe, struct ladder_err *err);

/*
 * The individual transforms, usable on their own.  Each edits `m` in place
 * (allocating from its arena).
 */
int ladder_transform_fp16(struct ladder_model *m, const char *keep_ops, struct ladder_err *err);
int ladder_transform_int8_weights(struct ladder_model *m, struct ladder_err *err);
int ladder_transform_exit(struct ladder_model *m, const char *output, struct ladder_err *err);
/* head and tail are new models; m is unchanged. */
int ladder_transform_split(const struct ladder_model *m, const char *tensor,
    struct ladder_model **head, struct ladder_model **tail, struct ladder_err *err);
int ladder_transform_resolution(struct ladder_model *m, int64_t height, int64_t width,
    struct ladder_err *err);
/* Static int8 QDQ with activation ranges calibrated on samples. */
int ladder_transform_int8(struct ladder_model *m, const struct ladder_samples *samples,
    size_t max_samples, enum ladder_calib_method method, double percentile, int threads,
    struct ladder_err *err);

/* A deep copy through serialization. */
int ladder_model_clone(const struct ladder_model *m, struct ladder_model **out,
    struct ladder_err *err);

/* Agreement of two models with the same inputs/outputs on samples (first output). */
struct ladder_fidelity {
	size_t samples;
	double top1_agreement;
	double max_rel_err;
	double mean_rel_err;
};

int ladder_fidelity_measure(const struct ladder_model *parent, const struct ladder_model *rung,
    const struct ladder_samples *samples, size_t max_samples, int threads,
    struct ladder_fidelity *out, struct ladder_err *err);

#endif
