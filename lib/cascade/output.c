/* output.c: thresholds.json, the human table and the SVG plot of a thresholds result. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thresholds.h"

static const char *const bound_names[] = { "clopper-pearson", "wilson" };

static void
jw_chain_names(struct jw *w, const struct ladder_thresholds *t, int chain, bool hardware)
{
	const struct cascade_chain *ch = &t->in.chains[chain];

	jw_arr(w);
	for (int i = 0; i < ch->n; i++) {
		const struct cascade_stage *st = &t->in.stages[ch->stage[i]];
		jw_str(w, hardware ? st->hardware : st->rung);
	}
	jw_end_arr(w);
}

static void
jw_thresholds(struct jw *w, const struct ladder_thresholds *t, const struct cascade_cand *c)
{
	int n = t->in.chains[c->chain].n;

	jw_arr(w);
	for (int i = 0; i + 1 < n; i++)
		jw_num(w, c->thr[i]);
	jw_end_arr(w);
}

static void
jw_escalation(struct jw *w, const struct ladder_thresholds *t, const struct cascade_cand *c)
{
	int n = t->in.chains[c->chain].n;

	jw_arr(w);
	for (int i = 0; i + 1 < n; i++)
		jw_num(w, c->n ? (double)c->esc_count[i] / (double)c->n : 0);
	jw_end_arr(w);
}

static double
acc_of(const struct cascade_cand *c)
{
	return c->n ? (double)c->correct / (double)c->n : 0;
}

/* The point fields shared by chains[].points and targets[]. */
static void
jw_pick_fields(struct jw *w, const struct ladder_thresholds *t, const struct cascade_pick *p)
{
	jw_key(w, "thresholds");
	jw_thresholds(w, t, &p->cal);
	jw_key(w, "escalation");
	jw_escalation(w, t, &p->eval);
	jw_key(w, "accuracy_cal");
	jw_num(w, acc_of(&p->cal));
	jw_key(w, "accuracy_eval");
	jw_num(w, acc_of(&p->eval));
	jw_key(w, "lower_bound");
	jw_num(w, p->lower_bound);
	jw_key(w, "expected_cost");
	jw_num(w, p->eval.cost);
	jw_key(w, "expected_latency_ms");
	jw_num(w, p->eval.latency_ms);
	jw_key(w, "expected_energy_j");
	jw_num(w, p->eval.energy_j);
}

static void
jw_temperatures(struct jw *w, const double *temps, int n)
{
	jw_arr(w);
	for (int i = 0; i < n; i++)
		jw_num(w, temps[i]);
	jw_end_arr(w);
}

static void
jw_frontier(struct jw *w, const struct ladder_thresholds *t, const struct cascade_cand *f,
    size_t n)
{
	jw_arr(w);
	for (size_t i = 0; i < n; i++) {
		jw_obj(w);
		jw_key(w, "chain");
		jw_chain_names(w, t, f[i].chain, false);
		jw_key(w, "hardware");
		jw_chain_names(w, t, f[i].chain, true);
		jw_key(w, "measure");
		if (f[i].measure < 0)
			jw_null(w);
		else
			jw_str(w, ladder_measure_name(f[i].measure));
		jw_key(w, "thresholds");
		jw_thresholds(w, t, &f[i]);
		jw_key(w, "escalation");
		jw_escalation(w, t, &f[i]);
		jw_key(w, "accuracy");
		jw_num(w, acc_of(&f[i]));
		jw_key(w, "cost");
		jw_num(w, f[i].cost);
		jw_key(w, "latency_ms");
		jw_num(w, f[i].latency_ms);
		jw_key(w, "energy_j");
		jw_num(w, f[i].energy_j);
		jw_end_obj(w);
	}
	jw_end_arr(w);
}

