/* yamldoc.h: read and parse a YAML file into a libyaml document or a jansson tree.  Internal to lib/. */
#ifndef LADDER_UTIL_YAMLDOC_H
#define LADDER_UTIL_YAMLDOC_H

#include <jansson.h>
#include <stddef.h>
#include <yaml.h>

#include "ladder-util.h"

/*
 * Reads at most max_bytes of path and parses its first document into *doc,
 * which the caller frees with yaml_document_delete.  Errors name the file
 * and, for syntax errors, the line.
 */
int ladder_yaml_load(const char *path, size_t max_bytes, yaml_document_t *doc,
    struct ladder_err *err);
/* The same from text in memory; name is the file named in errors. */
int ladder_yaml_parse(const char *name, const char *text, size_t len, yaml_document_t *doc,
    struct ladder_err *err);
/*
 * Reads a YAML or JSON file (at most max_bytes) into a jansson tree (new
 * reference, the caller's).  Text starting with '{' or '[' is JSON (jansson,
 * duplicate keys rejected); otherwise YAML, plain scalars typed as in YAML
 * 1.2's core schema (null, bool, integer, float, else string).  Aliases,
 * duplicate or non-scalar keys and nesting deeper than 64 levels are errors
 * naming the file and line.
 */
int ladder_yaml_load_json(const char *path, size_t max_bytes, json_t **out,
    struct ladder_err *err);

#endif
