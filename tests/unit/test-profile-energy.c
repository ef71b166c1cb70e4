/*
 * test-profile-energy.c: measured energy on a fake sysfs tree
 * ($LADDER_SYSFS_ROOT): RAPL with wrap-around, INA3221 rails (iio power,
 * current × voltage, hwmon), fallback when absent or unreadable.  The clock
 * is given and the counters are written by the test: nothing depends on timing.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "ladder.h"
#include "profile/profile.h"

#define SEC 1000000000ull

static char root[64];

/* Writes TEXT to ROOT/PATH, making the directories. */
static void
put(const char *path, const char *fmt, ...)
{
	char full[512], cmd[600];
	va_list ap;
	FILE *f;

	snprintf(full, sizeof full, "%s/%s", root, path);
	snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", full);
	if (system(cmd) != 0)
		return;
	f = fopen(full, "w");
	if (f == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static void
remove_root(void)
{
	char cmd[128];

	if (root[0] == '\0')
		return;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	root[0] = '\0';
}

static void
fresh_root(void)
{
	static bool registered;

	if (!registered)
		atexit(remove_root);
	registered = true;
	remove_root();
	snprintf(root, sizeof root, "/tmp/ladder-sysfs.XXXXXX");
	if (mkdtemp(root) == NULL)
		root[0] = '\0';
	chmod(root, 0755);
	setenv("LADDER_SYSFS_ROOT", root, 1);
}

#define RAPL "class/powercap/intel-rapl:0"

TEST(rapl_counts_and_wraps)
{
	struct energy_meter m;
	const char *source = NULL;
	double j = 0;

	fresh_root();
	put(RAPL "/name", "package-0\n");
	put(RAPL "/energy_uj", "900000\n");
	put(RAPL "/max_energy_range_uj", "1000000\n");
	put(RAPL ":0/energy_uj", "5\n");	/* a subzone (core): inside the package, not added */
	put("class/powercap/intel-rapl:1/name", "psys\n");	/* the platform: never added to packages */
	put("class/powercap/intel-rapl:1/energy_uj", "0\n");
	energy_begin_at(&m, 0);
	CHECK_EQ_INT(m.kind, ENERGY_RAPL);
	CHECK_EQ_INT(m.n, 1);
	put(RAPL "/energy_uj", "950000\n");
	put("class/powercap/intel-rapl:1/energy_uj", "777777\n");
	energy_sample_at(&m, 1 * SEC);
	put(RAPL "/energy_uj", "150000\n");	/* wrapped at 1000000: +200000 */
	CHECK(energy_end_at(&m, 2 * SEC, &j, &source));
	CHECK_NEAR(j, 0.25, 1e-12);
	CHECK_EQ_STR(source, "rapl");

	/* Two packages add up; a wrap without max_energy_range_uj is not guessed. */
	put("class/powercap/intel-rapl:1/name", "package-1\n");
	put("class/powercap/intel-rapl:1/energy_uj", "1000\n");
	put(RAPL "/energy_uj", "0\n");
	energy_begin_at(&m, 0);
	CHECK_EQ_INT(m.n, 2);
	put("class/powercap/intel-rapl:1/energy_uj", "3000\n");
	put(RAPL "/energy_uj", "1000000\n");
	CHECK(energy_end_at(&m, SEC, &j, &source));
	CHECK_NEAR(j, 1.002, 1e-12);
	put("class/powercap/intel-rapl:1/max_energy_range_uj", "");
	energy_begin_at(&m, 0);
	put("class/powercap/intel-rapl:1/energy_uj", "10\n");
	CHECK(!energy_end_at(&m, SEC, &j, &source));
	CHECK(strstr(m.note, "went backwards") != NULL);
}

TEST(rapl_psys_alone_and_still_counter)
{
	struct energy_meter m;
	const char *source = NULL;
	double j = 0;

	fresh_root();
	put("class/powercap/intel-rapl:0/name", "psys\n");
	put("class/powercap/intel-rapl:0/energy_uj", "100\n");
	energy_begin_at(&m, 0);
	CHECK_EQ_INT(m.n, 1);
	CHECK(!energy_end_at(&m, SEC, &j, &source));	/* did not move: not a measurement */
	CHECK(strstr(m.note, "did not change") != NULL);
}

/* The downstream driver's IIO device (Jetson, L4T). */
#define INA_IIO "bus/i2c/drivers/ina3221x/6-0040/iio:device0"

TEST(ina_iio_power_and_current_voltage)
{
	struct energy_meter m;
	const char *source = NULL;
	double j = 0;

	fresh_root();
	/* Channel 0 the board input, 1 the CPU: only the input rail counts. */
	put(INA_IIO "/rail_name_0", "VDD_IN\n");
	put(INA_IIO "/in_power0_input", "5000\n");
	put(INA_IIO "/rail_name_1", "VDD_CPU\n");
	put(INA_IIO "/in_power1_input", "2000\n");
	energy_begin_at(&m, 0);
	CHECK_EQ_INT(m.kind, ENERGY_INA);
	CHECK_EQ_INT(m.n, 1);
	put(INA_IIO "/in_power0_input", "7000\n");
	energy_sample_at(&m, 1 * SEC);	/* (5 + 7) / 2 W for 1 s = 6 J */
	CHECK(energy_end_at(&m, 3 * SEC, &j, &source));	/* + 7 W for 2 s */
	CHECK_NEAR(j, 20, 1e-9);
	CHECK_EQ_STR(source, "ina");

	/* No power files: current (mA) × voltage (mV); no input rail: all rails add up. */
	fresh_root();
	put(INA_IIO "/in_current0_input", "1000\n");
	put(INA_IIO "/in_voltage0_input", "5000\n");
	put(INA_IIO "/in_current1_input", "200\n");
	put(INA_IIO "/in_voltage1_input", "5000\n");
	energy_begin_at(&m, 0);
	CHECK_EQ_INT(m.n, 2);
	CHECK(energy_end_at(&m, 2 * SEC, &j, &source));	/* 6 W for 2 s */
	CHECK_NEAR(j, 12, 1e-9);
}

TEST(ina_hwmon)
{
	struct energy_meter m;
	const char *source = NULL;
	double j = 0;

	/* The upstream driver (Jetson Orin): hwmon, curr mA × in mV, labels inN_label. */
	fresh_root();
	put("bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon3/in1_label", "VDD_IN\n");
	put("bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon3/curr1_input", "2000\n");
	put("bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon3/in1_input", "5000\n");
	put("bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon3/in2_label", "VDD_CPU_GPU_CV\n");
	put("bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon3/curr2_input", "900\n");
	put("bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon3/in2_input", "5000\n");
	energy_begin_at(&m, 0);
	CHECK_EQ_INT(m.n, 1);
	CHECK(energy_end_at(&m, SEC / 2, &j, &source));	/* 10 W for 0.5 s */
	CHECK_NEAR(j, 5, 1e-9);
	CHECK_EQ_STR(source, "ina");

	/* /sys/class/hwmon with name ina3221 and power in µW. */
	fresh_root();
	put("class/hwmon/hwmon0/name", "coretemp\n");
	put("class/hwmon/hwmon0/power1_input", "99000000\n");
	put("class/hwmon/hwmon1/name", "ina3221\n");
	put("class/hwmon/hwmon1/power1_input", "4000000\n");
	energy_begin_at(&m, 0);
	CHECK_EQ_INT(m.n, 1);
	CHECK(energy_end_at(&m, SEC, &j, &source));
	CHECK_NEAR(j, 4, 1e-9);
}

TEST(nothing_to_read)
{
	struct energy_meter m;
	const char *source = NULL;
	double j = 0;

	fresh_root();
	energy_begin_at(&m, 0);
	CHECK_EQ_INT(m.n, 0);
	CHECK(!energy_end_at(&m, SEC, &j, &source));
	CHECK(strstr(m.note, "no RAPL counters") != NULL);
	CHECK(strstr(m.note, root) != NULL);

	/* A counter that is not a number. */
	put(RAPL "/energy_uj", "n/a\n");
	energy_begin_at(&m, 0);
	CHECK_EQ_INT(m.n, 0);
	CHECK(strstr(m.note, "cannot read the RAPL counter") != NULL);
}

/*
 * energy_uj readable by root only (Linux >= 5.10): as root the test drops to
 * nobody in a child, since root reads it anyway.
 */
TEST(permission_denied)
{
	struct energy_meter m;
	char path[256];
	pid_t pid;
	int status = 0;

	fresh_root();
	put(RAPL "/energy_uj", "100\n");
	put(RAPL "/name", "package-0\n");
	snprintf(path, sizeof path, "%s/" RAPL "/energy_uj", root);
	chmod(path, 0400);
	fflush(NULL);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(2);
		energy_begin_at(&m, 0);
		if (m.n != 0)
			_exit(3);
		if (strstr(m.note, "permission denied") == NULL || strstr(m.note, path) == NULL)
			_exit(4);
		_exit(0);
	}
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ_INT(WEXITSTATUS(status), 0);
}

TEST_MAIN()
