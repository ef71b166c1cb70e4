/*
 * thresholds.c: `ladder thresholds` as a library call.  Splits the samples
 * (seeded), sweeps every chain and measure on the calibration split, and
 * certifies one configuration per target on the disjoint evaluation split so
 * that the selection pays for its search (see ladder-thresholds(1)).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thresholds.h"

static uint64_t certify_min_correct(const struct ladder_thresholds_options *,
    enum ladder_bound_kind, uint64_t, uint64_t, double);

static const char *const cost_names[] = { "latency_dollars", "energy", "macs" };
static const char *const method_names[] = { "split-certify", "ltt-fixed-sequence", "none",
	"wilson-each" };

const char *
ladder_cost_kind_name(enum ladder_cost_kind k)
{
	return (unsigned)k < 3 ? cost_names[k] : "?";
}

int
ladder_cost_kind_parse(const char *name, enum ladder_cost_kind *k)
{
	for (int i = 0; i < 3; i++) {
		if (strcmp(name, cost_names[i]) == 0) {
			*k = (enum ladder_cost_kind)i;
			return 0;
		}
	}
	return LADDER_EINVAL;
}

const char *
ladder_certify_method_name(enum ladder_certify_method m)
{
	return (unsigned)m < 4 ? method_names[m] : "?";
}

int
ladder_certify_method_parse(const char *name, enum ladder_certify_method *m)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(name, method_names[i]) == 0) {
			*m = (enum ladder_certify_method)i;
			return 0;
		}
	}
	return LADDER_EINVAL;
}

void
ladder_thresholds_options_init(struct ladder_thresholds_options *o)
{
	memset(o, 0, sizeof(*o));
	/*
	 * risk bounds the probability that a pick misses its target: its true
	 * accuracy (check_samples 0: certified at level 1 - risk), or its
	 * accuracy counted on a check set of check_samples fresh samples (risk
	 * split between the certificate and the check's own noise; see
	 * certify_min_correct).
	 */
	o->risk = 0.05;
	o->level = 1 - o->risk;
	o->bound = LADDER_BOUND_CLOPPER_PEARSON;
	o->method = LADDER_CERTIFY_FIXED_SEQUENCE;
	o->cost_kind = LADDER_COST_LATENCY_DOLLARS;
	o->network_usd_per_gb = 0.02;
	o->bandwidth_mbps = 50;
	o->rtt_ms = 20;
	o->input_bytes = 0;
	o->seed = 1;
	o->calibration = 0.5;
	o->evaluation = 0;
	o->max_chain = 3;
	o->holdout = 0.5;
}

int
ladder_targets_parse(const char *spec, double **targets, size_t *n, struct ladder_err *err)
{
	double a, b, step;
	char tail;
	double *v = NULL;
	size_t count = 0;

	*targets = NULL;
	*n = 0;
	if (sscanf(spec, "%lf:%lf:%lf%c", &a, &b, &step, &tail) == 3) {
		if (!(a > 0 && a <= 1 && b >= a && b <= 1 && step > 0) ||
		    (b - a) / step > 10000)
			return ladder_errf(err, LADDER_EINVAL,
			    "bad target grid '%s' (wants FROM:TO:STEP in (0, 1], at most 10000 targets)",
			    spec);
		size_t m = (size_t)floor((b - a) / step + 1e-9) + 1;
		v = malloc(m * sizeof(*v));
		if (v == NULL)
			return ladder_errf(err, LADDER_ENOMEM, "out of memory");
		for (size_t i = 0; i < m; i++)
			v[count++] = round((a + (double)i * step) * 1e9) / 1e9;
	} else {
		const char *p = spec;
		v = malloc(10000 * sizeof(*v));
		if (v == NULL)
			return ladder_errf(err, LADDER_ENOMEM, "out of memory");
		for (;;) {
			char *end;
			double x = strtod(p, &end);
			if (end == p || !(x > 0 && x <= 1) || count == 10000 ||
			    (*end != ',' && *end != '\0')) {
				free(v);
				return ladder_errf(err, LADDER_EINVAL,
				    "bad targets '%s' (wants accuracies in (0, 1] as A,B,... or FROM:TO:STEP)",
				    spec);
			}
			v[count++] = x;
			if (*end == '\0')
				break;
			p = end + 1;
		}
	}
	*targets = v;
	*n = count;
	return 0;
}

