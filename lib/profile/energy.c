/*
 * energy.c: measured energy where the machine exposes it: Linux powercap
 * RAPL counters (µJ, wrapping at max_energy_range_uj) or INA3221 power rails
 * (Jetson: instantaneous power, integrated by the trapezoid rule over the
 * samples taken during the run).  The sysfs root is $LADDER_SYSFS_ROOT
 * (default /sys), so tests can use a fake tree.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"
#include "util/banned.h"

/* 0, or errno of the open/read (EINVAL when the text is not a number). */
static int
read_u64(const char *path, uint64_t *out)
{
	FILE *f = fopen(path, "r");
	unsigned long long v;
	int n, e;

	if (f == NULL)
		return errno ? errno : EIO;
	errno = 0;
	n = fscanf(f, "%llu", &v);
	e = errno;
	fclose(f);
	if (n != 1)
		return e ? e : EINVAL;
	*out = v;
	return 0;
}

/* First line of a small text file ("" when unreadable). */
static void
read_line(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");

	out[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(out, (int)size, f) == NULL)
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\r\n")] = '\0';
}

static const char *
sysfs_root(void)
{
	const char *r = getenv("LADDER_SYSFS_ROOT");

	return r != NULL && r[0] != '\0' ? r : "/sys";
}

static void
note_read_failure(struct energy_meter *m, const char *what, const char *path, int errnum)
{
	if (m->note[0] != '\0')
		return;
	if (errnum == EACCES || errnum == EPERM)
		snprintf(m->note, sizeof m->note,
		    "cannot read %s '%s': permission denied (recent kernels make it readable by root only)",
		    what, path);
	else
		snprintf(m->note, sizeof m->note, "cannot read %s '%s': %s", what, path, strerror(errnum));
}

