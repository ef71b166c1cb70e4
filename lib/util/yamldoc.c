/* yamldoc.c: read and parse a YAML file into a libyaml document, or a YAML or JSON file into a jansson tree. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/yamldoc.h"
#include "util/banned.h"

#define TREE_MAX_DEPTH 64

int
ladder_yaml_parse(const char *name, const char *text, size_t len, yaml_document_t *doc,
    struct ladder_err *err)
{
	yaml_parser_t parser;
	int rc = 0;

	if (!yaml_parser_initialize(&parser))
		return ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", name);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, doc))
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': line %zu: %s", name,
		    parser.problem_mark.line + 1, parser.problem ? parser.problem : "bad YAML");
	/* The document owns copies of its scalars: the parser and text can go now. */
	yaml_parser_delete(&parser);
	return rc;
}

int
ladder_yaml_load(const char *path, size_t max_bytes, yaml_document_t *doc,
    struct ladder_err *err)
{
	char *text;
	size_t len;
	int rc;

	rc = ladder_read_file(path, max_bytes, &text, &len, err);
	if (rc != 0)
		return rc;
	rc = ladder_yaml_parse(path, text, len, doc, err);
	free(text);
	return rc;
}

/* A plain YAML scalar: null, bool, number or string, as YAML 1.2's core schema. */
static json_t *
plain_scalar(const char *s, size_t len)
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

struct conv {
	const char *path;
	yaml_document_t *doc;
	bool *seen;		/* per node: a second visit is an alias */
	struct ladder_err *err;
};

static int
convert(struct conv *cv, int index, int depth, json_t **out)
{
	yaml_node_t *n = yaml_document_get_node(cv->doc, index);
	size_t line;
	json_t *v;

	if (n == NULL)
		return ladder_errf(cv->err, LADDER_EFORMAT, "cannot read '%s': bad YAML node", cv->path);
	line = n->start_mark.line + 1;
	if (cv->seen[index - 1])
		return ladder_errf(cv->err, LADDER_EFORMAT,
		    "cannot read '%s': line %zu: aliases are not supported", cv->path, line);
	cv->seen[index - 1] = true;
	if (depth >= TREE_MAX_DEPTH)
		return ladder_errf(cv->err, LADDER_EFORMAT,
		    "cannot read '%s': nested deeper than %d levels", cv->path, TREE_MAX_DEPTH);
	switch (n->type) {
	case YAML_SCALAR_NODE:
		if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			v = plain_scalar((const char *)n->data.scalar.value, n->data.scalar.length);
		else
			v = json_stringn((const char *)n->data.scalar.value, n->data.scalar.length);
		break;
	case YAML_SEQUENCE_NODE:
		v = json_array();
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		    v != NULL && it < n->data.sequence.items.top; it++) {
			json_t *item;
			int rc = convert(cv, *it, depth + 1, &item);

			if (rc != 0) {
				json_decref(v);
				return rc;
			}
			if (json_array_append_new(v, item) != 0) {
				json_decref(v);
				v = NULL;
			}
		}
		break;
	case YAML_MAPPING_NODE:
		v = json_object();
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		    v != NULL && p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(cv->doc, p->key);
			json_t *item;
			int rc;

			if (k == NULL || k->type != YAML_SCALAR_NODE ||
			    strlen((const char *)k->data.scalar.value) != k->data.scalar.length) {
				json_decref(v);
				return ladder_errf(cv->err, LADDER_EFORMAT,
				    "cannot read '%s': line %zu: mapping keys must be scalars", cv->path,
				    k != NULL ? k->start_mark.line + 1 : line);
			}
			if (json_object_get(v, (const char *)k->data.scalar.value) != NULL) {
				json_decref(v);
				return ladder_errf(cv->err, LADDER_EFORMAT,
				    "cannot read '%s': line %zu: duplicate key '%s'", cv->path,
				    k->start_mark.line + 1, (const char *)k->data.scalar.value);
			}
			if ((rc = convert(cv, p->value, depth + 1, &item)) != 0) {
				json_decref(v);
				return rc;
			}
			if (json_object_set_new(v, (const char *)k->data.scalar.value, item) != 0) {
				json_decref(v);
				v = NULL;
			}
		}
		break;
	default:
		v = NULL;
		break;
	}
	if (v == NULL)
		return ladder_errf(cv->err, LADDER_ENOMEM, "cannot read '%s': out of memory", cv->path);
	*out = v;
	return 0;
}

int
ladder_yaml_load_json(const char *path, size_t max_bytes, json_t **out, struct ladder_err *err)
{
	yaml_document_t doc;
	struct conv cv = { path, &doc, NULL, err };
	char *text;
	size_t len, i = 0, n_nodes;
	int rc;

	rc = ladder_read_file(path, max_bytes, &text, &len, err);
	if (rc != 0)
		return rc;
	while (i < len && strchr(" \t\r\n", text[i]) != NULL)
		i++;
	if (i < len && (text[i] == '{' || text[i] == '[')) {
		/* JSON through jansson: exact numbers and duplicate keys rejected. */
		json_error_t je;
		json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);

		free(text);
		if (root == NULL)
			return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': line %d: %s", path,
			    je.line, je.text);
		*out = root;
		return 0;
	}
	rc = ladder_yaml_parse(path, text, len, &doc, err);
	free(text);
	if (rc != 0)
		return rc;
	n_nodes = (size_t)(doc.nodes.top - doc.nodes.start);
	if (n_nodes == 0) {
		yaml_document_delete(&doc);
		return ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': empty document", path);
	}
	if ((cv.seen = calloc(n_nodes, sizeof *cv.seen)) == NULL) {
		yaml_document_delete(&doc);
		return ladder_errf(err, LADDER_ENOMEM, "cannot read '%s': out of memory", path);
	}
	rc = convert(&cv, 1, 0, out);
	free(cv.seen);
	yaml_document_delete(&doc);
	return rc;
}
