/*
 * ladder-data.h: public interface of lib/data: tensor files (.npy,
 * .npz, ONNX .pb, IDX), and labelled evaluation data sets
 * with their preprocessing (the data spec, man/ladder-data.5).
 */
#ifndef LADDER_DATA_H
#define LADDER_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ladder-model.h"
#include "ladder-util.h"

/*
 * npy: NumPy .npy files (format versions 1-3, C order, little-endian):
 * float32, float16, float64, int8, uint8, int16, uint16, int32, uint32,
 * int64, uint64, bool.  Every size in the header is checked against the
 * file.  Loaded data and the tensor's name (NULL) live in `arena`.
 */
int ladder_npy_load_mem(const void *data, size_t len, struct ladder_arena *arena,
    struct ladder_tensor *out, struct ladder_err *err);
int ladder_npy_load(const char *path, struct ladder_arena *arena, struct ladder_tensor *out,
    struct ladder_err *err);
/* Appends the .npy encoding of t to out. */
int ladder_npy_serialize(const struct ladder_tensor *t, struct ladder_buf *out,
    struct ladder_err *err);
int ladder_npy_save(const char *path, const struct ladder_tensor *t, struct ladder_err *err);

/*
 * Tensor files read into a struct ladder_tensor whose name, data and dims
 * are owned by the caller: free them with ladder_data_tensor_release.
 * max_bytes bounds the decoded data (0: 4 GiB).
 */

/* IDX (MNIST format), plain or gzip-compressed (detected from the bytes). */
int ladder_idx_read(const char *path, size_t max_bytes, struct ladder_tensor *out,
    struct ladder_err *err);
/*
 * A member of a NumPy .npz (a zip archive, stored or deflated members,
 * parsed here with zlib; no zip64).  member NULL: the first member.
 * Member names are given without the ".npy" suffix, as numpy.savez names them.
 */
int ladder_npz_read(const char *path, const char *member, size_t max_bytes,
    struct ladder_tensor *out, struct ladder_err *err);
/* Member names of an .npz, in archive order (caller frees each and the array). */
int ladder_npz_list(const char *path, char ***names, size_t *n, struct ladder_err *err);
/* An ONNX TensorProto (.pb). */
int ladder_pb_read(const char *path, size_t max_bytes, struct ladder_tensor *out,
    struct ladder_err *err);
/*
 * Any of the above by file name: .npy, .npz (optionally "FILE.npz:MEMBER"),
 * .pb, .idx/.*-ubyte (and .gz of those).
 */
int ladder_tensor_file_read(const char *path, size_t max_bytes, struct ladder_tensor *out,
    struct ladder_err *err);
/* Frees data and name allocated by the readers above; leaves a zeroed tensor. */
void ladder_data_tensor_release(struct ladder_tensor *t);

/*
 * The data spec: where the samples and labels are and how to turn them into
 * the model's input.  x' = (x * scale - mean[c]) / std[c] per channel c.
 */
#define LADDER_DATA_MAX_CHANNELS 8

struct ladder_data_spec {
	char name[128];			/* "fashion-mnist-test" */
	char data_path[1024];		/* samples: [N, ...] */
	char labels_path[1024];		/* labels: [N] integers */
	double scale;			/* default 1 */
	int n_mean, n_std;		/* 1 (all channels) or one per channel */
	double mean[LADDER_DATA_MAX_CHANNELS];
	double std[LADDER_DATA_MAX_CHANNELS];
	char layout[8];			/* layout fed to the model: "NCHW" (default) or "NHWC" */
	char source_layout[8];		/* layout of rank-4 data in the file; default = layout */
	enum ladder_dtype dtype;	/* dtype fed to the model: float32 (default) or uint8 */
	size_t limit;			/* use the first `limit` samples (0: all) */
};

/* Defaults: scale 1, mean 0, std 1, NCHW, float32, no limit. */
void ladder_data_spec_init(struct ladder_data_spec *spec);
/*
 * Reads a data spec file (YAML or JSON, man/ladder-data.5).  Relative paths
 * in it are taken relative to the spec file's directory.
 */
int ladder_data_spec_load(const char *path, struct ladder_data_spec *spec, struct ladder_err *err);
/* The Fashion-MNIST test set of Debian's dataset-fashion-mnist, scaled to [0, 1]. */
#define LADDER_FMNIST_DIR "/usr/share/datasets/fashion-mnist"
void ladder_data_spec_fmnist(struct ladder_data_spec *spec);
/* Parses "0.5" or "0.485,0.456,0.406" into mean/std arrays. */
int ladder_data_parse_channels(const char *text, double *out, int *n, struct ladder_err *err);

/*
 * A loaded data set: samples preprocessed (dtype and layout applied, per
 * sample shape sample_dims) and int32 labels.
 */
struct ladder_dataset {
	struct ladder_data_spec spec;
	char sha256[LADDER_SHA256_HEX];	/* files' sha256 + canonical preprocessing */
	size_t samples;
	int classes;			/* max label + 1 */
	enum ladder_dtype dtype;
	int sample_rank;
	int64_t sample_dims[LADDER_MAX_RANK];
	size_t sample_bytes;
	uint8_t *data;			/* samples * sample_bytes */
	int32_t *labels;		/* samples */
};

/* Loads and preprocesses; *out is new (ladder_dataset_free). */
int ladder_dataset_load(const struct ladder_data_spec *spec, struct ladder_dataset **out,
    struct ladder_err *err);
void ladder_dataset_free(struct ladder_dataset *ds);
/* The canonical preprocessing as JSON text (for profile.json); caller frees. */
char *ladder_dataset_preprocess_json(const struct ladder_dataset *ds);

/*
 * Binds a batch of samples to a model input: input tensor `t` (dims and a
 * borrowed data pointer into ds) for samples [start, start + n).  `want`
 * is the model's declared input; symbolic or unknown dims are bound from
 * the data, and a mismatch is a one-line error naming the input.
 * Samples of shape [H, W] are given a channel axis; flat inputs get
 * flattened samples.
 */
int ladder_dataset_bind(const struct ladder_dataset *ds, const struct ladder_value_info *want,
    size_t start, size_t n, struct ladder_tensor *t, struct ladder_err *err);

#endif
