/* hash.c: SHA-256 through libsodium, hex encoding, clocks. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ladder-util.h"
#include "util/banned.h"

void
ladder_hex(const uint8_t *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

void
ladder_sha256(const void *data, size_t len, uint8_t out[32])
{
	crypto_hash_sha256(out, data, len);
}

void
ladder_sha256_hex(const void *data, size_t len, char hex[LADDER_SHA256_HEX])
{
	uint8_t h[32];

	ladder_sha256(data, len, h);
	ladder_hex(h, sizeof h, hex);
}

int
ladder_sha256_file(const char *path, char hex[LADDER_SHA256_HEX], struct ladder_err *err)
{
	crypto_hash_sha256_state st;
	unsigned char block[65536];
	uint8_t h[32];
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ladder_errf(err, LADDER_EIO, "cannot open '%s': %s", path, strerror(errno));
	crypto_hash_sha256_init(&st);
	for (;;) {
		ssize_t n = read(fd, block, sizeof block);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return ladder_errf(err, LADDER_EIO, "cannot read '%s': %s", path, strerror(errno));
		}
		if (n == 0)
			break;
		crypto_hash_sha256_update(&st, block, (unsigned long long)n);
	}
	close(fd);
	crypto_hash_sha256_final(&st, h);
	ladder_hex(h, sizeof h, hex);
	return 0;
}

uint64_t
ladder_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
ladder_utc_iso8601(int64_t unix_seconds, char out[32])
{
	time_t t = (time_t)unix_seconds;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
