/* cmd-keygen.c: `ladder keygen`: an Ed25519 key pair for signing bundles. */
#include <stdio.h>

#include "cmd.h"

static const struct cmd_option keygen_options[] = {
	{ "output", 'o', "KEY", false, "secret key file (public key goes to KEY.pub)", COMPLETE_FILE, NULL },
	{ 0 },
};

static int
cmd_keygen_exec(struct cmd_ctx *ctx)
{
	struct ladder_err err = { 0 };
	struct ladder_key key;
	const char *secret = cmd_opt(ctx, "output");
	char pub[4096];

	if (secret == NULL)
		return cmd_usage_error(ctx, "missing option '--output KEY'");
	if (snprintf(pub, sizeof pub, "%s.pub", secret) >= (int)sizeof pub)
		return cmd_usage_error(ctx, "key path too long");
	if (ladder_keygen(secret, pub, &err) != 0 || ladder_key_load_public(pub, &key, &err) != 0)
		return cmd_fail_err(ctx, &err);
	if (ctx->verbosity >= 0)
		printf("secret key %s\npublic key %s\nkey id     %s\n", secret, pub, key.id);
	return 0;
}

const struct cmd_entry cmd_keygen_entry = {
	.name = "keygen",
	.summary = "make an Ed25519 key pair for signing bundles",
	.usage = "-o KEY",
	.options = keygen_options,
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_keygen_exec,
};
