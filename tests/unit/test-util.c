/* test-util.c: error buffer, byte buffer, files, hashes, arena. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "ladder.h"

TEST(err_first_failure_wins)
{
	struct ladder_err err = { 0 };

	CHECK_EQ_INT(ladder_errf(&err, LADDER_EIO, "cannot read '%s'", "a"), LADDER_EIO);
	ladder_errf(&err, LADDER_EINVAL, "second");
	CHECK_EQ_STR(err.msg, "cannot read 'a'");
	CHECK_EQ_INT(err.code, LADDER_EIO);
	ladder_err_prefix(&err, "loading '%s'", "m.onnx");
	CHECK_EQ_STR(err.msg, "loading 'm.onnx': cannot read 'a'");
	CHECK_EQ_INT(ladder_errf(NULL, LADDER_ENOMEM, "x"), LADDER_ENOMEM);
}

TEST(buf_grows_and_formats)
{
	struct ladder_buf b;

	ladder_buf_init(&b);
	for (int i = 0; i < 1000; i++)
		ladder_buf_addf(&b, "%d,", i);
	CHECK(!b.failed);
	CHECK(strncmp(b.data, "0,1,2,", 6) == 0);
	CHECK_EQ_INT(b.data[b.len], '\0');
	size_t len;
	char *p = ladder_buf_detach(&b, &len);
	CHECK(p != NULL && len > 3000);
	CHECK(b.data == NULL);
	free(p);
	ladder_buf_release(&b);
}

TEST(file_roundtrip_and_limits)
{
	struct ladder_err err = { 0 };
	char dir[] = "/tmp/ladder-test-XXXXXX", path[256];
	char *data;
	size_t len;

	REQUIRE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/a/b/c.txt", dir);
	char sub[256];
	ladder_path_dir(path, sub, sizeof sub);
	CHECK_OK(ladder_mkdirs(sub, &err), &err);
	CHECK_OK(ladder_write_file(path, "hello", 5, &err), &err);
	CHECK_OK(ladder_read_file(path, 0, &data, &len, &err), &err);
	CHECK_EQ_INT(len, 5);
	CHECK_EQ_STR(data, "hello");
	free(data);
	CHECK_EQ_INT(ladder_read_file(path, 3, &data, &len, &err), LADDER_ENOMEM);
	CHECK(strstr(err.msg, "c.txt") != NULL);
	ladder_err_clear(&err);
	CHECK_EQ_INT(ladder_read_file("/nonexistent/x", 0, &data, &len, &err), LADDER_EIO);
	CHECK(strstr(err.msg, "cannot open '/nonexistent/x'") != NULL);
	/* A FIFO (like /dev/null, a device) is written in place, never replaced by a file. */
	{
		struct stat st;
		char got[8] = { 0 };
		int rd;

		snprintf(path, sizeof path, "%s/fifo", dir);
		REQUIRE(mkfifo(path, 0600) == 0);
		rd = open(path, O_RDWR | O_NONBLOCK);
		REQUIRE(rd >= 0);
		CHECK_OK(ladder_write_file(path, "hello", 5, &err), &err);
		CHECK(stat(path, &st) == 0 && S_ISFIFO(st.st_mode));
		CHECK_EQ_INT(read(rd, got, sizeof got), 5);
		CHECK_EQ_STR(got, "hello");
		close(rd);
	}
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

TEST(sha256_known_vector)
{
	char hex[LADDER_SHA256_HEX];

	ladder_sha256_hex("abc", 3, hex);
	CHECK_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(arena_alloc_and_strings)
{
	struct ladder_arena *a = ladder_arena_new();

	REQUIRE(a != NULL);
	char *s = ladder_arena_strdup(a, "conv1.weight");
	CHECK_EQ_STR(s, "conv1.weight");
	for (int i = 0; i < 10000; i++) {
		unsigned char *p = ladder_arena_alloc(a, (size_t)(i % 300) + 1);
		REQUIRE(p != NULL);
		CHECK(((uintptr_t)p & 15) == 0);
		CHECK(p[0] == 0);
		p[0] = 1;
	}
	void *big = ladder_arena_alloc(a, 1 << 20);
	CHECK(big != NULL);
	CHECK_EQ_STR(s, "conv1.weight");
	ladder_arena_free(a);
}

TEST(dtype_names)
{
	CHECK_EQ_STR(ladder_dtype_name(LADDER_DT_FLOAT), "float32");
	CHECK_EQ_INT(ladder_dtype_size(LADDER_DT_FLOAT16), 2);
	CHECK_EQ_INT(ladder_dtype_parse("int8"), LADDER_DT_INT8);
	CHECK_EQ_INT(ladder_dtype_parse("nope"), LADDER_DT_UNDEFINED);
	struct ladder_tensor t = { .rank = 2, .dims = { 3, 4 } };
	CHECK_EQ_INT(ladder_tensor_numel(&t), 12);
	t.dims[0] = INT64_MAX;
	CHECK_EQ_INT(ladder_tensor_numel(&t), -1);
}

TEST_MAIN()
