/* hardware.c: hardware profiles (ladder.hardware/1, YAML or JSON) and the host fingerprint. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>
#include <zlib.h>

#include "data/data.h"
#include "ladder-profile.h"
#include "util/yamldoc.h"
#include "util/banned.h"

#ifndef LADDER_DATADIR
#define LADDER_DATADIR "/usr/local/share"
#endif

static yaml_node_t *
map_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

static const char *
scalar(yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (strcmp((const char *)n->data.scalar.value, "null") == 0 ||
	    strcmp((const char *)n->data.scalar.value, "~") == 0 || n->data.scalar.length == 0))
		return NULL;
	return (const char *)n->data.scalar.value;
}

/* A number field: absent is fine (keeps *out), present must parse. */
static int
number(yaml_node_t *n, double *out)
{
	const char *s = scalar(n);
	char *end;
	double v;

	if (n == NULL || s == NULL)
		return 0;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/*
 * power_modes: {MODE: {power_w: {idle, active}, speed_factor, cost_per_hour}}:
 * every mode is checked; the one named `mode` (if any) replaces the figures
 * it gives.  Returns 0, or the bad field in *bad.
 */
static int
power_modes(yaml_document_t *doc, yaml_node_t *root, const char *mode, struct ladder_hardware *hw,
    const char **bad, char *names, size_t names_size)
{
	yaml_node_t *modes = map_get(doc, root, "power_modes");
	bool found = false;

	names[0] = '\0';
	if (modes == NULL || (modes->type == YAML_SCALAR_NODE && scalar(modes) == NULL))
		return mode == NULL ? 0 : -1;	/* absent or null */
	if (modes->type != YAML_MAPPING_NODE) {
		*bad = "power_modes";
		return 0;
	}
	for (yaml_node_pair_t *p = modes->data.mapping.pairs.start; p < modes->data.mapping.pairs.top; p++) {
		const char *name = scalar(yaml_document_get_node(doc, p->key));
		yaml_node_t *m = yaml_document_get_node(doc, p->value), *pw;
		double idle = NAN, active = NAN, speed = NAN, cost = NAN;

		if (name == NULL || strlen(name) >= sizeof hw->power_mode || m == NULL ||
		    m->type != YAML_MAPPING_NODE) {
			*bad = "power_modes";
			return 0;
		}
		pw = map_get(doc, m, "power_w");
		if (number(map_get(doc, pw, "idle"), &idle) != 0 || idle < 0 ||
		    number(map_get(doc, pw, "active"), &active) != 0 || active < 0 ||
		    number(map_get(doc, m, "speed_factor"), &speed) != 0 || speed <= 0 ||
		    number(map_get(doc, m, "cost_per_hour"), &cost) != 0 || cost < 0) {
			*bad = "power_modes";
			return 0;
		}
		if (strlen(names) + strlen(name) + 3 < names_size) {
			if (names[0] != '\0')
				strncat(names, ", ", names_size - strlen(names) - 1);
			strncat(names, name, names_size - strlen(names) - 1);
		}
		if (mode == NULL || strcmp(name, mode) != 0)
			continue;
		found = true;
		snprintf(hw->power_mode, sizeof hw->power_mode, "%s", name);
		if (isfinite(idle))
			hw->power_idle_w = idle;
		if (isfinite(active))
			hw->power_active_w = active;
		if (isfinite(speed))
			hw->speed_factor = speed;
		if (isfinite(cost))
			hw->cost_per_hour = cost;
	}
	return mode == NULL || found ? 0 : -1;
}

int
ladder_hardware_load(const char *path, struct ladder_hardware *hw, struct ladder_err *err)
{
	return ladder_hardware_load_mode(path, NULL, hw, err);
}

int
ladder_hardware_load_mode(const char *path, const char *mode, struct ladder_hardware *hw,
    struct ladder_err *err)
{
	yaml_document_t doc;
	yaml_node_t *root, *cpu, *acc, *pw;
	const char *s, *bad = NULL;
	char names[256];
	double v;
	int rc;

	memset(hw, 0, sizeof *hw);
	hw->power_idle_w = hw->power_active_w = NAN;
	hw->speed_factor = 1.0;
	snprintf(hw->path, sizeof hw->path, "%s", path);
	rc = ladder_yaml_load(path, 1 << 20, &doc, err);
	if (rc != 0)
		return rc;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': not a hardware profile", path);
		goto done;
	}
	s = scalar(map_get(&doc, root, "schema"));
	if (s == NULL || strncmp(s, "ladder.hardware/", 16) != 0) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': schema is not ladder.hardware/1",
		    path);
		goto done;
	}
	if (atoi(s + 16) != 1) {
		rc = ladder_errf(err, LADDER_EFORMAT,
		    "cannot read '%s': schema '%s' is newer than ladder.hardware/1", path, s);
		goto done;
	}
	s = scalar(map_get(&doc, root, "name"));
	if (s == NULL || s[0] == '\0' || strlen(s) >= sizeof hw->name) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': no valid 'name'", path);
		goto done;
	}
	snprintf(hw->name, sizeof hw->name, "%s", s);
	s = scalar(map_get(&doc, root, "tier"));
	snprintf(hw->tier, sizeof hw->tier, "%s", s ? s : "edge-dc");
	if (strcmp(hw->tier, "device") != 0 && strcmp(hw->tier, "hub") != 0 &&
	    strcmp(hw->tier, "edge-dc") != 0 && strcmp(hw->tier, "cloud") != 0) {
		rc = ladder_errf(err, LADDER_EFORMAT,
		    "cannot read '%s': tier '%s' is not device, hub, edge-dc or cloud", path, hw->tier);
		goto done;
	}
	cpu = map_get(&doc, root, "cpu");
	s = scalar(map_get(&doc, cpu, "model"));
	snprintf(hw->cpu_model, sizeof hw->cpu_model, "%s", s ? s : "");
	v = 0;
	if (number(map_get(&doc, cpu, "cores"), &v) != 0 || v < 0 || v > 1e6)
		bad = "cpu.cores";
	hw->cores = (int)v;
	acc = map_get(&doc, root, "accelerator");
	if (acc != NULL && acc->type == YAML_MAPPING_NODE) {
		const char *kind = scalar(map_get(&doc, acc, "kind"));
		const char *model = scalar(map_get(&doc, acc, "model"));

		snprintf(hw->accelerator, sizeof hw->accelerator, "%s%s%s", kind ? kind : "accelerator",
		    model ? ": " : "", model ? model : "");
	}
	v = 0;
	if (number(map_get(&doc, root, "memory_mb"), &v) != 0 || v < 0)
		bad = "memory_mb";
	hw->memory_mb = (int64_t)v;
	pw = map_get(&doc, root, "power_w");
	if (number(map_get(&doc, pw, "idle"), &hw->power_idle_w) != 0 || hw->power_idle_w < 0)
		bad = "power_w.idle";
	if (number(map_get(&doc, pw, "active"), &hw->power_active_w) != 0 || hw->power_active_w < 0)
		bad = "power_w.active";
	if (number(map_get(&doc, root, "cost_per_hour"), &hw->cost_per_hour) != 0 ||
	    hw->cost_per_hour < 0)
		bad = "cost_per_hour";
	if (number(map_get(&doc, root, "speed_factor"), &hw->speed_factor) != 0 ||
	    !(hw->speed_factor > 0))
		bad = "speed_factor";
	if (bad == NULL && power_modes(&doc, root, mode, hw, &bad, names, sizeof names) != 0) {
		rc = ladder_errf(err, LADDER_ENOTFOUND, "hardware profile '%s' has no power mode '%s'%s%s%s",
		    path, mode, names[0] ? " (it has " : " (it has none)", names, names[0] ? ")" : "");
		goto done;
	}
	if (bad != NULL) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': bad value for '%s'", path, bad);
		goto done;
	}
	if (mode != NULL) {
		/* Another mode is another target: NAME@MODE. */
		if (strlen(hw->name) + 1 + strlen(mode) >= sizeof hw->name) {
			rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': name@mode is too long", path);
			goto done;
		}
		snprintf(hw->name + strlen(hw->name), sizeof hw->name - strlen(hw->name), "@%s", mode);
	}