char *
ladder_thresholds_json(const struct ladder_thresholds *t)
{
	struct ladder_buf b;
	struct jw w;
	const struct ladder_thresholds_options *o = &t->opt;
	const struct cascade_input *in = &t->in;

	ladder_buf_init(&b);
	jw_init(&w, &b);
	jw_obj(&w);
	jw_key(&w, "schema");
	jw_str(&w, "ladder.thresholds/1");
	jw_key(&w, "profile");
	jw_str(&w, t->profile_path);
	jw_key(&w, "level");
	jw_num(&w, o->level);
	jw_key(&w, "risk");
	jw_num(&w, round((o->risk > 0 ? o->risk : 1 - o->level) * 1e12) / 1e12);
	jw_key(&w, "check_samples");
	jw_int(&w, (int64_t)o->check_samples);
	jw_key(&w, "method");
	jw_str(&w, ladder_certify_method_name(o->method));
	jw_key(&w, "bound");
	jw_str(&w, bound_names[o->bound]);
	jw_key(&w, "data");
	jw_obj(&w);
	jw_key(&w, "name");
	jw_str(&w, in->data_name);
	jw_key(&w, "sha256");
	jw_str(&w, in->data_sha256);
	jw_key(&w, "samples");
	jw_int(&w, (int64_t)in->n);
	jw_end_obj(&w);
	jw_key(&w, "splits");
	jw_obj(&w);
	jw_key(&w, "seed");
	jw_int(&w, (int64_t)o->seed);
	jw_key(&w, "calibration");
	jw_int(&w, (int64_t)t->n_cal);
	jw_key(&w, "evaluation");
	jw_int(&w, (int64_t)t->n_eval);
	jw_end_obj(&w);
	jw_key(&w, "cost_model");
	jw_obj(&w);
	jw_key(&w, "kind");
	jw_str(&w, ladder_cost_kind_name(o->cost_kind));
	jw_key(&w, "network_usd_per_gb");
	jw_num(&w, o->network_usd_per_gb);
	jw_key(&w, "bandwidth_mbps");
	jw_num(&w, o->bandwidth_mbps);
	jw_key(&w, "rtt_ms");
	jw_num(&w, o->rtt_ms);
	jw_key(&w, "input_bytes");
	jw_num(&w, o->input_bytes);
	jw_end_obj(&w);

	jw_key(&w, "rungs");
	jw_arr(&w);
	for (size_t i = 0; i < in->n_stages; i++) {
		const struct cascade_stage *st = &in->stages[i];
		jw_obj(&w);
		jw_key(&w, "name");
		jw_str(&w, st->rung);
		jw_key(&w, "sha256");
		jw_str(&w, st->sha256);
		jw_key(&w, "hardware");
		jw_str(&w, st->hardware);
		jw_key(&w, "accuracy");
		jw_num(&w, st->accuracy);
		jw_key(&w, "cost");
		jw_num(&w, st->cost);
		jw_key(&w, "latency_ms");
		jw_num(&w, st->latency_ms);
		jw_key(&w, "energy_j");
		jw_num(&w, st->energy_j);
		jw_key(&w, "macs");
		if (st->macs >= 0)
			jw_num(&w, st->macs);
		else
			jw_null(&w);
		jw_key(&w, "temperature");
		jw_num(&w, t->temperature[st->out]);
		jw_end_obj(&w);
	}
	jw_end_arr(&w);

	jw_key(&w, "chains");
	jw_arr(&w);
	for (size_t i = 0; i < t->n_curves; i++) {
		const struct cascade_curve *cv = &t->curves[i];
		int n = in->chains[cv->chain].n;
		jw_obj(&w);
		jw_key(&w, "rungs");
		jw_chain_names(&w, t, cv->chain, false);
		jw_key(&w, "hardware");
		jw_chain_names(&w, t, cv->chain, true);
		jw_key(&w, "measure");
		jw_str(&w, ladder_measure_name(cv->measure));
		jw_key(&w, "temperature");
		jw_num(&w, cv->measure == LADDER_MEASURE_TEMP_SOFTMAX ? cv->temperature[0] : 1.0);
		jw_key(&w, "temperatures");
		if (cv->measure == LADDER_MEASURE_TEMP_SOFTMAX) {
			jw_temperatures(&w, cv->temperature, n - 1);
		} else {
			double ones[3] = { 1, 1, 1 };
			jw_temperatures(&w, ones, n - 1);
		}
		jw_key(&w, "points");
		jw_arr(&w);
		for (size_t k = 0; k < o->n_targets; k++) {
			const struct cascade_pick *p = &cv->points[k];
			if (!p->feasible)
				continue;
			jw_obj(&w);
			jw_key(&w, "target");
			jw_num(&w, o->targets[k]);
			jw_pick_fields(&w, t, p);
			jw_end_obj(&w);
		}
		jw_end_arr(&w);
		jw_end_obj(&w);
	}
	jw_end_arr(&w);

	jw_key(&w, "targets");
	jw_arr(&w);
	for (size_t k = 0; k < o->n_targets; k++) {
		const struct cascade_pick *p = &t->picks[k];
		jw_obj(&w);
		jw_key(&w, "target");
		jw_num(&w, o->targets[k]);
		jw_key(&w, "feasible");
		jw_bool(&w, p->feasible);
		if (p->feasible) {
			int n = in->chains[p->cal.chain].n;
			jw_key(&w, "chain");
			jw_chain_names(&w, t, p->cal.chain, false);
			jw_key(&w, "hardware");
			jw_chain_names(&w, t, p->cal.chain, true);
			jw_key(&w, "measure");
			if (p->cal.measure < 0)
				jw_null(&w);
			else
				jw_str(&w, ladder_measure_name(p->cal.measure));
			jw_key(&w, "temperature");
			jw_num(&w, p->cal.measure == LADDER_MEASURE_TEMP_SOFTMAX ?
			    p->temperature[0] : 1.0);
			jw_key(&w, "temperatures");
			if (p->cal.measure == LADDER_MEASURE_TEMP_SOFTMAX) {
				jw_temperatures(&w, p->temperature, n - 1);
			} else {
				double ones[3] = { 1, 1, 1 };
				jw_temperatures(&w, ones, n - 1);
			}
			jw_pick_fields(&w, t, p);
		}
		jw_key(&w, "cheapest_single");
		if (p->single_stage >= 0) {
			jw_obj(&w);
			jw_key(&w, "rung");
			jw_str(&w, in->stages[p->single_stage].rung);
			jw_key(&w, "hardware");
			jw_str(&w, in->stages[p->single_stage].hardware);
			jw_key(&w, "cost");
			jw_num(&w, p->single_cost);
			jw_end_obj(&w);
		} else {
			jw_null(&w);
		}
		jw_end_obj(&w);
	}
	jw_end_arr(&w);

	jw_key(&w, "frontier");
	jw_frontier(&w, t, t->frontier, t->n_frontier);
	jw_key(&w, "frontier_latency");
	jw_frontier(&w, t, t->frontier_lat, t->n_frontier_lat);

	jw_key(&w, "repeat");
	if (t->repeat > 0) {
		jw_obj(&w);
		jw_key(&w, "runs");
		jw_int(&w, t->repeat);
		jw_key(&w, "calibration");
		jw_int(&w, (int64_t)t->rep_cal);
		jw_key(&w, "evaluation");
		jw_int(&w, (int64_t)t->rep_eval);
		jw_key(&w, "holdout");
		jw_int(&w, (int64_t)t->rep_holdout);
		jw_key(&w, "targets");
		jw_arr(&w);
		for (size_t k = 0; k < o->n_targets; k++) {
			const struct repeat_stat *s = &t->rep[k];
			jw_obj(&w);
			jw_key(&w, "target");
			jw_num(&w, o->targets[k]);
			jw_key(&w, "feasible");
			jw_int(&w, s->feasible);
			jw_key(&w, "misses");
			jw_int(&w, s->misses);
			jw_key(&w, "miss_rate");
			jw_num(&w, s->runs ? (double)s->misses / s->runs : 0);
			jw_key(&w, "mean_holdout_accuracy");
			if (s->feasible)
				jw_num(&w, s->holdout_acc_sum / s->feasible);
			else
				jw_null(&w);
			jw_key(&w, "mean_cost");
			if (s->feasible)
				jw_num(&w, s->cost_sum / s->feasible);
			else
				jw_null(&w);
			jw_key(&w, "mean_cost_ratio");
			if (s->ratio_n)
				jw_num(&w, s->ratio_sum / s->ratio_n);
			else
				jw_null(&w);
			jw_end_obj(&w);
		}
		jw_end_arr(&w);
		jw_end_obj(&w);
	} else {
		jw_null(&w);
	}
	jw_end_obj(&w);
	ladder_buf_addstr(&b, "\n");
	if (b.failed) {
		ladder_buf_release(&b);
		return NULL;
	}
	return ladder_buf_detach(&b, NULL);
}

