/*
 * report.c: the HTML report.  Reads the JSON files of a run and writes one
 * self-contained page: tables, SVG charts, the plan as a tier diagram.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladder-report.h"
#include "report/svg.h"
#include "util/banned.h"

static const char *const tiers[] = { "device", "hub", "edge-dc", "cloud" };
#define N_TIERS 4

static json_t *
load_json(const char *path, const char *schema, struct ladder_err *err)
{
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	const char *s;

	if (root == NULL) {
		ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': %s (line %d)", path, je.text, je.line);
		return NULL;
	}
	s = json_string_value(json_object_get(root, "schema"));
	if (!json_is_object(root) || s == NULL || strncmp(s, schema, strlen(schema)) != 0 ||
	    strcmp(s + strlen(schema), "1") != 0) {
		ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': schema is '%s', expected '%s1'", path,
		    s ? s : "missing", schema);
		json_decref(root);
		return NULL;
	}
	return root;
}

static double
num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static double
num2(const json_t *o, const char *a, const char *b)
{
	return num(json_object_get(o, a), b);
}

static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static void
cell_num(struct ladder_buf *o, double v, const char *fmt)
{
	ladder_buf_addstr(o, "<td class='n'>");
	if (isfinite(v))
		ladder_buf_addf(o, fmt, v);
	else
		ladder_buf_addstr(o, "&ndash;");
	ladder_buf_addstr(o, "</td>");
}

static void
cell_str(struct ladder_buf *o, const char *s)
{
	ladder_buf_addstr(o, "<td>");
	html_escape(o, s);
	ladder_buf_addstr(o, "</td>");
}

static void
head_row(struct ladder_buf *o, const char *const *cols)
{
	ladder_buf_addstr(o, "<table><tr>");
	for (int i = 0; cols[i]; i++)
		ladder_buf_addf(o, "<th>%s</th>", cols[i]);
	ladder_buf_addstr(o, "</tr>\n");
}

static void
section_ladder(struct ladder_buf *o, const json_t *ladder)
{
	static const char *const cols[] = { "rung", "recipe", "parent", "params", "MACs", "file bytes",
		"top-1 agreement", "max rel. error", NULL };
	const json_t *rungs = json_object_get(ladder, "rungs"), *r;
	size_t i;

	ladder_buf_addstr(o, "<h2 id='ladder'>Ladder: ");
	html_escape(o, str(ladder, "name"));
	ladder_buf_addf(o, "</h2>\n<p>%zu rungs, cheapest first.</p>\n", json_array_size(rungs));
	head_row(o, cols);
	json_array_foreach(rungs, i, r) {
		const json_t *f = json_object_get(r, "fidelity");
		ladder_buf_addstr(o, "<tr>");
		cell_str(o, str(r, "name"));
		cell_str(o, str(r, "recipe"));
		cell_str(o, str(r, "parent"));
		cell_num(o, num(r, "params"), "%.0f");
		cell_num(o, num(r, "macs"), "%.4g");
		cell_num(o, num(r, "bytes"), "%.0f");
		cell_num(o, json_is_object(f) ? num(f, "top1_agreement") : NAN, "%.4f");
		cell_num(o, json_is_object(f) ? num(f, "max_rel_err") : NAN, "%.2e");
		ladder_buf_addstr(o, "</tr>\n");
	}
	ladder_buf_addstr(o, "</table>\n");
}

static int
cmp_point_x(const void *a, const void *b)
{
	const struct svg_point *p = a, *q = b;

	return p->x < q->x ? -1 : p->x > q->x;
}

/* The upper-left Pareto frontier (lower x, higher y) of pts, into out; returns its size. */
static size_t
pareto(struct svg_point *pts, size_t n, struct svg_point *out)
{
	size_t k = 0;
	double best = -INFINITY;

	qsort(pts, n, sizeof *pts, cmp_point_x);
	for (size_t i = 0; i < n; i++) {
		if (pts[i].y > best) {
			out[k] = pts[i];
			out[k++].label = NULL;
			best = pts[i].y;
		}
	}
	return k;
}