done:
	yaml_document_delete(&doc);
	return rc;
}

static bool
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int
ladder_hardware_find(const char *name_or_path, struct ladder_hardware *hw, struct ladder_err *err)
{
	static const char *const exts[] = { ".yaml", ".yml", ".json" };
	const char *dirs[3] = { getenv("LADDER_PROFILES"), "profiles", LADDER_DATADIR "/ladder/profiles" };
	const char *at = strrchr(name_or_path, '@'), *mode = NULL;
	char path[1200], what[1024];

	/* NAME@MODE or PATH@MODE: a power mode of the profile. */
	snprintf(what, sizeof what, "%s", name_or_path);
	if (at != NULL && strchr(at, '/') == NULL) {
		what[at - name_or_path] = '\0';
		mode = at + 1;
		if (mode[0] == '\0' || what[0] == '\0')
			return ladder_errf(err, LADDER_EINVAL, "hardware '%s': give NAME@MODE", name_or_path);
	}
	if (strchr(what, '/') != NULL || data_has_suffix(what, ".yaml") ||
	    data_has_suffix(what, ".yml") || data_has_suffix(what, ".json"))
		return ladder_hardware_load_mode(what, mode, hw, err);
	for (int d = 0; d < 3; d++) {
		if (dirs[d] == NULL || dirs[d][0] == '\0')
			continue;
		for (int e = 0; e < 3; e++) {
			snprintf(path, sizeof path, "%s/%s%s", dirs[d], what, exts[e]);
			if (is_file(path))
				return ladder_hardware_load_mode(path, mode, hw, err);
		}
	}
	return ladder_errf(err, LADDER_ENOTFOUND,
	    "no hardware profile '%s' (looked in $LADDER_PROFILES, ./profiles and %s/ladder/profiles)",
	    name_or_path, LADDER_DATADIR);
}

