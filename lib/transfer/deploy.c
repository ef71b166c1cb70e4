/*
 * deploy.c: `ladder deploy` on the libcurl multi interface.  Each node
 * runs a small state machine (status, blobs, offset, upload); a wave of
 * nodes runs concurrently; waves go receivers first (cloud, edge-dc, hub,
 * device) and the rollout stops when too many nodes fail.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ladder-transfer.h"
#include "util/banned.h"

#define RESPONSE_MAX (1u << 20)

enum step { STEP_STATUS, STEP_BLOBS, STEP_OFFSET, STEP_PUT, STEP_DONE };

struct node_run {
	struct ladder_deploy_node *row;
	char bundle[4200];
	struct ladder_manifest m;
	bool have_manifest;
	enum step step;
	CURL *easy;
	struct curl_slist *headers;
	struct ladder_buf response;
	FILE *upload;
	char upload_path[4200];	/* the bundle, or a thin copy in a temporary file */
	bool upload_is_temp;
	char upload_id[LADDER_SHA256_HEX];
	uint64_t upload_size;
	uint64_t offset;
	char **have;		/* blobs the node holds */
	size_t n_have;
	uint64_t next_at_ns;
	bool permanent;		/* a failure no retry can fix */
};

struct deploy {
	const struct ladder_deploy_opts *opts;
	CURLM *multi;
	char auth[600];
};

static void
dlog(const struct deploy *d, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (d->opts->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	d->opts->log(d->opts->log_ctx, line);
}

static size_t
on_write(char *data, size_t size, size_t n, void *ctx)
{
	struct ladder_buf *b = ctx;

	if (b->len + size * n > RESPONSE_MAX)
		return 0;
	ladder_buf_add(b, data, size * n);
	return size * n;
}

static void
fail_node(struct node_run *r, bool permanent, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->row->error, sizeof r->row->error, fmt, ap);
	va_end(ap);
	r->permanent = permanent;
}

static void
finish(struct node_run *r, const char *state)
{
	snprintf(r->row->state, sizeof r->row->state, "%s", state);
	if (strcmp(state, "failed") != 0)
		r->row->error[0] = '\0';
	r->step = STEP_DONE;
}

static int
have_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
keep_blob(void *ctx, const char *sha)
{
	struct node_run *r = ctx;
	const char *key = sha;

	return bsearch(&key, r->have, r->n_have, sizeof *r->have, have_cmp) == NULL;
}

static void
free_have(struct node_run *r)
{
	for (size_t i = 0; i < r->n_have; i++)
		free(r->have[i]);
	free(r->have);
	r->have = NULL;
	r->n_have = 0;
}

/* Base URL of the agent without a trailing slash, plus path. */
static void
url_for(const struct node_run *r, const char *path, char *out, size_t size)
{
	size_t n = strlen(r->row->address);

	while (n > 0 && r->row->address[n - 1] == '/')
		n--;
	snprintf(out, size, "%.*s%s", (int)n, r->row->address, path);
}

static int
start_request(struct deploy *d, struct node_run *r)
{
	char url[1200];
	CURL *e = curl_easy_init();

	if (e == NULL)
		return -1;
	ladder_buf_release(&r->response);
	ladder_buf_init(&r->response);
	r->headers = curl_slist_append(NULL, "Expect:");
	if (d->auth[0])
		r->headers = curl_slist_append(r->headers, d->auth);
	switch (r->step) {
	case STEP_STATUS:
		url_for(r, "/status", url, sizeof url);
		break;
	case STEP_BLOBS:
		url_for(r, "/blobs", url, sizeof url);
		break;
	case STEP_OFFSET: {
		char path[128];

		snprintf(path, sizeof path, "/uploads/%s", r->upload_id);
		url_for(r, path, url, sizeof url);
		break;
	}
	case STEP_PUT: {
		char path[256];

		snprintf(path, sizeof path, "/uploads/%s?offset=%llu&total=%llu", r->upload_id,
		    (unsigned long long)r->offset, (unsigned long long)r->upload_size);
		url_for(r, path, url, sizeof url);
		r->upload = fopen(r->upload_path, "rb");
		if (r->upload == NULL || fseeko(r->upload, (off_t)r->offset, SEEK_SET) != 0) {
			curl_easy_cleanup(e);
			return -1;
		}
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READDATA, r->upload);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE,
		    (curl_off_t)(r->upload_size - r->offset));
		if (r->offset > r->row->resumed_from)
			r->row->resumed_from = r->offset;
		break;
	}
	case STEP_DONE:
		curl_easy_cleanup(e);
		return -1;
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, d->opts->connect_timeout_s > 0 ?
	    d->opts->connect_timeout_s : 10L);
	/* Stall detection instead of one global timeout. */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, d->opts->stall_seconds > 0 ?
	    d->opts->stall_seconds : 60L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (d->opts->ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, d->opts->ca_file);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &r->response);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	r->easy = e;
	curl_multi_add_handle(d->multi, e);
	return 0;
}

