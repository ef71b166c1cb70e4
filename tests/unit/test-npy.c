/* test-npy.c: .npy round trips and hostile headers. */
#include "harness.h"
#include "ladder.h"

TEST(npy_round_trip)
{
	struct ladder_arena *a = ladder_arena_new();
	struct ladder_err err = { 0 };
	struct ladder_buf b;
	float data[6] = { 1, 2, 3, 4, 5, -6.5f };
	struct ladder_tensor t = { .dtype = LADDER_DT_FLOAT, .rank = 2, .dims = { 2, 3 },
		.data = data, .bytes = sizeof data }, back;

	ladder_buf_init(&b);
	CHECK_OK(ladder_npy_serialize(&t, &b, &err), &err);
	CHECK_EQ_INT(b.len % 64, 24);	/* header padded to 64, then 24 bytes of data */
	CHECK_OK(ladder_npy_load_mem(b.data, b.len, a, &back, &err), &err);
	CHECK_EQ_INT(back.dtype, LADDER_DT_FLOAT);
	CHECK_EQ_INT(back.rank, 2);
	CHECK_EQ_INT(back.dims[1], 3);
	CHECK(back.bytes == sizeof data && memcmp(back.data, data, sizeof data) == 0);
	ladder_buf_release(&b);
	ladder_arena_free(a);
}

TEST(npy_all_dtypes_and_scalars)
{
	enum ladder_dtype dts[] = { LADDER_DT_FLOAT16, LADDER_DT_INT8, LADDER_DT_UINT8,
		LADDER_DT_INT32, LADDER_DT_INT64, LADDER_DT_BOOL, LADDER_DT_DOUBLE };
	struct ladder_arena *a = ladder_arena_new();
	uint8_t raw[64] = { 1, 0, 1, 1 };

	for (size_t i = 0; i < sizeof dts / sizeof dts[0]; i++) {
		struct ladder_err err = { 0 };
		struct ladder_buf b;
		struct ladder_tensor t = { .dtype = dts[i], .rank = (int)(i % 2), .dims = { 3 },
			.data = raw, .bytes = sizeof raw }, back;

		ladder_buf_init(&b);
		CHECK_OK(ladder_npy_serialize(&t, &b, &err), &err);
		CHECK_OK(ladder_npy_load_mem(b.data, b.len, a, &back, &err), &err);
		CHECK_EQ_INT(back.dtype, dts[i]);
		CHECK_EQ_INT(back.rank, t.rank);
		CHECK_EQ_INT(back.bytes, ladder_dtype_size(dts[i]) * (t.rank ? 3 : 1));
		ladder_buf_release(&b);
	}
	ladder_arena_free(a);
}

static int
load_str(const char *hdr, size_t data_bytes, struct ladder_err *err)
{
	struct ladder_arena *a = ladder_arena_new();
	unsigned char buf[512] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0 };
	size_t h = strlen(hdr);
	struct ladder_tensor t;

	buf[8] = (unsigned char)h;
	buf[9] = 0;
	memcpy(buf + 10, hdr, h);
	int rc = ladder_npy_load_mem(buf, 10 + h + data_bytes, a, &t, err);
	ladder_arena_free(a);
	return rc;
}

TEST(npy_hostile_headers)
{
	struct ladder_err err = { 0 };

	CHECK(load_str("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8, &err) == 0);
	CHECK(load_str("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 8, &err) != 0);
	CHECK(strstr(err.msg, "truncated") != NULL);
	ladder_err_clear(&err);
	CHECK(load_str("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999), }", 0, &err) != 0);
	ladder_err_clear(&err);
	CHECK(load_str("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", 8, &err) == LADDER_EUNSUPPORTED);
	ladder_err_clear(&err);
	CHECK(load_str("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", 8, &err) == LADDER_EUNSUPPORTED);
	ladder_err_clear(&err);
	CHECK(load_str("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", 8, &err) == LADDER_EUNSUPPORTED);
	ladder_err_clear(&err);
	CHECK(load_str("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2", 8, &err) != 0);
	ladder_err_clear(&err);
	CHECK(load_str("{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 8, &err) != 0);
	ladder_err_clear(&err);
	CHECK(load_str("{'descr'", 0, &err) != 0);
	ladder_err_clear(&err);
	unsigned char short_hdr[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 200, 0 };
	struct ladder_arena *a = ladder_arena_new();
	struct ladder_tensor t;
	CHECK(ladder_npy_load_mem(short_hdr, sizeof short_hdr, a, &t, &err) == LADDER_EFORMAT);
	ladder_arena_free(a);
}

/* Every truncation and single-byte change of a valid file: an error or a tensor, never a crash. */
TEST(npy_mutations)
{
	struct ladder_err err = { 0 };
	struct ladder_buf b;
	int16_t data[5] = { 1, 2, 3, 4, 5 };
	struct ladder_tensor t = { .dtype = LADDER_DT_INT16, .rank = 1, .dims = { 5 },
		.data = data, .bytes = sizeof data }, back;
	static const unsigned char vals[] = { 0, '(', ')', ',', '9', '\'', 0xff, ' ' };

	ladder_buf_init(&b);
	CHECK_OK(ladder_npy_serialize(&t, &b, &err), &err);
	unsigned char *copy = malloc(b.len);
	REQUIRE(copy != NULL);
	for (size_t len = 0; len < b.len; len++) {
		struct ladder_arena *a = ladder_arena_new();

		memcpy(copy, b.data, len);
		CHECK(ladder_npy_load_mem(copy, len, a, &back, &err) != 0);
		ladder_err_clear(&err);
		ladder_arena_free(a);
	}
	for (size_t i = 0; i < b.len; i++) {
		for (size_t v = 0; v < sizeof vals; v++) {
			struct ladder_arena *a = ladder_arena_new();

			memcpy(copy, b.data, b.len);
			copy[i] = vals[v];
			if (ladder_npy_load_mem(copy, b.len, a, &back, &err) == 0)
				CHECK(back.bytes <= b.len);
			ladder_err_clear(&err);
			ladder_arena_free(a);
		}
	}
	free(copy);
	ladder_buf_release(&b);
}

TEST_MAIN()
