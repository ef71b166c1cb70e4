/*
 * activate.c: verified install, the atomic `current` switch, rollback,
 * the health window and crash recovery.  The `current` symlink is the
 * truth; a journal written before each switch says how to finish or undo
 * it after a crash, so a node always comes back with the old or the new
 * version, never a mix.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent-int.h"
#include "ladder-agent.h"
#include "util/banned.h"

#define HISTORY_MAX 50

void
agent_crash_point(struct ladder_agent *a)
{
	a->crash_count++;
	if (a->crash_at > 0 && a->crash_count == a->crash_at) {
		agent_logf(a, "test hook: killing myself at crash point %ld", a->crash_at);
		raise(SIGKILL);
	}
}

void
agent_logf(struct ladder_agent *a, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (a->cfg.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	a->cfg.log(a->cfg.log_ctx, line);
}

static int
fsync_dirfd(int fd)
{
	return fsync(fd);
}

static int
fsync_dir_at(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* rm -rf relative to dirfd without following symlinks. */
static int
remove_tree_at(int dirfd, const char *name)
{
	struct stat st;
	int fd;
	DIR *d;
	struct dirent *de;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		remove_tree_at(fd, de->d_name);
	}
	closedir(d);
	return unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* Epoch a symlink "versions/N" points at, or -1. */
static long long
link_epoch(struct ladder_agent *a, const char *name)
{
	char target[128];
	ssize_t n = readlinkat(a->root_fd, name, target, sizeof target - 1);
	char *end;
	long long e;

	if (n <= 9)
		return -1;
	target[n] = '\0';
	if (strncmp(target, "versions/", 9) != 0)
		return -1;
	e = strtoll(target + 9, &end, 10);
	if (*end != '\0' || e < 0)
		return -1;
	return e;
}

/* Points name at versions/EPOCH (or removes it for -1) atomically: symlink + rename + fsync. */
static int
switch_link(struct ladder_agent *a, const char *name, long long epoch, struct ladder_err *err)
{
	char tmp[64], target[64];

	snprintf(tmp, sizeof tmp, "%s.new", name);
	if (epoch < 0) {
		if (unlinkat(a->root_fd, name, 0) != 0 && errno != ENOENT)
			return ladder_errf(err, LADDER_EIO, "cannot remove '%s/%s': %s", a->root, name,
			    strerror(errno));
		fsync_dirfd(a->root_fd);
		return 0;
	}
	snprintf(target, sizeof target, "versions/%lld", epoch);
	unlinkat(a->root_fd, tmp, 0);
	if (symlinkat(target, a->root_fd, tmp) != 0)
		return ladder_errf(err, LADDER_EIO, "cannot create '%s/%s': %s", a->root, tmp,
		    strerror(errno));
	agent_crash_point(a);
	if (renameat(a->root_fd, tmp, a->root_fd, name) != 0)
		return ladder_errf(err, LADDER_EIO, "cannot switch '%s/%s': %s", a->root, name,
		    strerror(errno));
	agent_crash_point(a);
	if (fsync_dirfd(a->root_fd) != 0)
		return ladder_errf(err, LADDER_EIO, "cannot sync '%s': %s", a->root, strerror(errno));
	return 0;
}

static int
write_at_root(struct ladder_agent *a, const char *name, const char *data, size_t len,
    struct ladder_err *err)
{
	char path[4200];

	snprintf(path, sizeof path, "%s/%s", a->root, name);
	if (ladder_write_file(path, data, len, err) != 0)
		return err ? err->code : LADDER_EIO;
	fsync_dirfd(a->root_fd);
	return 0;
}

static void
now_iso(char out[32])
{
	ladder_utc_iso8601((int64_t)time(NULL), out);
}

