/*
 * test-agent-crash.c: SIGKILL at every crash point of an install, a first
 * install, a rollback and a health revert; after recovery the node must
 * run the old or the new version, whole.  The child process sets
 * LADDER_AGENT_CRASH_AT=K and dies there; K runs over every point, so the
 * test is deterministic (no timing).
 */
#include <dirent.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "ladder.h"

static char dir[256];
static struct ladder_key key;
static int trials, bad;

static void
sh(const char *fmt, const char *arg)
{
	char cmd[1024];

	snprintf(cmd, sizeof cmd, fmt, arg);
	if (system(cmd) != 0)
		fprintf(stdout, "#   command failed: %s\n", cmd);
}

static void
pack(const char *plan, const char *out)
{
	struct ladder_pack_opts o = { 0 };
	struct ladder_pack_result *res = NULL;
	struct ladder_err err = { 0 };
	char plan_path[512], out_dir[512];
	size_t n;

	snprintf(plan_path, sizeof plan_path, "%s/ship/%s", test_data_dir, plan);
	snprintf(out_dir, sizeof out_dir, "%s/%s", dir, out);
	o.out_dir = out_dir;
	o.key = &key;
	o.valid_seconds = (int64_t)36500 * 86400;
	if (ladder_pack(plan_path, &o, &res, &n, NULL, &err) != 0)
		fprintf(stdout, "#   pack %s: %s\n", plan, err.msg);
	free(res);
}

static struct ladder_agent_config
config(const char *root, const char *health)
{
	struct ladder_agent_config c = { 0 };

	c.root = root;
	c.node = "cloud-1";
	c.trust = &key;
	c.health_cmd = health;
	c.health_window_s = 10;
	return c;
}

static int
install(const char *root, const char *bundle, const char *health)
{
	struct ladder_agent_config c = config(root, health);
	struct ladder_agent *a;
	struct ladder_err err = { 0 };
	char path[512];
	int rc;

	snprintf(path, sizeof path, "%s/%s", dir, bundle);
	if (ladder_agent_open(&c, &a, &err) != 0)
		return -1;
	rc = strcmp(bundle, "rollback") == 0 ? ladder_agent_rollback(a, NULL, &err) :
	    ladder_agent_install(a, path, NULL, &err);
	ladder_agent_free(a);
	return rc;
}

static int
count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Recovery, then: epoch in allowed, the whole version verified, no leftovers. */
static bool
check(const char *root, const long long *allowed, int n_allowed, const char *health, char *why,
    size_t size)
{
	struct ladder_agent_config c = config(root, health);
	struct ladder_agent *a;
	struct ladder_err err = { 0 };
	struct ladder_buf st;
	json_t *j, *active;
	long long epoch = -1;
	bool ok = false;
	char path[600], target[64];
	ssize_t tl;

	if (ladder_agent_open(&c, &a, &err) != 0) {
		snprintf(why, size, "recovery failed: %s", err.msg);
		return false;
	}
	ladder_buf_init(&st);
	ladder_agent_status(a, &st, &err);
	ladder_agent_free(a);
	j = json_loads(st.data ? st.data : "", 0, NULL);
	ladder_buf_release(&st);
	active = json_object_get(j, "active");
	if (json_is_integer(json_object_get(j, "epoch")))
		epoch = json_integer_value(json_object_get(j, "epoch"));
	for (int i = 0; i < n_allowed; i++)
		ok |= allowed[i] == epoch;
	if (!ok) {
		snprintf(why, size, "epoch %lld is neither old nor new", epoch);
		goto out;
	}
	ok = false;
	snprintf(path, sizeof path, "%s/staging", root);
	if (count_dir(path) != 0) {
		snprintf(why, size, "staging not empty");
		goto out;
	}
	snprintf(path, sizeof path, "%s/journal", root);
	if (access(path, F_OK) == 0) {
		snprintf(why, size, "journal left");
		goto out;
	}
	snprintf(path, sizeof path, "%s/current", root);
	tl = readlink(path, target, sizeof target - 1);
	if (epoch < 0) {
		ok = tl < 0;
		if (!ok)
			snprintf(why, size, "current exists without an active epoch");
		goto out;
	}
	if (tl <= 0) {
		snprintf(why, size, "no current link");
		goto out;
	}
	target[tl] = '\0';
	snprintf(path, sizeof path, "versions/%lld", epoch);
	if (strcmp(target, path) != 0 || json_is_true(json_object_get(active, "intact")) == 0) {
		snprintf(why, size, "current -> %s not intact", target);
		goto out;
	}
	/* intact = signature and every listed file's size and hash; nothing else is there. */
	snprintf(path, sizeof path, "%s/current/blobs", root);
	if (count_dir(path) != json_integer_value(json_object_get(active, "files"))) {
		snprintf(why, size, "current/blobs holds files the manifest does not list");
		goto out;
	}
	ok = true;
out:
	json_decref(j);
	return ok;
}

