/* test-cascade.c: confidence measures, bounds, the sweep against brute force (with ties), npy. */
#include <unistd.h>

#include "harness.h"
#include "ladder.h"
#include "cascade/cascade.h"

static uint64_t rng_state = 42;

static uint64_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* P(X >= k) for X ~ Binomial(n, p), by summing the pmf. */
static double
binom_tail(uint64_t k, uint64_t n, double p)
{
	double s = 0;

	for (uint64_t j = k; j <= n; j++)
		s += exp(lgamma(n + 1.0) - lgamma(j + 1.0) - lgamma(n - j + 1.0) + j * log(p) +
		    (n - j) * log1p(-p));
	return s;
}

TEST(clopper_pearson_matches_binomial_tail)
{
	CHECK_NEAR(ladder_clopper_pearson_lower(10, 10, 0.95), pow(0.05, 0.1), 1e-9);
	CHECK_NEAR(ladder_clopper_pearson_lower(1, 10, 0.95), 1 - pow(0.95, 0.1), 1e-9);
	CHECK(ladder_clopper_pearson_lower(0, 10, 0.95) == 0);
	CHECK(ladder_clopper_pearson_lower(0, 0, 0.95) == 0);
	uint64_t cases[][2] = { { 90, 100 }, { 4500, 5000 }, { 3, 7 }, { 999, 1000 } };
	for (size_t i = 0; i < 4; i++) {
		double p = ladder_clopper_pearson_lower(cases[i][0], cases[i][1], 0.95);
		CHECK_NEAR(binom_tail(cases[i][0], cases[i][1], p), 0.05, 1e-7);
		CHECK(p < (double)cases[i][0] / (double)cases[i][1]);
	}
}

TEST(binomial_tail_matches_sum)
{
	const uint64_t n = 30;
	const double ps[] = { 0.05, 0.5, 0.83, 0.99 };

	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		for (uint64_t k = 0; k <= n + 1; k++) {
			double sum = 0;
			for (uint64_t x = k; x <= n; x++)
				sum += exp(lgamma(n + 1.0) - lgamma(x + 1.0) - lgamma(n - x + 1.0) +
				    (double)x * log(ps[i]) + (double)(n - x) * log1p(-ps[i]));
			CHECK_NEAR(ladder_binomial_tail(k, n, ps[i]), sum, 1e-9);
		}
	}
}

TEST(min_count_is_exact_for_decimal_targets)
{
	CHECK(ladder_min_count(0.84, 5000) == 4200);
	CHECK(ladder_min_count(0.845, 5000) == 4225);
	CHECK(ladder_min_count(0.835, 2500) == 2088);
	CHECK(ladder_min_count(0.9, 10) == 9);
	CHECK(ladder_min_count(1, 7) == 7);
	CHECK(ladder_min_count(0.001, 0) == 0);
}

/* The raised target: a check on m samples at that true accuracy misses with probability risk. */
TEST(check_shift_covers_the_check_noise)
{
	const double targets[] = { 0.835, 0.87, 0.905 };
	const uint64_t checks[] = { 100, 5000 };

	for (size_t i = 0; i < 3; i++) {
		for (size_t j = 0; j < 2; j++) {
			uint64_t m = checks[j], c = ladder_min_count(targets[i], m);
			double p = ladder_check_shift(targets[i], m, 0.025);
			CHECK(p > targets[i]);
			CHECK(p < 1);
			/* Misses with probability at most 0.025 at p, more just below it. */
			CHECK(1 - ladder_binomial_tail(c, m, p) <= 0.025 + 1e-9);
			CHECK(1 - ladder_binomial_tail(c, m, p - 1e-6) > 0.025 - 1e-6);
		}
	}
	/* About 1.96 standard errors above the target for a large check. */
	double p = ladder_check_shift(0.84, 5000, 0.025);
	CHECK_NEAR(p, 0.84 + 1.96 * sqrt(0.84 * 0.16 / 5000), 0.001);
}

