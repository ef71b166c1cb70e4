/* test-plan.c: the planner against brute-force enumeration on small random fleets, and its readers. */
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "ladder.h"
#include "plan/plan.h"

static unsigned long rng = 12345;

static unsigned
rnd(unsigned n)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)((rng >> 33) % n);
}

static char data_abs[PATH_MAX];

static void
data_dir(void)
{
	char p[PATH_MAX];

	snprintf(p, sizeof p, "%s/plan", test_data_dir);
	if (realpath(p, data_abs) == NULL)
		snprintf(data_abs, sizeof data_abs, "%s", p);
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

/* A random small fleet: up to 3 cameras, one or two hubs, a cloud, 1-2 workloads. */
static void
random_topology(const char *path)
{
	static const double acc[] = { 0.8, 0.85, 0.88, 0.9, 0.92, 0.93 };
	static const double p99[] = { 15, 40, 100, 400 };
	static const double bw[] = { 0.02, 0.1, 1, 10 };
	char buf[8192];
	int ncam = 1 + (int)rnd(3), nw = 1 + (int)rnd(2), len, hubs = 1 + (int)rnd(2);

	len = snprintf(buf, sizeof buf, "schema: ladder.topology/1\nprofiles: [%s/profile.json]\n"
	    "thresholds: %s/thresholds.json\nenergy_usd_per_kwh: %g\nmax_stages: %u\nnodes:\n"
	    "  - {id: cloud, hardware: cloud, max_instances: %u}\n"
	    "  - {id: hub-1, hardware: hub, count: %u}\n", data_abs, data_abs,
	    rnd(2) ? 0.0 : 0.3, 2 + rnd(2), 1 + rnd(2), 1 + rnd(2));
	if (hubs == 2)
		len += snprintf(buf + len, sizeof buf - len, "  - {id: hub-2, hardware: hub, count: 1}\n");
	for (int c = 0; c < ncam; c++)
	{
		/* Memory per camera: all rungs fit, some fit (residency matters), or only "a". */
		static const char *const mem[] = { "", ", memory_mb: 2.5", ", memory_mb: 0.5" };

		len += snprintf(buf + len, sizeof buf - len, "  - {id: cam-%d, hardware: dev%s}\n",
		    c + 1, mem[rnd(3)]);
	}
	len += snprintf(buf + len, sizeof buf - len, "links:\n  - {from: hub-1, to: cloud, "
	    "bandwidth_mbps: %g, rtt_ms: %u, usd_per_gb: %g}\n", bw[rnd(4)] * 10, 5 + rnd(30),
	    rnd(2) ? 0.0 : 0.5);
	if (hubs == 2)
		len += snprintf(buf + len, sizeof buf - len, "  - {from: hub-2, to: cloud, "
		    "bandwidth_mbps: 10, rtt_ms: 20, usd_per_gb: 0.2}\n");
	for (int c = 0; c < ncam; c++) {
		/* With two hubs, the last camera sits under the second: two regions. */
		len += snprintf(buf + len, sizeof buf - len, "  - {from: cam-%d, to: hub-%d, "
		    "bandwidth_mbps: %g, rtt_ms: %u}\n", c + 1, hubs == 2 && c == ncam - 1 && c > 0 ? 2 : 1,
		    bw[rnd(4)], 1 + rnd(5));
		if (rnd(3) == 0)
			len += snprintf(buf + len, sizeof buf - len, "  - {from: cam-%d, to: cloud, "
			    "bandwidth_mbps: %g, rtt_ms: 40, usd_per_gb: 1}\n", c + 1, bw[rnd(4)]);
	}
	len += snprintf(buf + len, sizeof buf - len, "workloads:\n");
	for (int w = 0; w < nw; w++) {
		int first = 1 + (int)rnd((unsigned)ncam);

		len += snprintf(buf + len, sizeof buf - len, "  - {name: w%d, sources: [cam-%d%s], "
		    "streams: %u, rate_hz: %u, input_bytes: %u, accuracy: %g, p99_ms: %g}\n", w, first,
		    w == 0 && ncam > 1 ? ", cam-2" : "", 1 + rnd(2), 1 + rnd(60),
		    rnd(2) ? 784 : 20000, acc[rnd(6)], p99[rnd(4)]);
	}
	write_text(path, buf);
}

struct brute {
	const struct plan_model *m;
	const bool *allowed;	/* NULL: every option */
	struct plan_solution s;
	double best;
	long leaves;
};

static void brute_class(struct brute *b, size_t c);

/* Spreads `left` streams of class c over its allowed options from position i on. */
static void
brute_spread(struct brute *b, size_t c, const size_t *idx, size_t k, size_t i, long left)
{
	if (i + 1 == k || left == 0) {
		if (left > 0)
			b->s.x[idx[i]] += (double)left;
		brute_class(b, c + 1);
		if (left > 0)
			b->s.x[idx[i]] -= (double)left;
		return;
	}
	for (long a = 0; a <= left; a++) {
		b->s.x[idx[i]] += (double)a;
		brute_spread(b, c, idx, k, i + 1, left - a);
		b->s.x[idx[i]] -= (double)a;
	}
}

static void
brute_class(struct brute *b, size_t c)
{
	const struct plan_class *cl;
	size_t idx[4096], k = 0;

	if (c == b->m->n_classes) {
		b->leaves++;
		if (plan_solution_evaluate(&b->s, b->m) && b->s.cost < b->best)
			b->best = b->s.cost;
		return;
	}
	cl = &b->m->classes[c];
	for (size_t i = cl->opt_begin; i < cl->opt_end && k < 4096; i++) {
		if (b->allowed == NULL || b->allowed[i])
			idx[k++] = i;
	}
	/* Every way to spread the class's streams over its options. */
	if (k > 0)
		brute_spread(b, c, idx, k, 0, cl->streams);
}

/* The baselines' and ablations' option sets, as man/ladder-plan.1 defines them. */
static void
baseline_allowed(const struct plan_model *m, const char *name, bool *allowed)
{
	for (size_t i = 0; i < m->n_options; i++) {
		const struct plan_option *o = &m->options[i];
		bool ok = true;

		if (strcmp(name, "no-escalation") != 0)
			ok = o->n_stages == 1;
		for (int s = 0; s < o->n_stages; s++) {
			int tier = m->topo->nodes[o->node[s]].tier;

			if (strcmp(name, "cloud-only") == 0)
				ok = ok && tier == TIER_CLOUD;
			else if (strcmp(name, "edge-only") == 0)
				ok = ok && (tier == TIER_HUB || tier == TIER_EDGE_DC);
			else if (strcmp(name, "device-only") == 0)
				ok = ok && o->node[s] == m->classes[o->cls].source;
			else if (strcmp(name, "no-escalation") == 0)
				ok = ok && o->node[s] == o->node[0];
		}
		allowed[i] = ok;
	}
}

/*
 * Each exact baseline and ablation of plan equals brute force over its
 * option set (pruning keeps them whole).
 */
static int
check_baselines(struct brute *b, const struct ladder_plan *plan)
{
	static const char *const names[] = { "cloud-only", "edge-only", "device-only",
		"no-cascades", "no-escalation" };
	static const char *const lists[] = { "baselines", "ablations" };
	json_t *root = json_loads(ladder_plan_json(plan), 0, NULL), *arr, *e;
	bool *allowed = calloc(b->m->n_options + 1, sizeof *allowed);
	double best = b->best;
	int checked = 0;
	size_t i;

	for (int l = 0; l < 2; l++) {
		arr = json_object_get(root, lists[l]);
		json_array_foreach(arr, i, e) {
			const char *name = json_string_value(json_object_get(e, "name"));

			for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
				if (name == NULL || strcmp(name, names[n]) != 0)
					continue;
				baseline_allowed(b->m, name, allowed);
				b->allowed = allowed;
				b->best = INFINITY;
				brute_class(b, 0);
				b->allowed = NULL;
				CHECK(json_is_true(json_object_get(e, "feasible")) == isfinite(b->best));
				CHECK_EQ_STR(json_string_value(json_object_get(e, "status")),
				    isfinite(b->best) ? "optimal" : "infeasible");
				if (isfinite(b->best))
					CHECK_NEAR(json_number_value(json_object_get(e, "cost_per_hour")),
					    b->best, 1e-7 + 1e-7 * b->best);
				/* The plan is never worse than any of them. */
				if (isfinite(b->best))
					CHECK(ladder_plan_cost(plan) <= b->best + 1e-7 + 1e-7 * b->best);
				checked++;
			}
		}
	}
	b->best = best;
	free(allowed);
	json_decref(root);
	return checked;
}

