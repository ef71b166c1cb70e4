/* bundle-int.h: helpers shared inside lib/bundle. */
#ifndef LADDER_BUNDLE_INT_H
#define LADDER_BUNDLE_INT_H

#include <archive.h>
#include <jansson.h>

#include "ladder-bundle.h"

bool bundle_node_id_ok(const char *id);
bool bundle_sha_ok(const char *s);
int bundle_plan_load(const char *plan_path, json_t **root, struct ladder_err *err);
int bundle_write_entry_header(struct archive *a, const char *path, uint64_t size,
    struct ladder_err *err);
int bundle_write_mem(struct archive *a, const char *path, const void *data, size_t len,
    struct ladder_err *err);
int bundle_sign(const struct ladder_key *key, const char *json, size_t len, char *out, size_t size);

#endif