static uint64_t
binomial_draw(uint64_t n, double p)
{
	uint64_t k = 0;

	for (uint64_t i = 0; i < n; i++)
		k += (double)(rnd() >> 11) * 0x1.0p-53 < p;
	return k;
}

/*
 * Fixed-sequence testing on independent samples (seeded, so exact): a
 * sequence of nested configurations (sample i is right for configuration j
 * when u_i < p_j) whose true accuracies p_j fall from above to below the
 * target in small steps, tested from the top on n evaluation samples; the
 * pick is checked on m fresh samples.  Returns the fraction of trials whose
 * pick counted fewer than ceil(target * m).
 */
static double
simulate_misses(uint64_t need, uint64_t n, uint64_t m, double target, int trials)
{
	enum { CONFIGS = 81 };
	double u[1000];
	int misses = 0;

	for (int r = 0; r < trials; r++) {
		for (uint64_t i = 0; i < n; i++)
			u[i] = (double)(rnd() >> 11) * 0x1.0p-53;
		double sel = -1;
		for (int j = 0; j < CONFIGS; j++) {
			double p = target + 0.06 - 0.08 * j / (CONFIGS - 1);
			uint64_t correct = 0;
			for (uint64_t i = 0; i < n; i++)
				correct += u[i] < p;
			if (correct < need)
				break;
			sel = p;
		}
		if (sel >= 0 && binomial_draw(m, sel) < ladder_min_count(target, m))
			misses++;
	}
	return (double)misses / trials;
}

TEST(certified_picks_miss_a_finite_check_at_most_risk)
{
	struct ladder_thresholds_options o;
	const uint64_t n = 400, m = 800;
	const double target = 0.85;

	ladder_thresholds_options_init(&o);
	uint64_t k_true = ladder_certify_min_correct(&o, n, 0, target);
	uint64_t k_check = ladder_certify_min_correct(&o, n, m, target);
	/* check 0 is the Clopper-Pearson bound at level 1 - risk. */
	CHECK(ladder_clopper_pearson_lower(k_true, n, 0.95) >= target);
	CHECK(ladder_clopper_pearson_lower(k_true - 1, n, 0.95) < target);
	CHECK(k_check > k_true && k_check <= n);
	rng_state = 7;
	double with_check = simulate_misses(k_check, n, m, target, 3000);
	double true_only = simulate_misses(k_true, n, m, target, 3000);
	/* The guarantee holds for the check; certifying the true accuracy alone does not. */
	CHECK(with_check <= 0.05);
	CHECK(true_only > 0.05);
	/* Larger checks are less noisy and need less. */
	CHECK(ladder_certify_min_correct(&o, n, 100000, target) < k_check);
}

TEST(wilson_known_values)
{
	CHECK_NEAR(ladder_wilson_lower(90, 100, 0.95), 0.8396444903889079, 1e-9);
	CHECK_NEAR(ladder_wilson_lower(4500, 5000, 0.95), 0.8928036849214821, 1e-9);
	CHECK_NEAR(ladder_wilson_lower(10, 10, 0.95), 0.7870580299165931, 1e-9);
	CHECK(ladder_wilson_lower(0, 10, 0.95) == 0);
}

