/* yamldoc.h: read and parse a YAML file into a libyaml document.  Internal to lib/. */
#ifndef LADDER_UTIL_YAMLDOC_H
#define LADDER_UTIL_YAMLDOC_H

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

#endif
