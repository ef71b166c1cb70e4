/*
 * extract.c: reading a bundle the strict way: manifest and signature
 * first, then only the blobs the signed manifest lists, written with
 * O_EXCL|O_NOFOLLOW under the staging directory.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle/bundle-int.h"
#include "ladder-bundle.h"
#include "util/banned.h"

#define SIG_MAX 256
#define FILES_MAX 4096

void
ladder_manifest_release(struct ladder_manifest *m)
{
	if (m == NULL)
		return;
	free(m->json);
	free(m->files);
	memset(m, 0, sizeof *m);
}

static struct archive *
open_reader(const char *path, struct ladder_err *err)
{
	struct archive *a = archive_read_new();

	if (a == NULL) {
		ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", path);
		return NULL;
	}
	archive_read_support_format_tar(a);
	archive_read_support_filter_none(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_gzip(a);
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
		ladder_errf(err, LADDER_EFORMAT, "cannot read bundle '%s': %s", path,
		    archive_error_string(a) ? archive_error_string(a) : "not a tar");
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* Reads the next entry, which must be a regular file called name, of at most max bytes. */
static int
read_small_entry(struct archive *a, const char *bundle, const char *name, size_t max, char **out,
    size_t *len, struct ladder_err *err)
{
	struct archive_entry *e;
	const char *p;
	la_int64_t size;
	char *buf;
	size_t have = 0;
	int r = archive_read_next_header(a, &e);

	if (r == ARCHIVE_EOF)
		return ladder_errf(err, LADDER_EFORMAT, "bundle '%s' is truncated: no '%s'", bundle, name);
	if (r != ARCHIVE_OK)
		return ladder_errf(err, LADDER_EFORMAT, "cannot read bundle '%s': %s", bundle,
		    archive_error_string(a));
	p = archive_entry_pathname(e);
	if (p == NULL || strcmp(p, name) != 0)
		return ladder_errf(err, LADDER_ESECURITY,
		    "bundle '%s' is not valid: entry '%s' where '%s' must come", bundle, p ? p : "?",
		    name);
	if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) != NULL)
		return ladder_errf(err, LADDER_ESECURITY, "bundle '%s' is not valid: '%s' is not a file",
		    bundle, name);
	size = archive_entry_size(e);
	if (!archive_entry_size_is_set(e) || size < 0 || (uint64_t)size > max)
		return ladder_errf(err, LADDER_ESECURITY,
		    "bundle '%s' is not valid: '%s' is larger than %zu bytes", bundle, name, max);
	buf = malloc((size_t)size + 1);
	if (buf == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", bundle);
	while (have < (size_t)size) {
		la_ssize_t n = archive_read_data(a, buf + have, (size_t)size - have);

		if (n <= 0) {
			free(buf);
			return ladder_errf(err, LADDER_EFORMAT, "bundle '%s' is truncated in '%s'%s%s",
			    bundle, name, n < 0 ? ": " : "", n < 0 ? archive_error_string(a) : "");
		}
		have += (size_t)n;
	}
	buf[have] = '\0';
	*out = buf;
	*len = have;
	return 0;
}

static int
file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ladder_manifest_file *)a)->path,
	    ((const struct ladder_manifest_file *)b)->path);
}

