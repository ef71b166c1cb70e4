/* test-profile.c: statistics, the server simulation, hardware profiles, the host fingerprint. */
#include <unistd.h>

#include "harness.h"
#include "ladder.h"

TEST(quantiles_type7)
{
	double v[] = { 1, 2, 3, 4, 5 };

	CHECK_NEAR(ladder_quantile(v, 5, 0.5), 3, 0);
	CHECK_NEAR(ladder_quantile(v, 5, 0.9), 4.6, 1e-12);
	CHECK_NEAR(ladder_quantile(v, 5, 0), 1, 0);
	CHECK_NEAR(ladder_quantile(v, 5, 1), 5, 0);
	CHECK_NEAR(ladder_quantile(v, 4, 0.5), 2.5, 0);
}

TEST(stats_and_median_ci)
{
	double v[1000];
	struct ladder_latency_stats st;

	for (int i = 0; i < 1000; i++)
		v[i] = 10.0 + (double)((i * 7919) % 1000) / 1000.0;	/* 10.000 .. 10.999 shuffled */
	ladder_latency_stats_compute(v, 1000, 0.02, &st);
	CHECK_EQ_INT(st.samples, 1000);
	CHECK_NEAR(st.min_ms, 10.0, 1e-12);
	CHECK_NEAR(st.max_ms, 10.999, 1e-9);
	CHECK_NEAR(st.p50_ms, 10.4995, 1e-9);
	CHECK_NEAR(st.mean_ms, 10.4995, 1e-9);
	CHECK(st.p90_ms < st.p95_ms && st.p95_ms < st.p99_ms);
	/* ranks 469 and 532 (1-based): (10.531 - 10.468) / 2 / 10.4995 */
	CHECK_NEAR(st.ci_rel_halfwidth, (10.531 - 10.468) / 2 / 10.4995, 1e-9);
	CHECK(st.converged);
	ladder_latency_stats_compute(v, 1000, 0.001, &st);
	CHECK(!st.converged);
	CHECK(isinf(ladder_median_ci_rel(v, 5)));
}

/* Samples whose level drifts over time: tight overall order statistics, wide block medians. */
TEST(block_median_ci_catches_drift)
{
	double v[2000], w[2000];
	struct ladder_latency_stats st;

	for (int i = 0; i < 2000; i++) {
		double u = (double)((i * 7919) % 200) / 200.0;	/* spread within a block */
		double level = (i / 200) % 2 ? 1.06 : 0.94;	/* the machine's load changes */

		v[i] = level * (1 + u);
		w[i] = 1 + u;
	}
	memcpy(w + 1000, w, 1000 * sizeof w[0]);
	CHECK(ladder_block_median_ci_rel(v, 2000) > 0.03);
	CHECK(ladder_block_median_ci_rel(w, 2000) < 0.01);
	ladder_latency_stats_compute(v, 2000, 0.02, &st);
	CHECK(!st.converged);
	CHECK(st.ci_rel_halfwidth > 0.03);
	ladder_latency_stats_compute(w, 2000, 0.02, &st);
	CHECK(st.converged);
	CHECK(isnan(ladder_block_median_ci_rel(v, 79)));	/* too few blocks of 8 */
}

TEST(server_rate_deterministic_and_bounded)
{
	double s[100], r1, r2, r3;

	for (int i = 0; i < 100; i++)
		s[i] = 1.0;	/* 1 ms service: at most 1000/s */
	r1 = ladder_server_max_rate(s, 100, 10, 1);
	r2 = ladder_server_max_rate(s, 100, 10, 1);
	CHECK(r1 == r2);
	CHECK(r1 > 500 && r1 < 1000);
	r3 = ladder_server_max_rate(s, 100, 3, 1);
	CHECK(r3 < r1);	/* a tighter bound admits less */
	CHECK(ladder_server_max_rate(s, 100, 0.5, 1) == 0);	/* service alone misses it */
}

/* The highest admissible rate grows with the bound; seeds move it only a little. */
TEST(server_rate_monotone_in_bound)
{
	double s[200], last = 0;
	const double bounds[] = { 1.5, 2, 3, 5, 10, 50 };

	for (int i = 0; i < 200; i++)
		s[i] = 0.5 + (double)((i * 37) % 200) / 200.0;	/* 0.5 .. 1.5 ms, mean ~1 */
	for (size_t k = 0; k < sizeof bounds / sizeof bounds[0]; k++) {
		double r = ladder_server_max_rate(s, 200, bounds[k], 7);

		CHECK(r >= last);
		CHECK(r < 1000.0 / 0.9975 + 1e-9);	/* below saturation (1 / mean service) */
		last = r;
	}
	CHECK(last > 900);	/* a loose bound admits nearly the saturation rate */
	for (uint64_t seed = 1; seed <= 4; seed++) {
		double r = ladder_server_max_rate(s, 200, 10, seed);

		CHECK(r == ladder_server_max_rate(s, 200, 10, seed));
		CHECK(fabs(r - ladder_server_max_rate(s, 200, 10, 1)) / r < 0.05);
	}
}

