/*
 * ship-craft.c: writes hostile (and one good) bundles for the agent tests.
 * usage: ship-craft KIND SECRET-KEY OUT [NODE [EPOCH]]
 * KIND: ok traversal absolute symlink hardlink device fifo duplicate
 *       unlisted missing hash size bomb truncated badsig tampered node
 *       expired order badpath
 */
#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ladder.h"

static const char blob_a[] = "hostile test blob A\n";
static const char blob_b[] = "hostile test blob B\n";
static const char blob_x[] = "hostile test blob X\n";	/* same size as A, other bytes */

struct file {
	char path[300];
	char sha[65];
	unsigned long long size;
};

static void
die(const char *msg)
{
	fprintf(stderr, "ship-craft: %s\n", msg);
	exit(1);
}

static char *
manifest(const char *node, long long epoch, const char *expires, const struct file *files,
    int n, const struct ladder_key *key)
{
	json_t *m = json_object(), *fa = json_array();
	char *s;

	for (int i = 0; i < n; i++)
		json_array_append_new(fa, json_pack("{s:s, s:I, s:s}", "path", files[i].path, "size",
		    (json_int_t)files[i].size, "sha256", files[i].sha));
	json_object_set_new(m, "schema", json_string("ladder.bundle/1"));
	json_object_set_new(m, "node", json_string(node));
	json_object_set_new(m, "epoch", json_integer(epoch));
	json_object_set_new(m, "created", json_string("2026-01-01T00:00:00Z"));
	json_object_set_new(m, "expires", json_string(expires));
	json_object_set_new(m, "compatibility", json_pack("{s:s, s:i}", "arch", "any", "runtime_abi", 1));
	json_object_set_new(m, "key", json_string(key->id));
	json_object_set_new(m, "files", fa);
	json_object_set_new(m, "config", json_pack("{s:s, s:[], s:[]}", "tier", "hub", "rungs", "routes"));
	s = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(m);
	return s;
}

static void
sign(const struct ladder_key *key, const char *json, char *out, size_t size)
{
	unsigned char sig[64];
	char hex[129];

	crypto_sign_detached(sig, NULL, (const unsigned char *)json, strlen(json), key->sk);
	ladder_hex(sig, 64, hex);
	snprintf(out, size, "ed25519 %s %s\n", key->id, hex);
}

static void
entry(struct archive *a, const char *path, unsigned type, const void *data, size_t len,
    long long declared, const char *link)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_mtime(e, 0, 0);
	if (type == AE_IFLNK)
		archive_entry_set_symlink(e, link);
	if (type == AE_IFCHR)
		archive_entry_set_rdev(e, makedev(1, 3));
	if (link != NULL && type == AE_IFREG)
		archive_entry_set_hardlink(e, link);
	archive_entry_set_size(e, type == AE_IFREG && link == NULL ?
	    (declared >= 0 ? declared : (long long)len) : 0);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		die(archive_error_string(a));
	if (type == AE_IFREG && link == NULL && len > 0)
		archive_write_data(a, data, len);
	archive_entry_free(e);
}

static void
set_file(struct file *f, const void *data, size_t len)
{
	ladder_sha256_hex(data, len, f->sha);
	snprintf(f->path, sizeof f->path, "blobs/%s", f->sha);
	f->size = len;
}