static void
end_request(struct deploy *d, struct node_run *r)
{
	if (r->easy != NULL) {
		curl_multi_remove_handle(d->multi, r->easy);
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
	}
	curl_slist_free_all(r->headers);
	r->headers = NULL;
	if (r->upload != NULL) {
		fclose(r->upload);
		r->upload = NULL;
	}
}

/* Prepares what to upload: the bundle, or a thin copy without blobs the node has. */
static int
prepare_upload(struct deploy *d, struct node_run *r)
{
	struct ladder_err err = { 0 };
	uint64_t payload = 0;
	struct stat st;
	size_t skipped = 0;

	for (size_t i = 0; i < r->m.n_files; i++)
		skipped += !keep_blob(r, r->m.files[i].sha256);
	r->row->blobs_skipped = skipped;
	r->row->blobs_sent = r->m.n_files - skipped;
	if (skipped == 0) {
		snprintf(r->upload_path, sizeof r->upload_path, "%s", r->bundle);
		r->upload_is_temp = false;
	} else {
		const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
		int fd;

		snprintf(r->upload_path, sizeof r->upload_path, "%s/ladder-thin-%s.XXXXXX", tmpdir,
		    r->row->id);
		fd = mkstemp(r->upload_path);
		if (fd < 0) {
			fail_node(r, true, "cannot create a temporary file: %s", strerror(errno));
			return -1;
		}
		close(fd);
		r->upload_is_temp = true;
		if (ladder_bundle_thin(r->bundle, r->upload_path, keep_blob, r, &payload, &err) != 0) {
			fail_node(r, true, "%s", err.msg);
			return -1;
		}
	}
	if (stat(r->upload_path, &st) != 0 ||
	    ladder_sha256_file(r->upload_path, r->upload_id, &err) != 0) {
		fail_node(r, true, "cannot read '%s'", r->upload_path);
		return -1;
	}
	r->upload_size = (uint64_t)st.st_size;
	r->row->upload_bytes = r->upload_size;
	dlog(d, "%s: uploading %llu bytes (%zu blobs, %zu already there)", r->row->id,
	    (unsigned long long)r->upload_size, r->row->blobs_sent, skipped);
	return 0;
}

static long long
json_epoch(json_t *j)
{
	json_t *e = json_object_get(j, "epoch");

	return json_is_integer(e) ? (long long)json_integer_value(e) : -1;
}

