/*
 * sweep.c: exact trade-off curves of confidence cascades.  The samples are
 * sorted by the first stage's confidence once; one pass then gives accuracy
 * and escalation for every distinct threshold (ties move together, so a
 * threshold never splits samples of equal confidence).  Three-stage chains
 * sweep tau1 exactly for each tau2 on the Pareto frontier of the two-stage tail.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cascade.h"

/* Sorting indices by confidence, descending (qsort has no context argument). */
static const double *sort_conf;

static int
cmp_conf_desc(const void *a, const void *b)
{
	double x = sort_conf[*(const size_t *)a], y = sort_conf[*(const size_t *)b];

	if (x > y)
		return -1;
	if (x < y)
		return 1;
	return (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

static void
order_by_conf(const double *conf, size_t *order, size_t n)
{
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	sort_conf = conf;
	qsort(order, n, sizeof(*order), cmp_conf_desc);
	sort_conf = NULL;
}

/*
 * conf, answer (correct if answered here), tail (correct if escalated) and
 * tail2 (escalated further, may be NULL) are indexed 0..n-1; order sorts conf
 * descending.  Writes one group per distinct confidence into g; returns the count.
 */
static size_t
sweep_core(const double *conf, const uint8_t *answer, const uint8_t *tail, const uint8_t *tail2,
    const size_t *order, size_t n, struct cascade_group *g)
{
	uint64_t tail_total = 0, tail2_total = 0, ans = 0, tl = 0, tl2 = 0;
	size_t count = 0;

	for (size_t i = 0; i < n; i++) {
		tail_total += tail[i];
		if (tail2 != NULL)
			tail2_total += tail2[i];
	}
	for (size_t i = 0; i < n; i++) {
		size_t s = order[i];
		ans += answer[s];
		tl += tail[s];
		if (tail2 != NULL)
			tl2 += tail2[s];
		if (i + 1 < n && conf[order[i + 1]] == conf[s])
			continue;
		g[count].thr = conf[s];
		g[count].correct = ans + (tail_total - tl);
		g[count].escalated = n - (i + 1);
		g[count].escalated2 = tail2_total - tl2;
		count++;
	}
	return count;
}

int
ladder_sweep2(const double *conf, const uint8_t *correct1, const uint8_t *correct2, size_t n,
    double *thr, uint64_t *correct, uint64_t *escalated, size_t *count)
{
	size_t *order = malloc((n ? n : 1) * sizeof(*order));
	struct cascade_group *g = malloc((n ? n : 1) * sizeof(*g));

	if (order == NULL || g == NULL) {
		free(order);
		free(g);
		return LADDER_ENOMEM;
	}
	order_by_conf(conf, order, n);
	*count = sweep_core(conf, correct1, correct2, NULL, order, n, g);
	for (size_t k = 0; k < *count; k++) {
		thr[k] = g[k].thr;
		correct[k] = g[k].correct;
		escalated[k] = g[k].escalated;
	}
	free(order);
	free(g);
	return 0;
}

void
cascade_cost_of(const struct cascade_input *in, struct cascade_cand *c)
{
	const struct cascade_chain *ch = &in->chains[c->chain];
	double reach[3] = { 1, 0, 0 };

	if (c->n > 0) {
		reach[1] = (double)c->esc_count[0] / (double)c->n;
		reach[2] = (double)c->esc_count[1] / (double)c->n;
	}
	c->cost = c->latency_ms = c->energy_j = 0;
	for (int i = 0; i < ch->n; i++) {
		const struct cascade_stage *st = &in->stages[ch->stage[i]];
		c->cost += reach[i] * st->cost;
		c->latency_ms += reach[i] * st->latency_ms;
		c->energy_j += reach[i] * st->energy_j;
		if (i > 0) {
			c->cost += reach[i] * ch->net_cost[i - 1];
			c->latency_ms += reach[i] * ch->net_ms[i - 1];
		}
	}
}

uint64_t
cascade_eval_cand(const struct cascade_input *in, const struct cascade_cand *c,
    const size_t *idx, size_t n, uint64_t *esc)
{
	const struct cascade_chain *ch = &in->chains[c->chain];
	const struct cascade_outputs *o[3];
	uint64_t correct = 0, e0 = 0, e1 = 0;

	for (int i = 0; i < ch->n; i++)
		o[i] = &in->outputs[in->stages[ch->stage[i]].out];
	for (size_t k = 0; k < n; k++) {
		size_t s = idx[k];
		if (ch->n == 1 || o[0]->conf[c->measure][s] >= c->thr[0]) {
			correct += o[0]->correct[s];
			continue;
		}
		e0++;
		if (ch->n == 2 || o[1]->conf[c->measure][s] >= c->thr[1]) {
			correct += o[1]->correct[s];
			continue;
		}
		e1++;
		correct += o[2]->correct[s];
	}
	if (esc != NULL) {
		esc[0] = e0;
		esc[1] = e1;
	}
	return correct;
}

static int
cmp_cand_cost(const void *a, const void *b)
{
	const struct cascade_cand *x = a, *y = b;

	if (x->cost != y->cost)
		return x->cost < y->cost ? -1 : 1;
	if (x->correct != y->correct)
		return x->correct > y->correct ? -1 : 1;
	if (x->chain != y->chain)
		return x->chain < y->chain ? -1 : 1;
	if (x->measure != y->measure)
		return x->measure < y->measure ? -1 : 1;
	if (x->thr[0] != y->thr[0])
		return x->thr[0] > y->thr[0] ? -1 : 1;
	if (x->thr[1] != y->thr[1])
		return x->thr[1] > y->thr[1] ? -1 : 1;
	return 0;
}

static int
cmp_cand_latency(const void *a, const void *b)
{
	const struct cascade_cand *x = a, *y = b;

	if (x->latency_ms != y->latency_ms)
		return x->latency_ms < y->latency_ms ? -1 : 1;
	return cmp_cand_cost(a, b);
}

size_t
cascade_pareto(struct cascade_cand *cands, size_t n, bool by_latency)
{
	size_t kept = 0;
	double best = -1;

	qsort(cands, n, sizeof(*cands), by_latency ? cmp_cand_latency : cmp_cand_cost);
	for (size_t i = 0; i < n; i++) {
		/* Accuracy as a fraction: candidates may be scored on the same n. */
		double acc = cands[i].n ? (double)cands[i].correct / (double)cands[i].n : 0;
		if (acc > best) {
			best = acc;
			cands[kept++] = cands[i];
		}
	}
	return kept;
}

struct cand_list {
	struct cascade_cand *v;
	size_t n, cap;
};

static int
cand_push(struct cand_list *l, const struct cascade_cand *c)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		struct cascade_cand *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return LADDER_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *c;
	return 0;
}

/* Pushes the groups of one sweep, keeping only those that improve on the cheaper ones. */
static int
push_groups(const struct cascade_input *in, struct cand_list *l, int chain, int measure,
    double thr1, const struct cascade_group *g, size_t count, size_t n)
{
	double best = -1;

	/* Groups come in order of falling escalation: walk back for rising cost. */
	for (size_t j = count; j-- > 0;) {
		size_t k = j;
		struct cascade_cand c = { .chain = chain, .measure = measure, .n = n,
			.correct = g[k].correct };
		c.thr[0] = g[k].thr;
		c.thr[1] = thr1;
		c.esc_count[0] = g[k].escalated;
		c.esc_count[1] = g[k].escalated2;
		double acc = (double)c.correct;
		if (acc <= best)
			continue;
		best = acc;
		cascade_cost_of(in, &c);
		if (cand_push(l, &c) != 0)
			return LADDER_ENOMEM;
	}
	return 0;
}

int
cascade_sweep_chain(const struct cascade_input *in, int chain, int measure, const size_t *idx,
    size_t n, struct cascade_cand **cands, size_t *n_cands)
{
	const struct cascade_chain *ch = &in->chains[chain];
	struct cand_list l = { 0 };
	double *conf0 = NULL, *conf1 = NULL;
	uint8_t *ans = NULL, *tail = NULL, *tail2 = NULL, *c1 = NULL, *c2 = NULL;
	size_t *order = NULL;
	struct cascade_group *g = NULL;
	int rc = LADDER_ENOMEM;
	size_t m = n ? n : 1;

	*cands = NULL;
	*n_cands = 0;
	if (ch->n == 1) {
		const struct cascade_outputs *o = &in->outputs[in->stages[ch->stage[0]].out];
		struct cascade_cand c = { .chain = chain, .measure = -1, .n = n };
		for (size_t k = 0; k < n; k++)
			c.correct += o->correct[idx[k]];
		cascade_cost_of(in, &c);
		if (cand_push(&l, &c) != 0)
			goto out;
		goto done;
	}
	const struct cascade_outputs *o0 = &in->outputs[in->stages[ch->stage[0]].out];
	const struct cascade_outputs *o1 = &in->outputs[in->stages[ch->stage[1]].out];
	conf0 = malloc(m * sizeof(*conf0));
	ans = malloc(m);
	tail = malloc(m);
	order = malloc(m * sizeof(*order));
	g = malloc(m * sizeof(*g));
	if (conf0 == NULL || ans == NULL || tail == NULL || order == NULL || g == NULL)
		goto out;
	for (size_t k = 0; k < n; k++) {
		conf0[k] = o0->conf[measure][idx[k]];
		ans[k] = o0->correct[idx[k]];
		tail[k] = o1->correct[idx[k]];
	}
	order_by_conf(conf0, order, n);
	if (ch->n == 2) {
		size_t count = sweep_core(conf0, ans, tail, NULL, order, n, g);
		if (push_groups(in, &l, chain, measure, 0, g, count, n) != 0)
			goto out;
		goto done;
	}

	/* Three stages: the tail (stage 2 -> 3) frontier gives the tau2 values. */
	const struct cascade_outputs *o2 = &in->outputs[in->stages[ch->stage[2]].out];
	conf1 = malloc(m * sizeof(*conf1));
	c1 = malloc(m);
	c2 = malloc(m);
	tail2 = malloc(m);
	if (conf1 == NULL || c1 == NULL || c2 == NULL || tail2 == NULL)
		goto out;
	for (size_t k = 0; k < n; k++) {
		conf1[k] = o1->conf[measure][idx[k]];
		c1[k] = o1->correct[idx[k]];
		c2[k] = o2->correct[idx[k]];
	}
	size_t *order1 = malloc(m * sizeof(*order1));
	if (order1 == NULL)
		goto out;
	order_by_conf(conf1, order1, n);
	size_t tcount = sweep_core(conf1, c1, c2, NULL, order1, n, g);
	free(order1);
	/* The tail's own Pareto points (cost rises with its escalation, walking back). */
	double *tail_thr = malloc(m * sizeof(*tail_thr));
	if (tail_thr == NULL)
		goto out;
	size_t kept = 0;
	uint64_t best = 0;
	for (size_t j = tcount; j-- > 0;) {
		if (kept == 0 || g[j].correct > best) {
			best = g[j].correct;
			tail_thr[kept++] = g[j].thr;
		}
	}
	double tau2[CASCADE_TAIL_POINTS];
	size_t nt = 0;
	for (size_t j = 0; j < CASCADE_TAIL_POINTS && j < kept; j++) {
		size_t k = kept <= CASCADE_TAIL_POINTS ? j :
		    (size_t)((double)j * (double)(kept - 1) / (CASCADE_TAIL_POINTS - 1) + 0.5);
		if (nt == 0 || tail_thr[k] != tau2[nt - 1])
			tau2[nt++] = tail_thr[k];
	}
	free(tail_thr);
	for (size_t t = 0; t < nt; t++) {
		for (size_t k = 0; k < n; k++) {
			bool answer2 = conf1[k] >= tau2[t];
			tail[k] = answer2 ? c1[k] : c2[k];
			tail2[k] = !answer2;
		}
		size_t count = sweep_core(conf0, ans, tail, tail2, order, n, g);
		if (push_groups(in, &l, chain, measure, tau2[t], g, count, n) != 0)
			goto out;
	}
done:
	l.n = cascade_pareto(l.v, l.n, false);
	*cands = l.v;
	*n_cands = l.n;
	l.v = NULL;
	rc = 0;
out:
	free(l.v);
	free(conf0);
	free(conf1);
	free(ans);
	free(tail);
	free(tail2);
	free(c1);
	free(c2);
	free(order);
	free(g);
	return rc;
}
