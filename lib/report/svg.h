/* svg.h: small SVG charts (scatter, lines, bars) for the report.  Internal. */
#ifndef LADDER_REPORT_SVG_H
#define LADDER_REPORT_SVG_H

#include <stdbool.h>
#include <stddef.h>

#include "ladder-util.h"

struct svg_point {
	double x, y;
	const char *label;	/* drawn next to the marker, or NULL */
};

enum svg_series_kind { SVG_MARKERS, SVG_LINE, SVG_LINE_MARKERS };

struct svg_series {
	const char *name;
	enum svg_series_kind kind;
	size_t n;
	struct svg_point *points;
	int color;		/* palette index */
	bool hollow;		/* hollow markers (e.g. chosen configurations) */
	bool no_legend;		/* shares the legend entry of the series before it */
};

struct svg_chart {
	const char *id;
	const char *title;
	const char *x_label, *y_label;
	bool log_x;
	size_t n_series;
	struct svg_series *series;
};

/* Appends an <svg class="plot" id=ID> chart. */
void svg_chart(struct ladder_buf *out, const struct svg_chart *c);
/* Horizontal bars: labels[i] with values[i]; highlight index drawn in the accent colour. */
void svg_bars(struct ladder_buf *out, const char *id, const char *title, const char *unit,
    size_t n, const char *const *labels, const double *values, size_t highlight);
/* Escapes text for HTML/SVG. */
void html_escape(struct ladder_buf *out, const char *s);
const char *svg_color(int i);

#endif