static double
leaves_estimate(const struct plan_model *m)
{
	double v = 1;

	for (size_t c = 0; c < m->n_classes; c++) {
		double k = (double)(m->classes[c].opt_end - m->classes[c].opt_begin);

		v *= m->classes[c].streams == 1 ? k : k * (k + 1) / 2;
	}
	return v;
}

TEST(plan_matches_brute_force)
{
	char path[PATH_MAX];
	int checked = 0, feasible = 0, infeasible = 0, rounded_equal = 0, baselines_checked = 0;
	int split_runs = 0;
	unsigned long closed0 = plan_debug_closed, budgets0 = plan_debug_budgets;
	size_t with_z = 0, with_3 = 0;

	data_dir();
	snprintf(path, sizeof path, "%s/ladder-plan-test-%d.yaml", getenv("TMPDIR") ?
	    getenv("TMPDIR") : "/tmp", (int)getpid());
	for (int iter = 0; iter < 1500 && checked < 150; iter++) {
		struct plan_topology t;
		struct plan_inputs in = { 0 };
		struct plan_model m;
		struct ladder_err err = { 0 };
		struct brute b;
		struct ladder_plan_options opt = { 0 };
		struct ladder_plan *plan = NULL;

		random_topology(path);
		REQUIRE(plan_topology_read(&t, path, &err) == 0);
		REQUIRE(plan_inputs_read_profile(&in, t.profile_paths[0], &err) == 0);
		REQUIRE(plan_inputs_read_thresholds(&in, t.thresholds_path, &err) == 0);
		REQUIRE(plan_topology_bind(&t, &in, &err) == 0);
		plan_debug_no_prune = true;
		REQUIRE(plan_model_build(&m, &t, &in, &err) == 0);
		plan_debug_no_prune = false;
		if (leaves_estimate(&m) > 200000) {
			plan_model_release(&m);
			plan_topology_release(&t);
			plan_inputs_release(&in);
			continue;
		}
		for (size_t k = 0; k < t.n_nodes; k++)
			with_z += m.node_needs_z[k];
		for (size_t i = 0; i < m.n_options; i++)
			with_3 += m.options[i].n_stages == 3;
		memset(&b, 0, sizeof b);
		b.m = &m;
		b.best = INFINITY;
		REQUIRE(plan_solution_init(&b.s, &m) == 0);
		brute_class(&b, 0);
		opt.topology_path = path;
		opt.gap = 1e-9;
		opt.time_limit_s = 20;
		opt.baselines = true;
		opt.epoch = 1;
		opt.created_unix = 1;
		CHECK_OK(ladder_plan_solve(&opt, &plan, NULL, &err), &err);
		/* The large-model path: continuous x, rounding and repair; never below the optimum. */
		{
			struct ladder_plan *rounded = NULL;

			plan_integer_x_max = 0;
			CHECK_OK(ladder_plan_solve(&opt, &rounded, NULL, &err), &err);
			plan_integer_x_max = PLAN_INTEGER_X_MAX;
			if (rounded != NULL && isfinite(b.best) && ladder_plan_feasible(rounded)) {
				CHECK(ladder_plan_cost(rounded) >= b.best - 1e-7);
				CHECK(ladder_plan_bound(rounded) <= b.best + 1e-7);
				rounded_equal += ladder_plan_cost(rounded) <= b.best + 1e-7 + 1e-7 * b.best;
			}
			ladder_plan_free(rounded);
		}
		/*
		 * Forced decomposition (decompose.c): every resource shared by two
		 * classes relaxed, parts of one class.  Still exact, bound still valid.
		 */
		{
			struct ladder_plan *split = NULL;
			unsigned long before = plan_debug_splits;

			plan_part_max_classes = 1;
			CHECK_OK(ladder_plan_solve(&opt, &split, NULL, &err), &err);
			plan_part_max_classes = 64;
			split_runs += plan_debug_splits > before;
			if (split != NULL && isfinite(b.best)) {
				CHECK(ladder_plan_feasible(split));
				CHECK_NEAR(ladder_plan_cost(split), b.best, 1e-7 + 1e-7 * b.best);
				CHECK(ladder_plan_bound(split) <= b.best + 1e-7);
			} else if (split != NULL) {
				CHECK(!ladder_plan_feasible(split));
			}
			ladder_plan_free(split);
		}
		if (plan != NULL && isfinite(b.best))
			baselines_checked += check_baselines(&b, plan);
		if (plan != NULL) {
			if (isfinite(b.best)) {
				feasible++;
				CHECK(ladder_plan_feasible(plan));
				CHECK_NEAR(ladder_plan_cost(plan), b.best, 1e-7 + 1e-7 * b.best);
				CHECK(ladder_plan_bound(plan) <= b.best + 1e-7);
				if (fabs(ladder_plan_cost(plan) - b.best) > 1e-7 + 1e-7 * b.best) {
					char cmd[PATH_MAX + 16];

					snprintf(cmd, sizeof cmd, "cat %s", path);
					printf("# iteration %d: brute %.9g\n", iter, b.best);
					(void)!system(cmd);
				}
			} else {
				infeasible++;
				CHECK(!ladder_plan_feasible(plan));
			}
		}
		checked++;
		ladder_plan_free(plan);
		plan_solution_release(&b.s);
		plan_model_release(&m);
		plan_topology_release(&t);
		plan_inputs_release(&in);
	}
	unlink(path);
	printf("# %d instances checked (%d feasible, %d infeasible); rounding path optimal on %d\n",
	    checked, feasible, infeasible, rounded_equal);
	printf("# %zu nodes with residency variables, %zu three-stage options\n", with_z, with_3);
	printf("# %d baselines and ablations equal to brute force over their option sets\n", baselines_checked);
	printf("# %d instances solved with forced splits (%lu budgeted passes); %lu nodes closed by the "
	    "incumbent\n", split_runs, plan_debug_budgets - budgets0, plan_debug_closed - closed0);
	CHECK(plan_debug_budgets - budgets0 >= 5);
	CHECK(split_runs >= 20);
	CHECK(baselines_checked >= 25);
	CHECK(with_z > 0);
	CHECK(with_3 > 0);
	CHECK(checked >= 20);
	CHECK(feasible >= 5);
}

