/*
 * server.c: the agent's HTTP(S) interface on libmicrohttpd.
 *
 *	GET  /status		status document (ladder.agent-status/1)
 *	GET  /blobs		sha256 of every blob the node holds (deploy skips those)
 *	GET  /uploads/ID	{"offset": N}: how much of upload ID (sha256 of the bytes) arrived
 *	PUT  /uploads/ID?offset=N&total=T	appends; when T bytes are there, verifies and installs
 *	POST /rollback		back to the previous version
 * State-changing requests need "Authorization: Bearer TOKEN" when a token is set.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent-int.h"
#include "ladder-agent.h"
#include "util/banned.h"

enum req_kind { REQ_NONE, REQ_UPLOAD };

struct request {
	enum req_kind kind;
	int fd;
	char id[LADDER_SHA256_HEX];
	uint64_t offset;	/* next byte to write */
	uint64_t total;
	unsigned error_status;	/* set when the body is to be discarded */
	char error[LADDER_ERR_MAX];
};

static enum MHD_Result
respond(struct MHD_Connection *c, unsigned status, const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
	    MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
respond_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	json_t *j = json_pack("{s:s}", "error", msg);
	char *t = json_dumps(j, JSON_PRESERVE_ORDER);
	enum MHD_Result ret;

	json_decref(j);
	ret = respond(c, status, t ? t : "{\"error\": \"out of memory\"}");
	free(t);
	return ret;
}