/* splitmix64: a small seeded generator for the splits. */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
permute(size_t *idx, size_t n, uint64_t seed)
{
	uint64_t st = seed * 0x2545f4914f6cdd1dULL + 1;

	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(next_random(&st) % i);
		size_t t = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

static double
bound_of(const struct ladder_thresholds_options *o, enum ladder_bound_kind kind, uint64_t k,
    uint64_t n)
{
	return kind == LADDER_BOUND_WILSON ? ladder_wilson_lower(k, n, o->level) :
	    ladder_clopper_pearson_lower(k, n, o->level);
}

/*
 * The fewest correct answers out of n whose lower bound at level reaches
 * target (n + 1: never).  Clopper-Pearson's bound reaches target exactly when
 * P(X >= k | p = target) <= 1 - level, which is tested directly.
 */
static uint64_t
min_correct_at(enum ladder_bound_kind kind, uint64_t n, double target, double level)
{
	uint64_t lo = 0, hi = n + 1;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		bool pass;
		if (mid > n)
			pass = false;
		else if (kind == LADDER_BOUND_WILSON)
			pass = ladder_wilson_lower(mid, n, level) >= target;
		else
			pass = mid > 0 && ladder_binomial_tail(mid, n, target) <= 1 - level;
		if (pass)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static uint64_t
min_correct(const struct ladder_thresholds_options *o, enum ladder_bound_kind kind, uint64_t n,
    double target)
{
	return min_correct_at(kind, n, target, o->level);
}

#define RISK_SPLIT_STEPS 40

/*
 * The fewest correct answers out of n (the certification split) that certify
 * target for a check on `check` fresh samples with total risk o->risk
 * (check 0: the true accuracy, bound at o->level).
 *
 * A check misses when it counts fewer than ladder_min_count(target, check);
 * at a true accuracy of exactly target it does so about half the time, so a
 * certificate of the true accuracy says little about a finite check.  The
 * risk is split: risk1 goes to the certificate "true accuracy >= shifted"
 * (fixed-sequence testing spends it once for the whole sequence), and
 * risk - risk1 to the check's own noise at a true accuracy of shifted =
 * ladder_check_shift(target, check, risk - risk1).  A pick then misses with
 * probability at most risk1 + (risk - risk1) = risk.  risk1 runs over a
 * fixed grid that depends on no data, and the split needing the fewest
 * correct answers is kept.
 *
 * Measured against the tighter exact bound for independent samples (the
 * pick misses at most with the beta-binomial probability of the
 * certificate passing, no split): over 40 re-partitions of one fixed pool of
 * samples, as --repeat does, the check and evaluation counts of a
 * configuration are negatively correlated (they share the pool's total) and
 * the exact bound missed up to 5 of 40; the split keeps a margin for that.
 */
uint64_t
ladder_certify_min_correct(const struct ladder_thresholds_options *o, uint64_t n, uint64_t check,
    double target)
{
	return certify_min_correct(o, o->bound, n, check, target);
}

static uint64_t
certify_min_correct(const struct ladder_thresholds_options *o, enum ladder_bound_kind kind,
    uint64_t n, uint64_t check, double target)
{
	if (check == 0)
		return min_correct(o, kind, n, target);
	uint64_t best = n + 1;
	for (int i = 1; i < RISK_SPLIT_STEPS; i++) {
		double risk1 = o->risk * i / RISK_SPLIT_STEPS;
		double shifted = ladder_check_shift(target, check, o->risk - risk1);
		if (shifted > 1)
			continue;
		uint64_t k = min_correct_at(kind, n, shifted, 1 - risk1);
		if (k < best)
			best = k;
	}
	return best;
}

/* Memoised certify_min_correct for every target (the repeat splits share sizes). */
static const uint64_t *
certify_table(struct ladder_thresholds *t, int slot, enum ladder_bound_kind kind, uint64_t n,
    uint64_t check)
{
	struct certify_cache *c = &t->certify[slot];

	if (c->kmin != NULL && c->n == n && c->check == check && c->kind == kind)
		return c->kmin;
	free(c->kmin);
	c->kmin = calloc(t->opt.n_targets + 1, sizeof(*c->kmin));
	if (c->kmin == NULL)
		return NULL;
	c->n = n;
	c->check = check;
	c->kind = kind;
	for (size_t k = 0; k < t->opt.n_targets; k++)
		c->kmin[k] = certify_min_correct(&t->opt, kind, n, check, t->opt.targets[k]);
	return c->kmin;
}

/*
 * Picks, from a frontier sorted by cost (accuracy rising), the configuration
 * for each target by the options' method.  cal/eval: correct counts per point.
 * Writes the chosen index or -1.
 */
static void
select_on_frontier(const struct ladder_thresholds_options *o, const uint64_t *cal,
    const uint64_t *eval, size_t n_points, uint64_t n_cal, const uint64_t *kmin_cal,
    const uint64_t *kmin_cal_wilson, const uint64_t *kmin_eval, long *chosen)
{
	for (size_t t = 0; t < o->n_targets; t++) {
		long sel = -1;
		switch (o->method) {
		case LADDER_CERTIFY_FIXED_SEQUENCE:
			/* Test from the most accurate down; stop at the first failure. */
			for (size_t j = n_points; j-- > 0;) {
				if (eval[j] < kmin_eval[t])
					break;
				sel = (long)j;
			}
			break;
		case LADDER_CERTIFY_SPLIT:
			for (size_t j = 0; j < n_points && sel < 0; j++)
				if (cal[j] >= kmin_cal[t])
					sel = (long)j;
			if (sel >= 0 && eval[sel] < kmin_eval[t])
				sel = -1;
			break;
		case LADDER_CERTIFY_NONE:
			for (size_t j = 0; j < n_points && sel < 0; j++)
				if ((double)cal[j] >= o->targets[t] * (double)n_cal)
					sel = (long)j;
			break;
		case LADDER_CERTIFY_WILSON_EACH:
			for (size_t j = 0; j < n_points && sel < 0; j++)
				if (cal[j] >= kmin_cal_wilson[t])
					sel = (long)j;
			break;
		}
		chosen[t] = sel;
	}
}

static void
fill_pick(const struct cascade_input *in, const struct cascade_cand *cal_cand,
    const size_t *eval_idx, size_t n_eval, const struct ladder_thresholds_options *o,
    struct cascade_pick *p)
{
	p->feasible = true;
	p->cal = *cal_cand;
	p->eval = *cal_cand;
	p->eval.n = n_eval;
	p->eval.correct = cascade_eval_cand(in, cal_cand, eval_idx, n_eval, p->eval.esc_count);
	cascade_cost_of(in, &p->eval);
	p->lower_bound = bound_of(o, o->bound, p->eval.correct, n_eval);
	const struct cascade_chain *ch = &in->chains[cal_cand->chain];
	for (int i = 0; i < ch->n; i++)
		p->temperature[i] = in->outputs[in->stages[ch->stage[i]].out].temperature;
}

int
thresholds_select(struct ladder_thresholds *t, const size_t *cal_idx, size_t n_cal,
    const size_t *eval_idx, size_t n_eval, uint64_t check, struct cascade_pick *picks,
    bool chain_points)
{
	const struct ladder_thresholds_options *o = &t->opt;
	struct cascade_input *in = &t->in;
	struct cascade_cand *all = NULL, *c = NULL;
	size_t n_all = 0, cap_all = 0, nc;
	const uint64_t *kmin_cal, *kmin_calw, *kmin_eval;
	uint64_t *calc = NULL, *evalc = NULL;
	long *chosen = NULL;
	int rc = LADDER_ENOMEM;
	size_t nt = o->n_targets;

	/* Temperature: fitted on the calibration split only. */
	if (o->measures & (1u << LADDER_MEASURE_TEMP_SOFTMAX)) {
		for (size_t i = 0; i < in->n_outputs; i++) {
			struct cascade_outputs *out = &in->outputs[i];
			out->temperature = ladder_fit_temperature(out->rows, out->classes, out->probs,
			    in->labels, cal_idx, n_cal);
		}
		cascade_compute_confidence(in, LADDER_MEASURE_TEMP_SOFTMAX);
	}
	kmin_cal = certify_table(t, 0, o->bound, n_cal, check);
	/* The naive per-candidate Wilson baseline stays naive. */
	kmin_calw = certify_table(t, 1, LADDER_BOUND_WILSON, n_cal, 0);
	kmin_eval = certify_table(t, 2, o->bound, n_eval, check);
	chosen = calloc(nt + 1, sizeof(*chosen));
	if (kmin_cal == NULL || kmin_calw == NULL || kmin_eval == NULL || chosen == NULL)
		goto out;
	for (size_t ci = 0; ci < in->n_chains; ci++) {
		const struct cascade_chain *ch = &in->chains[ci];
		for (int m = 0; m < LADDER_MEASURE_COUNT; m++) {
			if (ch->n == 1 && m > 0)
				break;
			if (ch->n > 1 && !(o->measures & (1u << m)))
				continue;
			if (cascade_sweep_chain(in, (int)ci, m, cal_idx, n_cal, &c, &nc) != 0)
				goto out;
			if (chain_points && ch->n > 1) {
				struct cascade_curve *cv = &t->curves[t->n_curves++];
				cv->chain = (int)ci;
				cv->measure = m;
				for (int i = 0; i < ch->n; i++)
					cv->temperature[i] =
					    in->outputs[in->stages[ch->stage[i]].out].temperature;
				cv->points = calloc(nt + 1, sizeof(*cv->points));
				uint64_t *cc = malloc((nc + 1) * sizeof(*cc));
				uint64_t *ec = malloc((nc + 1) * sizeof(*ec));
				if (cv->points == NULL || cc == NULL || ec == NULL) {
					free(cc);
					free(ec);
					goto out;
				}
				for (size_t j = 0; j < nc; j++) {
					cc[j] = c[j].correct;
					ec[j] = cascade_eval_cand(in, &c[j], eval_idx, n_eval, NULL);
				}
				select_on_frontier(o, cc, ec, nc, n_cal, kmin_cal, kmin_calw, kmin_eval,
				    chosen);
				for (size_t k = 0; k < nt; k++)
					if (chosen[k] >= 0)
						fill_pick(in, &c[chosen[k]], eval_idx, n_eval, o,
						    &cv->points[k]);
				free(cc);
				free(ec);
			}
			if (n_all + nc > cap_all) {
				size_t cap = 2 * (n_all + nc) + 256;
				struct cascade_cand *v = realloc(all, cap * sizeof(*v));
				if (v == NULL)
					goto out;
				all = v;
				cap_all = cap;
			}
			memcpy(all + n_all, c, nc * sizeof(*c));
			n_all += nc;
			free(c);
			c = NULL;
		}
	}
	/* Cheapest single rung whose bound on the evaluation split reaches each target. */
	for (size_t k = 0; k < nt; k++) {
		picks[k].single_stage = -1;
		for (size_t j = 0; j < n_all; j++) {
			const struct cascade_chain *ch = &in->chains[all[j].chain];
			if (ch->n != 1)
				continue;
			uint64_t e = cascade_eval_cand(in, &all[j], eval_idx, n_eval, NULL);
			if (e < kmin_eval[k])
				continue;
			double cost = in->stages[ch->stage[0]].cost;
			if (picks[k].single_stage < 0 || cost < picks[k].single_cost) {
				picks[k].single_stage = ch->stage[0];
				picks[k].single_cost = cost;
			}
		}
	}
	n_all = cascade_pareto(all, n_all, false);
	calc = malloc((n_all + 1) * sizeof(*calc));
	evalc = malloc((n_all + 1) * sizeof(*evalc));
	if (calc == NULL || evalc == NULL)
		goto out;
	for (size_t j = 0; j < n_all; j++) {
		calc[j] = all[j].correct;
		evalc[j] = cascade_eval_cand(in, &all[j], eval_idx, n_eval, NULL);
	}
	select_on_frontier(o, calc, evalc, n_all, n_cal, kmin_cal, kmin_calw, kmin_eval, chosen);
	for (size_t k = 0; k < nt; k++) {
		picks[k].feasible = false;
		if (chosen[k] >= 0)
			fill_pick(in, &all[chosen[k]], eval_idx, n_eval, o, &picks[k]);
	}
	rc = 0;
out:
	free(all);
	free(c);
	free(calc);
	free(evalc);
	free(chosen);
	return rc;
}

/* Splits: seeded permutation; [holdout | calibration | evaluation]. */
static void
split_sizes(const struct ladder_thresholds_options *o, size_t n, double holdout, size_t *n_hold,
    size_t *n_cal, size_t *n_eval)
{
	size_t rest;

	*n_hold = (size_t)floor((double)n * holdout);
	rest = n - *n_hold;
	double cal = o->calibration, ev = o->evaluation;
	if (ev <= 0)
		ev = 1 - cal;
	*n_cal = (size_t)floor((double)rest * cal / (cal + ev));
	*n_eval = (size_t)floor((double)rest * ev / (cal + ev));
	if (*n_cal + *n_eval > rest)
		*n_eval = rest - *n_cal;
}

static int
run_all_samples(struct ladder_thresholds *t)
{
	struct cascade_input *in = &t->in;
	size_t *all_idx = malloc(in->n * sizeof(*all_idx));
	struct cascade_cand *c, *acc = NULL;
	size_t nc, n_acc = 0;

	if (all_idx == NULL)
		return LADDER_ENOMEM;
	for (size_t i = 0; i < in->n; i++)
		all_idx[i] = i;
	/* Curves on all samples (temperatures as fitted on calibration): frontier and plot. */
	for (size_t ci = 0; ci < in->n_chains; ci++) {
		const struct cascade_chain *ch = &in->chains[ci];
		for (int m = 0; m < LADDER_MEASURE_COUNT; m++) {
			if (ch->n == 1 && m > 0)
				break;
			if (ch->n > 1 && !(t->opt.measures & (1u << m)))
				continue;
			if (cascade_sweep_chain(in, (int)ci, m, all_idx, in->n, &c, &nc) != 0)
				goto fail;
			struct cascade_cand *v = realloc(acc, (n_acc + nc + 1) * sizeof(*v));
			if (v == NULL) {
				free(c);
				goto fail;
			}
			acc = v;
			memcpy(acc + n_acc, c, nc * sizeof(*c));
			n_acc += nc;
			if (ch->n == 2 && m == LADDER_MEASURE_MAX_SOFTMAX && t->n_plot < PLOT_MAX_CURVES) {
				t->plot[t->n_plot].cands = c;
				t->plot[t->n_plot++].n = nc;
			} else {
				free(c);
			}
		}
	}
	t->frontier_lat = malloc((n_acc + 1) * sizeof(*t->frontier_lat));
	if (t->frontier_lat == NULL)
		goto fail;
	memcpy(t->frontier_lat, acc, n_acc * sizeof(*acc));
	t->n_frontier_lat = cascade_pareto(t->frontier_lat, n_acc, true);
	t->n_frontier = cascade_pareto(acc, n_acc, false);
	t->frontier = acc;
	free(all_idx);
	return 0;
fail:
	free(acc);
	free(all_idx);
	return LADDER_ENOMEM;
}

int
ladder_thresholds_run(const struct ladder_thresholds_options *o, struct ladder_thresholds **out,
    struct ladder_err *err)
{
	struct ladder_thresholds *t;
	size_t *perm = NULL;
	int rc;

	*out = NULL;
	if (!(o->level > 0 && o->level < 1) || !(o->calibration > 0 && o->calibration < 1) ||
	    o->evaluation < 0 || o->calibration + o->evaluation > 1 + 1e-12 ||
	    o->max_chain < 1 || o->max_chain > 3 || o->repeat < 0 || o->repeat > 100000 ||
	    !(o->holdout > 0 && o->holdout < 1))
		return ladder_errf(err, LADDER_EINVAL, "bad thresholds options");
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	t->opt = *o;
	if (t->opt.measures == 0)
		t->opt.measures = (1u << LADDER_MEASURE_COUNT) - 1;
	t->profile_path = strdup(o->profile_path);
	if (t->profile_path == NULL) {
		free(t);
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	}
	t->opt.profile_path = t->profile_path;
	t->opt.targets = NULL;
	if ((rc = cascade_input_load(&t->opt, &t->in, err)) != 0)
		goto fail;
	struct cascade_input *in = &t->in;

	/* Targets: given, or a 0.005 grid from the cheapest to the best rung. */
	if (o->n_targets > 0) {
		t->targets = malloc(o->n_targets * sizeof(double));
		if (t->targets == NULL)
			goto nomem;
		memcpy(t->targets, o->targets, o->n_targets * sizeof(double));
		t->opt.n_targets = o->n_targets;
	} else {
		double lo = in->stages[0].accuracy, hi = lo;
		for (size_t i = 0; i < in->n_stages; i++)
			if (in->stages[i].accuracy > hi)
				hi = in->stages[i].accuracy;
		double a = ceil(lo * 200 - 1e-9) / 200, b = floor(hi * 200 + 1e-9) / 200;
		size_t m = b >= a ? (size_t)((b - a) * 200 + 0.5) + 1 : 1;
		t->targets = malloc(m * sizeof(double));
		if (t->targets == NULL)
			goto nomem;
		for (size_t i = 0; i < m; i++)
			t->targets[i] = b >= a ? round((a + (double)i / 200) * 1000) / 1000 : a;
		t->opt.n_targets = m;
	}
	t->opt.targets = t->targets;
	size_t nt = t->opt.n_targets;

	perm = malloc(in->n * sizeof(*perm));
	t->picks = calloc(nt, sizeof(*t->picks));
	t->curves = calloc(in->n_chains * LADDER_MEASURE_COUNT + 1, sizeof(*t->curves));
	if (perm == NULL || t->picks == NULL || t->curves == NULL)
		goto nomem;

	size_t n_hold;
	split_sizes(&t->opt, in->n, 0, &n_hold, &t->n_cal, &t->n_eval);
	if (t->n_cal == 0 || t->n_eval == 0) {
		rc = ladder_errf(err, LADDER_EINVAL,
		    "cannot use '%s': %zu samples are too few to split", o->profile_path, in->n);
		goto fail;
	}
	permute(perm, in->n, t->opt.seed);
	qsort(perm, t->n_cal, sizeof(*perm), cmp_size);
	qsort(perm + t->n_cal, t->n_eval, sizeof(*perm), cmp_size);
	ladder_progress_report(o->progress, "thresholds", 0, (uint64_t)o->repeat + 1);
	if (thresholds_select(t, perm, t->n_cal, perm + t->n_cal, t->n_eval, o->check_samples,
	    t->picks, true) != 0)
		goto nomem;
	if (run_all_samples(t) != 0)
		goto nomem;
	/* Temperatures of the main split, for the report. */
	t->temperature = calloc(in->n_outputs + 1, sizeof(double));
	if (t->temperature == NULL)
		goto nomem;
	for (size_t i = 0; i < in->n_outputs; i++)
		t->temperature[i] = in->outputs[i].temperature;

	if (o->repeat > 0) {
		struct cascade_pick *rp = calloc(nt, sizeof(*rp));
		t->rep = calloc(nt, sizeof(*t->rep));
		if (rp == NULL || t->rep == NULL) {
			free(rp);
			goto nomem;
		}
		split_sizes(&t->opt, in->n, o->holdout, &t->rep_holdout, &t->rep_cal, &t->rep_eval);
		if (t->rep_cal == 0 || t->rep_eval == 0 || t->rep_holdout == 0) {
			free(rp);
			rc = ladder_errf(err, LADDER_EINVAL,
			    "cannot use '%s': %zu samples are too few to split three ways",
			    o->profile_path, in->n);
			goto fail;
		}
		t->repeat = o->repeat;
		for (int r = 0; r < o->repeat; r++) {
			permute(perm, in->n, t->opt.seed + 1000003ULL * (uint64_t)(r + 1));
			const size_t *hold = perm, *cal = perm + t->rep_holdout,
			    *ev = perm + t->rep_holdout + t->rep_cal;
			memset(rp, 0, nt * sizeof(*rp));
			if (thresholds_select(t, cal, t->rep_cal, ev, t->rep_eval, t->rep_holdout, rp,
			    false) != 0) {
				free(rp);
				goto nomem;
			}
			for (size_t k = 0; k < nt; k++) {
				struct repeat_stat *s = &t->rep[k];
				s->runs++;
				if (!rp[k].feasible)
					continue;
				s->feasible++;
				uint64_t hc = cascade_eval_cand(in, &rp[k].cal, hold, t->rep_holdout, NULL);
				double hacc = (double)hc / (double)t->rep_holdout;
				s->holdout_acc_sum += hacc;
				if (hc < ladder_min_count(t->targets[k], t->rep_holdout))
					s->misses++;
				s->cost_sum += rp[k].eval.cost;
				if (rp[k].single_stage >= 0 && rp[k].single_cost > 0) {
					s->ratio_sum += rp[k].eval.cost / rp[k].single_cost;
					s->ratio_n++;
				}
			}
			ladder_progress_report(o->progress, "thresholds", (uint64_t)r + 2,
			    (uint64_t)o->repeat + 1);
		}
		free(rp);
		/* Leave the main split's temperatures in place for any later use. */
		for (size_t i = 0; i < in->n_outputs; i++)
			in->outputs[i].temperature = t->temperature[i];
		cascade_compute_confidence(in, LADDER_MEASURE_TEMP_SOFTMAX);
	}
	free(perm);
	*out = t;
	return 0;
nomem:
	rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
fail:
	free(perm);
	ladder_thresholds_free(t);
	return rc;
}

void
ladder_thresholds_free(struct ladder_thresholds *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n_curves; i++)
		free(t->curves[i].points);
	for (size_t i = 0; i < t->n_plot; i++)
		free(t->plot[i].cands);
	free(t->curves);
	free(t->picks);
	free(t->frontier);
	free(t->frontier_lat);
	free(t->rep);
	free(t->targets);
	free(t->temperature);
	for (int i = 0; i < 3; i++)
		free(t->certify[i].kmin);
	free(t->profile_path);
	cascade_input_release(&t->in);
	free(t);
}