/* Parses the manifest json strictly into m (json/json_len already set). */
static int
parse_manifest(const char *bundle, struct ladder_manifest *m, struct ladder_err *err)
{
	json_error_t jerr;
	json_t *j, *files, *f, *compat;
	const char *schema, *node, *created, *expires, *arch;
	size_t i;
	int rc = 0;

	j = json_loadb(m->json, m->json_len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL)
		return ladder_errf(err, LADDER_EFORMAT, "bundle '%s': manifest.json line %d: %s", bundle,
		    jerr.line, jerr.text);
	schema = json_string_value(json_object_get(j, "schema"));
	if (schema == NULL || strncmp(schema, "ladder.bundle/", 14) != 0) {
		rc = ladder_errf(err, LADDER_EFORMAT, "bundle '%s': manifest is not a ladder bundle", bundle);
		goto out;
	}
	if (strcmp(schema, LADDER_BUNDLE_SCHEMA) != 0) {
		rc = ladder_errf(err, LADDER_EFORMAT,
		    "bundle '%s': schema '%s' is not supported (this ladder reads %s)", bundle, schema,
		    LADDER_BUNDLE_SCHEMA);
		goto out;
	}
	node = json_string_value(json_object_get(j, "node"));
	created = json_string_value(json_object_get(j, "created"));
	expires = json_string_value(json_object_get(j, "expires"));
	compat = json_object_get(j, "compatibility");
	arch = json_string_value(json_object_get(compat, "arch"));
	files = json_object_get(j, "files");
	if (node == NULL || !bundle_node_id_ok(node) || !json_is_integer(json_object_get(j, "epoch")) ||
	    json_integer_value(json_object_get(j, "epoch")) < 0 || created == NULL ||
	    ladder_parse_utc(created, &m->created) != 0 || expires == NULL ||
	    ladder_parse_utc(expires, &m->expires) != 0 || arch == NULL || strlen(arch) >= sizeof m->arch ||
	    !json_is_integer(json_object_get(compat, "runtime_abi")) || !json_is_array(files) ||
	    json_array_size(files) > FILES_MAX || !json_is_object(json_object_get(j, "config"))) {
		rc = ladder_errf(err, LADDER_EFORMAT,
		    "bundle '%s': manifest lacks a valid node, epoch, created, expires, compatibility, "
		    "files or config", bundle);
		goto out;
	}
	snprintf(m->node, sizeof m->node, "%s", node);
	m->epoch = (uint64_t)json_integer_value(json_object_get(j, "epoch"));
	snprintf(m->arch, sizeof m->arch, "%s", arch);
	m->runtime_abi = (int)json_integer_value(json_object_get(compat, "runtime_abi"));
	m->n_files = json_array_size(files);
	m->files = calloc(m->n_files + 1, sizeof *m->files);
	if (m->files == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "bundle '%s': out of memory", bundle);
		goto out;
	}
	json_array_foreach(files, i, f) {
		const char *path = json_string_value(json_object_get(f, "path"));
		const char *sha = json_string_value(json_object_get(f, "sha256"));
		json_t *size = json_object_get(f, "size");
		struct ladder_manifest_file *mf = &m->files[i];

		if (path == NULL || sha == NULL || !bundle_sha_ok(sha) || !json_is_integer(size) ||
		    json_integer_value(size) < 0 || strncmp(path, "blobs/", 6) != 0 ||
		    strcmp(path + 6, sha) != 0) {
			rc = ladder_errf(err, LADDER_EFORMAT,
			    "bundle '%s': manifest file %zu is not {path: blobs/SHA256, size, sha256}",
			    bundle, i);
			goto out;
		}
		snprintf(mf->path, sizeof mf->path, "%s", path);
		snprintf(mf->sha256, sizeof mf->sha256, "%s", sha);
		mf->size = (uint64_t)json_integer_value(size);
		if (__builtin_add_overflow(m->total_bytes, mf->size, &m->total_bytes)) {
			rc = ladder_errf(err, LADDER_EFORMAT, "bundle '%s': file sizes overflow", bundle);
			goto out;
		}
	}
	qsort(m->files, m->n_files, sizeof *m->files, file_cmp);
	for (i = 1; i < m->n_files; i++) {
		if (strcmp(m->files[i - 1].path, m->files[i].path) == 0) {
			rc = ladder_errf(err, LADDER_ESECURITY, "bundle '%s': manifest lists '%s' twice",
			    bundle, m->files[i].path);
			goto out;
		}
	}
out:
	json_decref(j);
	return rc;
}