TEST(plan_yaml_scalars)
{
	char path[PATH_MAX];
	json_t *root = NULL;
	struct ladder_err err = { 0 };

	snprintf(path, sizeof path, "%s/ladder-plan-yaml-%d.yaml", getenv("TMPDIR") ?
	    getenv("TMPDIR") : "/tmp", (int)getpid());
	write_text(path, "a: 1\nb: 2.5\nc: true\nd: ~\ne: '7'\nf: [x, {g: -3e2}]\n");
	CHECK_OK(plan_load_tree(path, &root, &err), &err);
	REQUIRE(root != NULL);
	CHECK(json_integer_value(json_object_get(root, "a")) == 1);
	CHECK_NEAR(json_real_value(json_object_get(root, "b")), 2.5, 0);
	CHECK(json_is_true(json_object_get(root, "c")));
	CHECK(json_is_null(json_object_get(root, "d")));
	CHECK_EQ_STR(json_string_value(json_object_get(root, "e")), "7");
	CHECK_NEAR(json_number_value(json_object_get(json_array_get(json_object_get(root, "f"), 1),
	    "g")), -300, 0);
	json_decref(root);
	write_text(path, "a: &x 1\nb: *x\n");
	ladder_err_clear(&err);
	CHECK(plan_load_tree(path, &root, &err) != 0);
	CHECK(strstr(err.msg, "aliases") != NULL);
	write_text(path, "a: 1\nb: 2\na: 3\n");
	ladder_err_clear(&err);
	CHECK(plan_load_tree(path, &root, &err) != 0);
	CHECK(strstr(err.msg, "line 3: duplicate key 'a'") != NULL);
	write_text(path, "# only a comment\n");
	ladder_err_clear(&err);
	CHECK(plan_load_tree(path, &root, &err) != 0);
	CHECK(strstr(err.msg, "empty document") != NULL);
	write_text(path, "a: [1, 2\n");
	ladder_err_clear(&err);
	CHECK(plan_load_tree(path, &root, &err) != 0);
	CHECK(strstr(err.msg, "line") != NULL);
	unlink(path);
}

