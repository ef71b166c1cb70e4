/*
 * energy.c: measured energy where the machine exposes it: Linux powercap
 * (RAPL package domains, energy counters in µJ) or Jetson INA3221 power
 * rails (instantaneous mW, averaged over the start and end readings).
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"
#include "util/banned.h"

static bool
read_u64(const char *path, uint64_t *out)
{
	FILE *f = fopen(path, "r");
	unsigned long long v;
	int n;

	if (f == NULL)
		return false;
	n = fscanf(f, "%llu", &v);
	fclose(f);
	if (n != 1)
		return false;
	*out = v;
	return true;
}

void
energy_begin(struct energy_meter *m)
{
	glob_t g;

	memset(m, 0, sizeof *m);
	m->start_ns = ladder_now_ns();
	/* Top-level RAPL domains only (intel-rapl:0, :1 ...), not their subzones. */
	if (glob("/sys/class/powercap/intel-rapl:[0-9]", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc && m->n_rapl < ENERGY_MAX_DOMAINS; i++) {
			char p[512];
			uint64_t e, range = 0;

			snprintf(p, sizeof p, "%s/energy_uj", g.gl_pathv[i]);
			if (!read_u64(p, &e))
				continue;
			snprintf(m->rapl[m->n_rapl], sizeof m->rapl[0], "%s", g.gl_pathv[i]);
			snprintf(p, sizeof p, "%s/max_energy_range_uj", g.gl_pathv[i]);
			read_u64(p, &range);
			m->rapl_start[m->n_rapl] = e;
			m->rapl_range[m->n_rapl] = range;
			m->n_rapl++;
		}
		globfree(&g);
	}
	if (m->n_rapl > 0)
		return;
	if (glob("/sys/bus/i2c/drivers/ina3221*/*/iio:device*/in_power[0-9]_input", 0, NULL, &g) == 0 ||
	    glob("/sys/bus/i2c/drivers/ina3221*/*/hwmon/hwmon*/power[0-9]_input", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc && m->n_ina < ENERGY_MAX_DOMAINS; i++) {
			uint64_t mw;

			if (!read_u64(g.gl_pathv[i], &mw))
				continue;
			snprintf(m->ina[m->n_ina], sizeof m->ina[0], "%s", g.gl_pathv[i]);
			m->ina_start_mw[m->n_ina] = (double)mw;
			m->n_ina++;
		}
		globfree(&g);
	}
}

bool
energy_end(struct energy_meter *m, double *joules, const char **source)
{
	double seconds = (double)(ladder_now_ns() - m->start_ns) / 1e9, total = 0;
	bool any = false;

	for (int i = 0; i < m->n_rapl; i++) {
		char p[512];
		uint64_t e;

		snprintf(p, sizeof p, "%s/energy_uj", m->rapl[i]);
		if (!read_u64(p, &e))
			continue;
		if (e < m->rapl_start[i])	/* the counter wrapped */
			e += m->rapl_range[i];
		total += (double)(e - m->rapl_start[i]) / 1e6;
		any = true;
	}
	if (any) {
		*joules = total;
		*source = "rapl";
		return total > 0;
	}
	for (int i = 0; i < m->n_ina; i++) {
		uint64_t mw;

		if (!read_u64(m->ina[i], &mw))
			continue;
		total += (m->ina_start_mw[i] + (double)mw) / 2 / 1000 * seconds;
		any = true;
	}
	if (any) {
		*joules = total;
		*source = "ina";
		return total > 0;
	}
	return false;
}