static int
verify_sig(const char *bundle, const struct ladder_key *trust, const char *json, size_t len,
    const char *sig, size_t sig_len, char key_id[17], struct ladder_err *err)
{
	uint8_t raw[crypto_sign_BYTES];
	size_t bin_len;

	/* "ed25519 " + 16 hex id + " " + 128 hex + "\n" */
	if (sig_len != 8 + 16 + 1 + 128 + 1 || strncmp(sig, "ed25519 ", 8) != 0 || sig[24] != ' ' ||
	    sig[sig_len - 1] != '\n')
		return ladder_errf(err, LADDER_ESECURITY, "bundle '%s': manifest.sig is malformed", bundle);
	memcpy(key_id, sig + 8, 16);
	key_id[16] = '\0';
	if (trust == NULL)
		return 0;
	if (sodium_hex2bin(raw, sizeof raw, sig + 25, 128, NULL, &bin_len, NULL) != 0 ||
	    bin_len != sizeof raw)
		return ladder_errf(err, LADDER_ESECURITY, "bundle '%s': manifest.sig is malformed", bundle);
	if (crypto_sign_verify_detached(raw, (const unsigned char *)json, len, trust->pk) != 0)
		return ladder_errf(err, LADDER_ESECURITY,
		    "bundle '%s' rejected: bad signature (not signed by trusted key %s)", bundle,
		    trust->id);
	return 0;
}

int
ladder_bundle_read_manifest(const char *bundle_path, const struct ladder_key *trust,
    struct ladder_manifest *m, struct ladder_err *err)
{
	struct archive *a;
	char *sig = NULL;
	size_t sig_len;
	int rc;

	memset(m, 0, sizeof *m);
	if (sodium_init() < 0)
		return ladder_errf(err, LADDER_EIO, "cannot initialise libsodium");
	a = open_reader(bundle_path, err);
	if (a == NULL)
		return err ? err->code : LADDER_EFORMAT;
	rc = read_small_entry(a, bundle_path, "manifest.json", LADDER_MANIFEST_MAX, &m->json,
	    &m->json_len, err);
	if (rc == 0)
		rc = read_small_entry(a, bundle_path, "manifest.sig", SIG_MAX, &sig, &sig_len, err);
	archive_read_free(a);
	if (rc == 0)
		rc = verify_sig(bundle_path, trust, m->json, m->json_len, sig, sig_len, m->key_id, err);
	if (rc == 0) {
		ladder_sha256_hex(m->json, m->json_len, m->sha256);
		rc = parse_manifest(bundle_path, m, err);
	}
	free(sig);
	if (rc != 0)
		ladder_manifest_release(m);
	return rc;
}

int
ladder_manifest_parse(const char *what, const char *json, size_t json_len, const char *sig,
    size_t sig_len, const struct ladder_key *trust, struct ladder_manifest *m,
    struct ladder_err *err)
{
	int rc;

	memset(m, 0, sizeof *m);
	if (json_len > LADDER_MANIFEST_MAX)
		return ladder_errf(err, LADDER_EFORMAT, "'%s': manifest too large", what);
	if (sodium_init() < 0)
		return ladder_errf(err, LADDER_EIO, "cannot initialise libsodium");
	m->json = malloc(json_len + 1);
	if (m->json == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "'%s': out of memory", what);
	memcpy(m->json, json, json_len);
	m->json[json_len] = '\0';
	m->json_len = json_len;
	rc = verify_sig(what, trust, m->json, m->json_len, sig, sig_len, m->key_id, err);
	if (rc == 0) {
		ladder_sha256_hex(m->json, m->json_len, m->sha256);
		rc = parse_manifest(what, m, err);
	}
	if (rc != 0)
		ladder_manifest_release(m);
	return rc;
}

int
ladder_manifest_check(const struct ladder_manifest *m, const struct ladder_bundle_policy *policy,
    struct ladder_err *err)
{
	if (policy->node != NULL && strcmp(m->node, policy->node) != 0)
		return ladder_errf(err, LADDER_ESECURITY,
		    "bundle rejected: it is for node '%s', this is node '%s'", m->node, policy->node);
	if (policy->now >= m->expires) {
		char when[32];

		ladder_utc_iso8601(m->expires, when);
		return ladder_errf(err, LADDER_ESECURITY, "bundle rejected: it expired at %s", when);
	}
	if (m->runtime_abi > LADDER_RUNTIME_ABI || m->runtime_abi < 1)
		return ladder_errf(err, LADDER_EUNSUPPORTED,
		    "bundle rejected: runtime ABI %d is not supported (this agent runs %d)",
		    m->runtime_abi, LADDER_RUNTIME_ABI);
	if (strcmp(m->arch, "any") != 0 && policy->arch != NULL && strcmp(m->arch, policy->arch) != 0)
		return ladder_errf(err, LADDER_EUNSUPPORTED,
		    "bundle rejected: built for arch '%s', this node is '%s'", m->arch, policy->arch);
	if (policy->max_bytes > 0 && m->total_bytes > policy->max_bytes)
		return ladder_errf(err, LADDER_ESECURITY,
		    "bundle rejected: %llu bytes of files exceed the limit of %llu",
		    (unsigned long long)m->total_bytes, (unsigned long long)policy->max_bytes);
	return 0;
}

