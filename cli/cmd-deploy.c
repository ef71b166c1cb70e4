/* cmd-deploy.c: `ladder deploy`: push each node's bundle to its agent, receivers first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const struct cmd_option deploy_options[] = {
	{ "bundles", 'b', "DIR", false, "bundles from ladder pack", COMPLETE_DIR, NULL },
	{ "token", 0, "FILE", false, "bearer token for the agents", COMPLETE_FILE, NULL },
	{ "canary", 0, "N", false, "nodes in the first wave (default 1)", COMPLETE_NONE, NULL },
	{ "wave-size", 0, "N", false, "nodes per later wave (default: a whole tier)", COMPLETE_NONE,
	    NULL },
	{ "max-failures", 0, "PCT", false, "stop when more than PCT% of the nodes have failed (default 0)",
	    COMPLETE_NONE, NULL },
	{ "retries", 0, "N", false, "retries per node (default 5)", COMPLETE_NONE, NULL },
	{ "stall-timeout", 0, "S", false, "abort a transfer stalled for S seconds (default 60)",
	    COMPLETE_NONE, NULL },
	{ "cacert", 0, "FILE", false, "CA certificates to verify https agents with", COMPLETE_FILE,
	    NULL },
	{ "json", 0, NULL, false, "print the result as JSON", COMPLETE_NONE, NULL },
	{ 0 },
};

static void
deploy_log(void *ctx, const char *line)
{
	const struct cmd_ctx *c = ctx;

	if (c->verbosity > 0)
		fprintf(stderr, "ladder deploy: %s\n", line);
}

static void
json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void
print_epoch(long long e)
{
	if (e < 0)
		printf("null");
	else
		printf("%lld", e);
}

static int
cmd_deploy_exec(struct cmd_ctx *ctx)
{
	struct ladder_err err = { 0 };
	struct ladder_deploy_opts opts = { 0 };
	struct ladder_deploy_node *rows = NULL;
	size_t n = 0;
	long canary, wave, retries, stall;
	double pct;
	char *token = NULL;
	uint64_t sent = 0;
	int rc;

	opts.plan_path = ctx->argv[0];
	opts.bundles_dir = cmd_opt(ctx, "bundles");
	if (opts.bundles_dir == NULL)
		return cmd_usage_error(ctx, "missing option '--bundles DIR'");
	if ((rc = cmd_opt_long(ctx, "canary", 1, 1, 1000000, &canary)) ||
	    (rc = cmd_opt_long(ctx, "wave-size", 0, 1, 1000000, &wave)) ||
	    (rc = cmd_opt_long(ctx, "retries", 5, 0, 100, &retries)) ||
	    (rc = cmd_opt_long(ctx, "stall-timeout", 60, 1, 86400, &stall)) ||
	    (rc = cmd_opt_double(ctx, "max-failures", 0, 0, 100, &pct)))
		return rc;
	if (cmd_opt(ctx, "token") != NULL) {
		size_t len;

		if (ladder_read_file(cmd_opt(ctx, "token"), 4096, &token, &len, &err) != 0)
			return cmd_fail_err(ctx, &err);
		while (len > 0 && (token[len - 1] == '\n' || token[len - 1] == '\r' ||
		    token[len - 1] == ' '))
			token[--len] = '\0';
	}
	opts.token = token;
	opts.canary = canary;
	opts.wave_size = wave;
	opts.retries = (int)retries;
	opts.stall_seconds = stall;
	opts.max_failures_pct = pct;
	opts.ca_file = cmd_opt(ctx, "cacert");
	opts.log = deploy_log;
	opts.log_ctx = ctx;
	rc = ladder_deploy(&opts, &rows, &n, &err);
	free(token);
	if (rows == NULL)
		return cmd_fail_err(ctx, &err);
	for (size_t i = 0; i < n; i++)
		sent += rows[i].bytes_sent;
	if (cmd_flag(ctx, "json")) {
		printf("{\n  \"schema\": \"ladder.deploy-result/1\",\n  \"ok\": %s,\n  \"bytes_sent\": %llu,\n"
		    "  \"nodes\": [", rc == 0 ? "true" : "false", (unsigned long long)sent);
		for (size_t i = 0; i < n; i++) {
			struct ladder_deploy_node *r = &rows[i];

			printf("%s\n    {\"node\": ", i ? "," : "");
			json_str(r->id);
			printf(", \"tier\": \"%s\", \"address\": ", r->tier);
			json_str(r->address);
			printf(", \"state\": \"%s\", \"epoch_before\": ", r->state);
			print_epoch(r->epoch_before);
			printf(", \"epoch_after\": ");
			print_epoch(r->epoch_after);
			printf(", \"bundle_bytes\": %llu, \"upload_bytes\": %llu, \"bytes_sent\": %llu, "
			    "\"blobs_sent\": %zu, \"blobs_skipped\": %zu, \"resumed_from\": %llu, "
			    "\"attempts\": %d, \"error\": ", (unsigned long long)r->bundle_bytes,
			    (unsigned long long)r->upload_bytes, (unsigned long long)r->bytes_sent,
			    r->blobs_sent, r->blobs_skipped, (unsigned long long)r->resumed_from,
			    r->attempts);
			if (r->error[0])
				json_str(r->error);
			else
				printf("null");
			printf("}");
		}
		printf("%s]\n}\n", n ? "\n  " : "");
	} else if (ctx->verbosity >= 0) {
		printf("%-16s %-8s %-10s %6s %10s %6s %5s  %s\n", "NODE", "TIER", "STATE", "EPOCH",
		    "SENT", "BLOBS", "TRIES", "DETAIL");
		for (size_t i = 0; i < n; i++) {
			struct ladder_deploy_node *r = &rows[i];
			char epoch[48], blobs[32];

			if (r->epoch_before != r->epoch_after)
				snprintf(epoch, sizeof epoch, "%lld>%lld", r->epoch_before, r->epoch_after);
			else
				snprintf(epoch, sizeof epoch, "%lld", r->epoch_after);
			snprintf(blobs, sizeof blobs, "%zu/%zu", r->blobs_sent,
			    r->blobs_sent + r->blobs_skipped);
			printf("%-16s %-8s %-10s %6s %10llu %6s %5d  %s\n", r->id, r->tier, r->state, epoch,
			    (unsigned long long)r->bytes_sent, blobs, r->attempts,
			    r->error[0] ? r->error : r->address);
		}
		printf("%llu bytes sent\n", (unsigned long long)sent);
	}
	free(rows);
	if (rc != 0)
		return cmd_fail_err(ctx, &err);
	return 0;
}

const struct cmd_entry cmd_deploy_entry = {
	.name = "deploy",
	.summary = "push each node's bundle to its agent, receivers first",
	.usage = "-b DIR [--token FILE] [--canary N] [--wave-size N] [--max-failures PCT] "
	    "[--retries N] [--stall-timeout S] [--cacert FILE] [--json] PLAN",
	.options = deploy_options,
	.min_args = 1,
	.max_args = 1,
	.args_complete = COMPLETE_FILE,
	.exec = cmd_deploy_exec,
};
