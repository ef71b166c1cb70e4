/* pack.c: `ladder pack`: plan.json to one signed, deterministic tar per node. */
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
#include <time.h>
#include <unistd.h>

#include "bundle/bundle-int.h"
#include "ladder-bundle.h"
#include "util/banned.h"

int
ladder_parse_utc(const char *s, int64_t *out)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

bool
bundle_node_id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > LADDER_NODE_ID_MAX || id[0] == '.' || id[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

bool
bundle_sha_ok(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (int i = 0; i < 64; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

static int
tier_rank(const char *tier)
{
	static const char *const order[] = { "cloud", "edge-dc", "hub", "device" };

	for (int i = 0; i < 4; i++) {
		if (strcmp(tier, order[i]) == 0)
			return i;
	}
	return -1;
}

/* Loads plan.json and checks its schema; *root is a new reference. */
int
bundle_plan_load(const char *plan_path, json_t **root, struct ladder_err *err)
{
	char *data = NULL;
	size_t len;
	json_error_t jerr;
	json_t *j;
	const char *schema;

	if (ladder_read_file(plan_path, 256u << 20, &data, &len, err) != 0)
		return err ? err->code : LADDER_EIO;
	j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	free(data);
	if (j == NULL)
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': line %d: %s", plan_path,
		    jerr.line, jerr.text);
	schema = json_string_value(json_object_get(j, "schema"));
	if (schema == NULL || strncmp(schema, "ladder.plan/", 12) != 0) {
		ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': not a ladder plan (schema '%s')",
		    plan_path, schema ? schema : "");
		json_decref(j);
		return LADDER_EFORMAT;
	}
	if (atoi(schema + 12) != 1) {
		ladder_errf(err, LADDER_EFORMAT,
		    "cannot read '%s': schema '%s' is not supported (this ladder reads ladder.plan/1)",
		    plan_path, schema);
		json_decref(j);
		return LADDER_EFORMAT;
	}
	if (!json_is_array(json_object_get(j, "nodes")) ||
	    !json_is_integer(json_object_get(j, "epoch")) ||
	    json_integer_value(json_object_get(j, "epoch")) < 0) {
		json_decref(j);
		return ladder_errf(err, LADDER_EFORMAT,
		    "cannot read '%s': needs a non-negative integer \"epoch\" and a \"nodes\" array",
		    plan_path);
	}
	*root = j;
	return 0;
}

static int
fleet_cmp(const void *a, const void *b)
{
	const struct ladder_fleet_node *x = a, *y = b;

	if (x->tier_rank != y->tier_rank)
		return x->tier_rank < y->tier_rank ? -1 : 1;
	return strcmp(x->id, y->id);
}

int
ladder_fleet_read(const char *plan_path, struct ladder_fleet_node **out, size_t *n_out,
    uint64_t *epoch, struct ladder_err *err)
{
	json_t *root, *nodes, *node;
	struct ladder_fleet_node *v;
	size_t i, n;

	if (bundle_plan_load(plan_path, &root, err) != 0)
		return err ? err->code : LADDER_EFORMAT;
	nodes = json_object_get(root, "nodes");
	n = json_array_size(nodes);
	v = calloc(n ? n : 1, sizeof *v);
	if (v == NULL) {
		json_decref(root);
		return ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", plan_path);
	}
	json_array_foreach(nodes, i, node) {
		const char *id = json_string_value(json_object_get(node, "id"));
		const char *tier = json_string_value(json_object_get(node, "tier"));
		const char *addr = json_string_value(json_object_get(node, "address"));

		if (id == NULL || !bundle_node_id_ok(id)) {
			ladder_errf(err, LADDER_EFORMAT,
			    "cannot read '%s': node %zu has no valid \"id\" (letters, digits, '-', '_', '.')",
			    plan_path, i);
			goto fail;
		}
		if (tier == NULL || tier_rank(tier) < 0) {
			ladder_errf(err, LADDER_EFORMAT,
			    "cannot read '%s': node '%s' has tier '%s' (device, hub, edge-dc or cloud)",
			    plan_path, id, tier ? tier : "");
			goto fail;
		}
		for (size_t k = 0; k < i; k++) {
			if (strcmp(v[k].id, id) == 0) {
				ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': node '%s' appears twice",
				    plan_path, id);
				goto fail;
			}
		}
		snprintf(v[i].id, sizeof v[i].id, "%s", id);
		snprintf(v[i].tier, sizeof v[i].tier, "%s", tier);
		if (addr != NULL && strlen(addr) >= sizeof v[i].address) {
			ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': node '%s' address too long",
			    plan_path, id);
			goto fail;
		}
		snprintf(v[i].address, sizeof v[i].address, "%s", addr ? addr : "");
		v[i].tier_rank = tier_rank(tier);
	}
	qsort(v, n, sizeof *v, fleet_cmp);
	if (epoch != NULL)
		*epoch = (uint64_t)json_integer_value(json_object_get(root, "epoch"));
	json_decref(root);
	*out = v;
	*n_out = n;
	return 0;