static const struct ladder_manifest_file *
find_file(const struct ladder_manifest *m, const char *path)
{
	struct ladder_manifest_file key;

	if (strlen(path) >= sizeof key.path)
		return NULL;
	snprintf(key.path, sizeof key.path, "%s", path);
	return bsearch(&key, m->files, m->n_files, sizeof *m->files, file_cmp);
}

static bool
has_dotdot(const char *p)
{
	const char *s = p;

	while (*s) {
		size_t n = strcspn(s, "/");

		if (n == 2 && s[0] == '.' && s[1] == '.')
			return true;
		s += n;
		s += strspn(s, "/");
	}
	return false;
}

/* Writes a small file under dirfd with O_EXCL|O_NOFOLLOW and fsyncs it. */
static int
write_new_at(int dirfd, const char *name, const void *data, size_t len, const char *where,
    struct ladder_err *err)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0)
		return ladder_errf(err, LADDER_EIO, "cannot create '%s/%s': %s", where, name,
		    strerror(errno));
	if (ladder_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		close(fd);
		return ladder_errf(err, LADDER_EIO, "cannot write '%s/%s': %s", where, name,
		    strerror(errno));
	}
	close(fd);
	return 0;
}

/* Re-hashes a store blob and hard-links (or copies) it into the staging blobs dir. */
static int
take_from_store(int store_fd, int blobs_fd, const struct ladder_manifest_file *f,
    const char *bundle, struct ladder_err *err)
{
	crypto_hash_sha256_state st;
	unsigned char block[65536];
	uint8_t h[32];
	char hex[LADDER_SHA256_HEX];
	struct stat sb;
	int fd, out = -1;
	uint64_t done = 0;
	bool copy;

	fd = store_fd < 0 ? -1 : openat(store_fd, f->sha256, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size != f->size) {
		if (fd >= 0)
			close(fd);
		return ladder_errf(err, LADDER_ESECURITY,
		    "bundle '%s' rejected: missing file '%s' (not in the bundle, not on this node)",
		    bundle, f->path);
	}
	copy = linkat(store_fd, f->sha256, blobs_fd, f->sha256, 0) != 0;
	if (copy) {
		out = openat(blobs_fd, f->sha256, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0644);
		if (out < 0) {
			close(fd);
			return ladder_errf(err, LADDER_EIO, "cannot create staging file for '%s': %s",
			    f->path, strerror(errno));
		}
	}
	crypto_hash_sha256_init(&st);
	for (;;) {
		ssize_t n = read(fd, block, sizeof block);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		crypto_hash_sha256_update(&st, block, (size_t)n);
		done += (uint64_t)n;
		if (copy && ladder_write_all(out, block, (size_t)n) != 0)
			break;
	}
	close(fd);
	if (out >= 0) {
		fsync(out);
		close(out);
	}
	crypto_hash_sha256_final(&st, h);
	ladder_hex(h, 32, hex);
	if (done != f->size || strcmp(hex, f->sha256) != 0) {
		unlinkat(blobs_fd, f->sha256, 0);
		return ladder_errf(err, LADDER_ESECURITY,
		    "bundle '%s' rejected: the node's copy of '%s' is damaged", bundle, f->path);
	}
	return 0;
}

