/*
 * ladder-agent.h: the node side of a deploy (lib/agent, the only
 * libmicrohttpd user): receives signed bundles, verifies them, keeps
 * versioned directories and switches `current` atomically.
 *
 * Layout under the root directory:
 *	current -> versions/EPOCH	the active bundle (a symlink, switched by rename)
 *	previous -> versions/EPOCH	what POST /rollback goes back to
 *	versions/EPOCH/			manifest.json, manifest.sig, blobs/SHA256
 *	blobs/SHA256			content-addressed store (hard links)
 *	staging/, uploads/, inbox/	work areas; journal, state.json, status.json
 */
#ifndef LADDER_AGENT_H
#define LADDER_AGENT_H

#include <signal.h>

#include "ladder-bundle.h"
#include "ladder-util.h"

#define LADDER_AGENT_STATUS_SCHEMA "ladder.agent-status/1"

struct ladder_agent_config {
	const char *root;
	const char *node;		/* this node's id; bundles for others are refused */
	const struct ladder_key *trust;	/* the public key bundles must be signed with */
	const char *listen;		/* "127.0.0.1:7001", "0.0.0.0:7001", ":7001"; port 0 picks one */
	const char *port_file;		/* if set, the bound port is written there */
	const char *token;		/* bearer token for state-changing requests; NULL: none */
	const char *tls_cert_pem;	/* contents, not paths; both or neither */
	const char *tls_key_pem;
	uint64_t max_bundle_bytes;	/* upload and extraction cap; 0: 4 GiB */
	const char *health_cmd;		/* run by /bin/sh after each activation; NULL: none */
	int health_window_s;		/* the command must succeed within this; 0: 30 */
	unsigned timeout_s;		/* idle connection timeout; 0: 30 */
	unsigned max_connections;	/* 0: 32 */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
};

struct ladder_agent;

/*
 * Opens (creating) the root and resolves any interrupted activation to the
 * old or the new version.  *agent is new; ladder_agent_free frees it.
 */
int ladder_agent_open(const struct ladder_agent_config *cfg, struct ladder_agent **agent,
    struct ladder_err *err);
void ladder_agent_free(struct ladder_agent *agent);

/*
 * Verifies and activates a bundle file.  result gets a JSON object
 * ("result": "installed" | "unchanged" | "reverted", epochs).  A rejected
 * bundle returns an error and changes nothing outside staging.
 */
int ladder_agent_install(struct ladder_agent *agent, const char *bundle_path,
    struct ladder_buf *result, struct ladder_err *err);
/* Switches back to the previous version. */
int ladder_agent_rollback(struct ladder_agent *agent, struct ladder_buf *result,
    struct ladder_err *err);
/* The status document (schema ladder.agent-status/1). */
int ladder_agent_status(struct ladder_agent *agent, struct ladder_buf *out, struct ladder_err *err);

/* Serves HTTP(S) until *stop becomes non-zero; also installs bundles dropped into inbox/. */
int ladder_agent_serve(struct ladder_agent *agent, volatile sig_atomic_t *stop,
    struct ladder_err *err);

#endif