TEST(hardware_profile)
{
	struct ladder_err err = { 0 };
	struct ladder_hardware hw;
	char path[1024];

	snprintf(path, sizeof path, "%s/profile/hw.yaml", test_data_dir);
	CHECK_OK(ladder_hardware_find(path, &hw, &err), &err);
	CHECK_EQ_STR(hw.name, "test-box");
	CHECK_EQ_STR(hw.tier, "hub");
	CHECK_EQ_STR(hw.cpu_model, "Test CPU");
	CHECK_EQ_INT(hw.cores, 4);
	CHECK_EQ_STR(hw.accelerator, "gpu: Test GPU");
	CHECK_EQ_INT(hw.memory_mb, 8192);
	CHECK_NEAR(hw.power_active_w, 20, 0);
	CHECK_NEAR(hw.speed_factor, 2, 0);
	CHECK(ladder_hardware_find("no-such-hardware", &hw, &err) == LADDER_ENOTFOUND);
	ladder_err_clear(&err);
	snprintf(path, sizeof path, "%s/profile/spec.yaml", test_data_dir);
	CHECK(ladder_hardware_load(path, &hw, &err) == LADDER_EFORMAT);
	CHECK(strstr(err.msg, "ladder.hardware/1") != NULL);
}

TEST(hardware_power_modes)
{
	struct ladder_err err = { 0 };
	struct ladder_hardware hw;
	char path[1024], bad[1100];
	FILE *f;

	snprintf(path, sizeof path, "%s/profile/hw-modes.yaml", test_data_dir);
	CHECK_OK(ladder_hardware_find(path, &hw, &err), &err);
	CHECK_EQ_STR(hw.name, "test-jet");
	CHECK_EQ_STR(hw.power_mode, "");
	CHECK_NEAR(hw.power_active_w, 15, 0);
	snprintf(bad, sizeof bad, "%s@7w", path);
	CHECK_OK(ladder_hardware_find(bad, &hw, &err), &err);
	CHECK_EQ_STR(hw.name, "test-jet@7w");
	CHECK_EQ_STR(hw.power_mode, "7w");
	CHECK_NEAR(hw.power_idle_w, 4, 0);
	CHECK_NEAR(hw.power_active_w, 7, 0);
	CHECK_NEAR(hw.speed_factor, 0.25, 0);
	CHECK_NEAR(hw.cost_per_hour, 0.019, 1e-15);
	snprintf(bad, sizeof bad, "%s@15w", path);
	CHECK_OK(ladder_hardware_find(bad, &hw, &err), &err);	/* an empty mode keeps the figures */
	CHECK_EQ_STR(hw.name, "test-jet@15w");
	CHECK_NEAR(hw.power_active_w, 15, 0);
	CHECK_NEAR(hw.speed_factor, 0.5, 0);
	snprintf(bad, sizeof bad, "%s@30w", path);
	CHECK(ladder_hardware_find(bad, &hw, &err) == LADDER_ENOTFOUND);
	CHECK(strstr(err.msg, "no power mode '30w' (it has 15w, 7w)") != NULL);
	ladder_err_clear(&err);
	snprintf(bad, sizeof bad, "%s/profile/hw.yaml@7w", test_data_dir);
	CHECK(ladder_hardware_find(bad, &hw, &err) == LADDER_ENOTFOUND);
	CHECK(strstr(err.msg, "(it has none)") != NULL);
	ladder_err_clear(&err);
	snprintf(bad, sizeof bad, "%s@", path);
	CHECK(ladder_hardware_find(bad, &hw, &err) == LADDER_EINVAL);
	ladder_err_clear(&err);
	/* A bad mode is an error even when no mode is asked for. */
	snprintf(bad, sizeof bad, "/tmp/ladder-hw-modes-%d.yaml", (int)getpid());
	f = fopen(bad, "w");
	REQUIRE(f != NULL);
	fprintf(f, "schema: ladder.hardware/1\nname: x\npower_modes: {slow: {speed_factor: 0}}\n");
	fclose(f);
	CHECK(ladder_hardware_find(bad, &hw, &err) == LADDER_EFORMAT);
	CHECK(strstr(err.msg, "bad value for 'power_modes'") != NULL);
	ladder_err_clear(&err);
	f = fopen(bad, "w");
	REQUIRE(f != NULL);
	fprintf(f, "schema: ladder.hardware/1\nname: x\npower_modes: [a, b]\n");
	fclose(f);
	CHECK(ladder_hardware_find(bad, &hw, &err) == LADDER_EFORMAT);
	remove(bad);
}

TEST(host_fingerprint_stable)
{
	struct ladder_host a, b;

	ladder_host_probe(&a);
	ladder_host_probe(&b);
	CHECK_EQ_INT(strlen(a.fingerprint), 64);
	CHECK_EQ_STR(a.fingerprint, b.fingerprint);
	CHECK(a.cores >= 1);
	CHECK(a.libs[0] == '{');
}

TEST_MAIN()