static void
save_state(struct ladder_agent *a)
{
	json_t *s = json_object();
	char *text;
	struct ladder_buf status;
	struct ladder_err err = { 0 };

	json_object_set_new(s, "schema", json_string("ladder.agent-state/1"));
	json_object_set_new(s, "health", json_string(a->health));
	json_object_set_new(s, "health_detail", json_string(a->health_detail));
	json_object_set(s, "history", a->history);
	text = json_dumps(s, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(s);
	if (text != NULL) {
		write_at_root(a, "state.json", text, strlen(text), &err);
		free(text);
	}
	/* status.json: what deploy over file:// or sftp reads. */
	ladder_buf_init(&status);
	if (ladder_agent_status(a, &status, &err) == 0)
		write_at_root(a, "status.json", status.data, status.len, &err);
	ladder_buf_release(&status);
}

static void
add_event(struct ladder_agent *a, const char *event, long long from, long long to,
    const char *detail)
{
	char when[32];
	json_t *e;

	now_iso(when);
	e = json_pack("{s:s, s:s}", "time", when, "event", event);
	json_object_set_new(e, "from", from >= 0 ? json_integer(from) : json_null());
	json_object_set_new(e, "to", to >= 0 ? json_integer(to) : json_null());
	if (detail != NULL)
		json_object_set_new(e, "detail", json_string(detail));
	json_array_append_new(a->history, e);
	while (json_array_size(a->history) > HISTORY_MAX)
		json_array_remove(a->history, 0);
}

/* Reads and verifies versions/EPOCH: signature, and (if deep) every file's size and hash. */
static int
load_version(struct ladder_agent *a, long long epoch, bool deep, struct ladder_manifest *m,
    struct ladder_err *err)
{
	char dir[64], path[4400], *json = NULL, *sig = NULL;
	size_t json_len, sig_len;
	int rc;

	snprintf(dir, sizeof dir, "versions/%lld", epoch);
	snprintf(path, sizeof path, "%s/%s/manifest.json", a->root, dir);
	if (ladder_read_file(path, LADDER_MANIFEST_MAX, &json, &json_len, err) != 0)
		return err ? err->code : LADDER_EIO;
	snprintf(path, sizeof path, "%s/%s/manifest.sig", a->root, dir);
	if ((rc = ladder_read_file(path, 256, &sig, &sig_len, err)) != 0)
		goto out;
	snprintf(path, sizeof path, "%s/%s", a->root, dir);
	if ((rc = ladder_manifest_parse(path, json, json_len, sig, sig_len, a->cfg.trust, m, err)) != 0)
		goto out;
	if ((long long)m->epoch != epoch || strcmp(m->node, a->cfg.node) != 0) {
		rc = ladder_errf(err, LADDER_ESECURITY, "'%s' holds a manifest for another node or epoch",
		    path);
		ladder_manifest_release(m);
		goto out;
	}
	for (size_t i = 0; deep && i < m->n_files; i++) {
		char hex[LADDER_SHA256_HEX], fpath[4600];
		struct stat st;

		snprintf(fpath, sizeof fpath, "%s/%s", path, m->files[i].path);
		if (lstat(fpath, &st) != 0 || !S_ISREG(st.st_mode) ||
		    (uint64_t)st.st_size != m->files[i].size ||
		    ladder_sha256_file(fpath, hex, NULL) != 0 || strcmp(hex, m->files[i].sha256) != 0) {
			rc = ladder_errf(err, LADDER_ESECURITY, "'%s' is damaged: '%s' missing or changed",
			    path, m->files[i].path);
			ladder_manifest_release(m);
			goto out;
		}
	}
out:
	free(json);
	free(sig);
	return rc;
}

/* Removes versions that neither current nor previous point at, and unreferenced blobs. */
static void
prune(struct ladder_agent *a)
{
	long long cur = link_epoch(a, "current"), prev = link_epoch(a, "previous");
	int fd;
	DIR *d;
	struct dirent *de;

	fd = openat(a->root_fd, "versions", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && (d = fdopendir(fd)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char *end;
			long long e = strtoll(de->d_name, &end, 10);

			if (de->d_name[0] == '.' || *end != '\0' || e == cur || e == prev)
				continue;
			remove_tree_at(fd, de->d_name);
		}
		closedir(d);
	} else if (fd >= 0) {
		close(fd);
	}
	/* A store blob no version links to has a link count of 1. */
	fd = openat(a->root_fd, "blobs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && (d = fdopendir(fd)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			struct stat st;

			if (de->d_name[0] == '.')
				continue;
			if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_nlink <= 1)
				unlinkat(fd, de->d_name, 0);
		}
		closedir(d);
	} else if (fd >= 0) {
		close(fd);
	}
}