TEST(confidence_measures)
{
	float flat[4] = { 1, 1, 1, 1 }, sharp[3] = { 0, 100, 0 }, probs[3] = { 0.2f, 0.7f, 0.1f };
	int32_t pred;

	CHECK_NEAR(ladder_confidence(flat, 4, 0, LADDER_MEASURE_MAX_SOFTMAX, 1, &pred), 0.25, 1e-12);
	CHECK_EQ_INT(pred, 0);	/* ties go to the lowest index */
	CHECK_NEAR(ladder_confidence(flat, 4, 0, LADDER_MEASURE_MARGIN, 1, NULL), 0, 1e-12);
	CHECK_NEAR(ladder_confidence(flat, 4, 0, LADDER_MEASURE_ENTROPY, 1, NULL), 0, 1e-12);
	/* Exactly 1.0 happens: the tie case the sweep must handle. */
	CHECK(ladder_confidence(sharp, 3, 0, LADDER_MEASURE_MAX_SOFTMAX, 1, &pred) == 1.0);
	CHECK_EQ_INT(pred, 1);
	CHECK_NEAR(ladder_confidence(sharp, 3, 0, LADDER_MEASURE_ENTROPY, 1, NULL), 1, 1e-12);
	CHECK_NEAR(ladder_confidence(probs, 3, 1, LADDER_MEASURE_MAX_SOFTMAX, 1, &pred), 0.7, 1e-6);
	CHECK_NEAR(ladder_confidence(probs, 3, 1, LADDER_MEASURE_MARGIN, 1, NULL), 0.5, 1e-6);
	/* Temperature only applies to temp_softmax; T > 1 softens. */
	float z[3] = { 2, 1, 0 };
	double c1 = ladder_confidence(z, 3, 0, LADDER_MEASURE_TEMP_SOFTMAX, 1, NULL);
	double c2 = ladder_confidence(z, 3, 0, LADDER_MEASURE_TEMP_SOFTMAX, 2, NULL);
	CHECK(c2 < c1);
	CHECK(ladder_confidence(z, 3, 0, LADDER_MEASURE_MAX_SOFTMAX, 2, NULL) == c1);
	enum ladder_measure m;
	CHECK_EQ_INT(ladder_measure_parse("temp_softmax", &m), 0);
	CHECK_EQ_INT(m, LADDER_MEASURE_TEMP_SOFTMAX);
	CHECK(ladder_measure_parse("nope", &m) != 0);
}

TEST(temperature_fit_recovers_scale)
{
	/* Labels drawn from softmax(z / 2): the fitted T should be near 2. */
	size_t n = 4000, c = 5;
	float *out = malloc(n * c * sizeof(float));
	int32_t *lab = malloc(n * sizeof(int32_t));
	size_t *idx = malloc(n * sizeof(size_t));
	for (size_t i = 0; i < n; i++) {
		double p[5], s = 0;
		for (size_t j = 0; j < c; j++) {
			out[i * c + j] = (float)((double)(rnd() % 10000) / 1000.0);
			p[j] = exp(out[i * c + j] / 2.0);
			s += p[j];
		}
		double u = (double)(rnd() % 1000000) / 1e6 * s, acc = 0;
		lab[i] = (int32_t)(c - 1);
		for (size_t j = 0; j < c; j++) {
			acc += p[j];
			if (u < acc) {
				lab[i] = (int32_t)j;
				break;
			}
		}
		idx[i] = i;
	}
	double t = ladder_fit_temperature(out, c, 0, lab, idx, n);
	CHECK(t > 1.7 && t < 2.3);
	free(out);
	free(lab);
	free(idx);
}

TEST(sweep2_matches_brute_force_with_ties)
{
	for (int round = 0; round < 200; round++) {
		size_t n = 1 + rnd() % 60;
		double conf[64], thr[65];
		uint8_t c1[64], c2[64];
		uint64_t correct[65], esc[65];
		size_t count = 0;
		int levels = 1 + (int)(rnd() % 6);
		for (size_t i = 0; i < n; i++) {
			/* Few distinct values, 1.0 among them: many ties. */
			conf[i] = (rnd() % 3 == 0) ? 1.0 : (double)(rnd() % levels) / levels;
			c1[i] = rnd() % 2;
			c2[i] = rnd() % 4 != 0;
		}
		REQUIRE(ladder_sweep2(conf, c1, c2, n, thr, correct, esc, &count) == 0);
		/* Every distinct value appears exactly once, in descending order. */
		size_t distinct = 0;
		for (size_t i = 0; i < n; i++) {
			bool seen = false;
			for (size_t j = 0; j < i; j++)
				seen |= conf[j] == conf[i];
			distinct += !seen;
		}
		CHECK_EQ_INT(count, distinct);
		for (size_t k = 0; k < count; k++) {
			if (k > 0)
				CHECK(thr[k] < thr[k - 1]);
			uint64_t bc = 0, be = 0;
			for (size_t i = 0; i < n; i++) {
				if (conf[i] >= thr[k]) {
					bc += c1[i];
				} else {
					bc += c2[i];
					be++;
				}
			}
			CHECK_EQ_INT(correct[k], bc);
			CHECK_EQ_INT(esc[k], be);
		}
	}
}

