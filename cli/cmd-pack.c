/* cmd-pack.c: `ladder pack`: one signed, deterministic bundle per node of a plan. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

static const struct cmd_option pack_options[] = {
	{ "output", 'o', "DIR", false, "directory for the bundles", COMPLETE_DIR, NULL },
	{ "key", 'k', "KEY", false, "secret key to sign with (from ladder keygen)", COMPLETE_FILE, NULL },
	{ "zstd", 'z', NULL, false, "compress bundles with zstd (NODE.tar.zst)", COMPLETE_NONE, NULL },
	{ "valid-days", 0, "N", false, "bundles expire N days after the plan's creation (default 90)",
	    COMPLETE_NONE, NULL },
	{ "arch", 0, "ARCH", false, "machine architecture the bundles need (default any)", COMPLETE_NONE,
	    NULL },
	{ "json", 0, NULL, false, "print the result as JSON", COMPLETE_NONE, NULL },
	{ 0 },
};

static int
cmd_pack_exec(struct cmd_ctx *ctx)
{
	struct ladder_err err = { 0 };
	struct ladder_key key;
	struct ladder_pack_opts opts = { 0 };
	struct ladder_pack_result *res = NULL;
	struct cli_progress bar;
	struct ladder_progress progress;
	size_t n = 0;
	long days;
	int rc;

	opts.out_dir = cmd_opt(ctx, "output");
	if (opts.out_dir == NULL)
		return cmd_usage_error(ctx, "missing option '--output DIR'");
	if (cmd_opt(ctx, "key") == NULL)
		return cmd_usage_error(ctx, "missing option '--key KEY'");
	if ((rc = cmd_opt_long(ctx, "valid-days", 90, 1, 36500, &days)) != 0)
		return rc;
	if (ladder_key_load_secret(cmd_opt(ctx, "key"), &key, &err) != 0)
		return cmd_fail_err(ctx, &err);
	opts.key = &key;
	opts.zstd = cmd_flag(ctx, "zstd");
	opts.valid_seconds = (int64_t)days * 86400;
	opts.arch = cmd_opt(ctx, "arch");
	cli_progress_init(&bar, ctx);
	progress = cli_progress_callback(&bar);
	rc = ladder_pack(ctx->argv[0], &opts, &res, &n, &progress, &err);
	cli_progress_done(&bar);
	if (rc != 0)
		return cmd_fail_err(ctx, &err);
	if (cmd_flag(ctx, "json")) {
		printf("{\n  \"schema\": \"ladder.pack-result/1\",\n  \"key\": \"%s\",\n  \"bundles\": [",
		    key.id);
		for (size_t i = 0; i < n; i++)
			printf("%s\n    {\"node\": \"%s\", \"path\": \"%s\", \"bytes\": %llu, \"files\": %zu, "
			    "\"payload_bytes\": %llu, \"manifest_sha256\": \"%s\"}", i ? "," : "",
			    res[i].node, res[i].path, (unsigned long long)res[i].bytes, res[i].files,
			    (unsigned long long)res[i].payload_bytes, res[i].manifest_sha256);
		printf("%s]\n}\n", n ? "\n  " : "");
	} else if (ctx->verbosity >= 0) {
		printf("%-20s %6s %12s  %s\n", "NODE", "FILES", "BYTES", "BUNDLE");
		for (size_t i = 0; i < n; i++)
			printf("%-20s %6zu %12llu  %s\n", res[i].node, res[i].files,
			    (unsigned long long)res[i].bytes, res[i].path);
	}
	free(res);
	return 0;
}

const struct cmd_entry cmd_pack_entry = {
	.name = "pack",
	.summary = "make one signed bundle per node of a plan",
	.usage = "[-z] [--arch ARCH] [--json] [--valid-days N] -k KEY -o DIR PLAN",
	.options = pack_options,
	.min_args = 1,
	.max_args = 1,
	.args_complete = COMPLETE_FILE,
	.exec = cmd_pack_exec,
};