int
main(int argc, char **argv)
{
	struct ladder_key key, other;
	struct ladder_err err = { 0 };
	const char *kind, *out, *node = "hub-1", *expires = "2126-01-01T00:00:00Z";
	long long epoch = 5;
	struct file files[2];
	int n_files = 1;
	struct archive *a;
	char sig[256], *json;
	unsigned char *bomb = NULL;
	size_t bomb_len = (size_t)64 << 20;

	if (argc < 4)
		die("usage: ship-craft KIND SECRET-KEY OUT [NODE [EPOCH]]");
	kind = argv[1];
	out = argv[3];
	if (argc > 4)
		node = argv[4];
	if (argc > 5)
		epoch = atoll(argv[5]);
	if (sodium_init() < 0 || ladder_key_load_secret(argv[2], &key, &err) != 0)
		die(err.msg[0] ? err.msg : "cannot load key");
	set_file(&files[0], blob_a, strlen(blob_a));
	if (strcmp(kind, "missing") == 0) {
		set_file(&files[1], blob_b, strlen(blob_b));
		n_files = 2;
	}
	if (strcmp(kind, "bomb") == 0) {
		bomb = calloc(1, bomb_len);
		if (bomb == NULL)
			die("out of memory");
		set_file(&files[0], bomb, bomb_len);
	}
	if (strcmp(kind, "node") == 0)
		node = "not-this-node";
	if (strcmp(kind, "expired") == 0)
		expires = "2001-01-01T00:00:00Z";
	if (strcmp(kind, "badpath") == 0)
		snprintf(files[0].path, sizeof files[0].path, "blobs/../../%s", files[0].sha);
	json = manifest(node, epoch, expires, files, n_files, &key);
	if (strcmp(kind, "badsig") == 0) {
		unsigned char pk[32];

		crypto_sign_keypair(pk, other.sk);
		memcpy(other.id, key.id, sizeof other.id);
		sign(&other, json, sig, sizeof sig);
	} else {
		sign(&key, json, sig, sizeof sig);
	}
	if (strcmp(kind, "tampered") == 0)
		*strstr(json, "\"hub\"") = '\'';	/* after signing */
	a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	if (strcmp(kind, "bomb") == 0)
		archive_write_add_filter_zstd(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_filename(a, out) != ARCHIVE_OK)
		die(archive_error_string(a));
	if (strcmp(kind, "order") == 0)
		entry(a, files[0].path, AE_IFREG, blob_a, strlen(blob_a), -1, NULL);
	entry(a, "manifest.json", AE_IFREG, json, strlen(json), -1, NULL);
	entry(a, "manifest.sig", AE_IFREG, sig, strlen(sig), -1, NULL);
	if (strcmp(kind, "traversal") == 0)
		entry(a, "blobs/../../evil-traversal", AE_IFREG, blob_a, strlen(blob_a), -1, NULL);
	else if (strcmp(kind, "absolute") == 0)
		entry(a, "/tmp/ladder-evil-absolute", AE_IFREG, blob_a, strlen(blob_a), -1, NULL);
	else if (strcmp(kind, "symlink") == 0)
		entry(a, files[0].path, AE_IFLNK, NULL, 0, -1, "../../../evil-symlink-target");
	else if (strcmp(kind, "hardlink") == 0)
		entry(a, files[0].path, AE_IFREG, NULL, 0, -1, "manifest.json");
	else if (strcmp(kind, "device") == 0)
		entry(a, files[0].path, AE_IFCHR, NULL, 0, -1, NULL);
	else if (strcmp(kind, "fifo") == 0)
		entry(a, files[0].path, AE_IFIFO, NULL, 0, -1, NULL);
	else if (strcmp(kind, "hash") == 0)
		entry(a, files[0].path, AE_IFREG, blob_x, strlen(blob_x), -1, NULL);
	else if (strcmp(kind, "size") == 0) {
		char longer[64];

		snprintf(longer, sizeof longer, "%sEXTRA", blob_a);
		entry(a, files[0].path, AE_IFREG, longer, strlen(longer), -1, NULL);
	} else if (strcmp(kind, "bomb") == 0)
		entry(a, files[0].path, AE_IFREG, bomb, bomb_len, -1, NULL);
	else if (strcmp(kind, "order") != 0)
		entry(a, files[0].path, AE_IFREG, blob_a, strlen(blob_a), -1, NULL);
	if (strcmp(kind, "duplicate") == 0)
		entry(a, files[0].path, AE_IFREG, blob_a, strlen(blob_a), -1, NULL);
	if (strcmp(kind, "unlisted") == 0) {
		struct file f;

		set_file(&f, blob_b, strlen(blob_b));
		entry(a, f.path, AE_IFREG, blob_b, strlen(blob_b), -1, NULL);
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		die(archive_error_string(a));
	archive_write_free(a);
	if (strcmp(kind, "truncated") == 0) {
		struct stat st;

		/* Cut inside blob A's data: its 512-byte block sits before the 1024-byte end. */
		if (stat(out, &st) != 0 || truncate(out, st.st_size - 1024 - 512 + 7) != 0)
			die("cannot truncate");
	}
	free(json);
	free(bomb);
	return 0;
}