/* A request ended: advance the node's state machine.  Returns -1 to retry later. */
static int
on_done(struct deploy *d, struct node_run *r, CURLcode cc)
{
	long http = 0;
	curl_off_t up = 0;
	json_t *j = NULL;
	int rc = 0;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &http);
	curl_easy_getinfo(r->easy, CURLINFO_SIZE_UPLOAD_T, &up);
	if (r->step == STEP_PUT && up > 0)
		r->row->bytes_sent += (uint64_t)up;
	if (cc != CURLE_OK) {
		fail_node(r, false, "%s: %s", r->row->address, curl_easy_strerror(cc));
		end_request(d, r);
		return -1;
	}
	if (r->response.data != NULL)
		j = json_loadb(r->response.data, r->response.len, 0, NULL);
	end_request(d, r);
	if (http >= 500 || http == 0) {
		fail_node(r, false, "agent answered %ld: %s", http,
		    json_string_value(json_object_get(j, "error")) ?
		    json_string_value(json_object_get(j, "error")) : "server error");
		rc = -1;
		goto out;
	}
	switch (r->step) {
	case STEP_STATUS: {
		json_t *active = json_object_get(j, "active");
		const char *sha = json_string_value(json_object_get(active, "manifest_sha256"));
		long long epoch = json_epoch(j);

		if (http != 200 || !json_is_object(j)) {
			fail_node(r, true, "GET /status answered %ld", http);
			rc = -1;
			break;
		}
		if (r->row->attempts <= 1)
			r->row->epoch_before = epoch;
		r->row->epoch_after = epoch;
		if (epoch == (long long)r->m.epoch && sha != NULL && strcmp(sha, r->m.sha256) == 0) {
			finish(r, r->row->bytes_sent > 0 ? "installed" : "unchanged");
		} else if (epoch > (long long)r->m.epoch) {
			fail_node(r, true, "node is at epoch %lld, newer than the bundle's %llu", epoch,
			    (unsigned long long)r->m.epoch);
			rc = -1;
		} else if (epoch == (long long)r->m.epoch) {
			fail_node(r, true, "node runs a different bundle with the same epoch %lld", epoch);
			rc = -1;
		} else {
			/* A retry keeps the upload it prepared, so it resumes at its offset. */
			r->step = r->upload_id[0] ? STEP_OFFSET : STEP_BLOBS;
		}
		break;
	}
	case STEP_BLOBS: {
		json_t *list = json_object_get(j, "blobs"), *v;
		size_t i;

		if (http != 200 || !json_is_array(list)) {
			fail_node(r, true, "GET /blobs answered %ld", http);
			rc = -1;
			break;
		}
		free_have(r);
		r->have = calloc(json_array_size(list) + 1, sizeof *r->have);
		json_array_foreach(list, i, v) {
			if (r->have != NULL && json_is_string(v))
				r->have[r->n_have++] = strdup(json_string_value(v));
		}
		for (i = 0; i < r->n_have; i++) {
			if (r->have[i] == NULL) {
				free_have(r);
				break;
			}
		}
		if (r->n_have > 0)
			qsort(r->have, r->n_have, sizeof *r->have, have_cmp);
		if (prepare_upload(d, r) != 0) {
			rc = -1;
			break;
		}
		r->step = STEP_OFFSET;
		break;
	}
	case STEP_OFFSET:
		if (http != 200 || !json_is_integer(json_object_get(j, "offset"))) {
			fail_node(r, false, "GET /uploads answered %ld", http);
			rc = -1;
			break;
		}
		r->offset = (uint64_t)json_integer_value(json_object_get(j, "offset"));
		if (r->offset > r->upload_size)
			r->offset = 0;
		r->step = STEP_PUT;
		break;
	case STEP_PUT: {
		const char *result = json_string_value(json_object_get(j, "result"));

		if (http == 409 && json_is_integer(json_object_get(j, "offset"))) {
			r->step = STEP_OFFSET;
			break;
		}
		if (http == 202) {
			r->step = STEP_OFFSET;
			break;
		}
		if (http != 200 || result == NULL) {
			fail_node(r, http != 408 && http != 429, "upload refused (%ld): %s", http,
			    json_string_value(json_object_get(j, "error")) ?
			    json_string_value(json_object_get(j, "error")) : "no reason given");
			rc = -1;
			break;
		}
		r->row->epoch_after = json_is_integer(json_object_get(j, "to")) ?
		    (long long)json_integer_value(json_object_get(j, "to")) : r->row->epoch_after;
		if (strcmp(result, "reverted") == 0) {
			r->row->epoch_after = json_is_integer(json_object_get(j, "from")) ?
			    (long long)json_integer_value(json_object_get(j, "from")) : -1;
			fail_node(r, true, "health check failed, node reverted: %s",
			    json_string_value(json_object_get(j, "detail")) ?
			    json_string_value(json_object_get(j, "detail")) : "");
			finish(r, "reverted");
			snprintf(r->row->error, sizeof r->row->error, "health check failed, node reverted");
		} else {
			finish(r, strcmp(result, "unchanged") == 0 && r->row->bytes_sent == 0 ?
			    "unchanged" : "installed");
		}
		break;
	}
	case STEP_DONE:
		break;
	}
out:
	json_decref(j);
	return rc;
}

static uint64_t
backoff_ns(const struct deploy *d, int attempt)
{
	long base = d->opts->backoff_ms > 0 ? d->opts->backoff_ms : 250;
	double ms = (double)base;

	for (int i = 1; i < attempt && ms < 10000; i++)
		ms *= 2;
	if (ms > 10000)
		ms = 10000;
	/* Full jitter on the upper half: spreads a fleet's retries apart. */
	ms = ms / 2 + (ms / 2) * ((double)rand() / RAND_MAX);
	return (uint64_t)(ms * 1e6);
}