static void
section_profiles(struct ladder_buf *o, json_t *const *profiles, size_t n_profiles)
{
	static const char *const cols[] = { "rung", "hardware", "p50 ms", "p99 ms", "offline ips",
		"server ips", "arena bytes", "peak RSS", "J/inference", "top-1", NULL };
	struct svg_series series[16];
	size_t n_series = 0, total = 0, idx;
	struct svg_point *pts, *front;
	const json_t *e, *h;

	ladder_buf_addstr(o, "<h2 id='profiles'>Profiles</h2>\n");
	for (size_t p = 0; p < n_profiles; p++)
		total += json_array_size(json_object_get(profiles[p], "entries"));
	pts = calloc(total ? total : 1, sizeof *pts);
	front = calloc(total ? total : 1, sizeof *front);
	if (pts == NULL || front == NULL)
		goto out;
	size_t used = 0, fused = 0;
	for (size_t p = 0; p < n_profiles; p++) {
		json_array_foreach(json_object_get(profiles[p], "hardware"), idx, h) {
			const char *hw = str(h, "name");
			struct svg_series *s;
			size_t first = used, i;

			if (n_series + 2 > sizeof series / sizeof series[0])
				break;
			s = &series[n_series];
			json_array_foreach(json_object_get(profiles[p], "entries"), i, e) {
				if (strcmp(str(e, "hardware"), hw) != 0)
					continue;
				double acc = num2(e, "accuracy", "top1"), lat = num2(e, "latency_ms", "p50");
				if (!isfinite(acc) || !isfinite(lat) || used >= total)
					continue;
				pts[used++] = (struct svg_point){ lat, acc, str(e, "rung") };
			}
			if (used == first)
				continue;
			*s = (struct svg_series){ hw, SVG_MARKERS, used - first, pts + first,
			    (int)(n_series / 2), false, false };
			size_t k = pareto(pts + first, used - first, front + fused);
			series[n_series + 1] = (struct svg_series){ "", SVG_LINE, k, front + fused,
			    (int)(n_series / 2), false, false };
			fused += k;
			/* The label-free frontier line shares the hardware's legend entry. */
			series[n_series + 1].name = hw;
			series[n_series + 1].no_legend = true;
			n_series += 2;
		}
	}
	if (n_series > 0) {
		/* Legend: one entry per hardware; the line series reuse the name. */
		struct svg_chart c = { "plot-pareto", "Accuracy vs p50 latency per hardware (Pareto front as line)",
			"p50 latency (ms, log scale)", "top-1 accuracy", true, n_series, series };
		svg_chart(o, &c);
	}
	head_row(o, cols);
	for (size_t p = 0; p < n_profiles; p++) {
		json_array_foreach(json_object_get(profiles[p], "entries"), idx, e) {
			const json_t *off = json_object_get(e, "offline");
			double best = NAN;
			size_t j;
			const json_t *b;
			json_array_foreach(off, j, b)
				if (!isfinite(best) || num(b, "throughput_ips") > best)
					best = num(b, "throughput_ips");
			ladder_buf_addstr(o, "<tr>");
			cell_str(o, str(e, "rung"));
			cell_str(o, str(e, "hardware"));
			cell_num(o, num2(e, "latency_ms", "p50"), "%.4g");
			cell_num(o, num2(e, "latency_ms", "p99"), "%.4g");
			cell_num(o, best, "%.4g");
			cell_num(o, num2(e, "server", "max_rate_ips"), "%.4g");
			cell_num(o, num2(e, "memory", "arena_bytes"), "%.0f");
			cell_num(o, num2(e, "memory", "peak_rss_bytes"), "%.0f");
			cell_num(o, num2(e, "energy", "joules_per_inference"), "%.3g");
			cell_num(o, num2(e, "accuracy", "top1"), "%.4f");
			ladder_buf_addstr(o, "</tr>\n");
		}
	}
	ladder_buf_addstr(o, "</table>\n");
out:
	free(pts);
	free(front);
}

