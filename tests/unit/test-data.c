/* test-data.c: tensor files (IDX, npy, npz, pb), data specs, preprocessing and binding. */
#include "harness.h"
#include "ladder.h"

static char path_buf[1024];

static const char *
data_path(const char *name)
{
	snprintf(path_buf, sizeof path_buf, "%s/profile/%s", test_data_dir, name);
	return path_buf;
}

TEST(idx_plain_and_gz)
{
	struct ladder_err err = { 0 };
	struct ladder_tensor t, g;

	CHECK_OK(ladder_tensor_file_read(data_path("img.idx"), 0, &t, &err), &err);
	CHECK_OK(ladder_tensor_file_read(data_path("img.idx.gz"), 0, &g, &err), &err);
	CHECK_EQ_INT(t.dtype, LADDER_DT_UINT8);
	CHECK_EQ_INT(t.rank, 3);
	CHECK_EQ_INT(t.dims[0], 5);
	CHECK_EQ_INT(t.dims[2], 3);
	REQUIRE(t.bytes == 30 && g.bytes == 30);
	CHECK(memcmp(t.data, g.data, 30) == 0);
	CHECK_EQ_INT(((uint8_t *)t.data)[29], 29);
	ladder_data_tensor_release(&t);
	ladder_data_tensor_release(&g);
}

TEST(bad_files_are_one_line_errors)
{
	struct ladder_err err = { 0 };
	struct ladder_tensor t;

	CHECK(ladder_tensor_file_read(data_path("trunc.idx"), 0, &t, &err) == LADDER_EFORMAT);
	CHECK(strstr(err.msg, "truncated IDX data") != NULL);
	CHECK(strchr(err.msg, '\n') == NULL);
	ladder_err_clear(&err);
	CHECK(ladder_tensor_file_read(data_path("notidx.bin"), 0, &t, &err) == LADDER_EFORMAT);
	CHECK(strstr(err.msg, "not an IDX file") != NULL);
	ladder_err_clear(&err);
	CHECK(ladder_tensor_file_read(data_path("missing.npy"), 0, &t, &err) == LADDER_EIO);
	ladder_err_clear(&err);
	CHECK(ladder_tensor_file_read(data_path("xy.npz:nope"), 0, &t, &err) == LADDER_ENOTFOUND);
	ladder_err_clear(&err);
	/* A size limit is honoured before allocating. */
	CHECK(ladder_tensor_file_read(data_path("img.idx"), 10, &t, &err) == LADDER_ENOMEM);
}

TEST(npy_npz_pb)
{
	struct ladder_err err = { 0 };
	struct ladder_tensor a, b, c, d;
	char **names;
	size_t n;

	CHECK_OK(ladder_tensor_file_read(data_path("x-nhwc.npy"), 0, &a, &err), &err);
	CHECK_OK(ladder_tensor_file_read(data_path("xy.npz:x"), 0, &b, &err), &err);
	CHECK_OK(ladder_tensor_file_read(data_path("xy-deflate.npz:x"), 0, &c, &err), &err);
	REQUIRE(a.bytes == 6 * 2 * 3 * 4 && b.bytes == a.bytes && c.bytes == a.bytes);
	CHECK(memcmp(a.data, b.data, a.bytes) == 0);
	CHECK(memcmp(a.data, c.data, a.bytes) == 0);
	CHECK_EQ_INT(a.rank, 4);
	CHECK_EQ_INT(a.dims[3], 4);
	CHECK_OK(ladder_npz_list(data_path("xy-deflate.npz"), &names, &n, &err), &err);
	REQUIRE(n == 2);
	CHECK_EQ_STR(names[0], "x");
	CHECK_EQ_STR(names[1], "y");
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	CHECK_OK(ladder_tensor_file_read(data_path("f32.pb"), 0, &d, &err), &err);
	CHECK_EQ_INT(d.dtype, LADDER_DT_FLOAT);
	REQUIRE(d.bytes == 48);
	CHECK_NEAR(((float *)d.data)[11], 11.0, 0);
	ladder_data_tensor_release(&a);
	ladder_data_tensor_release(&b);
	ladder_data_tensor_release(&c);
	ladder_data_tensor_release(&d);
}

TEST(spec_yaml_and_preprocess)
{
	struct ladder_err err = { 0 };
	struct ladder_data_spec spec;
	struct ladder_dataset *ds;

	CHECK_OK(ladder_data_spec_load(data_path("spec.yaml"), &spec, &err), &err);
	CHECK_EQ_STR(spec.name, "tiny");
	CHECK_NEAR(spec.scale, 1.0 / 255, 1e-15);
	CHECK_EQ_INT(spec.limit, 4);
	CHECK_OK(ladder_dataset_load(&spec, &ds, &err), &err);
	REQUIRE(ds != NULL);
	CHECK_EQ_INT(ds->samples, 4);
	CHECK_EQ_INT(ds->classes, 5);
	CHECK_EQ_INT(ds->labels[2], 4);
	CHECK_EQ_INT(ds->sample_rank, 2);
	/* pixel 1 of sample 1 is 7: (13/255 - 0.5) / 0.25 */
	CHECK_NEAR(((float *)ds->data)[6 + 1], (7.0 / 255 - 0.5) / 0.25, 1e-6);
	CHECK_EQ_INT(strlen(ds->sha256), 64);
	ladder_dataset_free(ds);
}