/* file:// : drop the bundle into the agent root's inbox under a fresh name, then rename. */
static void
deploy_file(struct deploy *d, struct node_run *r)
{
	const char *root = r->row->address + 7;
	char path[4400], tmp[4400], *status = NULL;
	size_t len;
	json_t *j;
	struct ladder_err err = { 0 };
	char *data = NULL;
	const char *ext = strstr(r->bundle, ".tar.zst") ? ".tar.zst" : ".tar";

	r->row->attempts = 1;
	snprintf(path, sizeof path, "%s/status.json", root);
	if (ladder_read_file(path, 1 << 20, &status, &len, NULL) == 0) {
		j = json_loadb(status, len, 0, NULL);
		free(status);
		r->row->epoch_before = r->row->epoch_after = json_epoch(j);
		if (json_epoch(j) == (long long)r->m.epoch &&
		    json_string_value(json_object_get(json_object_get(j, "active"), "manifest_sha256")) &&
		    strcmp(json_string_value(json_object_get(json_object_get(j, "active"),
		    "manifest_sha256")), r->m.sha256) == 0) {
			json_decref(j);
			finish(r, "unchanged");
			return;
		}
		json_decref(j);
	}
	snprintf(tmp, sizeof tmp, "%s/inbox/.%s.%ld.part", root, r->row->id, (long)getpid());
	snprintf(path, sizeof path, "%s/inbox/%s-%llu%s", root, r->row->id,
	    (unsigned long long)r->m.epoch, ext);
	if (ladder_read_file(r->bundle, 0, &data, &len, &err) != 0 ||
	    ladder_write_file(tmp, data, len, &err) != 0 || rename(tmp, path) != 0) {
		fail_node(r, true, "%s", err.msg[0] ? err.msg : strerror(errno));
		unlink(tmp);
		free(data);
		finish(r, "failed");
		return;
	}
	free(data);
	r->row->bytes_sent = len;
	r->row->upload_bytes = len;
	r->row->blobs_sent = r->m.n_files;
	dlog(d, "%s: queued %s for the agent", r->row->id, path);
	finish(r, "queued");
}

/* sftp:// : upload under a fresh name, then rename into the inbox (the agent activates). */
static void
deploy_sftp(struct deploy *d, struct node_run *r)
{
	char url[1200], from[600], to[600], cmd[1300];
	const char *ext = strstr(r->bundle, ".tar.zst") ? ".tar.zst" : ".tar";
	const char *path = strchr(r->row->address + 7, '/');
	struct curl_slist *post = NULL;
	FILE *f;
	CURL *e;
	CURLcode cc;
	curl_off_t up = 0;

	curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	bool have_sftp = false;

	for (const char *const *p = v->protocols; p && *p; p++)
		have_sftp |= strcmp(*p, "sftp") == 0;
	if (!have_sftp || path == NULL) {
		fail_node(r, true, have_sftp ? "sftp address needs a path to the agent root" :
		    "this libcurl has no sftp");
		finish(r, "failed");
		return;
	}
	for (int attempt = 1; attempt <= d->opts->retries + 1; attempt++) {
		r->row->attempts = attempt;
		snprintf(from, sizeof from, "%s/inbox/.%s.%ld.part", path, r->row->id, (long)getpid());
		snprintf(to, sizeof to, "%s/inbox/%s-%llu%s", path, r->row->id,
		    (unsigned long long)r->m.epoch, ext);
		snprintf(url, sizeof url, "%.*s%s", (int)(path - r->row->address), r->row->address, from);
		snprintf(cmd, sizeof cmd, "rename \"%s\" \"%s\"", from, to);
		f = fopen(r->bundle, "rb");
		e = curl_easy_init();
		if (f == NULL || e == NULL) {
			if (f)
				fclose(f);
			curl_easy_cleanup(e);
			fail_node(r, true, "cannot read '%s'", r->bundle);
			break;
		}
		post = curl_slist_append(NULL, cmd);
		curl_easy_setopt(e, CURLOPT_URL, url);
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READDATA, f);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->row->bundle_bytes);
		curl_easy_setopt(e, CURLOPT_POSTQUOTE, post);
		curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, d->opts->stall_seconds > 0 ?
		    d->opts->stall_seconds : 60L);
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, d->opts->connect_timeout_s > 0 ?
		    d->opts->connect_timeout_s : 10L);
		cc = curl_easy_perform(e);
		curl_easy_getinfo(e, CURLINFO_SIZE_UPLOAD_T, &up);
		r->row->bytes_sent += (uint64_t)up;
		curl_easy_cleanup(e);
		curl_slist_free_all(post);
		fclose(f);
		if (cc == CURLE_OK) {
			r->row->upload_bytes = r->row->bundle_bytes;
			finish(r, "queued");
			return;
		}
		fail_node(r, false, "%s: %s", r->row->address, curl_easy_strerror(cc));
		if (attempt <= d->opts->retries) {
			uint64_t ns = backoff_ns(d, attempt);
			struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

			nanosleep(&ts, NULL);
		}
	}
	finish(r, "failed");
}