/* Runs op in a child with LADDER_AGENT_CRASH_AT=k for k = 1, 2, ... until it survives. */
static int
crash_loop(const char *name, const char *const *setup, const char *op,
    const char *health, const long long *allowed, int n_allowed)
{
	char root[512], why[256];
	int k;

	snprintf(root, sizeof root, "%s/r", dir);
	for (k = 1; k <= 100; k++) {
		pid_t pid;
		int status;

		sh("rm -rf '%s'", root);
		for (int i = 0; setup[i] != NULL; i++) {
			if (install(root, setup[i], NULL) != 0)
				TEST_FAIL_("%s: setup step %d failed", name, i);
		}
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			char v[16];

			snprintf(v, sizeof v, "%d", k);
			setenv("LADDER_AGENT_CRASH_AT", v, 1);
			_exit(install(root, op, health) == 0 ? 0 : 1);
		}
		waitpid(pid, &status, 0);
		trials++;
		if (!check(root, allowed, n_allowed, health, why, sizeof why)) {
			bad++;
			TEST_FAIL_("%s: SIGKILL at point %d: %s", name, k, why);
		}
		if (WIFEXITED(status)) {
			if (WEXITSTATUS(status) != 0)
				TEST_FAIL_("%s: the operation failed without a crash", name);
			break;
		}
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			TEST_FAIL_("%s: point %d: not killed by SIGKILL", name, k);
	}
	printf("#   %s: %d crash points\n", name, k - 1);
	return k - 1;
}

TEST(setup)
{
	struct ladder_err err = { 0 };
	char secret[300], pub[300];

	snprintf(dir, sizeof dir, "%s/ladder-crash.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	REQUIRE(mkdtemp(dir) != NULL);
	snprintf(secret, sizeof secret, "%s/key", dir);
	snprintf(pub, sizeof pub, "%s/key.pub", dir);
	CHECK_OK(ladder_keygen(secret, pub, &err), &err);
	CHECK_OK(ladder_key_load_secret(secret, &key, &err), &err);
	pack("cloud1.json", "b1");
	pack("cloud2.json", "b2");
}

TEST(sigkill_upgrade)
{
	static const long long allowed[] = { 1, 2 };

	CHECK(crash_loop("upgrade 1->2", (const char *[]){ "b1/cloud-1.tar", NULL }, "b2/cloud-1.tar", NULL, allowed, 2) >= 10);
}

TEST(sigkill_first_install)
{
	static const long long allowed[] = { -1, 1 };

	CHECK(crash_loop("first install", (const char *[]){ NULL }, "b1/cloud-1.tar", NULL, allowed, 2) >= 8);
}

TEST(sigkill_rollback)
{
	static const long long allowed[] = { 1, 2 };

	CHECK(crash_loop("rollback", (const char *[]){ "b1/cloud-1.tar", "b2/cloud-1.tar", NULL }, "rollback", NULL, allowed, 2) >= 3);
}

TEST(sigkill_health_revert)
{
	static const long long allowed[] = { 1, 2 };

	CHECK(crash_loop("health revert", (const char *[]){ "b1/cloud-1.tar", NULL }, "b2/cloud-1.tar", "exit 1", allowed,
	    2) >= 10);
}

TEST(sigkill_reinstall_after_rollback)
{
	static const long long allowed[] = { 1, 2 };

	CHECK(crash_loop("reinstall after rollback", (const char *[]){ "b1/cloud-1.tar",
	    "b2/cloud-1.tar", "rollback", NULL }, "b2/cloud-1.tar", NULL, allowed, 2) >= 10);
}

TEST(trials_total)
{
	printf("#   kill trials: %d, bad: %d\n", trials, bad);
	CHECK(trials >= 50);
	CHECK_EQ_INT(bad, 0);
	sh("rm -rf '%s'", dir);
}

TEST_MAIN()