/* Reads one listed blob from the archive into blobs_fd, checking size, hash and ratio. */
static int
extract_blob(struct archive *a, int blobs_fd, const struct ladder_manifest_file *f,
    const struct ladder_bundle_policy *policy, const char *bundle, struct ladder_err *err)
{
	crypto_hash_sha256_state st;
	unsigned char block[65536];
	uint8_t h[32];
	char hex[LADDER_SHA256_HEX];
	uint64_t done = 0, ratio = policy->max_ratio ? policy->max_ratio : 200;
	int fd, rc = 0;

	fd = openat(blobs_fd, f->sha256, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return ladder_errf(err, LADDER_EIO, "cannot create staging file for '%s': %s", f->path,
		    strerror(errno));
	crypto_hash_sha256_init(&st);
	for (;;) {
		la_ssize_t n = archive_read_data(a, block, sizeof block);
		la_int64_t raw, plain;

		if (n == 0)
			break;
		if (n < 0) {
			rc = ladder_errf(err, LADDER_EFORMAT, "bundle '%s' is truncated or corrupt in '%s': %s",
			    bundle, f->path, archive_error_string(a));
			goto out;
		}
		done += (uint64_t)n;
		if (done > f->size) {
			rc = ladder_errf(err, LADDER_ESECURITY,
			    "bundle '%s' rejected: '%s' is larger than the manifest says", bundle, f->path);
			goto out;
		}
		raw = archive_filter_bytes(a, -1);
		plain = archive_filter_bytes(a, 0);
		if (plain > (1 << 20) && raw > 0 && (uint64_t)plain / (uint64_t)raw > ratio) {
			rc = ladder_errf(err, LADDER_ESECURITY,
			    "bundle '%s' rejected: compression ratio above %llu (a compression bomb?)",
			    bundle, (unsigned long long)ratio);
			goto out;
		}
		crypto_hash_sha256_update(&st, block, (size_t)n);
		if (ladder_write_all(fd, block, (size_t)n) != 0) {
			rc = ladder_errf(err, LADDER_EIO, "cannot write staging file for '%s': %s", f->path,
			    strerror(errno));
			goto out;
		}
	}
	if (done != f->size) {
		rc = ladder_errf(err, LADDER_ESECURITY,
		    "bundle '%s' rejected: '%s' has %llu bytes, the manifest says %llu", bundle, f->path,
		    (unsigned long long)done, (unsigned long long)f->size);
		goto out;
	}
	crypto_hash_sha256_final(&st, h);
	ladder_hex(h, 32, hex);
	if (strcmp(hex, f->sha256) != 0) {
		rc = ladder_errf(err, LADDER_ESECURITY, "bundle '%s' rejected: hash mismatch in '%s'",
		    bundle, f->path);
		goto out;
	}
	if (fsync(fd) != 0)
		rc = ladder_errf(err, LADDER_EIO, "cannot sync staging file for '%s': %s", f->path,
		    strerror(errno));
out:
	close(fd);
	return rc;
}

int
ladder_bundle_extract(const char *bundle_path, const struct ladder_manifest *m,
    const struct ladder_bundle_policy *policy, const char *staging_dir, const char *store_dir,
    struct ladder_err *err)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	char *buf = NULL;
	size_t len, entries = 0;
	bool *seen = NULL;
	int staging_fd = -1, blobs_fd = -1, store_fd = -1, rc = 0, r;
	uint64_t total = 0, max_bytes = policy->max_bytes ? policy->max_bytes : (uint64_t)4 << 30;

	staging_fd = open(staging_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (staging_fd < 0)
		return ladder_errf(err, LADDER_EIO, "cannot open staging '%s': %s", staging_dir,
		    strerror(errno));
	if (mkdirat(staging_fd, "blobs", 0755) != 0 ||
	    (blobs_fd = openat(staging_fd, "blobs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		rc = ladder_errf(err, LADDER_EIO, "cannot create '%s/blobs': %s", staging_dir,
		    strerror(errno));
		goto out;
	}
	seen = calloc(m->n_files + 1, sizeof *seen);
	if (seen == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "cannot extract '%s': out of memory", bundle_path);
		goto out;
	}
	if ((a = open_reader(bundle_path, err)) == NULL) {
		rc = err ? err->code : LADDER_EFORMAT;
		goto out;
	}
	/* The same manifest bytes that were verified, or nothing. */
	if ((rc = read_small_entry(a, bundle_path, "manifest.json", LADDER_MANIFEST_MAX, &buf, &len,
	    err)) != 0)
		goto out;
	if (len != m->json_len || memcmp(buf, m->json, len) != 0) {
		rc = ladder_errf(err, LADDER_ESECURITY, "bundle '%s' changed while it was read", bundle_path);
		goto out;
	}
	if ((rc = write_new_at(staging_fd, "manifest.json", buf, len, staging_dir, err)) != 0)
		goto out;
	free(buf);
	buf = NULL;
	if ((rc = read_small_entry(a, bundle_path, "manifest.sig", SIG_MAX, &buf, &len, err)) != 0 ||
	    (rc = write_new_at(staging_fd, "manifest.sig", buf, len, staging_dir, err)) != 0)
		goto out;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);
		const struct ladder_manifest_file *f;
		unsigned type = archive_entry_filetype(e);
		size_t idx;

		if (++entries > m->n_files + 8) {
			rc = ladder_errf(err, LADDER_ESECURITY, "bundle '%s' rejected: too many entries",
			    bundle_path);
			goto out;
		}
		if (p == NULL || p[0] == '\0') {
			rc = ladder_errf(err, LADDER_ESECURITY, "bundle '%s' rejected: entry without a name",
			    bundle_path);
			goto out;
		}
		if (p[0] == '/') {
			rc = ladder_errf(err, LADDER_ESECURITY, "bundle '%s' rejected: absolute path '%s'",
			    bundle_path, p);
			goto out;
		}
		if (has_dotdot(p)) {
			rc = ladder_errf(err, LADDER_ESECURITY, "bundle '%s' rejected: '..' in path '%s'",
			    bundle_path, p);
			goto out;
		}
		if (archive_entry_hardlink(e) != NULL) {
			rc = ladder_errf(err, LADDER_ESECURITY, "bundle '%s' rejected: hard link '%s'",
			    bundle_path, p);
			goto out;
		}
		if (type == AE_IFLNK || archive_entry_symlink(e) != NULL) {
			rc = ladder_errf(err, LADDER_ESECURITY, "bundle '%s' rejected: symbolic link '%s'",
			    bundle_path, p);
			goto out;
		}
		if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO || type == AE_IFSOCK) {
			rc = ladder_errf(err, LADDER_ESECURITY,
			    "bundle '%s' rejected: device or special file '%s'", bundle_path, p);
			goto out;
		}
		if (type == AE_IFDIR) {
			if (strcmp(p, "blobs") == 0 || strcmp(p, "blobs/") == 0)
				continue;
			rc = ladder_errf(err, LADDER_ESECURITY, "bundle '%s' rejected: unlisted directory '%s'",
			    bundle_path, p);
			goto out;
		}
		if (type != AE_IFREG || archive_entry_sparse_count(e) > 0) {
			rc = ladder_errf(err, LADDER_ESECURITY, "bundle '%s' rejected: '%s' is not a plain file",
			    bundle_path, p);
			goto out;
		}
		f = find_file(m, p);
		if (f == NULL) {
			rc = ladder_errf(err, LADDER_ESECURITY,
			    "bundle '%s' rejected: '%s' is not listed in the manifest", bundle_path, p);
			goto out;
		}
		idx = (size_t)(f - m->files);
		if (seen[idx]) {
			rc = ladder_errf(err, LADDER_ESECURITY, "bundle '%s' rejected: duplicate entry '%s'",
			    bundle_path, p);
			goto out;
		}
		seen[idx] = true;
		if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 0 ||
		    (uint64_t)archive_entry_size(e) != f->size) {
			rc = ladder_errf(err, LADDER_ESECURITY,
			    "bundle '%s' rejected: '%s' has size %lld, the manifest says %llu", bundle_path,
			    p, (long long)archive_entry_size(e), (unsigned long long)f->size);
			goto out;
		}
		total += f->size;
		if (total > max_bytes) {
			rc = ladder_errf(err, LADDER_ESECURITY,
			    "bundle '%s' rejected: more than %llu bytes of files", bundle_path,
			    (unsigned long long)max_bytes);
			goto out;
		}
		if ((rc = extract_blob(a, blobs_fd, f, policy, bundle_path, err)) != 0)
			goto out;
	}
	if (r != ARCHIVE_EOF) {
		rc = ladder_errf(err, LADDER_EFORMAT, "bundle '%s' is truncated or corrupt: %s", bundle_path,
		    archive_error_string(a) ? archive_error_string(a) : "bad header");
		goto out;
	}
	if (store_dir != NULL)
		store_fd = open(store_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; i < m->n_files; i++) {
		if (!seen[i] && (rc = take_from_store(store_fd, blobs_fd, &m->files[i], bundle_path,
		    err)) != 0)
			goto out;
	}
	if (fsync(blobs_fd) != 0 || fsync(staging_fd) != 0)
		rc = ladder_errf(err, LADDER_EIO, "cannot sync '%s': %s", staging_dir, strerror(errno));