/* A hand-made input: stages with random outputs over n samples, chains of 1..3. */
static void
make_input(struct cascade_input *in, size_t n, size_t ns)
{
	memset(in, 0, sizeof(*in));
	in->n = n;
	in->labels = calloc(n, sizeof(int32_t));
	in->n_outputs = ns;
	in->outputs = calloc(ns, sizeof(*in->outputs));
	in->n_stages = ns;
	in->stages = calloc(ns, sizeof(*in->stages));
	for (size_t i = 0; i < n; i++)
		in->labels[i] = (int32_t)(rnd() % 3);
	for (size_t s = 0; s < ns; s++) {
		struct cascade_outputs *o = &in->outputs[s];
		o->classes = 3;
		o->rows = calloc(n * 3, sizeof(float));
		o->correct = calloc(n, 1);
		o->temperature = 1;
		for (int m = 0; m < LADDER_MEASURE_COUNT; m++)
			o->conf[m] = calloc(n, sizeof(double));
		for (size_t i = 0; i < n; i++) {
			/* Quantised logits: many equal confidences, some exactly 1.0. */
			for (size_t j = 0; j < 3; j++)
				o->rows[i * 3 + j] = (float)(rnd() % 3) * (rnd() % 5 == 0 ? 60.0f : 1.0f);
			int32_t pred;
			ladder_confidence(o->rows + i * 3, 3, 0, LADDER_MEASURE_MAX_SOFTMAX, 1, &pred);
			o->correct[i] = pred == in->labels[i];
		}
		in->stages[s].out = s;
		in->stages[s].cost = 1.0 + 3.0 * (double)s;
		in->stages[s].latency_ms = 0.5 + (double)s;
		in->stages[s].rung = strdup("r");
		in->stages[s].sha256 = strdup("s");
		in->stages[s].hardware = strdup("h");
	}
	for (int m = 0; m < LADDER_MEASURE_COUNT; m++)
		cascade_compute_confidence(in, m);
	in->chains = calloc(4, sizeof(*in->chains));
	in->n_chains = 3;
	in->chains[0] = (struct cascade_chain){ .n = 1, .stage = { 0 } };
	in->chains[1] = (struct cascade_chain){ .n = 2, .stage = { 0, 1 } };
	in->chains[2] = (struct cascade_chain){ .n = 3, .stage = { 0, 1, 2 } };
	in->chains[2].net_cost[1] = 0.25;
}

TEST(chain_sweeps_are_exact_and_pareto)
{
	for (int round = 0; round < 30; round++) {
		struct cascade_input in;
		size_t n = 5 + rnd() % 80;
		make_input(&in, n, 3);
		size_t *idx = malloc(n * sizeof(size_t));
		for (size_t i = 0; i < n; i++)
			idx[i] = i;
		for (int chain = 1; chain <= 2; chain++) {
			for (int m = 0; m < LADDER_MEASURE_COUNT; m++) {
				struct cascade_cand *c;
				size_t nc;
				REQUIRE(cascade_sweep_chain(&in, chain, m, idx, n, &c, &nc) == 0);
				CHECK(nc >= 1);
				for (size_t k = 0; k < nc; k++) {
					/* Reported counts and costs match a direct evaluation. */
					uint64_t esc[2];
					uint64_t corr = cascade_eval_cand(&in, &c[k], idx, n, esc);
					CHECK_EQ_INT(c[k].correct, corr);
					CHECK_EQ_INT(c[k].esc_count[0], esc[0]);
					if (chain == 2)
						CHECK_EQ_INT(c[k].esc_count[1], esc[1]);
					struct cascade_cand d = c[k];
					cascade_cost_of(&in, &d);
					CHECK_NEAR(d.cost, c[k].cost, 1e-12);
					if (k > 0) {
						CHECK(c[k].cost >= c[k - 1].cost);
						CHECK(c[k].correct > c[k - 1].correct);
					}
				}
				/* Two stages: no threshold at all beats the swept frontier. */
				if (chain == 1) {
					const double *conf = in.outputs[0].conf[m];
					for (size_t i = 0; i < n; i++) {
						struct cascade_cand b = { .chain = 1, .measure = m, .n = n };
						b.thr[0] = conf[i];
						b.correct = cascade_eval_cand(&in, &b, idx, n, b.esc_count);
						cascade_cost_of(&in, &b);
						bool dominated = false;
						for (size_t k = 0; k < nc; k++)
							dominated |= c[k].cost <= b.cost + 1e-12 &&
							    c[k].correct >= b.correct;
						CHECK(dominated);
					}
				}
				free(c);
			}
		}
		free(idx);
		cascade_input_release(&in);
	}
}