/* Runs one wave to the end: all its nodes concurrently. */
static void
run_wave(struct deploy *d, struct node_run *runs, size_t n)
{
	size_t left = 0;

	for (size_t i = 0; i < n; i++) {
		struct node_run *r = &runs[i];

		if (strncmp(r->row->address, "file://", 7) == 0)
			deploy_file(d, r);
		else if (strncmp(r->row->address, "sftp://", 7) == 0)
			deploy_sftp(d, r);
		else if (strncmp(r->row->address, "http://", 7) != 0 &&
		    strncmp(r->row->address, "https://", 8) != 0) {
			fail_node(r, true, "address '%s' is not http(s)://, sftp:// or file://",
			    r->row->address);
			finish(r, "failed");
		}
		if (r->step != STEP_DONE)
			left++;
	}
	while (left > 0) {
		uint64_t now = ladder_now_ns(), wait_ns = 1000000000u;
		int running, msgs;
		CURLMsg *msg;

		for (size_t i = 0; i < n; i++) {
			struct node_run *r = &runs[i];

			if (r->step == STEP_DONE || r->easy != NULL)
				continue;
			if (r->next_at_ns > now) {
				if (r->next_at_ns - now < wait_ns)
					wait_ns = r->next_at_ns - now;
				continue;
			}
			if (r->step == STEP_STATUS)
				r->row->attempts++;
			if (start_request(d, r) != 0) {
				fail_node(r, true, "cannot start a transfer to '%s'", r->row->address);
				finish(r, "failed");
				left--;
			}
		}
		if (left == 0)
			break;
		curl_multi_perform(d->multi, &running);
		curl_multi_poll(d->multi, NULL, 0, (int)(wait_ns / 1000000u) + 1, NULL);
		curl_multi_perform(d->multi, &running);
		while ((msg = curl_multi_info_read(d->multi, &msgs)) != NULL) {
			struct node_run *r;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
			if (on_done(d, r, msg->data.result) == 0) {
				if (r->step == STEP_DONE)
					left--;
				continue;
			}
			if (r->permanent || r->row->attempts > d->opts->retries) {
				finish(r, "failed");
				left--;
				dlog(d, "%s: failed: %s", r->row->id, r->row->error);
				continue;
			}
			dlog(d, "%s: attempt %d failed (%s), retrying", r->row->id, r->row->attempts,
			    r->row->error);
			/* Retry from the status query; an upload continues at its offset. */
			r->step = STEP_STATUS;
			r->next_at_ns = ladder_now_ns() + backoff_ns(d, r->row->attempts);
		}
	}
}