/* Cost of a rung from thresholds.json "rungs" by name (first match), NAN if unknown. */
static double
rung_cost(const json_t *th, const char *name)
{
	size_t i;
	const json_t *r;

	json_array_foreach(json_object_get(th, "rungs"), i, r)
		if (strcmp(str(r, "name"), name) == 0)
			return num(r, "cost");
	return NAN;
}

static void
join_names(char *buf, size_t size, const json_t *arr)
{
	size_t i, n = 0;
	const json_t *v;

	buf[0] = '\0';
	json_array_foreach(arr, i, v)
		n += (size_t)snprintf(buf + (n < size ? n : size), n < size ? size - n : 0, "%s%s",
		    i ? " \xe2\x86\x92 " : "", json_string_value(v) ? json_string_value(v) : "?");
}

static void
section_thresholds(struct ladder_buf *o, const json_t *th)
{
	static const char *const cols[] = { "target", "chain", "thresholds", "escalation",
		"accuracy (cal)", "accuracy (eval)", "lower bound", "expected cost", "cheapest single",
		"single cost", NULL };
	const json_t *chains = json_object_get(th, "chains"), *targets = json_object_get(th, "targets");
	size_t n_chains = json_array_size(chains), n_rungs = json_array_size(json_object_get(th, "rungs"));
	size_t max_series = (n_chains < 6 ? n_chains : 6) + 2, n_series = 0, i, j;
	struct svg_series *series = calloc(max_series, sizeof *series);
	struct svg_point *singles = calloc(n_rungs ? n_rungs : 1, sizeof *singles);
	struct svg_point *chosen = calloc(json_array_size(targets) + 1, sizeof *chosen);
	char (*names)[256] = calloc(max_series, sizeof *names);
	struct svg_point **curves = calloc(max_series, sizeof *curves);
	const json_t *c, *p, *r;

	ladder_buf_addf(o, "<h2 id='thresholds'>Confidence thresholds</h2>\n<p>Method ");
	html_escape(o, str(th, "method"));
	ladder_buf_addf(o, ", level %.3g, risk %.3g; a stage escalates when its confidence is below "
	    "its threshold.</p>\n", num(th, "level"), num(th, "risk"));
	if (series == NULL || singles == NULL || chosen == NULL || names == NULL || curves == NULL)
		goto out;
	/* Single rungs. */
	size_t ns = 0;
	json_array_foreach(json_object_get(th, "rungs"), i, r)
		if (isfinite(num(r, "cost")) && isfinite(num(r, "accuracy")))
			singles[ns++] = (struct svg_point){ num(r, "cost"), num(r, "accuracy"), str(r, "name") };
	if (ns > 0)
		series[n_series++] = (struct svg_series){ "single rungs", SVG_MARKERS, ns, singles, 0, false, false };
	/* Cascade curves: the first chains, cost from the rungs' costs and escalation rates. */
	json_array_foreach(chains, i, c) {
		if (n_series + 1 >= max_series)
			break;
		const json_t *rungs = json_object_get(c, "rungs"), *pts = json_object_get(c, "points");
		size_t np = 0;
		if (json_array_size(rungs) < 2 || json_array_size(pts) == 0)
			continue;
		curves[n_series] = calloc(json_array_size(pts), sizeof **curves);
		if (curves[n_series] == NULL)
			break;
		json_array_foreach(pts, j, p) {
			double cost = rung_cost(th, json_string_value(json_array_get(rungs, 0)));
			for (size_t k = 0; k < json_array_size(json_object_get(p, "escalation")); k++)
				cost += json_number_value(json_array_get(json_object_get(p, "escalation"), k)) *
				    rung_cost(th, json_string_value(json_array_get(rungs, k + 1)));
			if (isfinite(cost) && isfinite(num(p, "accuracy_eval")))
				curves[n_series][np++] = (struct svg_point){ cost, num(p, "accuracy_eval"), NULL };
		}
		qsort(curves[n_series], np, sizeof **curves, cmp_point_x);
		join_names(names[n_series], sizeof names[n_series], rungs);
		if (np == 0) {
			free(curves[n_series]);
			curves[n_series] = NULL;
			continue;
		}
		series[n_series] = (struct svg_series){ names[n_series], SVG_LINE, np, curves[n_series],
		    (int)n_series, false, false };
		n_series++;
	}
	size_t nc = 0;
	json_array_foreach(targets, i, p)
		if (json_is_true(json_object_get(p, "feasible")) && isfinite(num(p, "expected_cost")))
			chosen[nc++] = (struct svg_point){ num(p, "expected_cost"), num(p, "accuracy_eval"), NULL };
	if (nc > 0 && n_series < max_series)
		series[n_series++] = (struct svg_series){ "chosen per target", SVG_MARKERS, nc, chosen, 1, true, false };
	if (n_series > 0) {
		struct svg_chart ch = { "plot-cascades", "Accuracy vs expected cost: single rungs and cascades",
			"expected cost per inference (cost model units, log scale)", "held-out accuracy", true,
			n_series, series };
		svg_chart(o, &ch);
	}
	head_row(o, cols);
	json_array_foreach(targets, i, p) {
		char chain[512], thr[256] = "", esc[256] = "";
		size_t k, nt = 0, ne = 0;
		const json_t *v;
		join_names(chain, sizeof chain, json_object_get(p, "chain"));
		json_array_foreach(json_object_get(p, "thresholds"), k, v)
			nt += (size_t)snprintf(thr + nt, nt < sizeof thr ? sizeof thr - nt : 0, "%s%.4g",
			    k ? ", " : "", json_number_value(v));
		json_array_foreach(json_object_get(p, "escalation"), k, v)
			ne += (size_t)snprintf(esc + ne, ne < sizeof esc ? sizeof esc - ne : 0, "%s%.3f",
			    k ? ", " : "", json_number_value(v));
		ladder_buf_addstr(o, "<tr>");
		cell_num(o, num(p, "target"), "%.3f");
		cell_str(o, json_is_true(json_object_get(p, "feasible")) ? chain : "infeasible");
		cell_str(o, thr);
		cell_str(o, esc);
		cell_num(o, num(p, "accuracy_cal"), "%.4f");
		cell_num(o, num(p, "accuracy_eval"), "%.4f");
		cell_num(o, num(p, "lower_bound"), "%.4f");
		cell_num(o, num(p, "expected_cost"), "%.4g");
		const json_t *cs = json_object_get(p, "cheapest_single");
		cell_str(o, json_is_object(cs) ? str(cs, "rung") : "");
		cell_num(o, json_is_object(cs) ? num(cs, "cost") : NAN, "%.4g");
		ladder_buf_addstr(o, "</tr>\n");
	}
	ladder_buf_addstr(o, "</table>\n");
out:
	for (i = 0; curves && i < max_series; i++)
		free(curves[i]);
	free(curves);
	free(names);
	free(series);
	free(singles);
	free(chosen);
}