fail:
	json_decref(root);
	free(v);
	return err ? err->code : LADDER_EFORMAT;
}

/* A blob to pack: its sha256 and where it is on disk. */
struct pack_blob {
	char sha256[LADDER_SHA256_HEX];
	char path[4096];
	uint64_t size;
};

static int
blob_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pack_blob *)a)->sha256, ((const struct pack_blob *)b)->sha256);
}

int
bundle_write_entry_header(struct archive *a, const char *path, uint64_t size,
    struct ladder_err *err)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (e == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "cannot write bundle: out of memory");
	/* Fixed metadata so that the bytes depend only on the content. */
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_mtime(e, 0, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	r = archive_write_header(a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return ladder_errf(err, LADDER_EIO, "cannot write bundle entry '%s': %s", path,
		    archive_error_string(a));
	return 0;
}

int
bundle_write_mem(struct archive *a, const char *path, const void *data, size_t len,
    struct ladder_err *err)
{
	if (bundle_write_entry_header(a, path, len, err) != 0)
		return err ? err->code : LADDER_EIO;
	if (len > 0 && archive_write_data(a, data, len) != (la_ssize_t)len)
		return ladder_errf(err, LADDER_EIO, "cannot write bundle entry '%s': %s", path,
		    archive_error_string(a));
	return 0;
}

/* Copies a model file into the archive, checking it still has the hash the plan names. */
static int
write_blob_file(struct archive *a, const struct pack_blob *b, struct ladder_err *err)
{
	crypto_hash_sha256_state st;
	unsigned char block[65536];
	uint8_t h[32];
	char hex[LADDER_SHA256_HEX], name[80];
	uint64_t done = 0;
	int fd, rc = 0;

	snprintf(name, sizeof name, "blobs/%s", b->sha256);
	fd = open(b->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ladder_errf(err, LADDER_EIO, "cannot open '%s': %s", b->path, strerror(errno));
	if (bundle_write_entry_header(a, name, b->size, err) != 0) {
		close(fd);
		return err ? err->code : LADDER_EIO;
	}
	crypto_hash_sha256_init(&st);
	while (done < b->size) {
		size_t want = b->size - done < sizeof block ? (size_t)(b->size - done) : sizeof block;
		ssize_t n = read(fd, block, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = ladder_errf(err, LADDER_EIO, "cannot read '%s': %s", b->path,
			    n < 0 ? strerror(errno) : "file shrank while packing");
			goto out;
		}
		crypto_hash_sha256_update(&st, block, (size_t)n);
		if (archive_write_data(a, block, (size_t)n) != n) {
			rc = ladder_errf(err, LADDER_EIO, "cannot write bundle: %s", archive_error_string(a));
			goto out;
		}
		done += (uint64_t)n;
	}
	crypto_hash_sha256_final(&st, h);
	ladder_hex(h, 32, hex);
	if (strcmp(hex, b->sha256) != 0)
		rc = ladder_errf(err, LADDER_ESECURITY,
		    "cannot pack '%s': its sha256 is %.12s..., the plan says %.12s...", b->path, hex,
		    b->sha256);
out:
	close(fd);
	return rc;
}

/* Signature file: "ed25519 KEYID SIGHEX\n". */
int
bundle_sign(const struct ladder_key *key, const char *json, size_t len, char *out, size_t size)
{
	uint8_t sig[crypto_sign_BYTES];
	char hex[2 * crypto_sign_BYTES + 1];

	crypto_sign_detached(sig, NULL, (const unsigned char *)json, len, key->sk);
	ladder_hex(sig, sizeof sig, hex);
	return snprintf(out, size, "ed25519 %s %s\n", key->id, hex);
}

static char *
dump_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	size_t n;
	char *t;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	t = realloc(s, n + 2);
	if (t == NULL) {
		free(s);
		return NULL;
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	return t;
}

/* Builds, signs and writes the bundle of one node. */
static int
pack_node(json_t *plan, json_t *node, const char *plan_sha, const char *ladder_dir,
    const struct ladder_pack_opts *opts, struct ladder_pack_result *res, struct ladder_err *err)
{
	const char *id = json_string_value(json_object_get(node, "id"));
	json_t *rungs = json_object_get(node, "rungs"), *routes = json_object_get(node, "routes");
	json_t *m = NULL, *files = NULL, *config = NULL, *rung;
	struct pack_blob *blobs = NULL;
	size_t n_blobs = 0, i;
	char *json = NULL, sig[256], tmp[4200];
	struct archive *a = NULL;
	int64_t created, valid;
	char expires[32];
	int rc = 0;

	if (rungs == NULL)
		rungs = json_array();
	else
		json_incref(rungs);
	if (routes == NULL)
		routes = json_array();
	else
		json_incref(routes);
	if (!json_is_array(rungs) || !json_is_array(routes)) {
		rc = ladder_errf(err, LADDER_EFORMAT, "node '%s': \"rungs\" and \"routes\" must be arrays",
		    id);
		goto out;
	}
	blobs = calloc(json_array_size(rungs) + 1, sizeof *blobs);
	if (blobs == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "node '%s': out of memory", id);
		goto out;
	}
	json_array_foreach(rungs, i, rung) {
		const char *name = json_string_value(json_object_get(rung, "name"));
		const char *sha = json_string_value(json_object_get(rung, "sha256"));
		const char *file = json_string_value(json_object_get(rung, "file"));
		struct stat st;
		bool dup = false;

		if (name == NULL || sha == NULL || file == NULL || !bundle_sha_ok(sha)) {
			rc = ladder_errf(err, LADDER_EFORMAT,
			    "node '%s': rung %zu needs \"name\", \"file\" and a lowercase hex \"sha256\"",
			    id, i);
			goto out;
		}
		for (size_t k = 0; k < n_blobs; k++)
			dup |= strcmp(blobs[k].sha256, sha) == 0;
		if (dup)
			continue;	/* content-addressed: stored once */
		snprintf(blobs[n_blobs].sha256, LADDER_SHA256_HEX, "%s", sha);
		if (file[0] == '/')
			snprintf(blobs[n_blobs].path, sizeof blobs[n_blobs].path, "%s", file);
		else if (ladder_path_join(blobs[n_blobs].path, sizeof blobs[n_blobs].path, ladder_dir,
		    file) != 0) {
			rc = ladder_errf(err, LADDER_EINVAL, "node '%s': path of rung '%s' too long", id, name);
			goto out;
		}
		if (stat(blobs[n_blobs].path, &st) != 0 || !S_ISREG(st.st_mode)) {
			rc = ladder_errf(err, LADDER_ENOTFOUND, "cannot pack rung '%s' of node '%s': '%s': %s",
			    name, id, blobs[n_blobs].path, errno ? strerror(errno) : "not a file");
			goto out;
		}
		blobs[n_blobs].size = (uint64_t)st.st_size;
		n_blobs++;
	}
	qsort(blobs, n_blobs, sizeof *blobs, blob_cmp);

	if (ladder_parse_utc(json_string_value(json_object_get(plan, "created")) ?
	    json_string_value(json_object_get(plan, "created")) : "", &created) != 0) {
		rc = ladder_errf(err, LADDER_EFORMAT, "plan has no valid \"created\" time (UTC ISO 8601)");
		goto out;
	}
	valid = opts->valid_seconds > 0 ? opts->valid_seconds : 90 * 86400;
	ladder_utc_iso8601(created + valid, expires);

	files = json_array();
	for (i = 0; i < n_blobs; i++) {
		char path[80];

		snprintf(path, sizeof path, "blobs/%s", blobs[i].sha256);
		json_array_append_new(files, json_pack("{s:s, s:I, s:s}", "path", path, "size",
		    (json_int_t)blobs[i].size, "sha256", blobs[i].sha256));
		res->payload_bytes += blobs[i].size;
	}
	config = json_object();
	json_object_set(config, "tier", json_object_get(node, "tier"));
	if (json_object_get(node, "hardware"))
		json_object_set(config, "hardware", json_object_get(node, "hardware"));
	if (json_object_get(node, "instances"))
		json_object_set(config, "instances", json_object_get(node, "instances"));
	json_object_set(config, "rungs", rungs);
	json_object_set(config, "routes", routes);
	m = json_object();
	json_object_set_new(m, "schema", json_string(LADDER_BUNDLE_SCHEMA));
	json_object_set_new(m, "node", json_string(id));
	json_object_set(m, "epoch", json_object_get(plan, "epoch"));
	json_object_set(m, "created", json_object_get(plan, "created"));
	json_object_set_new(m, "expires", json_string(expires));
	json_object_set_new(m, "compatibility", json_pack("{s:s, s:i}", "arch",
	    opts->arch ? opts->arch : "any", "runtime_abi", LADDER_RUNTIME_ABI));
	json_object_set_new(m, "plan", json_pack("{s:s}", "sha256", plan_sha));
	json_object_set_new(m, "key", json_string(opts->key->id));
	json_object_set_new(m, "files", files);
	files = NULL;
	json_object_set_new(m, "config", config);
	config = NULL;
	json = dump_json(m);
	if (json == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "node '%s': cannot encode the manifest", id);
		goto out;
	}
	bundle_sign(opts->key, json, strlen(json), sig, sizeof sig);
	ladder_sha256_hex(json, strlen(json), res->manifest_sha256);

	snprintf(res->node, sizeof res->node, "%s", id);
	snprintf(res->path, sizeof res->path, "%s/%s.tar%s", opts->out_dir, id, opts->zstd ? ".zst" : "");
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", opts->out_dir, id);
	a = archive_write_new();
	if (a == NULL || archive_write_set_format_ustar(a) != ARCHIVE_OK ||
	    (opts->zstd && archive_write_add_filter_zstd(a) != ARCHIVE_OK) ||
	    (!opts->zstd && archive_write_add_filter_none(a) != ARCHIVE_OK)) {
		rc = ladder_errf(err, LADDER_EUNSUPPORTED, "cannot write '%s': %s", res->path,
		    a ? archive_error_string(a) : "out of memory");
		goto out;
	}
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_filename(a, tmp) != ARCHIVE_OK) {
		rc = ladder_errf(err, LADDER_EIO, "cannot create '%s': %s", tmp, archive_error_string(a));
		goto out;
	}
	if (bundle_write_mem(a, "manifest.json", json, strlen(json), err) != 0 ||
	    bundle_write_mem(a, "manifest.sig", sig, strlen(sig), err) != 0) {
		rc = err ? err->code : LADDER_EIO;
		goto out_unlink;
	}
	for (i = 0; i < n_blobs; i++) {
		if ((rc = write_blob_file(a, &blobs[i], err)) != 0)
			goto out_unlink;
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		rc = ladder_errf(err, LADDER_EIO, "cannot write '%s': %s", tmp, archive_error_string(a));
		goto out_unlink;
	}
	{
		struct stat st;
		int fd = open(tmp, O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			fsync(fd);
			if (fstat(fd, &st) == 0)
				res->bytes = (uint64_t)st.st_size;
			close(fd);
		}
	}
	if (rename(tmp, res->path) != 0) {
		rc = ladder_errf(err, LADDER_EIO, "cannot rename '%s': %s", tmp, strerror(errno));
		goto out_unlink;
	}
	res->files = n_blobs;
	goto out;
