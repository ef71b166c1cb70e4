/*
 * ladder-transfer.h: `ladder deploy` (lib/transfer, the only libcurl
 * user): pushes each node's bundle to its agent, receivers first, canary
 * then waves, with retries, resume and skipping of blobs a node has.
 */
#ifndef LADDER_TRANSFER_H
#define LADDER_TRANSFER_H

#include "ladder-bundle.h"
#include "ladder-util.h"

struct ladder_deploy_opts {
	const char *plan_path;
	const char *bundles_dir;	/* from ladder pack: NODE.tar or NODE.tar.zst */
	const char *token;		/* bearer token (the text), or NULL */
	const char *ca_file;		/* CA bundle for https; NULL: the system's */
	long canary;			/* nodes in the first wave (default 1) */
	long wave_size;			/* nodes per later wave; 0: a whole tier */
	double max_failures_pct;	/* stop when failed nodes exceed this % of the fleet (default 0) */
	int retries;			/* per node after the first try (default 5) */
	long stall_seconds;		/* abort a transfer slower than 1 B/s for this long (default 60) */
	long connect_timeout_s;		/* default 10 */
	long backoff_ms;		/* first retry delay, doubled each time, jittered (default 250) */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
};

struct ladder_deploy_node {
	char id[LADDER_NODE_ID_MAX + 1];
	char tier[16];
	char address[512];
	char state[16];		/* installed | unchanged | queued | reverted | failed | skipped */
	long long epoch_before;	/* -1: none or unknown */
	long long epoch_after;
	uint64_t bundle_bytes;	/* the node's bundle file */
	uint64_t upload_bytes;	/* what the (thin) upload holds */
	uint64_t bytes_sent;	/* payload bytes put on the wire, all attempts */
	size_t blobs_sent;
	size_t blobs_skipped;	/* the node had them already */
	uint64_t resumed_from;	/* largest offset an upload continued from */
	int attempts;
	char error[LADDER_ERR_MAX];
};

/*
 * Deploys every node of the plan.  *nodes (new, caller frees) has one row
 * per node in deploy order.  Returns 0 when no node failed; a failure is
 * LADDER_ENET with err naming how many nodes failed (rows say which).
 */
int ladder_deploy(const struct ladder_deploy_opts *opts, struct ladder_deploy_node **nodes,
    size_t *n_nodes, struct ladder_err *err);

#endif
