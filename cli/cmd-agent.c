/* cmd-agent.c: `ladder agent`: the node-side server that receives and activates bundles. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const struct cmd_option agent_options[] = {
	{ "listen", 'l', "ADDR", false, "address to serve on, HOST:PORT (port 0 picks a free one)",
	    COMPLETE_NONE, NULL },
	{ "root", 'r', "DIR", false, "directory holding this node's versions", COMPLETE_DIR, NULL },
	{ "trust", 't', "PUBKEY", false, "public key bundles must be signed with", COMPLETE_FILE, NULL },
	{ "node", 'n', "ID", false, "this node's id in the plan", COMPLETE_NONE, NULL },
	{ "token", 0, "FILE", false, "bearer token required for uploads and rollback", COMPLETE_FILE,
	    NULL },
	{ "tls-cert", 0, "FILE", false, "serve HTTPS with this PEM certificate", COMPLETE_FILE, NULL },
	{ "tls-key", 0, "FILE", false, "PEM private key for --tls-cert", COMPLETE_FILE, NULL },
	{ "max-bundle-bytes", 0, "N", false, "largest bundle accepted (default 4 GiB)", COMPLETE_NONE,
	    NULL },
	{ "health-cmd", 0, "CMD", false, "command that must succeed after each activation",
	    COMPLETE_NONE, NULL },
	{ "health-window", 0, "S", false, "seconds the health command may take (default 30)",
	    COMPLETE_NONE, NULL },
	{ "port-file", 0, "FILE", false, "write the port being served to FILE", COMPLETE_FILE, NULL },
	{ "timeout", 0, "S", false, "idle connection timeout in seconds (default 30)", COMPLETE_NONE,
	    NULL },
	{ "install", 0, "BUNDLE", false, "install a bundle file into the root and exit", COMPLETE_FILE,
	    NULL },
	{ "rollback", 0, NULL, false, "switch the root back to its previous version and exit",
	    COMPLETE_NONE, NULL },
	{ "status", 0, NULL, false, "print the root's status (after recovery) and exit", COMPLETE_NONE,
	    NULL },
	{ 0 },
};

static volatile sig_atomic_t agent_stop;

static void
on_signal(int sig)
{
	agent_stop = 1;
}

static void
agent_log(void *ctx, const char *line)
{
	const struct cmd_ctx *c = ctx;

	if (c->verbosity >= 0)
		fprintf(stderr, "ladder agent: %s\n", line);
}

static char *
read_text(const struct cmd_ctx *ctx, const char *opt, bool trim, struct ladder_err *err)
{
	const char *path = cmd_opt(ctx, opt);
	char *data;
	size_t len;

	if (path == NULL)
		return NULL;
	if (ladder_read_file(path, 1 << 20, &data, &len, err) != 0)
		return NULL;
	while (trim && len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r' ||
	    data[len - 1] == ' '))
		data[--len] = '\0';
	return data;
}

static int
cmd_agent_exec(struct cmd_ctx *ctx)
{
	struct ladder_err err = { 0 };
	struct ladder_agent_config cfg = { 0 };
	struct ladder_agent *agent = NULL;
	struct ladder_key trust;
	struct ladder_buf out;
	char *token = NULL, *cert = NULL, *key = NULL;
	long max_bytes, window, timeout;
	int rc = 0;
	bool once = cmd_flag(ctx, "status") || cmd_flag(ctx, "rollback") || cmd_opt(ctx, "install");

	cfg.root = cmd_opt(ctx, "root");
	cfg.node = cmd_opt(ctx, "node");
	cfg.listen = cmd_opt(ctx, "listen");
	if (cfg.root == NULL || cmd_opt(ctx, "trust") == NULL || cfg.node == NULL)
		return cmd_usage_error(ctx, "needs --root DIR, --trust PUBKEY and --node ID");
	if (!once && cfg.listen == NULL)
		return cmd_usage_error(ctx, "needs --listen ADDR");
	if ((rc = cmd_opt_long(ctx, "max-bundle-bytes", 0, 1, 0x7fffffffffffffffL, &max_bytes)) ||
	    (rc = cmd_opt_long(ctx, "health-window", 30, 1, 86400, &window)) ||
	    (rc = cmd_opt_long(ctx, "timeout", 30, 1, 86400, &timeout)))
		return rc;
	if ((cmd_opt(ctx, "tls-cert") == NULL) != (cmd_opt(ctx, "tls-key") == NULL))
		return cmd_usage_error(ctx, "--tls-cert and --tls-key go together");
	if (ladder_key_load_public(cmd_opt(ctx, "trust"), &trust, &err) != 0)
		return cmd_fail_err(ctx, &err);
	token = read_text(ctx, "token", true, &err);
	cert = read_text(ctx, "tls-cert", false, &err);
	key = read_text(ctx, "tls-key", false, &err);
	if (err.code != 0) {
		rc = cmd_fail_err(ctx, &err);
		goto out;
	}
	if (token != NULL && strlen(token) < 16) {
		rc = cmd_fail(ctx, "token in '%s' is too short (16 characters at least)",
		    cmd_opt(ctx, "token"));
		goto out;
	}
	cfg.trust = &trust;
	cfg.token = token;
	cfg.tls_cert_pem = cert;
	cfg.tls_key_pem = key;
	cfg.max_bundle_bytes = (uint64_t)max_bytes;
	cfg.health_cmd = cmd_opt(ctx, "health-cmd");
	cfg.health_window_s = (int)window;
	cfg.timeout_s = (unsigned)timeout;
	cfg.port_file = cmd_opt(ctx, "port-file");
	cfg.log = agent_log;
	cfg.log_ctx = ctx;
	if (ladder_agent_open(&cfg, &agent, &err) != 0) {
		rc = cmd_fail_err(ctx, &err);
		goto out;
	}
	ladder_buf_init(&out);
	if (cmd_opt(ctx, "install") != NULL)
		rc = ladder_agent_install(agent, cmd_opt(ctx, "install"), &out, &err);
	else if (cmd_flag(ctx, "rollback"))
		rc = ladder_agent_rollback(agent, &out, &err);
	else if (cmd_flag(ctx, "status"))
		rc = ladder_agent_status(agent, &out, &err);
	if (once) {
		if (rc != 0)
			rc = cmd_fail_err(ctx, &err);
		else
			fputs(out.data ? out.data : "", stdout);
		ladder_buf_release(&out);
		goto out;
	}
	ladder_buf_release(&out);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (ladder_agent_serve(agent, &agent_stop, &err) != 0)
		rc = cmd_fail_err(ctx, &err);
out:
	ladder_agent_free(agent);
	free(token);
	free(cert);
	free(key);
	return rc;
}

const struct cmd_entry cmd_agent_entry = {
	.name = "agent",
	.summary = "receive, verify and activate bundles on a node",
	.usage = "-r DIR -t PUBKEY -n ID [-l ADDR] [--token FILE] [--tls-cert FILE --tls-key FILE] "
	    "[--max-bundle-bytes N] [--health-cmd CMD] [--health-window S] [--port-file FILE] "
	    "[--timeout S] [--install BUNDLE | --rollback | --status]",
	.options = agent_options,
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_agent_exec,
};