/* Runs the health command; 0 when it exits 0 within the window. */
static int
run_health(struct ladder_agent *a, long long epoch, char *detail, size_t size)
{
	int window = a->cfg.health_window_s > 0 ? a->cfg.health_window_s : 30;
	int status;
	pid_t pid;

	if (a->cfg.health_cmd == NULL) {
		snprintf(detail, size, "no health command");
		return 0;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(detail, size, "cannot start health command: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		char e[32], cur[4200];

		snprintf(e, sizeof e, "%lld", epoch);
		snprintf(cur, sizeof cur, "%s/current", a->root);
		setenv("LADDER_EPOCH", e, 1);
		setenv("LADDER_CURRENT", cur, 1);
		setenv("LADDER_ROOT", a->root, 1);
		alarm((unsigned)window);	/* survives exec: the window is enforced by SIGALRM */
		execl("/bin/sh", "sh", "-c", a->cfg.health_cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(detail, size, "cannot wait for health command: %s", strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		snprintf(detail, size, "health command passed");
		return 0;
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		snprintf(detail, size, "health command did not finish within %d s", window);
	else if (WIFSIGNALED(status))
		snprintf(detail, size, "health command killed by signal %d", WTERMSIG(status));
	else
		snprintf(detail, size, "health command exited %d", WEXITSTATUS(status));
	return -1;
}

static int
write_journal(struct ladder_agent *a, const char *op, long long from, long long to,
    long long from_previous, struct ladder_err *err)
{
	char text[256];
	int n = snprintf(text, sizeof text,
	    "{\"op\": \"%s\", \"from\": %lld, \"to\": %lld, \"from_previous\": %lld}\n", op, from, to,
	    from_previous);

	return write_at_root(a, "journal", text, (size_t)n, err);
}

static void
remove_journal(struct ladder_agent *a)
{
	unlinkat(a->root_fd, "journal", 0);
	fsync_dirfd(a->root_fd);
}

/*
 * After `current` points at the new version: health window, then
 * previous and history.  On a failed health check `current` goes back.
 */
static int
finish_activation(struct ladder_agent *a, long long from, long long to, long long from_previous,
    bool *reverted, struct ladder_err *err)
{
	char detail[256];
	int rc;

	*reverted = false;
	snprintf(a->health, sizeof a->health, "pending");
	agent_crash_point(a);
	if (run_health(a, to, detail, sizeof detail) != 0 && from >= 0) {
		agent_logf(a, "epoch %lld failed its health check (%s): reverting to %lld", to, detail,
		    from);
		if ((rc = switch_link(a, "current", from, err)) != 0)
			return rc;
		if ((rc = switch_link(a, "previous", from_previous, err)) != 0)
			return rc;
		snprintf(a->health, sizeof a->health, "failed");
		snprintf(a->health_detail, sizeof a->health_detail, "epoch %lld: %s", to, detail);
		add_event(a, "health-revert", to, from, detail);
		*reverted = true;
	} else {
		if ((rc = switch_link(a, "previous", from, err)) != 0)
			return rc;
		agent_crash_point(a);
		snprintf(a->health, sizeof a->health, a->cfg.health_cmd ? "ok" : "none");
		snprintf(a->health_detail, sizeof a->health_detail, "%s", detail);
		add_event(a, "install", from, to, NULL);
	}
	save_state(a);
	agent_crash_point(a);
	remove_journal(a);
	agent_crash_point(a);
	prune(a);
	a->current_intact = true;
	return 0;
}

/* Resolves an interrupted activation or rollback (journal present) to old or new. */
static int
recover(struct ladder_agent *a, struct ladder_err *err)
{
	char *text = NULL;
	size_t len;
	char path[4200];
	json_t *j;
	long long cur, from, to, from_prev;
	const char *op;
	struct ladder_manifest m;
	bool reverted;
	int rc = 0;

	unlinkat(a->root_fd, "current.new", 0);
	unlinkat(a->root_fd, "previous.new", 0);
	remove_tree_at(a->root_fd, "staging");
	mkdirat(a->root_fd, "staging", 0700);
	snprintf(path, sizeof path, "%s/journal", a->root);
	if (ladder_read_file(path, 4096, &text, &len, NULL) != 0)
		goto check;
	j = json_loads(text, 0, NULL);
	free(text);
	if (j == NULL) {
		/* A torn journal cannot happen (atomic write), but never trust it blindly. */
		remove_journal(a);
		goto check;
	}
	op = json_string_value(json_object_get(j, "op"));
	from = json_integer_value(json_object_get(j, "from"));
	to = json_integer_value(json_object_get(j, "to"));
	from_prev = json_integer_value(json_object_get(j, "from_previous"));
	cur = link_epoch(a, "current");
	agent_logf(a, "recovering an interrupted %s from %lld to %lld (current is %lld)",
	    op ? op : "?", from, to, cur);
	if (cur == to && load_version(a, to, true, &m, NULL) == 0) {
		ladder_manifest_release(&m);
		if (op != NULL && strcmp(op, "rollback") == 0) {
			switch_link(a, "previous", from, err);
			add_event(a, "rollback", from, to, "finished after restart");
			save_state(a);
			remove_journal(a);
		} else {
			rc = finish_activation(a, from, to, from_prev, &reverted, err);
		}
	} else {
		/* The switch did not happen (or the new version is not whole): stay on the old. */
		if (cur != from)
			rc = switch_link(a, "current", from, err);
		if (rc == 0)
			rc = switch_link(a, "previous", from_prev, err);
		add_event(a, "interrupted", from, to, "kept the old version after restart");
		save_state(a);
		remove_journal(a);
	}
	json_decref(j);
check:
	if (rc == 0)
		prune(a);
	cur = link_epoch(a, "current");
	a->current_intact = cur < 0;
	if (cur >= 0 && load_version(a, cur, true, &m, err) == 0) {
		a->current_intact = true;
		ladder_manifest_release(&m);
	} else if (cur >= 0) {
		agent_logf(a, "current version %lld is damaged: %s", cur, err ? err->msg : "");
		ladder_err_clear(err);
	}
	if (link_epoch(a, "previous") >= 0 && load_version(a, link_epoch(a, "previous"), false, &m,
	    NULL) == 0)
		ladder_manifest_release(&m);
	else
		unlinkat(a->root_fd, "previous", 0);
	save_state(a);
	return rc;
}

int
ladder_agent_open(const struct ladder_agent_config *cfg, struct ladder_agent **out,
    struct ladder_err *err)
{
	struct ladder_agent *a;
	struct utsname u;
	const char *env;
	char path[4200], *text = NULL;
	size_t len;
	static const char *const dirs[] = { "versions", "blobs", "staging", "uploads", "inbox" };

	if (cfg->root == NULL || cfg->node == NULL || cfg->trust == NULL)
		return ladder_errf(err, LADDER_EINVAL, "agent needs a root, a node id and a trusted key");
	a = calloc(1, sizeof *a);
	if (a == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "cannot start agent: out of memory");
	a->cfg = *cfg;
	snprintf(a->root, sizeof a->root, "%s", cfg->root);
	a->cfg.root = a->root;
	pthread_mutex_init(&a->lock, NULL);
	if (ladder_mkdirs(a->root, err) != 0) {
		free(a);
		return err ? err->code : LADDER_EIO;
	}
	a->root_fd = open(a->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a->root_fd < 0) {
		ladder_errf(err, LADDER_EIO, "cannot open '%s': %s", a->root, strerror(errno));
		free(a);
		return LADDER_EIO;
	}
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		mkdirat(a->root_fd, dirs[i], 0755);
	a->crash_at = (env = getenv("LADDER_AGENT_CRASH_AT")) ? atol(env) : 0;
	a->cut_after = (env = getenv("LADDER_AGENT_CUT_AFTER")) ? atoll(env) : 0;
	snprintf(a->arch, sizeof a->arch, "%s", uname(&u) == 0 ? u.machine : "unknown");
	snprintf(a->health, sizeof a->health, "none");
	snprintf(path, sizeof path, "%s/state.json", a->root);
	if (ladder_read_file(path, 1 << 20, &text, &len, NULL) == 0) {
		json_t *s = json_loads(text, 0, NULL);

		if (json_is_array(json_object_get(s, "history")))
			a->history = json_incref(json_object_get(s, "history"));
		if (json_string_value(json_object_get(s, "health")))
			snprintf(a->health, sizeof a->health, "%s",
			    json_string_value(json_object_get(s, "health")));
		if (json_string_value(json_object_get(s, "health_detail")))
			snprintf(a->health_detail, sizeof a->health_detail, "%s",
			    json_string_value(json_object_get(s, "health_detail")));
		json_decref(s);
		free(text);
	}
	if (a->history == NULL)
		a->history = json_array();
	if (recover(a, err) != 0) {
		ladder_agent_free(a);
		return err ? err->code : LADDER_EIO;
	}
	*out = a;
	return 0;
}

void
ladder_agent_free(struct ladder_agent *a)
{
	if (a == NULL)
		return;
	json_decref(a->history);
	close(a->root_fd);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

static int
result_json(struct ladder_buf *out, const char *result, long long from, long long to,
    const char *detail)
{
	if (out == NULL)
		return 0;
	ladder_buf_addf(out, "{\"result\": \"%s\"", result);
	if (from >= 0)
		ladder_buf_addf(out, ", \"from\": %lld", from);
	else
		ladder_buf_addstr(out, ", \"from\": null");
	ladder_buf_addf(out, ", \"to\": %lld", to);
	if (detail != NULL) {
		json_t *s = json_string(detail);
		char *t = json_dumps(s, JSON_ENCODE_ANY);

		ladder_buf_addf(out, ", \"detail\": %s", t ? t : "\"\"");
		free(t);
		json_decref(s);
	}
	return ladder_buf_addstr(out, "}\n");
}

/* Adds the new version's blobs to the store (hard links). */
static void
ingest_blobs(struct ladder_agent *a, const char *staging, const struct ladder_manifest *m)
{
	int store = openat(a->root_fd, "blobs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int src = openat(a->root_fd, staging, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int blobs = src >= 0 ? openat(src, "blobs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;

	for (size_t i = 0; store >= 0 && blobs >= 0 && i < m->n_files; i++)
		linkat(blobs, m->files[i].sha256, store, m->files[i].sha256, 0);
	if (store >= 0) {
		fsync(store);
		close(store);
	}
	if (blobs >= 0)
		close(blobs);
	if (src >= 0)
		close(src);
}

static int
install_locked(struct ladder_agent *a, const char *bundle_path, struct ladder_buf *result,
    struct ladder_err *err)
{
	struct ladder_manifest m, cur_m;
	struct ladder_bundle_policy policy = { 0 };
	long long cur = link_epoch(a, "current"), prev = link_epoch(a, "previous");
	char staging[64], version[64], store[4200], staging_path[4200];
	bool reverted;
	int rc;

	if ((rc = ladder_bundle_read_manifest(bundle_path, a->cfg.trust, &m, err)) != 0)
		return rc;
	policy.node = a->cfg.node;
	policy.now = (int64_t)time(NULL);
	policy.arch = a->arch;
	policy.max_bytes = a->cfg.max_bundle_bytes;
	if ((rc = ladder_manifest_check(&m, &policy, err)) != 0)
		goto out;
	if ((long long)m.epoch < cur) {
		rc = ladder_errf(err, LADDER_ESECURITY,
		    "bundle rejected: epoch %llu is older than the active epoch %lld (no rollback by deploy)",
		    (unsigned long long)m.epoch, cur);
		goto out;
	}
	if ((long long)m.epoch == cur) {
		bool same = load_version(a, cur, false, &cur_m, NULL) == 0 &&
		    strcmp(cur_m.sha256, m.sha256) == 0;

		if (same)
			ladder_manifest_release(&cur_m);
		result_json(result, "unchanged", cur, cur, same ? NULL :
		    "a different bundle with the active epoch: ignored (equal epoch is a no-op)");
		goto out;
	}
	agent_crash_point(a);
	snprintf(staging, sizeof staging, "staging/%llu", (unsigned long long)m.epoch);
	snprintf(staging_path, sizeof staging_path, "%s/%s", a->root, staging);
	snprintf(store, sizeof store, "%s/blobs", a->root);
	remove_tree_at(a->root_fd, staging);
	if (mkdirat(a->root_fd, staging, 0755) != 0) {
		rc = ladder_errf(err, LADDER_EIO, "cannot create '%s': %s", staging_path, strerror(errno));
		goto out;
	}
	if ((rc = ladder_bundle_extract(bundle_path, &m, &policy, staging_path, store, err)) != 0) {
		remove_tree_at(a->root_fd, staging);
		goto out;
	}
	agent_crash_point(a);
	ingest_blobs(a, staging, &m);
	agent_crash_point(a);
	/* An older copy of this epoch (rolled back from earlier) makes way. */
	snprintf(version, sizeof version, "versions/%llu", (unsigned long long)m.epoch);
	if (prev == (long long)m.epoch) {
		switch_link(a, "previous", -1, NULL);
		prev = -1;
	}
	remove_tree_at(a->root_fd, version);
	if (renameat(a->root_fd, staging, a->root_fd, version) != 0) {
		rc = ladder_errf(err, LADDER_EIO, "cannot move '%s' into place: %s", staging_path,
		    strerror(errno));
		goto out;
	}
	fsync_dir_at(a->root_fd, "versions");
	agent_crash_point(a);
	if ((rc = write_journal(a, "activate", cur, (long long)m.epoch, prev, err)) != 0)
		goto out;
	agent_crash_point(a);
	if ((rc = switch_link(a, "current", (long long)m.epoch, err)) != 0)
		goto out;
	agent_crash_point(a);
	if ((rc = finish_activation(a, cur, (long long)m.epoch, prev, &reverted, err)) != 0)
		goto out;
	agent_logf(a, "epoch %llu %s", (unsigned long long)m.epoch, reverted ? "reverted" : "active");
	result_json(result, reverted ? "reverted" : "installed", cur, (long long)m.epoch,
	    reverted ? a->health_detail : NULL);
out:
	ladder_manifest_release(&m);
	return rc;
}

int
ladder_agent_install(struct ladder_agent *a, const char *bundle_path, struct ladder_buf *result,
    struct ladder_err *err)
{
	int rc;

	pthread_mutex_lock(&a->lock);
	rc = install_locked(a, bundle_path, result, err);
	if (rc != 0) {
		add_event(a, "rejected", link_epoch(a, "current"), -1, err ? err->msg : NULL);
		save_state(a);
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

int
ladder_agent_rollback(struct ladder_agent *a, struct ladder_buf *result, struct ladder_err *err)
{
	long long cur, prev;
	int rc;

	pthread_mutex_lock(&a->lock);
	cur = link_epoch(a, "current");
	prev = link_epoch(a, "previous");
	if (prev < 0) {
		rc = ladder_errf(err, LADDER_ENOTFOUND, "cannot roll back: no previous version");
		goto out;
	}
	if ((rc = write_journal(a, "rollback", cur, prev, prev, err)) != 0)
		goto out;
	agent_crash_point(a);
	if ((rc = switch_link(a, "current", prev, err)) != 0 ||
	    (rc = switch_link(a, "previous", cur, err)) != 0)
		goto out;
	add_event(a, "rollback", cur, prev, NULL);
	save_state(a);
	remove_journal(a);
	agent_logf(a, "rolled back from epoch %lld to %lld", cur, prev);
	result_json(result, "rolled-back", cur, prev, NULL);
out:
	pthread_mutex_unlock(&a->lock);
	return rc;
}

static json_t *
version_json(struct ladder_agent *a, long long epoch)
{
	struct ladder_manifest m;
	char created[32], expires[32], path[64];
	json_t *v;

	if (epoch < 0 || load_version(a, epoch, false, &m, NULL) != 0)
		return json_null();
	ladder_utc_iso8601(m.created, created);
	ladder_utc_iso8601(m.expires, expires);
	snprintf(path, sizeof path, "versions/%lld", epoch);
	v = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "epoch", (json_int_t)epoch,
	    "manifest_sha256", m.sha256, "key", m.key_id, "created", created, "expires", expires,
	    "path", path, "files", (json_int_t)m.n_files, "bytes", (json_int_t)m.total_bytes);
	ladder_manifest_release(&m);
	return v;
}

int
ladder_agent_status(struct ladder_agent *a, struct ladder_buf *out, struct ladder_err *err)
{
	json_t *s = json_object(), *active;
	char *text;
	long long cur = link_epoch(a, "current");

	json_object_set_new(s, "schema", json_string(LADDER_AGENT_STATUS_SCHEMA));
	json_object_set_new(s, "node", json_string(a->cfg.node));
	json_object_set_new(s, "epoch", cur >= 0 ? json_integer(cur) : json_null());
	active = version_json(a, cur);
	if (json_is_object(active))
		json_object_set_new(active, "intact", json_boolean(a->current_intact));
	json_object_set_new(s, "active", active);
	json_object_set_new(s, "previous", version_json(a, link_epoch(a, "previous")));
	json_object_set_new(s, "health", json_pack("{s:s, s:s, s:s?}", "state", a->health, "detail",
	    a->health_detail, "command", a->cfg.health_cmd));
	json_object_set(s, "history", a->history);
	text = json_dumps(s, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(s);
	if (text == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "cannot encode status: out of memory");
	ladder_buf_addstr(out, text);
	ladder_buf_addstr(out, "\n");
	free(text);
	return out->failed ? ladder_errf(err, LADDER_ENOMEM, "cannot encode status: out of memory") : 0;
}

int
agent_blobs_json(struct ladder_agent *a, struct ladder_buf *out, struct ladder_err *err)
{
	int fd = openat(a->root_fd, "blobs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	json_t *list = json_array(), *s;
	char *text;

	if (d == NULL && fd >= 0)
		close(fd);
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strlen(de->d_name) == 64 && de->d_name[0] != '.')
			json_array_append_new(list, json_string(de->d_name));
	}
	if (d != NULL)
		closedir(d);
	s = json_pack("{s:s, s:o}", "schema", "ladder.agent-blobs/1", "blobs", list);
	text = json_dumps(s, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(s);
	if (text == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	ladder_buf_addstr(out, text);
	ladder_buf_addstr(out, "\n");
	free(text);
	return 0;
}

void
agent_scan_inbox(struct ladder_agent *a)
{
	int fd = openat(a->root_fd, "inbox", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char path[4400];
		struct ladder_err err = { 0 };
		struct ladder_buf res;
		size_t n = strlen(de->d_name);

		if (de->d_name[0] == '.' || !((n > 4 && strcmp(de->d_name + n - 4, ".tar") == 0) ||
		    (n > 8 && strcmp(de->d_name + n - 8, ".tar.zst") == 0)))
			continue;
		snprintf(path, sizeof path, "%s/inbox/%s", a->root, de->d_name);
		ladder_buf_init(&res);
		if (ladder_agent_install(a, path, &res, &err) != 0)
			agent_logf(a, "inbox '%s': %s", de->d_name, err.msg);
		else
			agent_logf(a, "inbox '%s': %s", de->d_name, res.data ? res.data : "");
		ladder_buf_release(&res);
		unlinkat(fd, de->d_name, 0);
	}
	closedir(d);
}
