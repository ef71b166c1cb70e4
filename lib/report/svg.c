/* svg.c: small SVG charts for the report: axes with nice ticks, series, legend. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/svg.h"
#include "util/banned.h"

#define W 640
#define H 400
#define ML 70	/* margins: left, right, top, bottom */
#define MR 170
#define MT 40
#define MB 50

static const char *const palette[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
};

const char *
svg_color(int i)
{
	return palette[(unsigned)i % (sizeof palette / sizeof palette[0])];
}

void
html_escape(struct ladder_buf *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': ladder_buf_addstr(out, "&lt;"); break;
		case '>': ladder_buf_addstr(out, "&gt;"); break;
		case '&': ladder_buf_addstr(out, "&amp;"); break;
		case '"': ladder_buf_addstr(out, "&quot;"); break;
		case '\'': ladder_buf_addstr(out, "&#39;"); break;
		default: ladder_buf_add(out, s, 1); break;
		}
	}
}

/* A "nice" tick step for a range, as in Heckbert's labelling. */
static double
nice_step(double range, int ticks)
{
	double raw = range / ticks, mag = pow(10, floor(log10(raw))), f = raw / mag;

	return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

struct axis {
	double lo, hi;
	bool log;
	int px0, px1;
};

static double
axis_map(const struct axis *a, double v)
{
	double t;

	if (a->log)
		t = (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
	else
		t = (v - a->lo) / (a->hi - a->lo);
	return a->px0 + t * (a->px1 - a->px0);
}

static void
fmt_tick(char *buf, size_t size, double v)
{
	double a = fabs(v);

	if (v == 0)
		snprintf(buf, size, "0");
	else if (a >= 1e4 || a < 1e-3)
		snprintf(buf, size, "%.0e", v);
	else
		snprintf(buf, size, "%g", v);
}

static void
axis_ticks(struct ladder_buf *o, const struct axis *a, bool vertical)
{
	char t[32];

	if (a->log) {
		for (double d = pow(10, floor(log10(a->lo))); d <= a->hi * 1.0001; d *= 10) {
			if (d < a->lo * 0.9999)
				continue;
			double p = axis_map(a, d);
			fmt_tick(t, sizeof t, d);
			if (vertical)
				ladder_buf_addf(o, "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' class='grid'/>"
				    "<text x='%d' y='%.1f' text-anchor='end' dy='4'>%s</text>\n",
				    ML, W - MR, p, p, ML - 6, p, t);
			else
				ladder_buf_addf(o, "<line x1='%.1f' x2='%.1f' y1='%d' y2='%d' class='grid'/>"
				    "<text x='%.1f' y='%d' text-anchor='middle'>%s</text>\n",
				    p, p, MT, H - MB, p, H - MB + 16, t);
		}
		return;
	}
	double step = nice_step(a->hi - a->lo, 5);
	for (double v = ceil(a->lo / step) * step; v <= a->hi + step * 1e-9; v += step) {
		double p = axis_map(a, v);
		fmt_tick(t, sizeof t, fabs(v) < step * 1e-9 ? 0 : v);
		if (vertical)
			ladder_buf_addf(o, "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' class='grid'/>"
			    "<text x='%d' y='%.1f' text-anchor='end' dy='4'>%s</text>\n",
			    ML, W - MR, p, p, ML - 6, p, t);
		else
			ladder_buf_addf(o, "<line x1='%.1f' x2='%.1f' y1='%d' y2='%d' class='grid'/>"
			    "<text x='%.1f' y='%d' text-anchor='middle'>%s</text>\n",
			    p, p, MT, H - MB, p, H - MB + 16, t);
	}
}

static void
range_of(const struct svg_chart *c, bool xaxis, double *lo, double *hi)
{
	*lo = DBL_MAX;
	*hi = -DBL_MAX;
	for (size_t s = 0; s < c->n_series; s++)
		for (size_t i = 0; i < c->series[s].n; i++) {
			double v = xaxis ? c->series[s].points[i].x : c->series[s].points[i].y;
			if (!isfinite(v) || (xaxis && c->log_x && v <= 0))
				continue;
			*lo = fmin(*lo, v);
			*hi = fmax(*hi, v);
		}
	if (*lo > *hi) {
		*lo = 0;
		*hi = 1;
	}
	if (xaxis && c->log_x) {
		*lo = pow(10, floor(log10(*lo)));
		*hi = pow(10, ceil(log10(*hi)));
		if (*hi <= *lo)
			*hi = *lo * 10;
		return;
	}
	double pad = (*hi - *lo) * 0.08;
	if (pad == 0)
		pad = fabs(*hi) * 0.1 + 0.01;
	*lo -= pad;
	*hi += pad;
}

void
svg_chart(struct ladder_buf *o, const struct svg_chart *c)
{
	struct axis x = { .log = c->log_x, .px0 = ML, .px1 = W - MR };
	struct axis y = { .px0 = H - MB, .px1 = MT };

	range_of(c, true, &x.lo, &x.hi);
	range_of(c, false, &y.lo, &y.hi);
	ladder_buf_addf(o, "<svg class='plot' id='%s' xmlns='http://www.w3.org/2000/svg' "
	    "viewBox='0 0 %d %d' width='%d' height='%d' role='img'>\n", c->id, W, H, W, H);
	ladder_buf_addstr(o, "<title>");
	html_escape(o, c->title);
	ladder_buf_addf(o, "</title>\n<text x='%d' y='22' class='title'>", ML);
	html_escape(o, c->title);
	ladder_buf_addstr(o, "</text>\n");
	axis_ticks(o, &x, false);
	axis_ticks(o, &y, true);
	ladder_buf_addf(o, "<rect x='%d' y='%d' width='%d' height='%d' class='frame'/>\n", ML, MT,
	    W - ML - MR, H - MT - MB);
	ladder_buf_addf(o, "<text x='%d' y='%d' text-anchor='middle'>", (ML + W - MR) / 2, H - 12);
	html_escape(o, c->x_label);
	ladder_buf_addf(o, "</text>\n<text transform='translate(16 %d) rotate(-90)' "
	    "text-anchor='middle'>", (MT + H - MB) / 2);
	html_escape(o, c->y_label);
	ladder_buf_addstr(o, "</text>\n");
	for (size_t s = 0; s < c->n_series; s++) {
		const struct svg_series *se = &c->series[s];
		const char *col = svg_color(se->color);

		if (se->kind != SVG_MARKERS && se->n > 1) {
			ladder_buf_addf(o, "<polyline fill='none' stroke='%s' stroke-width='2' points='", col);
			for (size_t i = 0; i < se->n; i++) {
				if (!isfinite(se->points[i].x) || !isfinite(se->points[i].y) ||
				    (x.log && se->points[i].x <= 0))
					continue;
				ladder_buf_addf(o, "%.1f,%.1f ", axis_map(&x, se->points[i].x),
				    axis_map(&y, se->points[i].y));
			}
			ladder_buf_addstr(o, "'/>\n");
		}
		if (se->kind == SVG_LINE)
			continue;
		for (size_t i = 0; i < se->n; i++) {
			const struct svg_point *p = &se->points[i];
			if (!isfinite(p->x) || !isfinite(p->y) || (x.log && p->x <= 0))
				continue;
			double px = axis_map(&x, p->x), py = axis_map(&y, p->y);
			ladder_buf_addf(o, "<circle cx='%.1f' cy='%.1f' r='%d' fill='%s' stroke='%s' "
			    "stroke-width='2'><title>", px, py, se->hollow ? 6 : 4,
			    se->hollow ? "none" : col, col);
			html_escape(o, p->label ? p->label : se->name);
			ladder_buf_addf(o, " (%g, %g)</title></circle>\n", p->x, p->y);
			if (p->label) {
				ladder_buf_addf(o, "<text x='%.1f' y='%.1f' class='label'>", px + 6, py - 6);
				html_escape(o, p->label);
				ladder_buf_addstr(o, "</text>\n");
			}
		}
	}
	/* Legend on the right. */
	for (size_t s = 0, row = 0; s < c->n_series; s++) {
		if (c->series[s].no_legend)
			continue;
		int ly = MT + 10 + (int)row++ * 18;
		ladder_buf_addf(o, "<rect x='%d' y='%d' width='12' height='12' fill='%s'/>"
		    "<text x='%d' y='%d' class='legend'>", W - MR + 12, ly - 10,
		    svg_color(c->series[s].color), W - MR + 30, ly);
		html_escape(o, c->series[s].name);
		ladder_buf_addstr(o, "</text>\n");
	}
	ladder_buf_addstr(o, "</svg>\n");
}

void
svg_bars(struct ladder_buf *o, const char *id, const char *title, const char *unit, size_t n,
    const char *const *labels, const double *values, size_t highlight)
{
	int bar_h = 22, gap = 8, left = 150, width = 380;
	int height = MT + (int)n * (bar_h + gap) + 20;
	double max = 0;

	for (size_t i = 0; i < n; i++)
		if (isfinite(values[i]))
			max = fmax(max, values[i]);
	if (max <= 0)
		max = 1;
	ladder_buf_addf(o, "<svg class='plot' id='%s' xmlns='http://www.w3.org/2000/svg' "
	    "viewBox='0 0 %d %d' width='%d' height='%d' role='img'>\n<title>", id, W, height, W, height);
	html_escape(o, title);
	ladder_buf_addstr(o, "</title>\n<text x='10' y='22' class='title'>");
	html_escape(o, title);
	ladder_buf_addstr(o, "</text>\n");
	for (size_t i = 0; i < n; i++) {
		int yy = MT + (int)i * (bar_h + gap);
		double w = isfinite(values[i]) ? values[i] / max * width : 0;
		ladder_buf_addf(o, "<text x='%d' y='%d' text-anchor='end'>", left - 8, yy + 15);
		html_escape(o, labels[i]);
		ladder_buf_addf(o, "</text><rect x='%d' y='%d' width='%.1f' height='%d' fill='%s'/>"
		    "<text x='%.1f' y='%d'>", left, yy, w, bar_h, i == highlight ? "#2ca02c" : "#9aa5b1",
		    left + w + 6, yy + 15);
		if (isfinite(values[i]))
			ladder_buf_addf(o, "%.4g %s", values[i], unit);
		else
			ladder_buf_addstr(o, "infeasible");
		ladder_buf_addstr(o, "</text>\n");
	}
	ladder_buf_addstr(o, "</svg>\n");
}