TEST(spec_json_nhwc_to_nchw_per_channel)
{
	struct ladder_err err = { 0 };
	struct ladder_data_spec spec;
	struct ladder_dataset *ds;
	struct ladder_tensor x;
	const uint8_t *src;
	const float *dst;

	CHECK_OK(ladder_data_spec_load(data_path("spec.json"), &spec, &err), &err);
	CHECK_OK(ladder_dataset_load(&spec, &ds, &err), &err);
	REQUIRE(ds != NULL);
	CHECK_OK(ladder_tensor_file_read(data_path("x-nhwc.npy"), 0, &x, &err), &err);
	CHECK_EQ_INT(ds->sample_rank, 3);
	CHECK_EQ_INT(ds->sample_dims[0], 4);	/* C first now */
	CHECK_EQ_INT(ds->sample_dims[1], 2);
	CHECK_EQ_INT(ds->sample_dims[2], 3);
	src = x.data;
	dst = (const float *)ds->data;
	/* sample 2, h 1, w 2, c 3: source NHWC, target NCHW, (x - 4) / 2 */
	CHECK_NEAR(dst[2 * 24 + (3 * 2 + 1) * 3 + 2], (src[2 * 24 + (1 * 3 + 2) * 4 + 3] - 4.0) / 2, 1e-6);
	ladder_data_tensor_release(&x);
	ladder_dataset_free(ds);
}

TEST(spec_errors)
{
	struct ladder_err err = { 0 };
	struct ladder_data_spec spec;
	struct ladder_dataset *ds;

	CHECK(ladder_data_spec_load(data_path("hw.yaml"), &spec, &err) == LADDER_EFORMAT);
	CHECK(strstr(err.msg, "unknown setting") != NULL || strstr(err.msg, "schema") != NULL);
	ladder_err_clear(&err);
	ladder_data_spec_init(&spec);
	snprintf(spec.data_path, sizeof spec.data_path, "%s", data_path("img.idx"));
	snprintf(spec.labels_path, sizeof spec.labels_path, "%s", data_path("y.npy"));
	CHECK(ladder_dataset_load(&spec, &ds, &err) == LADDER_EFORMAT);
	CHECK(strstr(err.msg, "5 samples but 6 labels") != NULL);
}

TEST(bind_binds_dynamic_dims_and_reports_mismatch)
{
	struct ladder_err err = { 0 };
	struct ladder_data_spec spec;
	struct ladder_dataset *ds;
	struct ladder_tensor t;
	struct ladder_dim d4[4] = { { -1, "N" }, { 1, NULL }, { -1, "H" }, { 3, NULL } };
	struct ladder_dim d2[2] = { { -1, "N" }, { 6, NULL } };
	struct ladder_dim bad[4] = { { -1, "N" }, { 1, NULL }, { 28, NULL }, { 28, NULL } };
	struct ladder_value_info vi = { .name = "input" };

	CHECK_OK(ladder_data_spec_load(data_path("spec.yaml"), &spec, &err), &err);
	CHECK_OK(ladder_dataset_load(&spec, &ds, &err), &err);
	REQUIRE(ds != NULL);
	vi.type.kind = LADDER_TYPE_TENSOR;
	vi.type.dtype = LADDER_DT_FLOAT;
	vi.type.rank = 4;
	vi.type.dims = d4;
	CHECK_OK(ladder_dataset_bind(ds, &vi, 1, 2, &t, &err), &err);
	CHECK_EQ_INT(t.rank, 4);
	CHECK_EQ_INT(t.dims[0], 2);
	CHECK_EQ_INT(t.dims[1], 1);
	CHECK_EQ_INT(t.dims[2], 2);
	CHECK_EQ_INT(t.dims[3], 3);
	CHECK_EQ_INT(t.bytes, 2 * 6 * 4);
	vi.type.rank = 2;
	vi.type.dims = d2;
	CHECK_OK(ladder_dataset_bind(ds, &vi, 0, 4, &t, &err), &err);
	CHECK_EQ_INT(t.dims[1], 6);
	vi.type.rank = 4;
	vi.type.dims = bad;
	CHECK(ladder_dataset_bind(ds, &vi, 0, 1, &t, &err) == LADDER_EINVAL);
	CHECK(strstr(err.msg, "input 'input' wants [N, 1, 28, 28]") != NULL);
	CHECK(strstr(err.msg, "are [2, 3]") != NULL);
	ladder_err_clear(&err);
	vi.type.dtype = LADDER_DT_UINT8;
	CHECK(ladder_dataset_bind(ds, &vi, 0, 1, &t, &err) == LADDER_EINVAL);
	CHECK(strstr(err.msg, "wants uint8") != NULL);
	ladder_dataset_free(ds);
}

TEST(fmnist_if_installed)
{
	struct ladder_err err = { 0 };
	struct ladder_data_spec spec;
	struct ladder_dataset *ds;
	FILE *f;

	ladder_data_spec_fmnist(&spec);
	f = fopen(spec.data_path, "rb");
	if (f == NULL)
		return;	/* dataset-fashion-mnist not installed */
	fclose(f);
	spec.limit = 100;
	CHECK_OK(ladder_dataset_load(&spec, &ds, &err), &err);
	REQUIRE(ds != NULL);
	CHECK_EQ_INT(ds->samples, 100);
	CHECK_EQ_INT(ds->classes, 10);
	CHECK_EQ_INT(ds->sample_dims[0], 28);
	CHECK_EQ_INT(ds->labels[0], 9);	/* the first test image is an ankle boot */
	ladder_dataset_free(ds);
}

TEST_MAIN()