int
ladder_deploy(const struct ladder_deploy_opts *opts_in, struct ladder_deploy_node **out,
    size_t *n_out, struct ladder_err *err)
{
	struct ladder_deploy_opts opts = *opts_in;
	struct ladder_fleet_node *fleet = NULL;
	struct ladder_deploy_node *rows = NULL;
	struct node_run *runs = NULL;
	struct deploy d;
	size_t n = 0, done = 0, failed = 0, i;
	uint64_t epoch;
	bool stopped = false;
	int rc;

	if (opts.canary <= 0)
		opts.canary = 1;
	if (opts.retries < 0)
		opts.retries = 0;
	memset(&d, 0, sizeof d);
	d.opts = &opts;
	if ((rc = ladder_fleet_read(opts.plan_path, &fleet, &n, &epoch, err)) != 0)
		return rc;
	rows = calloc(n + 1, sizeof *rows);
	runs = calloc(n + 1, sizeof *runs);
	if (rows == NULL || runs == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "cannot deploy: out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct node_run *r = &runs[i];
		struct stat st;

		r->row = &rows[i];
		snprintf(rows[i].id, sizeof rows[i].id, "%s", fleet[i].id);
		snprintf(rows[i].tier, sizeof rows[i].tier, "%s", fleet[i].tier);
		snprintf(rows[i].address, sizeof rows[i].address, "%s", fleet[i].address);
		snprintf(rows[i].state, sizeof rows[i].state, "skipped");
		rows[i].epoch_before = rows[i].epoch_after = -1;
		ladder_buf_init(&r->response);
		snprintf(r->bundle, sizeof r->bundle, "%s/%s.tar", opts.bundles_dir, fleet[i].id);
		if (stat(r->bundle, &st) != 0)
			snprintf(r->bundle, sizeof r->bundle, "%s/%s.tar.zst", opts.bundles_dir, fleet[i].id);
		if (stat(r->bundle, &st) != 0) {
			rc = ladder_errf(err, LADDER_ENOTFOUND,
			    "no bundle for node '%s' in '%s' (run ladder pack)", fleet[i].id, opts.bundles_dir);
			goto out;
		}
		rows[i].bundle_bytes = (uint64_t)st.st_size;
		if ((rc = ladder_bundle_read_manifest(r->bundle, NULL, &r->m, err)) != 0)
			goto out;
		r->have_manifest = true;
		if (strcmp(r->m.node, fleet[i].id) != 0 || r->m.epoch != epoch) {
			rc = ladder_errf(err, LADDER_EINVAL,
			    "bundle '%s' is for node '%s' epoch %llu, the plan has '%s' epoch %llu "
			    "(run ladder pack again)", r->bundle, r->m.node, (unsigned long long)r->m.epoch,
			    fleet[i].id, (unsigned long long)epoch);
			goto out;
		}
		if (fleet[i].address[0] == '\0') {
			rc = ladder_errf(err, LADDER_EINVAL, "node '%s' has no address in '%s'", fleet[i].id,
			    opts.plan_path);
			goto out;
		}
	}
	if (opts.token != NULL)
		snprintf(d.auth, sizeof d.auth, "Authorization: Bearer %s", opts.token);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || (d.multi = curl_multi_init()) == NULL) {
		rc = ladder_errf(err, LADDER_EIO, "cannot initialise libcurl");
		goto out;
	}
	srand((unsigned)(ladder_now_ns() ^ (uint64_t)getpid()));
	/* Waves: the canary first, then wave_size at a time, never across a tier boundary. */
	i = 0;
	while (i < n && !stopped) {
		size_t limit = done == 0 ? (size_t)opts.canary :
		    opts.wave_size > 0 ? (size_t)opts.wave_size : n;
		size_t j = i + 1;

		while (j < n && j - i < limit && fleet[j].tier_rank == fleet[i].tier_rank)
			j++;
		dlog(&d, "wave of %zu node%s (%s)", j - i, j - i == 1 ? "" : "s", fleet[i].tier);
		run_wave(&d, &runs[i], j - i);
		for (size_t k = i; k < j; k++)
			failed += strcmp(rows[k].state, "failed") == 0 || strcmp(rows[k].state, "reverted") == 0;
		done += j - i;
		i = j;
		/* The budget is a share of the whole fleet, so a canary failure stops by default. */
		if (failed > 0 && (double)failed * 100.0 > opts.max_failures_pct * (double)n) {
			stopped = i < n;
			if (stopped)
				dlog(&d, "stopping: %zu of %zu nodes failed (more than %g%% of %zu)", failed,
				    done, opts.max_failures_pct, n);
		}
	}
	for (; i < n; i++)
		snprintf(rows[i].error, sizeof rows[i].error, "not attempted: rollout stopped");
	rc = 0;
	if (failed > 0)
		rc = ladder_errf(err, LADDER_ENET, "%zu of %zu nodes failed%s", failed, n,
		    stopped ? " (rollout stopped)" : "");
	*out = rows;
	*n_out = n;
	rows = NULL;
out:
	for (i = 0; runs != NULL && i < n; i++) {
		end_request(&d, &runs[i]);
		ladder_buf_release(&runs[i].response);
		if (runs[i].upload_is_temp)
			unlink(runs[i].upload_path);
		free_have(&runs[i]);
		if (runs[i].have_manifest)
			ladder_manifest_release(&runs[i].m);
	}
	if (d.multi != NULL)
		curl_multi_cleanup(d.multi);
	free(runs);
	free(rows);
	free(fleet);
	return rc;
}