TEST(targets_parse)
{
	struct ladder_err err = { 0 };
	double *t;
	size_t n;

	CHECK_OK(ladder_targets_parse("0.80:0.95:0.005", &t, &n, &err), &err);
	CHECK_EQ_INT(n, 31);
	CHECK(t[0] == 0.8 && t[30] == 0.95 && t[1] == 0.805);
	free(t);
	CHECK_OK(ladder_targets_parse("0.9,0.925", &t, &n, &err), &err);
	CHECK_EQ_INT(n, 2);
	CHECK(t[1] == 0.925);
	free(t);
	CHECK(ladder_targets_parse("0.9,", &t, &n, &err) != 0);
	CHECK(ladder_targets_parse("1.5", &t, &n, &err) != 0);
	CHECK(ladder_targets_parse("0.9:0.8:0.01", &t, &n, &err) != 0);
	CHECK(ladder_targets_parse("0.1:0.9:0.0000001", &t, &n, &err) != 0);
}

static void
write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	fwrite(data, 1, len, f);
	fclose(f);
}

TEST(npy_reader_bounds)
{
	struct ladder_err err = { 0 };
	struct ladder_npy_matrix m;
	char path[] = "/tmp/ladder-test-npy-XXXXXX";
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	close(fd);
	char buf[256];
	const char *hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
	size_t hl = 118;	/* 10 + hl is a multiple of 64 */
	memcpy(buf, "\x93NUMPY\x01\x00", 8);
	buf[8] = (char)hl;
	buf[9] = 0;
	memset(buf + 10, ' ', hl);
	memcpy(buf + 10, hdr, strlen(hdr));
	buf[10 + hl - 1] = '\n';
	float v[6] = { 1, 2, 3, 4, 5, 6 };
	memcpy(buf + 10 + hl, v, sizeof(v));
	write_bytes(path, buf, 10 + hl + sizeof(v));
	CHECK_OK(ladder_cascade_npy_read(path, 0, 1 << 20, &m, &err), &err);
	CHECK_EQ_INT(m.rows, 2);
	CHECK_EQ_INT(m.cols, 3);
	CHECK(m.f32 != NULL && m.f32[5] == 6);
	ladder_npy_matrix_release(&m);
	/* Wanting int32 labels from float data fails with one message. */
	CHECK(ladder_cascade_npy_read(path, 1, 1 << 20, &m, &err) == LADDER_EFORMAT);
	CHECK(strstr(err.msg, "int32") != NULL);
	/* Truncated data. */
	ladder_err_clear(&err);
	write_bytes(path, buf, 10 + hl + 8);
	CHECK(ladder_cascade_npy_read(path, 0, 1 << 20, &m, &err) == LADDER_EFORMAT);
	CHECK(strstr(err.msg, "truncated") != NULL);
	/* Over the size limit. */
	ladder_err_clear(&err);
	write_bytes(path, buf, 10 + hl + sizeof(v));
	CHECK(ladder_cascade_npy_read(path, 0, 8, &m, &err) == LADDER_ENOMEM);
	/* Not npy at all. */
	ladder_err_clear(&err);
	write_bytes(path, "hello", 5);
	CHECK(ladder_cascade_npy_read(path, 0, 1 << 20, &m, &err) == LADDER_EFORMAT);
	unlink(path);
}

TEST_MAIN()
