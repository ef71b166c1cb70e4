/*
 * ladder-report.h: a self-contained HTML report (inline SVG, no network) from
 * the files of a run: ladder.json, profile.json(s), thresholds.json, plan.json.
 */
#ifndef LADDER_REPORT_H
#define LADDER_REPORT_H

#include <stddef.h>

#include "ladder-util.h"

struct ladder_report_inputs {
	const char *title;		/* default "ladder report" */
	const char *ladder;		/* ladder.json or NULL */
	size_t n_profiles;
	const char *const *profiles;	/* profile.json files */
	const char *thresholds;		/* thresholds.json or NULL */
	const char *plan;		/* plan.json or NULL */
};

/* Writes the report to out_path (atomically).  At least one input is needed. */
int ladder_report_write(const struct ladder_report_inputs *in, const char *out_path,
    struct ladder_err *err);

/* The same into a buffer (the caller releases it). */
int ladder_report_render(const struct ladder_report_inputs *in, struct ladder_buf *out,
    struct ladder_err *err);

#endif