/* The value of "key : value" lines in a /proc file. */
static bool
proc_field(const char *path, const char *key, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	char line[512];
	size_t klen = strlen(key);
	bool found = false;

	if (f == NULL)
		return false;
	while (fgets(line, sizeof line, f) != NULL) {
		char *p;

		if (strncmp(line, key, klen) != 0 || (line[klen] != ' ' && line[klen] != '\t' &&
		    line[klen] != ':'))
			continue;
		p = strchr(line, ':');
		if (p == NULL)
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		p[strcspn(p, "\n")] = '\0';
		snprintf(out, size, "%s", p);
		found = true;
		break;
	}
	fclose(f);
	return found;
}

#if LADDER_HAVE_OPENBLAS
char *openblas_get_config(void);
#endif

void
ladder_host_probe(struct ladder_host *host)
{
	char buf[256];
	struct ladder_buf id;
	json_t *libs;
	char *text;

	memset(host, 0, sizeof *host);
	if (!proc_field("/proc/cpuinfo", "model name", host->cpu_model, sizeof host->cpu_model) &&
	    !proc_field("/proc/cpuinfo", "Model", host->cpu_model, sizeof host->cpu_model) &&
	    !proc_field("/proc/cpuinfo", "Hardware", host->cpu_model, sizeof host->cpu_model))
		snprintf(host->cpu_model, sizeof host->cpu_model, "unknown");
	host->cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (proc_field("/proc/meminfo", "MemTotal", buf, sizeof buf))
		host->memory_mb = strtoll(buf, NULL, 10) / 1024;
	/* Jetson boards name themselves in the device tree. */
	if (is_file("/etc/nv_tegra_release"))
		snprintf(host->accelerator, sizeof host->accelerator, "gpu: nvidia tegra");
	libs = json_object();
	json_object_set_new(libs, "ladder", json_string(ladder_version()));
	json_object_set_new(libs, "jansson", json_string(JANSSON_VERSION));
	json_object_set_new(libs, "zlib", json_string(zlibVersion()));
#if LADDER_HAVE_OPENBLAS
	{
		char *cfg = openblas_get_config();

		json_object_set_new(libs, "openblas", json_string(cfg ? cfg : "unknown"));
	}
#endif
	text = json_dumps(libs, JSON_PRESERVE_ORDER | JSON_COMPACT);
	snprintf(host->libs, sizeof host->libs, "%s", text ? text : "{}");
	free(text);
	json_decref(libs);
	ladder_buf_init(&id);
	ladder_buf_addf(&id, "cpu %s\ncores %d\naccelerator %s\nmemory_mb %lld\nlibs %s\n",
	    host->cpu_model, host->cores, host->accelerator, (long long)host->memory_mb, host->libs);
	ladder_sha256_hex(id.data ? id.data : "", id.len, host->fingerprint);
	ladder_buf_release(&id);
}
