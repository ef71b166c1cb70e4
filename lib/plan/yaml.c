/* yaml.c: YAML or JSON files into jansson trees, and typed field access with paths in errors. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "plan/plan.h"
#include "util/banned.h"

#define TREE_MAX_BYTES ((size_t)256 << 20)
#define TREE_MAX_DEPTH 64

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

/* A plain YAML scalar: null, bool, number or string, as YAML 1.2's core schema. */
static json_t *
yaml_plain_scalar(const char *s, size_t len)
{
	char *end;
	double d;

	if (len == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	    strcmp(s, "NULL") == 0)
		return json_null();
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0)
		return json_true();
	if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0)
		return json_false();
	if (strchr("+-.0123456789", s[0]) != NULL && strspn(s, "+-.0123456789eE") == len) {
		errno = 0;
		if (strspn(s, "+-0123456789") == len) {
			long long v = strtoll(s, &end, 10);

			if (*end == '\0' && errno == 0)
				return json_integer(v);
		}
		errno = 0;
		d = strtod(s, &end);
		if (*end == '\0' && errno == 0 && isfinite(d))
			return json_real(d);
	}
	return json_stringn(s, len);
}

static int
yaml_tree(const char *path, const char *data, size_t len, json_t **out, struct ladder_err *err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	json_t *stack[TREE_MAX_DEPTH];
	char *keys[TREE_MAX_DEPTH];	/* pending key per mapping level */
	int depth = 0, rc = 0;
	json_t *root = NULL;
	bool done = false;

	memset(keys, 0, sizeof keys);
	if (!yaml_parser_initialize(&parser))
		return ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", path);
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	while (!done) {
		json_t *v = NULL;

		if (!yaml_parser_parse(&parser, &ev)) {
			rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': line %zu: %s", path,
			    (size_t)parser.problem_mark.line + 1,
			    parser.problem ? parser.problem : "invalid YAML");
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_END_EVENT:
			done = root != NULL;
			break;
		case YAML_ALIAS_EVENT:
			rc = ladder_errf(err, LADDER_EFORMAT,
			    "cannot read '%s': line %zu: aliases are not supported", path,
			    (size_t)ev.start_mark.line + 1);
			break;
		case YAML_SCALAR_EVENT:
			if (ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
				v = yaml_plain_scalar((const char *)ev.data.scalar.value,
				    ev.data.scalar.length);
			else
				v = json_stringn((const char *)ev.data.scalar.value,
				    ev.data.scalar.length);
			break;
		case YAML_SEQUENCE_START_EVENT:
			v = json_array();
			break;
		case YAML_MAPPING_START_EVENT:
			v = json_object();
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			free(keys[depth]);
			keys[depth] = NULL;
			break;
		default:
			break;
		}
		if (rc == 0 && v == NULL && (ev.type == YAML_SCALAR_EVENT ||
		    ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT))
			rc = ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", path);
		if (rc == 0 && v != NULL) {
			bool container = json_is_array(v) || json_is_object(v);

			if (depth == 0) {
				if (root != NULL)
					json_decref(root);
				root = json_incref(v);
			} else if (json_is_array(stack[depth - 1])) {
				json_array_append(stack[depth - 1], v);
			} else if (keys[depth - 1] == NULL) {
				if (!json_is_string(v)) {
					rc = ladder_errf(err, LADDER_EFORMAT,
					    "cannot read '%s': line %zu: mapping keys must be scalars",
					    path, (size_t)ev.start_mark.line + 1);
				} else if ((keys[depth - 1] = strdup(json_string_value(v))) == NULL) {
					rc = ladder_errf(err, LADDER_ENOMEM,
					    "cannot read '%s': out of memory", path);
				}
				container = false;
			} else {
				json_object_set(stack[depth - 1], keys[depth - 1], v);
				free(keys[depth - 1]);
				keys[depth - 1] = NULL;
			}
			if (rc == 0 && container) {
				if (depth >= TREE_MAX_DEPTH)
					rc = ladder_errf(err, LADDER_EFORMAT,
					    "cannot read '%s': nested deeper than %d levels", path,
					    TREE_MAX_DEPTH);
				else
					stack[depth++] = v;
			}
			json_decref(v);
		}
		yaml_event_delete(&ev);
		if (rc != 0)
			break;
	}
	for (int i = 0; i < TREE_MAX_DEPTH; i++)
		free(keys[i]);
	yaml_parser_delete(&parser);
	if (rc == 0 && root == NULL)
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': empty document", path);
	if (rc != 0) {
		json_decref(root);
		return rc;
	}
	*out = root;
	return 0;
}

int
plan_load_tree(const char *path, json_t **out, struct ladder_err *err)
{
	char *data;
	size_t len, i = 0;
	int rc;

	rc = ladder_read_file(path, TREE_MAX_BYTES, &data, &len, err);
	if (rc != 0)
		return rc;
	while (i < len && strchr(" \t\r\n", data[i]) != NULL)
		i++;
	if (i < len && (data[i] == '{' || data[i] == '[')) {
		json_error_t je;
		json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);

		free(data);
		if (root == NULL)
			return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': line %d: %s", path,
			    je.line, je.text);
		*out = root;
		return 0;
	}
	rc = yaml_tree(path, data, len, out, err);
	free(data);
	return rc;
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
