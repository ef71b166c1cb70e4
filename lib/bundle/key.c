/* key.c: Ed25519 key files for signing bundles (libsodium). */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ladder-bundle.h"
#include "util/banned.h"

#define SECRET_TAG "ladder-ed25519-secret "
#define PUBLIC_TAG "ladder-ed25519-public "

static void
key_set_id(struct ladder_key *key)
{
	char hex[LADDER_SHA256_HEX];

	ladder_sha256_hex(key->pk, sizeof key->pk, hex);
	memcpy(key->id, hex, 16);
	key->id[16] = '\0';
}

static int
unhex(const char *s, size_t n_bytes, uint8_t *out)
{
	size_t bin_len;

	if (sodium_hex2bin(out, n_bytes, s, 2 * n_bytes, NULL, &bin_len, NULL) != 0 ||
	    bin_len != n_bytes)
		return -1;
	return 0;
}

int
ladder_keygen(const char *secret_path, const char *public_path, struct ladder_err *err)
{
	struct ladder_key key;
	char line[256], hex[129];
	int fd, n;

	if (sodium_init() < 0)
		return ladder_errf(err, LADDER_EIO, "cannot initialise libsodium");
	crypto_sign_keypair(key.pk, key.sk);
	ladder_hex(key.sk, 64, hex);
	n = snprintf(line, sizeof line, SECRET_TAG "%s\n", hex);
	fd = open(secret_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return ladder_errf(err, LADDER_EIO, "cannot create '%s': %s", secret_path,
		    strerror(errno));
	if (write(fd, line, (size_t)n) != n || fsync(fd) != 0) {
		close(fd);
		unlink(secret_path);
		return ladder_errf(err, LADDER_EIO, "cannot write '%s': %s", secret_path,
		    strerror(errno));
	}
	close(fd);
	sodium_memzero(line, sizeof line);
	sodium_memzero(&key.sk, sizeof key.sk);
	ladder_hex(key.pk, 32, hex);
	n = snprintf(line, sizeof line, PUBLIC_TAG "%s\n", hex);
	if (ladder_write_file(public_path, line, (size_t)n, err) != 0) {
		unlink(secret_path);
		return err ? err->code : LADDER_EIO;
	}
	return 0;
}

static int
key_read(const char *path, struct ladder_key *key, bool want_secret, struct ladder_err *err)
{
	char *data = NULL;
	size_t len, tag;
	int rc = 0;

	memset(key, 0, sizeof *key);
	if (ladder_read_file(path, 4096, &data, &len, err) != 0)
		return err ? err->code : LADDER_EIO;
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		data[--len] = '\0';
	tag = strlen(SECRET_TAG);
	if (len == tag + 128 && strncmp(data, SECRET_TAG, tag) == 0) {
		if (unhex(data + tag, 64, key->sk) != 0) {
			rc = ladder_errf(err, LADDER_EFORMAT, "cannot read key '%s': bad hex", path);
			goto out;
		}
		memcpy(key->pk, key->sk + 32, 32);
		key->has_secret = true;
	} else if (len == tag + 64 && strncmp(data, PUBLIC_TAG, tag) == 0) {
		if (want_secret) {
			rc = ladder_errf(err, LADDER_EINVAL,
			    "cannot sign with '%s': it is a public key (give the secret key)", path);
			goto out;
		}
		if (unhex(data + tag, 32, key->pk) != 0) {
			rc = ladder_errf(err, LADDER_EFORMAT, "cannot read key '%s': bad hex", path);
			goto out;
		}
	} else {
		rc = ladder_errf(err, LADDER_EFORMAT,
		    "cannot read key '%s': not a ladder Ed25519 key (see ladder keygen)", path);
		goto out;
	}
	if (!want_secret) {
		sodium_memzero(key->sk, sizeof key->sk);
		key->has_secret = false;
	}
	key_set_id(key);
out:
	sodium_memzero(data, len);
	free(data);
	return rc;
}

int
ladder_key_load_secret(const char *path, struct ladder_key *key, struct ladder_err *err)
{
	return key_read(path, key, true, err);
}

int
ladder_key_load_public(const char *path, struct ladder_key *key, struct ladder_err *err)
{
	return key_read(path, key, false, err);
}