static int
tier_index(const char *t)
{
	for (int i = 0; i < N_TIERS; i++)
		if (strcmp(t, tiers[i]) == 0)
			return i;
	return -1;
}

#define BOX_W 170
#define BOX_H 46
#define COL_W 200
#define MAX_BOXES 8

/* The plan as columns of tiers with node boxes and escalation arrows. */
static void
tier_diagram(struct ladder_buf *o, const json_t *plan)
{
	const json_t *nodes = json_object_get(plan, "nodes"), *n, *r;
	int count[N_TIERS] = { 0 }, shown[N_TIERS] = { 0 };
	int links[N_TIERS][N_TIERS] = { { 0 } };
	size_t i, j;
	int height = 60 + MAX_BOXES * (BOX_H + 12) + 40, width = 20 + N_TIERS * COL_W;

	ladder_buf_addf(o, "<svg class='plot' id='plot-tiers' xmlns='http://www.w3.org/2000/svg' "
	    "viewBox='0 0 %d %d' width='%d' height='%d' role='img'>\n<title>Plan by tier</title>\n"
	    "<defs><marker id='arrow' viewBox='0 0 10 10' refX='10' refY='5' markerWidth='7' "
	    "markerHeight='7' orient='auto'><path d='M0,0 L10,5 L0,10 z' fill='#555'/></marker></defs>\n",
	    width, height, width, height);
	for (int t = 0; t < N_TIERS; t++)
		ladder_buf_addf(o, "<text x='%d' y='24' class='title'>%s</text>\n", 20 + t * COL_W, tiers[t]);
	/* Escalation routes aggregated by tier pair. */
	json_array_foreach(nodes, i, n) {
		int from = tier_index(str(n, "tier"));
		json_array_foreach(json_object_get(n, "routes"), j, r) {
			const json_t *to = json_object_get(r, "escalate_to");
			if (from < 0 || !json_is_object(to))
				continue;
			size_t k;
			const json_t *m;
			json_array_foreach(nodes, k, m)
				if (strcmp(str(m, "id"), str(to, "node")) == 0 && tier_index(str(m, "tier")) >= 0)
					links[from][tier_index(str(m, "tier"))]++;
		}
	}
	int idle[N_TIERS] = { 0 };
	json_array_foreach(nodes, i, n) {
		int t = tier_index(str(n, "tier"));
		if (t < 0)
			continue;
		if (!(num(n, "instances") > 0) && json_array_size(json_object_get(n, "rungs")) == 0) {
			idle[t]++;
			continue;
		}
		count[t]++;
		if (shown[t] >= MAX_BOXES - 1 && count[t] > MAX_BOXES - 1)
			continue;
		int x = 20 + t * COL_W, y = 40 + shown[t]++ * (BOX_H + 12);
		size_t nr = json_array_size(json_object_get(n, "rungs"));
		ladder_buf_addf(o, "<rect x='%d' y='%d' width='%d' height='%d' rx='6' class='node'/>"
		    "<text x='%d' y='%d' class='nodeid'>", x, y, BOX_W, BOX_H, x + 8, y + 18);
		html_escape(o, str(n, "id"));
		ladder_buf_addf(o, " \xc3\x97%.0f</text><text x='%d' y='%d' class='small'>", num(n, "instances"),
		    x + 8, y + 36);
		size_t k;
		const json_t *rr;
		json_array_foreach(json_object_get(n, "rungs"), k, rr) {
			if (k >= 3) {
				ladder_buf_addf(o, " +%zu", nr - 3);
				break;
			}
			if (k)
				ladder_buf_addstr(o, ", ");
			html_escape(o, str(rr, "name"));
		}
		ladder_buf_addstr(o, "</text>\n");
	}
	for (int t = 0; t < N_TIERS; t++) {
		int y = 40 + shown[t] * (BOX_H + 12) + 16;
		if (count[t] > shown[t]) {
			ladder_buf_addf(o, "<text x='%d' y='%d' class='small'>+%d more %s nodes</text>\n",
			    28 + t * COL_W, y, count[t] - shown[t], tiers[t]);
			y += 16;
		}
		if (idle[t] > 0)
			ladder_buf_addf(o, "<text x='%d' y='%d' class='small'>%d %s nodes run nothing "
			    "(sources only)</text>\n", 28 + t * COL_W, y, idle[t], tiers[t]);
	}
	for (int a = 0; a < N_TIERS; a++)
		for (int b = 0; b < N_TIERS; b++) {
			if (links[a][b] == 0)
				continue;
			int x1 = 20 + a * COL_W + BOX_W, x2 = 20 + b * COL_W, y = height - 30 - (a * N_TIERS + b) % 3 * 14;
			if (a == b)
				ladder_buf_addf(o, "<text x='%d' y='%d' class='small'>%d routes within %s</text>\n",
				    20 + a * COL_W, y, links[a][b], tiers[a]);
			else
				ladder_buf_addf(o, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#555' "
				    "stroke-width='2' marker-end='url(#arrow)'/><text x='%d' y='%d' class='small'>"
				    "%d escalation routes</text>\n", x1 - BOX_W / 2, y, x2 + 10, y,
				    (x1 + x2) / 2 - 40, y - 4, links[a][b]);
		}
	ladder_buf_addstr(o, "</svg>\n");
}