static unsigned
status_for(int code)
{
	switch (code) {
	case LADDER_ESECURITY:
	case LADDER_EFORMAT:
	case LADDER_EUNSUPPORTED:
		return 422;
	case LADDER_ENOTFOUND:
		return MHD_HTTP_CONFLICT;
	case LADDER_EINVAL:
		return MHD_HTTP_BAD_REQUEST;
	default:
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

static bool
authorized(struct ladder_agent *a, struct MHD_Connection *c)
{
	const char *h;
	size_t n;

	if (a->cfg.token == NULL)
		return true;
	h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (h == NULL || strncmp(h, "Bearer ", 7) != 0)
		return false;
	h += 7;
	n = strlen(a->cfg.token);
	return strlen(h) == n && sodium_memcmp(h, a->cfg.token, n) == 0;
}

static bool
valid_id(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (int i = 0; i < 64; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

static bool
parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

static void
part_path(struct ladder_agent *a, const char *id, char *out, size_t size)
{
	snprintf(out, size, "%s/uploads/%s.part", a->root, id);
}

static uint64_t
part_size(struct ladder_agent *a, const char *id)
{
	char path[4200];
	struct stat st;

	part_path(a, id, path, sizeof path);
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	return (uint64_t)st.st_size;
}

static enum MHD_Result
respond_offset(struct MHD_Connection *c, unsigned status, uint64_t offset)
{
	char body[64];

	snprintf(body, sizeof body, "{\"offset\": %llu}\n", (unsigned long long)offset);
	return respond(c, status, body);
}

/* Starts or continues an upload: checks, then opens the .part file at the offset. */
static enum MHD_Result
upload_begin(struct ladder_agent *a, struct MHD_Connection *c, struct request *r, const char *id)
{
	const char *off = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "offset");
	const char *tot = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "total");
	uint64_t max = a->cfg.max_bundle_bytes ? a->cfg.max_bundle_bytes : (uint64_t)4 << 30;
	uint64_t have, need;
	struct statvfs vfs;
	char path[4200];
	struct stat st;

	if (!parse_u64(off, &r->offset) || !parse_u64(tot, &r->total) || r->offset > r->total)
		return respond_error(c, MHD_HTTP_BAD_REQUEST, "upload needs ?offset=N&total=T");
	if (r->total > max) {
		char msg[128];

		snprintf(msg, sizeof msg, "bundle of %llu bytes exceeds the limit of %llu",
		    (unsigned long long)r->total, (unsigned long long)max);
		return respond_error(c, MHD_HTTP_CONTENT_TOO_LARGE, msg);
	}
	have = part_size(a, id);
	if (have != r->offset)
		return respond_offset(c, MHD_HTTP_CONFLICT, have);
	/* Room for the rest of the upload and for the extracted copy. */
	need = (r->total - have) + r->total + (1u << 20);
	if (statvfs(a->root, &vfs) == 0 && (uint64_t)vfs.f_bavail * vfs.f_frsize < need)
		return respond_error(c, MHD_HTTP_INSUFFICIENT_STORAGE, "not enough free space");
	if (r->offset == 0) {
		/* One upload at a time: a new one clears stale partial uploads. */
		int dfd = openat(a->root_fd, "uploads", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
		struct dirent *de;

		while (d != NULL && (de = readdir(d)) != NULL) {
			if (de->d_name[0] != '.' && strncmp(de->d_name, id, 64) != 0)
				unlinkat(dfd, de->d_name, 0);
		}
		if (d != NULL)
			closedir(d);
		else if (dfd >= 0)
			close(dfd);
	}
	part_path(a, id, path, sizeof path);
	r->fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (r->fd < 0 || fstat(r->fd, &st) != 0 || (uint64_t)st.st_size != r->offset) {
		if (r->fd >= 0)
			close(r->fd);
		r->fd = -1;
		return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot open upload file");
	}
	snprintf(r->id, sizeof r->id, "%s", id);
	r->kind = REQ_UPLOAD;
	return MHD_YES;
}

/* All bytes arrived: check the whole upload's hash, then install. */
static enum MHD_Result
upload_finish(struct ladder_agent *a, struct MHD_Connection *c, struct request *r)
{
	char path[4200], hex[LADDER_SHA256_HEX];
	struct ladder_err err = { 0 };
	struct ladder_buf res;
	enum MHD_Result ret;

	if (r->error_status != 0)
		return respond_error(c, r->error_status, r->error);
	if (r->offset < r->total)
		return respond_offset(c, MHD_HTTP_ACCEPTED, r->offset);
	if (fsync(r->fd) != 0)
		return respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot sync upload");
	close(r->fd);
	r->fd = -1;
	part_path(a, r->id, path, sizeof path);
	if (ladder_sha256_file(path, hex, &err) != 0 || strcmp(hex, r->id) != 0) {
		unlink(path);
		return respond_error(c, MHD_HTTP_BAD_REQUEST,
		    "upload damaged: its sha256 differs from its id (start again)");
	}
	ladder_buf_init(&res);
	if (ladder_agent_install(a, path, &res, &err) != 0) {
		agent_logf(a, "upload %.12s rejected: %s", r->id, err.msg);
		unlink(path);
		ladder_buf_release(&res);
		return respond_error(c, status_for(err.code), err.msg);
	}
	unlink(path);
	if (res.len > 0 && res.data[res.len - 1] == '\n')
		res.data[--res.len] = '\0';
	agent_logf(a, "upload %.12s: %s", r->id, res.data ? res.data : "");
	ret = respond(c, MHD_HTTP_OK, res.data ? res.data : "{}");
	ladder_buf_release(&res);
	return ret;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct ladder_agent *a = cls;
	struct request *r = *con_cls;
	struct ladder_err err = { 0 };
	struct ladder_buf out;
	enum MHD_Result ret;

	if (r == NULL) {
		r = calloc(1, sizeof *r);
		if (r == NULL)
			return MHD_NO;
		r->fd = -1;
		*con_cls = r;
		if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
			ladder_buf_init(&out);
			if (strcmp(url, "/status") == 0) {
				pthread_mutex_lock(&a->lock);
				ladder_agent_status(a, &out, &err);
				pthread_mutex_unlock(&a->lock);
			} else if (strcmp(url, "/blobs") == 0) {
				agent_blobs_json(a, &out, &err);
			} else if (strncmp(url, "/uploads/", 9) == 0 && valid_id(url + 9)) {
				ladder_buf_release(&out);
				return respond_offset(c, MHD_HTTP_OK, part_size(a, url + 9));
			} else {
				ladder_buf_release(&out);
				return respond_error(c, MHD_HTTP_NOT_FOUND, "no such resource");
			}
			ret = out.failed || out.data == NULL ?
			    respond_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, err.msg) :
			    respond(c, MHD_HTTP_OK, out.data);
			ladder_buf_release(&out);
			return ret;
		}
		if (strcmp(method, "PUT") != 0 && strcmp(method, "POST") != 0)
			return respond_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
		if (!authorized(a, c))
			return respond_error(c, MHD_HTTP_UNAUTHORIZED, "missing or wrong bearer token");
		if (strcmp(method, "POST") == 0 && strcmp(url, "/rollback") == 0) {
			ladder_buf_init(&out);
			if (ladder_agent_rollback(a, &out, &err) != 0)
				ret = respond_error(c, status_for(err.code), err.msg);
			else
				ret = respond(c, MHD_HTTP_OK, out.data);
			ladder_buf_release(&out);
			return ret;
		}
		if (strcmp(method, "PUT") == 0 && strncmp(url, "/uploads/", 9) == 0 && valid_id(url + 9))
			return upload_begin(a, c, r, url + 9);
		return respond_error(c, MHD_HTTP_NOT_FOUND, "no such resource");
	}
	if (r->kind != REQ_UPLOAD) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (r->error_status != 0)
			return MHD_YES;
		if (r->offset + n > r->total) {
			r->error_status = MHD_HTTP_BAD_REQUEST;
			snprintf(r->error, sizeof r->error, "more bytes than the announced total");
			return MHD_YES;
		}
		/* Test hook: drop the connection once, mid-upload, at a fixed offset. */
		if (a->cut_after > 0 && !a->cut_done && r->offset + n > (uint64_t)a->cut_after) {
			size_t keep = (uint64_t)a->cut_after > r->offset ?
			    (size_t)((uint64_t)a->cut_after - r->offset) : 0;

			if (keep > 0 && pwrite(r->fd, upload_data, keep, (off_t)r->offset) == (ssize_t)keep)
				r->offset += keep;
			a->cut_done = true;
			agent_logf(a, "test hook: cutting the upload at byte %llu",
			    (unsigned long long)r->offset);
			return MHD_NO;
		}
		if (pwrite(r->fd, upload_data, n, (off_t)r->offset) != (ssize_t)n) {
			r->error_status = MHD_HTTP_INSUFFICIENT_STORAGE;
			snprintf(r->error, sizeof r->error, "cannot write upload: %s", strerror(errno));
			return MHD_YES;
		}
		r->offset += n;
		return MHD_YES;
	}
	return upload_finish(a, c, r);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct request *r = *con_cls;

	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r);
	*con_cls = NULL;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct ladder_agent *a = cls;
	char line[512];
	size_t n;

	vsnprintf(line, sizeof line, fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	agent_logf(a, "http: %s", line);
}

