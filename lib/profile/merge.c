/* merge.c: `ladder profile merge`: combine profiles from several devices into one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profile/profile.h"
#include "util/banned.h"


static json_t *
find_str(json_t *arr, const char *key, const char *value, size_t *index)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		json_t *s = json_object_get(v, key);

		if (json_is_string(s) && value && strcmp(json_string_value(s), value) == 0) {
			*index = i;
			return v;
		}
	}
	return NULL;
}

static bool
same_entry(const json_t *a, const json_t *b)
{
	static const char *const keys[] = { "sha256", "hardware", "data", "runner", "threads", "batch" };

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (!json_equal(json_object_get(a, keys[i]), json_object_get(b, keys[i])))
			return false;
	}
	return true;
}

/* Copies a per-sample file next to the output (same relative path). */
static int
copy_sample(const char *from_dir, const char *to_dir, const char *rel, struct ladder_err *err)
{
	char src[8192], dst[8192], dir[8192];
	char *data;
	size_t len;
	int rc;

	if (rel == NULL || strstr(rel, "..") != NULL || rel[0] == '/')
		return ladder_errf(err, LADDER_EFORMAT, "bad per-sample path '%s'", rel ? rel : "");
	if (ladder_path_join(src, sizeof src, from_dir, rel) != 0 ||
	    ladder_path_join(dst, sizeof dst, to_dir, rel) != 0)
		return ladder_errf(err, LADDER_EINVAL, "path too long");
	if (strcmp(src, dst) == 0 || access(dst, F_OK) == 0)
		return 0;	/* named by sha256: an existing file has the same content */
	rc = ladder_read_file(src, 0, &data, &len, err);
	if (rc != 0)
		return rc;
	ladder_path_dir(dst, dir, sizeof dir);
	rc = ladder_mkdirs(dir, err);
	if (rc == 0)
		rc = ladder_write_file(dst, data, len, err);
	free(data);
	return rc;
}

int
ladder_profile_merge(const char *const *inputs, size_t n_inputs, const char *output,
    struct ladder_err *err)
{
	char outdir[4096];
	json_t *out;
	int rc;

	if (n_inputs == 0)
		return ladder_errf(err, LADDER_EINVAL, "nothing to merge");
	ladder_path_dir(output, outdir, sizeof outdir);
	rc = profile_load_doc(output, &out, false, err);
	if (rc != 0)
		return rc;
	/* The output is rebuilt from the inputs only. */
	json_array_clear(json_object_get(out, "hardware"));
	json_array_clear(json_object_get(out, "data"));
	json_array_clear(json_object_get(out, "entries"));
	for (size_t f = 0; f < n_inputs && rc == 0; f++) {
		char indir[4096];
		json_t *in, *v;
		size_t i, at;

		rc = profile_load_doc(inputs[f], &in, true, err);
		if (rc != 0)
			break;
		ladder_path_dir(inputs[f], indir, sizeof indir);
		json_array_foreach(json_object_get(in, "hardware"), i, v) {
			const char *name = json_string_value(json_object_get(v, "name"));
			json_t *have = find_str(json_object_get(out, "hardware"), "name", name, &at);

			if (name == NULL) {
				rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': hardware %zu has no name",
				    inputs[f], i);
				break;
			}
			if (have != NULL && !json_equal(json_object_get(have, "fingerprint"),
			    json_object_get(v, "fingerprint"))) {
				rc = ladder_errf(err, LADDER_EINVAL,
				    "cannot merge '%s': hardware '%s' has another fingerprint than in an earlier input (rename one)",
				    inputs[f], name);
				break;
			}
			if (have != NULL)
				json_array_set(json_object_get(out, "hardware"), at, v);
			else
				json_array_append(json_object_get(out, "hardware"), v);
		}
		json_array_foreach(json_object_get(in, "data"), i, v) {
			const char *sha = json_string_value(json_object_get(v, "sha256"));

			if (rc == 0 && find_str(json_object_get(out, "data"), "sha256", sha, &at) == NULL)
				json_array_append(json_object_get(out, "data"), v);
		}
		json_array_foreach(json_object_get(in, "entries"), i, v) {
			json_t *entries = json_object_get(out, "entries"), *s = json_object_get(v, "samples");
			bool replaced = false;

			if (rc != 0)
				break;
			if (json_is_object(s)) {
				rc = copy_sample(indir, outdir, json_string_value(json_object_get(s, "outputs")), err);
				if (rc == 0)
					rc = copy_sample(indir, outdir,
					    json_string_value(json_object_get(s, "labels")), err);
				if (rc != 0) {
					ladder_err_prefix(err, "cannot merge '%s': entry %zu", inputs[f], i);
					break;
				}
			}
			for (size_t j = 0; j < json_array_size(entries); j++) {
				if (same_entry(json_array_get(entries, j), v)) {
					json_array_set(entries, j, v);	/* the later input wins */
					replaced = true;
				}
			}
			if (!replaced)
				json_array_append(entries, v);
		}
		json_decref(in);
	}
	if (rc == 0)
		rc = profile_write_doc(out, output, err);
	json_decref(out);
	return rc;
}