static void
section_plan(struct ladder_buf *o, const json_t *plan)
{
	static const char *const cols[] = { "workload", "streams", "option", "accuracy", "target",
		"p99 ms", "p99 SLO ms", "$/h", NULL };
	const json_t *obj = json_object_get(plan, "objective"), *b, *w;
	const json_t *bases = json_object_get(plan, "baselines");
	const json_t *abls = json_object_get(plan, "ablations");
	size_t nb = json_array_size(bases) + json_array_size(abls), i, k = 1;
	const char **labels = calloc(nb + 1, sizeof *labels);
	double *values = calloc(nb + 1, sizeof *values);

	ladder_buf_addf(o, "<h2 id='plan'>Plan (epoch %.0f)</h2>\n<p>Status <b>", num(plan, "epoch"));
	html_escape(o, str(plan, "status"));
	ladder_buf_addf(o, "</b>: $%.4f per hour (bound $%.4f, gap %.2f%%, solved in %.0f ms).</p>\n",
	    num(obj, "cost_per_hour"), num(obj, "bound"), 100 * num(obj, "gap"), num(obj, "solve_ms"));
	if (labels && values) {
		labels[0] = "ladder plan";
		values[0] = num(obj, "cost_per_hour");
		/* The baselines, then the ablations (the plan without one of its parts). */
		const json_t *lists[] = { bases, abls };

		for (int l = 0; l < 2; l++) {
			json_array_foreach(lists[l], i, b) {
				labels[k] = str(b, "name");
				values[k++] = json_is_true(json_object_get(b, "feasible")) ?
				    num(b, "cost_per_hour") : NAN;
			}
		}
		svg_bars(o, "plot-baselines", "Cost per hour: the plan, the baselines (one rung per "
		    "stream, without ladder) and the ablations", "$/h", k, labels, values, 0);
	}
	tier_diagram(o, plan);
	head_row(o, cols);
	json_array_foreach(json_object_get(plan, "workloads"), i, w) {
		ladder_buf_addstr(o, "<tr>");
		cell_str(o, str(w, "name"));
		cell_num(o, num(w, "streams"), "%.0f");
		cell_str(o, str(w, "option"));
		cell_num(o, num(w, "accuracy"), "%.4f");
		cell_num(o, num(w, "accuracy_target"), "%.3f");
		cell_num(o, num(w, "p99_ms"), "%.4g");
		cell_num(o, num(w, "p99_slo_ms"), "%.4g");
		cell_num(o, num(w, "cost_per_hour"), "%.4g");
		ladder_buf_addstr(o, "</tr>\n");
	}
	ladder_buf_addstr(o, "</table>\n");
	free(labels);
	free(values);
}

