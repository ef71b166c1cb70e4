/*
 * ladder-bundle.h: signed, deterministic per-node bundles (lib/bundle, the
 * only libarchive user): keys, `ladder pack`, reading and verifying a
 * bundle, and the safe extraction the agent relies on.
 */
#ifndef LADDER_BUNDLE_H
#define LADDER_BUNDLE_H

#include "ladder-util.h"

#define LADDER_BUNDLE_SCHEMA "ladder.bundle/1"
/* Version of the runtime config a bundle carries; agents refuse newer. */
#define LADDER_RUNTIME_ABI 1
/* A manifest larger than this is refused before it is parsed. */
#define LADDER_MANIFEST_MAX (1u << 20)
#define LADDER_NODE_ID_MAX 64

/* Ed25519 keys (libsodium).  id: first 16 hex digits of sha256(public key). */
struct ladder_key {
	uint8_t pk[32];
	uint8_t sk[64];
	bool has_secret;
	char id[17];
};

/* Writes a new key pair: secret to secret_path (mode 0600), public to public_path. */
int ladder_keygen(const char *secret_path, const char *public_path, struct ladder_err *err);
/* Loads a secret key file (as written by ladder_keygen). */
int ladder_key_load_secret(const char *path, struct ladder_key *key, struct ladder_err *err);
/* Loads a public key file, or the public half of a secret key file. */
int ladder_key_load_public(const char *path, struct ladder_key *key, struct ladder_err *err);

/* A node of plan.json, as far as pack and deploy need it. */
struct ladder_fleet_node {
	char id[LADDER_NODE_ID_MAX + 1];
	char tier[16];		/* device | hub | edge-dc | cloud */
	char address[512];
	int tier_rank;		/* cloud 0, edge-dc 1, hub 2, device 3: the deploy order */
};

/*
 * Reads the nodes of plan.json, sorted in deploy order (receivers first:
 * tier rank, then id).  *nodes is a new array the caller frees.
 */
int ladder_fleet_read(const char *plan_path, struct ladder_fleet_node **nodes, size_t *n,
    uint64_t *epoch, struct ladder_err *err);

struct ladder_pack_opts {
	const char *out_dir;
	const struct ladder_key *key;	/* must hold the secret */
	bool zstd;			/* .tar.zst instead of .tar */
	int64_t valid_seconds;		/* expires = created + this; 0: 90 days */
	const char *arch;		/* NULL: "any" */
};

struct ladder_pack_result {
	char node[LADDER_NODE_ID_MAX + 1];
	char path[4096];
	uint64_t bytes;		/* size of the bundle file */
	size_t files;		/* distinct blobs */
	uint64_t payload_bytes;	/* sum of blob sizes */
	char manifest_sha256[LADDER_SHA256_HEX];
};

/*
 * One bundle per node of plan.json into opts->out_dir, named NODE.tar or
 * NODE.tar.zst.  Packing the same inputs twice gives identical bytes.
 * *results is a new array (one per node) the caller frees.
 */
int ladder_pack(const char *plan_path, const struct ladder_pack_opts *opts,
    struct ladder_pack_result **results, size_t *n_results, const struct ladder_progress *progress,
    struct ladder_err *err);

struct ladder_manifest_file {
	char path[80];		/* "blobs/<sha256>" */
	uint64_t size;
	char sha256[LADDER_SHA256_HEX];
};

/* A parsed, verified manifest. */
struct ladder_manifest {
	char *json;		/* the exact signed bytes (NUL-terminated) */
	size_t json_len;
	char sha256[LADDER_SHA256_HEX];	/* of json */
	char node[LADDER_NODE_ID_MAX + 1];
	uint64_t epoch;
	int64_t created;	/* unix seconds */
	int64_t expires;
	char arch[32];
	int runtime_abi;
	char key_id[17];	/* the key that signed it */
	size_t n_files;
	struct ladder_manifest_file *files;
	uint64_t total_bytes;	/* sum of file sizes */
};

void ladder_manifest_release(struct ladder_manifest *m);

/*
 * Reads the first two entries of a bundle (manifest.json, manifest.sig),
 * checks the signature against trust (NULL: no signature check, for
 * tools that only look) and parses the manifest strictly.
 */
int ladder_bundle_read_manifest(const char *bundle_path, const struct ladder_key *trust,
    struct ladder_manifest *m, struct ladder_err *err);

/* The same checks on a manifest and signature already in memory (an installed version). */
int ladder_manifest_parse(const char *what, const char *json, size_t json_len, const char *sig,
    size_t sig_len, const struct ladder_key *trust, struct ladder_manifest *m,
    struct ladder_err *err);

/*
 * What the agent accepts: node id, expiry against now, compatibility, and
 * caps on the extracted size and the compression ratio.
 */
struct ladder_bundle_policy {
	const char *node;
	int64_t now;
	const char *arch;		/* this machine's arch ("x86_64") */
	uint64_t max_bytes;		/* cap on all extracted bytes; 0: 4 GiB */
	uint64_t max_ratio;		/* uncompressed/compressed; 0: 200 */
};

/* Checks node, expiry and compatibility of a verified manifest. */
int ladder_manifest_check(const struct ladder_manifest *m, const struct ladder_bundle_policy *policy,
    struct ladder_err *err);

/*
 * Extracts the bundle's blobs into staging_dir (which must exist and be
 * empty): only regular files at paths the manifest lists, each at most
 * once, with its listed size and hash, created with O_EXCL|O_NOFOLLOW
 * relative to staging_dir.  Listed files the bundle leaves out (a thin
 * bundle) are linked from store_dir (may be NULL) after re-hashing.  Then
 * writes manifest.json and manifest.sig there and fsyncs everything.
 * Nothing is written outside staging_dir.
 */
int ladder_bundle_extract(const char *bundle_path, const struct ladder_manifest *m,
    const struct ladder_bundle_policy *policy, const char *staging_dir, const char *store_dir,
    struct ladder_err *err);

/*
 * Writes a thin copy of a bundle to out_path (uncompressed tar): the
 * manifest, its signature and only the blobs for which keep(ctx, sha256)
 * is true.  Deterministic.  *payload_bytes gets the kept blob bytes.
 */
int ladder_bundle_thin(const char *bundle_path, const char *out_path,
    bool (*keep)(void *ctx, const char *sha256), void *ctx, uint64_t *payload_bytes,
    struct ladder_err *err);

/* ISO 8601 UTC "2026-11-22T17:00:00Z" to unix seconds. */
int ladder_parse_utc(const char *s, int64_t *out);

#endif