/* Binds ADDR ("host:port", ":port", "[v6]:port"); returns the socket or -1. */
static int
bind_listen(const char *addr, unsigned *port_out, struct ladder_err *err)
{
	char host[256], port[16];
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int fd = -1, one = 1, g;
	size_t hl;

	if (colon == NULL || strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof port) {
		ladder_errf(err, LADDER_EINVAL, "cannot listen on '%s': give HOST:PORT", addr);
		return -1;
	}
	hl = (size_t)(colon - addr);
	if (hl >= 2 && addr[0] == '[' && addr[hl - 1] == ']') {
		addr++;
		hl -= 2;
	}
	if (hl >= sizeof host) {
		ladder_errf(err, LADDER_EINVAL, "cannot listen on '%s': host too long", addr);
		return -1;
	}
	memcpy(host, addr, hl);
	host[hl] = '\0';
	snprintf(port, sizeof port, "%s", colon + 1);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((g = getaddrinfo(hl ? host : NULL, port, &hints, &res)) != 0) {
		ladder_errf(err, LADDER_EINVAL, "cannot listen on '%s': %s", addr, gai_strerror(g));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		ladder_errf(err, LADDER_EIO, "cannot listen on '%s': %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	*port_out = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
	    ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

int
ladder_agent_serve(struct ladder_agent *a, volatile sig_atomic_t *stop, struct ladder_err *err)
{
	struct MHD_Daemon *d;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	unsigned port = 0;
	int fd;
	bool tls = a->cfg.tls_cert_pem != NULL && a->cfg.tls_key_pem != NULL;

	if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		return ladder_errf(err, LADDER_EUNSUPPORTED,
		    "cannot serve TLS: this libmicrohttpd was built without it");
	fd = bind_listen(a->cfg.listen ? a->cfg.listen : "127.0.0.1:7070", &port, err);
	if (fd < 0)
		return err ? err->code : LADDER_EIO;
	if (tls)
		flags |= MHD_USE_TLS;
	d = MHD_start_daemon(flags, 0, NULL, NULL, handle, a,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, a,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(a->cfg.timeout_s ? a->cfg.timeout_s : 30),
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)(a->cfg.max_connections ? a->cfg.max_connections : 32),
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)16,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
	    MHD_OPTION_NOTIFY_COMPLETED, completed, a,
	    tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, a->cfg.tls_cert_pem,
	    MHD_OPTION_HTTPS_MEM_KEY, a->cfg.tls_key_pem,
	    MHD_OPTION_END);
	if (d == NULL) {
		close(fd);
		return ladder_errf(err, LADDER_EIO, "cannot start the HTTP server on '%s'", a->cfg.listen);
	}
	if (a->cfg.port_file != NULL) {
		char text[32];
		int n = snprintf(text, sizeof text, "%u\n", port);

		if (ladder_write_file(a->cfg.port_file, text, (size_t)n, err) != 0) {
			MHD_stop_daemon(d);
			close(fd);
			return err ? err->code : LADDER_EIO;
		}
	}
	agent_logf(a, "node '%s' listening on port %u (%s), root '%s'", a->cfg.node, port,
	    tls ? "https" : "http", a->root);
	while (!*stop) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		agent_scan_inbox(a);
		for (int i = 0; i < 10 && !*stop; i++)
			nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(d);
	close(fd);
	agent_logf(a, "stopped");
	return 0;
}
