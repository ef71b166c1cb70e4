/* test-bundle.c: keys, deterministic pack, manifest verification, thin bundles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "ladder.h"

static char dir[256];
static struct ladder_key key, other;

static void
setup_once(void)
{
	struct ladder_err err = { 0 };
	char s[300], p[300];

	if (dir[0])
		return;
	snprintf(dir, sizeof dir, "%s/ladder-bundle.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		return;
	snprintf(s, sizeof s, "%s/key", dir);
	snprintf(p, sizeof p, "%s/key.pub", dir);
	ladder_keygen(s, p, &err);
	ladder_key_load_secret(s, &key, &err);
	snprintf(s, sizeof s, "%s/other", dir);
	snprintf(p, sizeof p, "%s/other.pub", dir);
	ladder_keygen(s, p, &err);
	ladder_key_load_public(p, &other, &err);
}

static int
pack_to(const char *plan, const char *out, bool zstd, struct ladder_err *err)
{
	struct ladder_pack_opts o = { 0 };
	struct ladder_pack_result *res = NULL;
	char plan_path[512], out_dir[512];
	size_t n;
	int rc;

	snprintf(plan_path, sizeof plan_path, "%s/ship/%s", test_data_dir, plan);
	snprintf(out_dir, sizeof out_dir, "%s/%s", dir, out);
	o.out_dir = out_dir;
	o.key = &key;
	o.zstd = zstd;
	o.valid_seconds = (int64_t)36500 * 86400;
	rc = ladder_pack(plan_path, &o, &res, &n, NULL, err);
	free(res);
	return rc;
}

static bool
same_file(const char *a, const char *b)
{
	char *x = NULL, *y = NULL;
	size_t xn = 0, yn = 0;
	bool same;

	ladder_read_file(a, 0, &x, &xn, NULL);
	ladder_read_file(b, 0, &y, &yn, NULL);
	same = x != NULL && y != NULL && xn == yn && memcmp(x, y, xn) == 0;
	free(x);
	free(y);
	return same;
}

TEST(keys)
{
	struct ladder_err err = { 0 };
	struct ladder_key k;
	char path[300];

	setup_once();
	REQUIRE(dir[0]);
	CHECK(key.has_secret);
	CHECK_EQ_INT(strlen(key.id), 16);
	snprintf(path, sizeof path, "%s/key.pub", dir);
	CHECK(ladder_key_load_secret(path, &k, &err) != 0);
	snprintf(path, sizeof path, "%s/key", dir);
	CHECK_OK(ladder_key_load_public(path, &k, &err), &err);
	CHECK(!k.has_secret);
	CHECK(memcmp(k.pk, key.pk, 32) == 0);
	CHECK(ladder_keygen(path, "/dev/null", &err) != 0);	/* never overwrites */
}

TEST(pack_is_deterministic)
{
	struct ladder_err err = { 0 };
	char a[512], b[512];

	setup_once();
	CHECK_OK(pack_to("plan1.json", "p1", false, &err), &err);
	CHECK_OK(pack_to("plan1.json", "p1b", false, &err), &err);
	CHECK_OK(pack_to("plan1.json", "z1", true, &err), &err);
	CHECK_OK(pack_to("plan1.json", "z1b", true, &err), &err);
	snprintf(a, sizeof a, "%s/p1/hub-1.tar", dir);
	snprintf(b, sizeof b, "%s/p1b/hub-1.tar", dir);
	CHECK(same_file(a, b));
	snprintf(a, sizeof a, "%s/z1/hub-1.tar.zst", dir);
	snprintf(b, sizeof b, "%s/z1b/hub-1.tar.zst", dir);
	CHECK(same_file(a, b));
}

TEST(manifest_verification)
{
	struct ladder_err err = { 0 };
	struct ladder_manifest m;
	struct ladder_bundle_policy pol = { 0 };
	char path[512];

	setup_once();
	snprintf(path, sizeof path, "%s/z1/hub-1.tar.zst", dir);
	CHECK_OK(ladder_bundle_read_manifest(path, &key, &m, &err), &err);
	CHECK_EQ_STR(m.node, "hub-1");
	CHECK_EQ_INT(m.epoch, 1);
	CHECK_EQ_INT(m.n_files, 2);
	CHECK_EQ_STR(m.key_id, key.id);
	pol.node = "hub-1";
	pol.now = m.created;
	CHECK_OK(ladder_manifest_check(&m, &pol, &err), &err);
	pol.node = "cam-1";
	CHECK(ladder_manifest_check(&m, &pol, &err) == LADDER_ESECURITY);
	pol.node = "hub-1";
	pol.now = m.expires;
	ladder_err_clear(&err);
	CHECK(ladder_manifest_check(&m, &pol, &err) == LADDER_ESECURITY);
	CHECK(strstr(err.msg, "expired") != NULL);
	ladder_manifest_release(&m);
	ladder_err_clear(&err);
	CHECK(ladder_bundle_read_manifest(path, &other, &m, &err) == LADDER_ESECURITY);
	CHECK(strstr(err.msg, "bad signature") != NULL);
}

static bool
keep_none(void *ctx, const char *sha)
{
	return false;
}

TEST(thin_bundle_takes_blobs_from_the_store)
{
	struct ladder_err err = { 0 };
	struct ladder_manifest m;
	struct ladder_bundle_policy pol = { 0 };
	char full[512], thin[512], staging[512], store[512], cmd[1200];
	uint64_t payload = 1;

	setup_once();
	snprintf(full, sizeof full, "%s/p1/hub-1.tar", dir);
	snprintf(thin, sizeof thin, "%s/thin.tar", dir);
	CHECK_OK(ladder_bundle_thin(full, thin, keep_none, NULL, &payload, &err), &err);
	CHECK_EQ_INT(payload, 0);
	REQUIRE(ladder_bundle_read_manifest(thin, &key, &m, &err) == 0);
	pol.node = "hub-1";
	pol.now = m.created;
	snprintf(staging, sizeof staging, "%s/staging1", dir);
	mkdir(staging, 0755);
	/* No store: the thin bundle misses its files. */
	CHECK(ladder_bundle_extract(thin, &m, &pol, staging, NULL, &err) == LADDER_ESECURITY);
	CHECK(strstr(err.msg, "missing file") != NULL);
	/* A store made from the full bundle's extraction supplies them. */
	snprintf(store, sizeof store, "%s/store", dir);
	mkdir(store, 0755);
	CHECK_OK(ladder_bundle_extract(full, &m, &pol, store, NULL, &err), &err);
	snprintf(staging, sizeof staging, "%s/staging2", dir);
	mkdir(staging, 0755);
	snprintf(store, sizeof store, "%s/store/blobs", dir);
	ladder_err_clear(&err);
	CHECK_OK(ladder_bundle_extract(thin, &m, &pol, staging, store, &err), &err);
	snprintf(full, sizeof full, "%s/blobs/%s", staging, m.files[0].sha256);
	CHECK(access(full, F_OK) == 0);
	ladder_manifest_release(&m);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

TEST_MAIN()