static const char style[] =
	"<style>\n"
	"body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}\n"
	"h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;margin-top:2em}\n"
	"table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:3px 8px}\n"
	"th{background:#f3f5f7}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	"svg{display:block;margin:1em 0;font:12px sans-serif}svg .title{font-size:14px;font-weight:600}\n"
	"svg .grid{stroke:#eee}svg .frame{fill:none;stroke:#999}svg .label{font-size:10px;fill:#444}\n"
	"svg .legend{font-size:12px}svg .node{fill:#eef4fb;stroke:#1f77b4}svg .nodeid{font-weight:600}\n"
	"svg .small{font-size:11px;fill:#444}\n"
	"</style>\n";

int
ladder_report_render(const struct ladder_report_inputs *in, struct ladder_buf *o,
    struct ladder_err *err)
{
	json_t *ladder = NULL, *th = NULL, *plan = NULL, **profiles = NULL;
	int rc = 0;

	if (!in->ladder && !in->n_profiles && !in->thresholds && !in->plan)
		return ladder_errf(err, LADDER_EINVAL, "no input files (give a ladder, profile, thresholds or plan)");
	profiles = calloc(in->n_profiles + 1, sizeof *profiles);
	if (profiles == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	if (in->ladder && (ladder = load_json(in->ladder, "ladder.ladder/", err)) == NULL)
		rc = LADDER_EFORMAT;
	for (size_t i = 0; rc == 0 && i < in->n_profiles; i++)
		if ((profiles[i] = load_json(in->profiles[i], "ladder.profile/", err)) == NULL)
			rc = LADDER_EFORMAT;
	if (rc == 0 && in->thresholds && (th = load_json(in->thresholds, "ladder.thresholds/", err)) == NULL)
		rc = LADDER_EFORMAT;
	if (rc == 0 && in->plan && (plan = load_json(in->plan, "ladder.plan/", err)) == NULL)
		rc = LADDER_EFORMAT;
	if (rc != 0)
		goto out;
	ladder_buf_addstr(o, "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>\n<title>");
	html_escape(o, in->title ? in->title : "ladder report");
	ladder_buf_addstr(o, "</title>\n");
	ladder_buf_addstr(o, style);
	/* Counts the charts for headless checks; the page needs no script to display. */
	ladder_buf_addstr(o, "<script>window.addEventListener('error',function(){document.documentElement"
	    ".dataset.error='1'});window.addEventListener('load',function(){document.documentElement"
	    ".dataset.plots=document.querySelectorAll('svg.plot').length});</script>\n</head><body>\n<h1>");
	html_escape(o, in->title ? in->title : "ladder report");
	ladder_buf_addstr(o, "</h1>\n<p>Made by ladder " LADDER_VERSION " from:</p><ul>\n");
	const char *files[3] = { in->ladder, in->thresholds, in->plan };
	for (int k = 0; k < 3; k++)
		if (files[k]) {
			ladder_buf_addstr(o, "<li><code>");
			html_escape(o, files[k]);
			ladder_buf_addstr(o, "</code></li>\n");
		}
	for (size_t i = 0; i < in->n_profiles; i++) {
		ladder_buf_addstr(o, "<li><code>");
		html_escape(o, in->profiles[i]);
		ladder_buf_addstr(o, "</code></li>\n");
	}
	ladder_buf_addstr(o, "</ul>\n");
	if (ladder)
		section_ladder(o, ladder);
	if (in->n_profiles)
		section_profiles(o, profiles, in->n_profiles);
	if (th)
		section_thresholds(o, th);
	if (plan)
		section_plan(o, plan);
	ladder_buf_addstr(o, "</body></html>\n");
	if (o->failed)
		rc = ladder_errf(err, LADDER_ENOMEM, "out of memory rendering the report");
out:
	json_decref(ladder);
	json_decref(th);
	json_decref(plan);
	for (size_t i = 0; i < in->n_profiles; i++)
		json_decref(profiles[i]);
	free(profiles);
	return rc;
}

int
ladder_report_write(const struct ladder_report_inputs *in, const char *out_path,
    struct ladder_err *err)
{
	struct ladder_buf b;
	int rc;

	ladder_buf_init(&b);
	rc = ladder_report_render(in, &b, err);
	if (rc == 0)
		rc = ladder_write_file(out_path, b.data, b.len, err);
	ladder_buf_release(&b);
	return rc;
}