/* RAPL top-level zones (intel-rapl:N, not the subzones intel-rapl:N:M); psys only when alone. */
static void
find_rapl(struct energy_meter *m, const char *root)
{
	char pattern[ENERGY_PATH_MAX + 64];
	glob_t g;
	int n_psys = 0;
	struct energy_domain psys[ENERGY_MAX_DOMAINS];

	snprintf(pattern, sizeof pattern, "%s/class/powercap/intel-rapl:[0-9]*", root);
	if (glob(pattern, 0, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *zone = strrchr(g.gl_pathv[i], '/') + 1;
		struct energy_domain d = { 0 };
		char p[ENERGY_PATH_MAX + 32], name[64];
		int e;

		if (strchr(zone + strlen("intel-rapl:"), ':') != NULL)
			continue;
		snprintf(d.path, sizeof d.path, "%s/energy_uj", g.gl_pathv[i]);
		if ((e = read_u64(d.path, &d.last)) != 0) {
			note_read_failure(m, "the RAPL counter", d.path, e);
			continue;
		}
		snprintf(p, sizeof p, "%s/max_energy_range_uj", g.gl_pathv[i]);
		if (read_u64(p, &d.range) != 0)
			d.range = 0;
		snprintf(p, sizeof p, "%s/name", g.gl_pathv[i]);
		read_line(p, name, sizeof name);
		if (strcmp(name, "psys") == 0) {
			/* The whole platform: it includes the packages, so never add both. */
			if (n_psys < ENERGY_MAX_DOMAINS)
				psys[n_psys++] = d;
			continue;
		}
		if (m->n < ENERGY_MAX_DOMAINS)
			m->dom[m->n++] = d;
	}
	globfree(&g);
	for (int i = 0; m->n == 0 && i < n_psys; i++)
		m->dom[i] = psys[i];
	if (m->n == 0)
		m->n = n_psys;
	if (m->n > 0)
		m->kind = ENERGY_RAPL;
}

/* One INA rail's power in mW. */
static int
rail_mw(const struct energy_domain *d, double *mw)
{
	uint64_t a, b = 1;
	int e;

	if ((e = read_u64(d->path, &a)) != 0)
		return e;
	if (d->volt[0] != '\0' && (e = read_u64(d->volt, &b)) != 0)
		return e;
	*mw = (double)a * (double)b * d->factor;
	return 0;
}

/*
 * Rails of one INA3221 directory.  prefix: "in_" (iio, legacy Jetson
 * driver: in_powerN_input mW, or in_currentN_input mA × in_voltageN_input
 * mV, label rail_name_N) or "" (hwmon: powerN_input µW, or currN_input mA ×
 * inN_input mV, label inN_label).
 */
static void
add_ina_dir(struct energy_meter *m, const char *dir, bool iio)
{
	for (int ch = 0; ch < 8 && m->n < ENERGY_MAX_DOMAINS; ch++) {
		struct energy_domain d = { 0 };
		char label[64], p[ENERGY_PATH_MAX + 32];
		uint64_t v;
		double mw;
		int e;

		if (iio) {
			snprintf(d.path, sizeof d.path, "%s/in_power%d_input", dir, ch);
			d.factor = 1;
			if (read_u64(d.path, &v) == ENOENT) {
				snprintf(d.path, sizeof d.path, "%s/in_current%d_input", dir, ch);
				snprintf(d.volt, sizeof d.volt, "%s/in_voltage%d_input", dir, ch);
				d.factor = 1e-3;
			}
			snprintf(p, sizeof p, "%s/rail_name_%d", dir, ch);
		} else {
			snprintf(d.path, sizeof d.path, "%s/power%d_input", dir, ch);
			d.factor = 1e-3;
			if (read_u64(d.path, &v) == ENOENT) {
				snprintf(d.path, sizeof d.path, "%s/curr%d_input", dir, ch);
				snprintf(d.volt, sizeof d.volt, "%s/in%d_input", dir, ch);
				d.factor = 1e-3;
			}
			snprintf(p, sizeof p, "%s/in%d_label", dir, ch);
		}
		if ((e = rail_mw(&d, &mw)) != 0) {
			if (e != ENOENT)
				note_read_failure(m, "the INA3221 rail", d.path, e);
			continue;
		}
		read_line(p, label, sizeof label);
		snprintf(d.label, sizeof d.label, "%s", label);
		d.last_mw = mw;
		m->dom[m->n++] = d;
	}
}

/* A rail that is the board's input (VDD_IN, POM_5V_IN): it includes the others. */
static bool
input_rail(const char *label)
{
	size_t n = strlen(label);

	return n >= 3 && (strcmp(label + n - 3, "_IN") == 0 || strcmp(label, "VDD_IN") == 0);
}

static void
find_ina(struct energy_meter *m, const char *root)
{
	static const char *const patterns[] = {
		"%s/bus/i2c/drivers/ina3221*/*/iio:device[0-9]*",
		"%s/bus/i2c/drivers/ina3221*/*/hwmon/hwmon[0-9]*",
		"%s/class/hwmon/hwmon[0-9]*",
	};
	int inputs = 0;

	for (size_t k = 0; k < 3 && m->n == 0; k++) {
		char pattern[ENERGY_PATH_MAX + 64];
		glob_t g;

		snprintf(pattern, sizeof pattern, patterns[k], root);
		if (glob(pattern, 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			if (k == 2) {
				char p[ENERGY_PATH_MAX + 16], name[64];

				snprintf(p, sizeof p, "%s/name", g.gl_pathv[i]);
				read_line(p, name, sizeof name);
				if (strncmp(name, "ina3221", 7) != 0)
					continue;
			}
			add_ina_dir(m, g.gl_pathv[i], k == 0);
		}
		globfree(&g);
	}
	for (int i = 0; i < m->n; i++)
		inputs += input_rail(m->dom[i].label);
	if (inputs > 0) {
		int n = 0;

		for (int i = 0; i < m->n; i++) {
			if (input_rail(m->dom[i].label))
				m->dom[n++] = m->dom[i];
		}
		m->n = n;
	}
	if (m->n > 0)
		m->kind = ENERGY_INA;
}

void
energy_begin_at(struct energy_meter *m, uint64_t now_ns)
{
	const char *root = sysfs_root();

	memset(m, 0, sizeof *m);
	m->last_ns = now_ns;
	find_rapl(m, root);
	if (m->n == 0)
		find_ina(m, root);
	if (m->n > 0) {
		m->note[0] = '\0';	/* one source works: earlier failures do not matter */
		return;
	}
	if (m->note[0] == '\0')
		snprintf(m->note, sizeof m->note,
		    "no RAPL counters under '%s/class/powercap' and no INA3221 rails under '%s/bus/i2c/drivers'",
		    root, root);
}

void
energy_sample_at(struct energy_meter *m, uint64_t now_ns)
{
	double seconds = now_ns > m->last_ns ? (double)(now_ns - m->last_ns) / 1e9 : 0;

	if (m->failed || m->n == 0)
		return;
	for (int i = 0; i < m->n; i++) {
		struct energy_domain *d = &m->dom[i];
		uint64_t e;
		double mw;
		int rc;

		if (m->kind == ENERGY_RAPL) {
			if ((rc = read_u64(d->path, &e)) != 0) {
				note_read_failure(m, "the RAPL counter", d->path, rc);
				m->failed = true;
				return;
			}
			if (e >= d->last) {
				m->joules += (double)(e - d->last) / 1e6;
			} else if (d->range > d->last) {
				/* The counter wrapped at max_energy_range_uj. */
				m->joules += (double)(d->range - d->last + e) / 1e6;
			} else {
				snprintf(m->note, sizeof m->note,
				    "the RAPL counter '%s' went backwards and its max_energy_range_uj is unknown",
				    d->path);
				m->failed = true;
				return;
			}
			d->last = e;
		} else {
			if ((rc = rail_mw(d, &mw)) != 0) {
				note_read_failure(m, "the INA3221 rail", d->path, rc);
				m->failed = true;
				return;
			}
			m->joules += (d->last_mw + mw) / 2 / 1000 * seconds;
			d->last_mw = mw;
		}
	}
	m->last_ns = now_ns;
}

bool
energy_end_at(struct energy_meter *m, uint64_t now_ns, double *joules, const char **source)
{
	energy_sample_at(m, now_ns);
	if (m->failed || m->n == 0)
		return false;
	if (!(m->joules > 0)) {
		snprintf(m->note, sizeof m->note, "the %s readings did not change over the run",
		    m->kind == ENERGY_RAPL ? "RAPL counter" : "INA3221 rail");
		return false;
	}
	*joules = m->joules;
	*source = m->kind == ENERGY_RAPL ? "rapl" : "ina";
	return true;
}

void
energy_begin(struct energy_meter *m)
{
	energy_begin_at(m, ladder_now_ns());
}

void
energy_sample(struct energy_meter *m)
{
	energy_sample_at(m, ladder_now_ns());
}

bool
energy_end(struct energy_meter *m, double *joules, const char **source)
{
	return energy_end_at(m, ladder_now_ns(), joules, source);
}