out:
	if (a != NULL)
		archive_read_free(a);
	free(buf);
	free(seen);
	if (store_fd >= 0)
		close(store_fd);
	if (blobs_fd >= 0)
		close(blobs_fd);
	close(staging_fd);
	return rc;
}

int
ladder_bundle_thin(const char *bundle_path, const char *out_path,
    bool (*keep)(void *ctx, const char *sha256), void *ctx, uint64_t *payload_bytes,
    struct ladder_err *err)
{
	struct archive *in, *out = NULL;
	struct archive_entry *e;
	unsigned char block[65536];
	uint64_t kept = 0;
	int rc = 0, r, index = 0;

	if ((in = open_reader(bundle_path, err)) == NULL)
		return err ? err->code : LADDER_EFORMAT;
	out = archive_write_new();
	if (out == NULL || archive_write_set_format_ustar(out) != ARCHIVE_OK ||
	    archive_write_add_filter_none(out) != ARCHIVE_OK) {
		rc = ladder_errf(err, LADDER_ENOMEM, "cannot write '%s': out of memory", out_path);
		goto done;
	}
	archive_write_set_bytes_in_last_block(out, 1);
	if (archive_write_open_filename(out, out_path) != ARCHIVE_OK) {
		rc = ladder_errf(err, LADDER_EIO, "cannot create '%s': %s", out_path,
		    archive_error_string(out));
		goto done;
	}
	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);
		la_int64_t size = archive_entry_size(e);
		bool take;

		if (p == NULL || archive_entry_filetype(e) != AE_IFREG || size < 0) {
			rc = ladder_errf(err, LADDER_EFORMAT, "bundle '%s' has an unexpected entry", bundle_path);
			goto done;
		}
		if (index < 2)
			take = strcmp(p, index == 0 ? "manifest.json" : "manifest.sig") == 0;
		else
			take = strncmp(p, "blobs/", 6) == 0 && (keep == NULL || keep(ctx, p + 6));
		if (index < 2 && !take) {
			rc = ladder_errf(err, LADDER_EFORMAT, "bundle '%s' does not start with its manifest",
			    bundle_path);
			goto done;
		}
		index++;
		if (!take)
			continue;
		if ((rc = bundle_write_entry_header(out, p, (uint64_t)size, err)) != 0)
			goto done;
		for (;;) {
			la_ssize_t n = archive_read_data(in, block, sizeof block);

			if (n == 0)
				break;
			if (n < 0) {
				rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': %s", bundle_path,
				    archive_error_string(in));
				goto done;
			}
			if (archive_write_data(out, block, (size_t)n) != n) {
				rc = ladder_errf(err, LADDER_EIO, "cannot write '%s': %s", out_path,
				    archive_error_string(out));
				goto done;
			}
		}
		if (index > 2)
			kept += (uint64_t)size;
	}
	if (r != ARCHIVE_EOF) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': %s", bundle_path,
		    archive_error_string(in));
		goto done;
	}
	if (archive_write_close(out) != ARCHIVE_OK)
		rc = ladder_errf(err, LADDER_EIO, "cannot write '%s': %s", out_path,
		    archive_error_string(out));
done:
	archive_read_free(in);
	if (out != NULL)
		archive_write_free(out);
	if (rc != 0)
		unlink(out_path);
	else if (payload_bytes != NULL)
		*payload_bytes = kept;
	return rc;
}
