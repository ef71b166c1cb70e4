/* yaml.c: typed field access with paths in errors over YAML or JSON trees (util/yamldoc.c). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "util/yamldoc.h"
#include "util/banned.h"

#define TREE_MAX_BYTES ((size_t)256 << 20)

const char *const plan_tier_names[TIER_COUNT] = { "device", "hub", "edge-dc", "cloud" };

int
plan_tier_parse(const char *s)
{
	for (int i = 0; i < TIER_COUNT; i++) {
		if (strcmp(s, plan_tier_names[i]) == 0)
			return i;
	}
	return -1;
}

int
plan_load_tree(const char *path, json_t **out, struct ladder_err *err)
{
	return ladder_yaml_load_json(path, TREE_MAX_BYTES, out, err);
}

int
plan_fail(const struct plan_reader *r, const char *path, const char *fmt, ...)
{
	char msg[LADDER_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (path == NULL || path[0] == '\0')
		return ladder_errf(r->err, LADDER_EINVAL, "cannot read '%s': %s", r->file, msg);
	/* "field: cause" joins the path as "path.field: cause". */
	size_t id = strspn(msg, "abcdefghijklmnopqrstuvwxyz_0123456789");

	if (id > 0 && msg[id] == ':' && msg[id + 1] == ' ')
		return ladder_errf(r->err, LADDER_EINVAL, "cannot read '%s': %s.%s", r->file, path, msg);
	return ladder_errf(r->err, LADDER_EINVAL, "cannot read '%s': %s: %s", r->file, path, msg);
}

static void
field_path(char *buf, size_t size, const char *path, const char *key)
{
	if (path == NULL || path[0] == '\0')
		snprintf(buf, size, "%s", key);
	else
		snprintf(buf, size, "%s.%s", path, key);
}

int
plan_get_str(const struct plan_reader *r, json_t *obj, const char *path, const char *key,
    bool required, const char **out)
{
	json_t *v = json_object_get(obj, key);
	char fp[256];

	field_path(fp, sizeof fp, path, key);
	if (v == NULL || json_is_null(v)) {
		if (required)
			return plan_fail(r, fp, "missing");
		*out = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return plan_fail(r, fp, "must be a string");
	if (json_string_length(v) == 0 || strlen(json_string_value(v)) != json_string_length(v))
		return plan_fail(r, fp, "must be a non-empty string");
	*out = json_string_value(v);
	return 0;
}

int
plan_get_num(const struct plan_reader *r, json_t *obj, const char *path, const char *key,
    bool required, double def, double *out)
{
	json_t *v = json_object_get(obj, key);
	char fp[256];

	field_path(fp, sizeof fp, path, key);
	if (v == NULL || json_is_null(v)) {
		if (required)
			return plan_fail(r, fp, "missing");
		*out = def;
		return 0;
	}
	if (!json_is_number(v))
		return plan_fail(r, fp, "must be a number");
	*out = json_number_value(v);
	if (!isfinite(*out))
		return plan_fail(r, fp, "must be finite");
	return 0;
}

int
plan_check_schema(const struct plan_reader *r, json_t *root, const char *want_kind, int max_major)
{
	const char *s;
	size_t klen = strlen(want_kind);
	char *end;
	long major;

	if (!json_is_object(root))
		return plan_fail(r, NULL, "not a mapping/object at the top");
	if (plan_get_str(r, root, "", "schema", true, &s) != 0)
		return r->err->code;
	if (strncmp(s, want_kind, klen) != 0 || s[klen] != '/')
		return plan_fail(r, "schema", "is '%s', expected '%s/%d'", s, want_kind, max_major);
	errno = 0;
	major = strtol(s + klen + 1, &end, 10);
	if (end == s + klen + 1 || errno != 0 || major < 1)
		return plan_fail(r, "schema", "bad version in '%s'", s);
	if (major > max_major)
		return plan_fail(r, "schema", "version %ld is newer than this ladder reads (%d)", major,
		    max_major);
	return 0;
}
