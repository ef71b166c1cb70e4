/* ladder-util.h: errors, byte buffers, files and hashes shared by all of libladder. */
#ifndef LADDER_UTIL_H
#define LADDER_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Status codes: library calls return 0 on success or one of these.
 */
enum {
	LADDER_OK = 0,
	LADDER_EINVAL = -1,	/* bad argument or bad input data */
	LADDER_ENOMEM = -2,	/* allocation failed or a size limit was hit */
	LADDER_EIO = -3,	/* the operating system refused (open, read, write) */
	LADDER_EFORMAT = -4,	/* a file is not what it claims to be */
	LADDER_EUNSUPPORTED = -5, /* valid but not supported (op, dtype, attribute) */
	LADDER_ENOTFOUND = -6,	/* a named thing does not exist */
	LADDER_EINFEASIBLE = -7, /* a plan or target cannot be met */
	LADDER_ESECURITY = -8,	/* signature, hash or policy check failed */
	LADDER_ENET = -9,	/* network or remote peer failure */
};

#define LADDER_ERR_MAX 512

/*
 * An error buffer: written only on failure, so calls can chain and the
 * first failure is what the user sees.  Messages are lowercase, no full
 * stop, subject quoted, cause last.
 */
struct ladder_err {
	int code;
	char msg[LADDER_ERR_MAX];
};

/* Sets err (if not NULL and not yet set) and returns code. */
int ladder_errf(struct ladder_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ladder_verrf(struct ladder_err *err, int code, const char *fmt, va_list ap);
/* Prefixes an existing message: "PREFIX: old message". Returns err->code. */
int ladder_err_prefix(struct ladder_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ladder_err_clear(struct ladder_err *err);
const char *ladder_strerror(int code);

const char *ladder_version(void);

/*
 * A growable byte buffer.  Always NUL-terminated after len, so text can be
 * used as a C string.  buf_init allocates nothing; buf_release frees.
 */
struct ladder_buf {
	char *data;
	size_t len;
	size_t cap;
	bool failed;	/* an allocation failed; further appends are no-ops */
};

void ladder_buf_init(struct ladder_buf *b);
void ladder_buf_release(struct ladder_buf *b);
int ladder_buf_reserve(struct ladder_buf *b, size_t extra);
int ladder_buf_add(struct ladder_buf *b, const void *data, size_t len);
int ladder_buf_addstr(struct ladder_buf *b, const char *s);
int ladder_buf_addf(struct ladder_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hands the data to the caller (free() it); the buffer is left empty. */
char *ladder_buf_detach(struct ladder_buf *b, size_t *len);

/*
 * Files.  ladder_read_file reads at most max_bytes (0: 4 GiB) into a new
 * NUL-terminated allocation the caller frees.
 */
int ladder_read_file(const char *path, size_t max_bytes, char **data, size_t *len,
    struct ladder_err *err);
/*
 * Writes atomically: a temporary file in the same directory, fsync, rename.
 * A device, FIFO or socket (/dev/null) is written in place instead.
 */
int ladder_write_file(const char *path, const void *data, size_t len,
    struct ladder_err *err);
/* Writes all of data to fd, retrying on EINTR; 0, or -1 (errno says why). */
int ladder_write_all(int fd, const void *data, size_t len);
/* mkdir -p; mode 0755. */
int ladder_mkdirs(const char *path, struct ladder_err *err);
/* Directory part of a path into out ("." when none). */
void ladder_path_dir(const char *path, char *out, size_t size);
/* Joins dir and name into out; fails if it does not fit. */
int ladder_path_join(char *out, size_t size, const char *dir, const char *name);

/* Overflow-checked size arithmetic: return false on overflow. */
static inline bool
ladder_mul_size(size_t a, size_t b, size_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

static inline bool
ladder_add_size(size_t a, size_t b, size_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}

/* SHA-256 (libsodium).  hex must hold 65 bytes. */
#define LADDER_SHA256_HEX 65
void ladder_sha256(const void *data, size_t len, uint8_t out[32]);
void ladder_sha256_hex(const void *data, size_t len, char hex[LADDER_SHA256_HEX]);
int ladder_sha256_file(const char *path, char hex[LADDER_SHA256_HEX], struct ladder_err *err);
void ladder_hex(const uint8_t *bytes, size_t n, char *out);

/* Wall-clock helpers: monotonic nanoseconds, and UTC ISO 8601 "2026-11-22T17:02:00Z". */
uint64_t ladder_now_ns(void);
void ladder_utc_iso8601(int64_t unix_seconds, char out[32]);

/*
 * Progress reporting: long library calls take an optional callback; the
 * library never prints.  total is 0 when unknown.
 */
struct ladder_progress {
	void (*fn)(void *ctx, const char *what, uint64_t done, uint64_t total);
	void *ctx;
};

static inline void
ladder_progress_report(const struct ladder_progress *p, const char *what, uint64_t done,
    uint64_t total)
{
	if (p != NULL && p->fn != NULL)
		p->fn(p->ctx, what, done, total);
}

#endif