TEST(plan_small_example)
{
	char path[PATH_MAX];
	struct ladder_plan_options opt = { 0 };
	struct ladder_plan *plan = NULL;
	struct ladder_err err = { 0 };
	json_t *j;

	snprintf(path, sizeof path, "%s/plan/small.yaml", test_data_dir);
	opt.topology_path = path;
	opt.baselines = true;
	opt.explain = true;
	opt.created_unix = 1;
	CHECK_OK(ladder_plan_solve(&opt, &plan, NULL, &err), &err);
	REQUIRE(plan != NULL);
	CHECK(ladder_plan_feasible(plan));
	j = json_loads(ladder_plan_json(plan), 0, NULL);
	REQUIRE(j != NULL);
	CHECK_EQ_STR(json_string_value(json_object_get(j, "schema")), "ladder.plan/1");
	CHECK_EQ_STR(json_string_value(json_object_get(j, "created")), "1970-01-01T00:00:01Z");
	/* Never worse than a baseline. */
	{
		json_t *b;
		size_t i;

		json_array_foreach(json_object_get(j, "baselines"), i, b) {
			if (json_is_true(json_object_get(b, "feasible")))
				CHECK(ladder_plan_cost(plan) <= json_number_value(json_object_get(b,
				    "cost_per_hour")) + 1e-9);
		}
		CHECK_EQ_INT((int)json_array_size(json_object_get(j, "baselines")), 4);
		CHECK_EQ_INT((int)json_array_size(json_object_get(j, "ablations")), 2);
		json_array_foreach(json_object_get(j, "ablations"), i, b) {
			if (json_is_true(json_object_get(b, "feasible")))
				CHECK(ladder_plan_cost(plan) <= json_number_value(json_object_get(b,
				    "cost_per_hour")) + 1e-9);
		}
	}
	CHECK(json_object_get(j, "explain") != NULL);
	json_decref(j);
	ladder_plan_free(plan);
}

TEST_MAIN()