static void
chain_label(const struct ladder_thresholds *t, int chain, char *out, size_t size)
{
	const struct cascade_chain *ch = &t->in.chains[chain];
	size_t len = 0;
	bool multi_hw = false;

	for (size_t i = 1; i < t->in.n_stages; i++)
		if (strcmp(t->in.stages[i].hardware, t->in.stages[0].hardware) != 0)
			multi_hw = true;
	out[0] = '\0';
	for (int i = 0; i < ch->n && len < size; i++) {
		const struct cascade_stage *st = &t->in.stages[ch->stage[i]];
		int w = multi_hw ? snprintf(out + len, size - len, "%s%s@%s", i ? ">" : "", st->rung,
		    st->hardware) : snprintf(out + len, size - len, "%s%s", i ? ">" : "", st->rung);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

static void
fmt_cost(char *out, size_t size, double v)
{
	snprintf(out, size, "%.4g", v);
}

char *
ladder_thresholds_table(const struct ladder_thresholds *t)
{
	struct ladder_buf b;
	const struct ladder_thresholds_options *o = &t->opt;
	char label[256], c1[32], c2[32], thr[64], esc[64];

	ladder_buf_init(&b);
	ladder_buf_addf(&b, "%zu samples: calibration %zu, evaluation %zu (seed %llu); "
	    "%s, %s bound at %.3g; cost: %s\n", t->in.n, t->n_cal, t->n_eval,
	    (unsigned long long)o->seed, ladder_certify_method_name(o->method),
	    bound_names[o->bound], o->level, ladder_cost_kind_name(o->cost_kind));
	if (o->check_samples > 0)
		ladder_buf_addf(&b, "risk %.3g: a pick's accuracy counted on %llu fresh samples "
		    "misses its target with probability at most %.3g\n\n", o->risk,
		    (unsigned long long)o->check_samples, o->risk);
	else
		ladder_buf_addf(&b, "risk %.3g: a pick's true accuracy is below its target with "
		    "probability at most %.3g\n\n", 1 - o->level, 1 - o->level);
	int cw = 5;
	for (size_t k = 0; k < o->n_targets; k++) {
		if (!t->picks[k].feasible)
			continue;
		chain_label(t, t->picks[k].cal.chain, label, sizeof(label));
		if ((int)strlen(label) > cw)
			cw = (int)strlen(label);
	}
	ladder_buf_addf(&b, "%-7s %-*s %-12s %-17s %-13s %-7s %-7s %-7s %-10s %-22s %s\n",
	    "TARGET", cw, "CHAIN", "MEASURE", "THRESHOLDS", "ESCALATION", "CAL", "EVAL", "BOUND",
	    "COST", "CHEAPEST SINGLE", "RATIO");
	for (size_t k = 0; k < o->n_targets; k++) {
		const struct cascade_pick *p = &t->picks[k];
		char single[64] = "-", ratio[16] = "-";
		if (p->single_stage >= 0) {
			fmt_cost(c2, sizeof(c2), p->single_cost);
			snprintf(single, sizeof(single), "%s %s", t->in.stages[p->single_stage].rung, c2);
		}
		if (!p->feasible) {
			ladder_buf_addf(&b, "%-7.4g %-*s %-12s %-17s %-13s %-7s %-7s %-7s %-10s %-22s %s\n",
			    o->targets[k], cw, "(infeasible)", "-", "-", "-", "-", "-", "-", "-", single, "-");
			continue;
		}
		int n = t->in.chains[p->cal.chain].n;
		chain_label(t, p->cal.chain, label, sizeof(label));
		thr[0] = esc[0] = '\0';
		for (int i = 0; i + 1 < n; i++) {
			size_t l = strlen(thr), e = strlen(esc);
			snprintf(thr + l, sizeof(thr) - l, "%s%.4f", i ? "," : "", p->cal.thr[i]);
			snprintf(esc + e, sizeof(esc) - e, "%s%.3f", i ? "," : "",
			    (double)p->eval.esc_count[i] / (double)p->eval.n);
		}
		if (n == 1) {
			snprintf(thr, sizeof(thr), "-");
			snprintf(esc, sizeof(esc), "-");
		}
		fmt_cost(c1, sizeof(c1), p->eval.cost);
		if (p->single_stage >= 0 && p->single_cost > 0)
			snprintf(ratio, sizeof(ratio), "%.2fx", p->eval.cost / p->single_cost);
		ladder_buf_addf(&b,
		    "%-7.4g %-*s %-12s %-17s %-13s %-7.4f %-7.4f %-7.4f %-10s %-22s %s\n",
		    o->targets[k], cw, label, p->cal.measure < 0 ? "-" : ladder_measure_name(p->cal.measure),
		    thr, esc, acc_of(&p->cal), acc_of(&p->eval), p->lower_bound, c1, single, ratio);
	}
	if (t->repeat > 0) {
		ladder_buf_addf(&b, "\nrepeat: %d random splits (calibration %zu, evaluation %zu, "
		    "held out %zu); each split's picks certified, at risk %.3g, for a check on its "
		    "%zu held-out samples\n", t->repeat, t->rep_cal, t->rep_eval, t->rep_holdout,
		    o->risk, t->rep_holdout);
		ladder_buf_addf(&b, "%-7s %-9s %-7s %-10s %-13s %-10s %s\n", "TARGET", "FEASIBLE",
		    "MISSES", "MISS RATE", "HELD-OUT ACC", "MEAN COST", "MEAN RATIO");
		for (size_t k = 0; k < o->n_targets; k++) {
			const struct repeat_stat *s = &t->rep[k];
			char ha[16] = "-", mc[32] = "-", mr[16] = "-";
			if (s->feasible) {
				snprintf(ha, sizeof(ha), "%.4f", s->holdout_acc_sum / s->feasible);
				fmt_cost(mc, sizeof(mc), s->cost_sum / s->feasible);
			}
			if (s->ratio_n)
				snprintf(mr, sizeof(mr), "%.3fx", s->ratio_sum / s->ratio_n);
			ladder_buf_addf(&b, "%-7.4g %-9d %-7d %-10.3f %-13s %-10s %s\n", o->targets[k],
			    s->feasible, s->misses, s->runs ? (double)s->misses / s->runs : 0, ha, mc, mr);
		}
	}
	if (b.failed) {
		ladder_buf_release(&b);
		return NULL;
	}
	return ladder_buf_detach(&b, NULL);
}

/* SVG: accuracy (y) against cost (x, log scale when it spans a decade). */
struct plot_axes {
	double x0, x1, y0, y1;
	bool logx;
};

#define PW 720.0
#define PH 480.0
#define PL 70.0
#define PR 20.0
#define PT 30.0
#define PB 50.0

static double
px(const struct plot_axes *a, double cost)
{
	double v = a->logx ? log10(cost > 0 ? cost : a->x0) : cost;
	double lo = a->logx ? log10(a->x0) : a->x0, hi = a->logx ? log10(a->x1) : a->x1;

	return PL + (v - lo) / (hi - lo) * (PW - PL - PR);
}

static double
py(const struct plot_axes *a, double acc)
{
	return PH - PB - (acc - a->y0) / (a->y1 - a->y0) * (PH - PT - PB);
}

static void
svg_text_escaped(struct ladder_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			ladder_buf_addstr(b, "&lt;");
		else if (*s == '>')
			ladder_buf_addstr(b, "&gt;");
		else if (*s == '&')
			ladder_buf_addstr(b, "&amp;");
		else
			ladder_buf_add(b, s, 1);
	}
}

char *
ladder_thresholds_svg(const struct ladder_thresholds *t)
{
	struct ladder_buf b;
	struct plot_axes a = { INFINITY, -INFINITY, INFINITY, -INFINITY, false };
	const struct cascade_input *in = &t->in;

	for (size_t i = 0; i < in->n_stages; i++) {
		const struct cascade_stage *st = &in->stages[i];
		if (st->cost > 0 && st->cost < a.x0)
			a.x0 = st->cost;
		if (st->cost > a.x1)
			a.x1 = st->cost;
		if (st->accuracy < a.y0)
			a.y0 = st->accuracy;
		if (st->accuracy > a.y1)
			a.y1 = st->accuracy;
	}
	for (size_t i = 0; i < t->n_frontier; i++) {
		double acc = acc_of(&t->frontier[i]);
		if (acc > a.y1)
			a.y1 = acc;
		if (t->frontier[i].cost > a.x1)
			a.x1 = t->frontier[i].cost;
	}
	if (!isfinite(a.x0) || a.x0 <= 0)
		a.x0 = a.x1 > 0 ? a.x1 / 10 : 1e-9;
	if (!(a.x1 > a.x0))
		a.x1 = a.x0 * 10;
	a.logx = a.x1 / a.x0 > 10;
	if (a.logx) {
		a.x0 /= 1.5;
		a.x1 *= 1.5;
	} else {
		double pad = (a.x1 - a.x0) * 0.05;
		a.x0 = a.x0 - pad < 0 ? 0 : a.x0 - pad;
		a.x1 += pad;
	}
	a.y0 = floor(a.y0 * 100 - 1) / 100;
	a.y1 = ceil(a.y1 * 100 + 0.5) / 100;
	if (!(a.y1 > a.y0))
		a.y1 = a.y0 + 0.01;

	ladder_buf_init(&b);
	ladder_buf_addf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
	    "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"11\">\n", PW, PH, PW, PH);
	ladder_buf_addf(&b, "<title>accuracy vs cost (%s)</title>\n",
	    ladder_cost_kind_name(t->opt.cost_kind));
	ladder_buf_addf(&b, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>\n",
	    PW, PH);
	/* Axes and grid. */
	ladder_buf_addf(&b, "<g stroke=\"#999\" fill=\"none\"><rect x=\"%.1f\" y=\"%.1f\" "
	    "width=\"%.1f\" height=\"%.1f\"/></g>\n", PL, PT, PW - PL - PR, PH - PT - PB);
	for (double y = ceil(a.y0 * 100) / 100; y <= a.y1 + 1e-9; y += 0.01) {
		ladder_buf_addf(&b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
		    "stroke=\"#eee\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n",
		    PL, PW - PR, py(&a, y), py(&a, y), PL - 4, py(&a, y) + 4, y);
	}
	if (a.logx) {
		for (double e = floor(log10(a.x0)); e <= ceil(log10(a.x1)); e++) {
			double x = pow(10, e);
			if (x < a.x0 || x > a.x1)
				continue;
			ladder_buf_addf(&b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
			    "stroke=\"#eee\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n",
			    px(&a, x), px(&a, x), PT, PH - PB, px(&a, x), PH - PB + 14, x);
		}
	} else {
		for (int i = 0; i <= 4; i++) {
			double x = a.x0 + (a.x1 - a.x0) * i / 4;
			ladder_buf_addf(&b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.3g</text>\n",
			    px(&a, x), PH - PB + 14, x);
		}
	}
	ladder_buf_addf(&b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">expected cost "
	    "(%s%s)</text>\n", (PL + PW - PR) / 2, PH - 12, ladder_cost_kind_name(t->opt.cost_kind),
	    a.logx ? ", log scale" : "");
	ladder_buf_addf(&b, "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" "
	    "transform=\"rotate(-90 14 %.1f)\">accuracy (all samples)</text>\n", (PT + PH - PB) / 2,
	    (PT + PH - PB) / 2);
	/* Cascade curves (two-stage, max-softmax) in grey, the frontier in blue. */
	for (size_t i = 0; i < t->n_plot; i++) {
		const struct plot_curve *c = &t->plot[i];
		ladder_buf_addstr(&b, "<polyline class=\"cascade\" fill=\"none\" stroke=\"#bbb\" points=\"");
		for (size_t j = 0; j < c->n; j++)
			ladder_buf_addf(&b, "%.1f,%.1f ", px(&a, c->cands[j].cost),
			    py(&a, acc_of(&c->cands[j])));
		ladder_buf_addstr(&b, "\"/>\n");
	}
	ladder_buf_addstr(&b, "<polyline class=\"frontier\" fill=\"none\" stroke=\"#1f77b4\" "
	    "stroke-width=\"2\" points=\"");
	for (size_t j = 0; j < t->n_frontier; j++)
		ladder_buf_addf(&b, "%.1f,%.1f ", px(&a, t->frontier[j].cost),
		    py(&a, acc_of(&t->frontier[j])));
	ladder_buf_addstr(&b, "\"/>\n");
	/* Certified picks: expected cost and accuracy on the evaluation split. */
	for (size_t k = 0; k < t->opt.n_targets; k++) {
		const struct cascade_pick *p = &t->picks[k];
		if (!p->feasible)
			continue;
		ladder_buf_addf(&b, "<circle class=\"pick\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
		    "fill=\"#d62728\"><title>target %.4g</title></circle>\n", px(&a, p->eval.cost),
		    py(&a, t->opt.targets[k]), t->opt.targets[k]);
	}
	for (size_t i = 0; i < in->n_stages; i++) {
		const struct cascade_stage *st = &in->stages[i];
		ladder_buf_addf(&b, "<rect class=\"rung\" x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\" "
		    "fill=\"#2ca02c\"/><text x=\"%.1f\" y=\"%.1f\">", px(&a, st->cost) - 3.5,
		    py(&a, st->accuracy) - 3.5, px(&a, st->cost) + 6, py(&a, st->accuracy) + 12);
		svg_text_escaped(&b, st->rung);
		ladder_buf_addstr(&b, "</text>\n");
	}
	ladder_buf_addf(&b, "<g transform=\"translate(%.1f %.1f)\">"
	    "<rect width=\"10\" height=\"10\" fill=\"#2ca02c\"/><text x=\"14\" y=\"9\">single rung</text>"
	    "<line x1=\"110\" x2=\"130\" y1=\"5\" y2=\"5\" stroke=\"#1f77b4\" stroke-width=\"2\"/>"
	    "<text x=\"134\" y=\"9\">frontier</text>"
	    "<line x1=\"200\" x2=\"220\" y1=\"5\" y2=\"5\" stroke=\"#bbb\"/>"
	    "<text x=\"224\" y=\"9\">2-stage cascades</text>"
	    "<circle cx=\"340\" cy=\"5\" r=\"3\" fill=\"#d62728\"/>"
	    "<text x=\"348\" y=\"9\">certified pick per target</text></g>\n", PL + 8, PT + 8);
	ladder_buf_addstr(&b, "</svg>\n");
	if (b.failed) {
		ladder_buf_release(&b);
		return NULL;
	}
	return ladder_buf_detach(&b, NULL);
}