out_unlink:
	unlink(tmp);
out:
	if (a != NULL)
		archive_write_free(a);
	json_decref(m);
	json_decref(files);
	json_decref(config);
	json_decref(rungs);
	json_decref(routes);
	free(json);
	free(blobs);
	return rc;
}

int
ladder_pack(const char *plan_path, const struct ladder_pack_opts *opts,
    struct ladder_pack_result **results, size_t *n_results, const struct ladder_progress *progress,
    struct ladder_err *err)
{
	json_t *plan = NULL, *nodes, *node;
	struct ladder_fleet_node *fleet = NULL;
	struct ladder_pack_result *res = NULL;
	char plan_dir[4096], ladder_json[4096], ladder_dir[4096], plan_sha[LADDER_SHA256_HEX];
	const char *lpath;
	size_t n_fleet, i;
	int rc;

	if (opts->key == NULL || !opts->key->has_secret)
		return ladder_errf(err, LADDER_EINVAL, "cannot pack: no secret key");
	if (sodium_init() < 0)
		return ladder_errf(err, LADDER_EIO, "cannot initialise libsodium");
	if ((rc = ladder_fleet_read(plan_path, &fleet, &n_fleet, NULL, err)) != 0)
		return rc;
	free(fleet);
	if ((rc = bundle_plan_load(plan_path, &plan, err)) != 0)
		return rc;
	if ((rc = ladder_sha256_file(plan_path, plan_sha, err)) != 0)
		goto out;
	ladder_path_dir(plan_path, plan_dir, sizeof plan_dir);
	lpath = json_string_value(json_object_get(json_object_get(json_object_get(plan, "inputs"),
	    "ladder"), "path"));
	if (lpath == NULL) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': no \"inputs.ladder.path\"",
		    plan_path);
		goto out;
	}
	if (lpath[0] == '/')
		snprintf(ladder_json, sizeof ladder_json, "%s", lpath);
	else if (ladder_path_join(ladder_json, sizeof ladder_json, plan_dir, lpath) != 0) {
		rc = ladder_errf(err, LADDER_EINVAL, "cannot read '%s': ladder path too long", plan_path);
		goto out;
	}
	ladder_path_dir(ladder_json, ladder_dir, sizeof ladder_dir);
	if ((rc = ladder_mkdirs(opts->out_dir, err)) != 0)
		goto out;
	nodes = json_object_get(plan, "nodes");
	res = calloc(json_array_size(nodes) + 1, sizeof *res);
	if (res == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "cannot pack: out of memory");
		goto out;
	}
	json_array_foreach(nodes, i, node) {
		ladder_progress_report(progress, "pack", i, json_array_size(nodes));
		if ((rc = pack_node(plan, node, plan_sha, ladder_dir, opts, &res[i], err)) != 0) {
			ladder_err_prefix(err, "cannot pack '%s'", plan_path);
			goto out;
		}
	}
	ladder_progress_report(progress, "pack", json_array_size(nodes), json_array_size(nodes));
	*results = res;
	*n_results = json_array_size(nodes);
	res = NULL;
out:
	free(res);
	json_decref(plan);
	return rc;
}
