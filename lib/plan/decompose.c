/*
 * decompose.c: a stronger bound, and a plan, from the shape of a fleet.
 *
 * Where capacity binds, an instance is a fixed charge: a camera board or a
 * hub box is bought whole.  The root LP buys fractions, and in a fleet of
 * hubs with ten cameras each it spreads a hub's overflow over fractions of
 * ten interchangeable cameras.  Branch and cut cannot prove that the region
 * needs one whole camera without branching on all ten, region after region
 * (GLPK and CBC both stalled at a 2% gap on the 1000-stream bench city).
 *
 * What solve.c runs before branch and cut, valid for any topology:
 *
 *  - Parts.  The resources (nodes, links) used by the most classes are
 *    relaxed until the classes still sharing one form parts of at most
 *    plan_part_max_classes (on a tiered fleet: a hub, its cameras and their
 *    streams).  Each part is a small MIP with whole streams.
 *  - Closed pass (SPLIT_CLOSED): the relaxed nodes closed, the parts give a
 *    plan, and a bound for plans that leave those nodes closed.
 *  - Closing (lp_close_nodes): a node whose first instance lifts the LP
 *    bound above the best plan known cannot be in a better plan; its
 *    instances are fixed at 0 (an edge-DC server dearer than the gap).
 *    When it closes every node the closed pass did, that pass was the whole
 *    problem and its bound holds.
 *  - Cases (lp_raise_open_bounds): otherwise a better plan either keeps
 *    them closed (the closed pass's bound) or opens one (the LP and priced
 *    parts with an instance of it forced), whichever is less.
 *  - Priced pass (SPLIT_PRICED): the relaxed rows priced at their LP duals;
 *    the parts' optima plus the priced constant are a Lagrangian bound, at
 *    least the LP's.
 *  - Budgeted pass (SPLIT_BUDGET): where the shared nodes are needed, each
 *    part held to its LP share of them, for a plan.
 */
#include <glpk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plan/lp.h"
#include "plan/plan.h"
#include "util/banned.h"

/* Largest part (classes) solved as one MIP; shared resources are relaxed until parts fit. */
int plan_part_max_classes = 64;
unsigned long plan_debug_splits, plan_debug_closed, plan_debug_budgets;

static void
set_lb(glp_prob *p, int j, double lb, double ub)
{
	glp_set_col_bnds(p, j, lb == ub ? GLP_FX : GLP_DB, lb, ub);
}

int
lp_close_nodes(const struct plan_model *m, struct lp *lp, double incumbent, uint64_t deadline,
    double *open_bound)
{
	glp_prob *p = lp->p;
	double z0 = glp_get_obj_val(p), eps = 1e-9 * fmax(1, fabs(incumbent));
	int closed = 0;

	for (size_t k = 0; k < m->topo->n_nodes; k++)
		open_bound[k] = z0;
	for (size_t k = 0; k < m->topo->n_nodes; k++) {
		int j = lp->col_m[k], st;
		double ub, z = glp_get_obj_val(p);	/* with the nodes closed so far */

		if (j != 0 && glp_get_col_stat(p, j) == GLP_NL)
			open_bound[k] = z + fmax(0, glp_get_col_dual(p, j));

		/*
		 * Raising m_k to 1 from the LP optimum costs at most the node's
		 * price, so only a node dearer than incumbent - bound can close.
		 */
		if (j == 0 || glp_get_col_type(p, j) == GLP_FX || (ub = glp_get_col_ub(p, j)) < 1 ||
		    m->topo->nodes[k].cost_per_hour <= incumbent - z0 + eps)
			continue;
		/* The reduced cost alone may prove it: bound + d_k for one instance. */
		if (glp_get_col_stat(p, j) == GLP_NL && z + glp_get_col_dual(p, j) > incumbent + eps) {
			glp_set_col_bnds(p, j, GLP_FX, 0, 0);
			closed++;
			plan_debug_closed++;
			continue;
		}
		set_lb(p, j, 1, ub);
		st = lp_resolve(p, deadline);
		if (st == 1)
			open_bound[k] = fmax(open_bound[k], glp_get_obj_val(p));
		if (st >= 0 && (st == 0 || glp_get_obj_val(p) > incumbent + eps)) {
			glp_set_col_bnds(p, j, GLP_FX, 0, 0);
			closed++;
			plan_debug_closed++;
		} else {
			set_lb(p, j, 0, ub);
		}
		if (lp_resolve(p, 0) != 1)
			return -1;
		if (st < 0)
			break;
	}
	return closed;
}

bool
node_closed(const struct lp *lp, size_t k)
{
	int j = lp->col_m[k];

	return j != 0 && glp_get_col_type(lp->p, j) == GLP_FX && glp_get_col_ub(lp->p, j) < 0.5;
}

int
lp_raise_open_bounds(const struct plan_model *m, const bool *allowed, struct lp *lp,
    const bool *tentative, double *open_bound, double incumbent, double target, double gap,
    uint64_t deadline)
{
	size_t nn = m->topo->n_nodes;
	bool *tried = calloc(nn + 1, sizeof *tried);
	double eps = 1e-9 * fmax(1, fabs(incumbent));
	int closed = 0;

	if (tried == NULL)
		return 0;
	while (ladder_now_ns() < deadline) {
		size_t best = SIZE_MAX;
		struct lp_split split;
		int j, st;
		double ub;

		for (size_t k = 0; k < nn; k++) {
			if (tentative[k] && !tried[k] && !node_closed(lp, k) && lp->col_m[k] != 0 &&
			    (best == SIZE_MAX || open_bound[k] < open_bound[best]))
				best = k;
		}
		if (best == SIZE_MAX || open_bound[best] >= target)
			break;
		tried[best] = true;
		j = lp->col_m[best];
		ub = glp_get_col_ub(lp->p, j);
		if (ub < 1)
			continue;
		set_lb(lp->p, j, 1, ub);
		st = lp_resolve(lp->p, deadline);
		if (st == 0) {
			open_bound[best] = INFINITY;
		} else if (st == 1) {
			uint64_t now = ladder_now_ns();

			open_bound[best] = fmax(open_bound[best], glp_get_obj_val(lp->p));
			if (lp_decompose(m, allowed, lp, now + (deadline > now ? (deadline - now) / 2 : 0), gap,
			    SPLIT_PRICED, &split) == 0)
				open_bound[best] = fmax(open_bound[best], split.bound);
			lp_split_release(&split);
		}
		if (open_bound[best] > incumbent + eps) {
			glp_set_col_bnds(lp->p, j, GLP_FX, 0, 0);
			closed++;
			plan_debug_closed++;
		} else {
			set_lb(lp->p, j, 0, ub);
		}
		if (lp_resolve(lp->p, 0) != 1) {
			free(tried);
			return -1;
		}
	}
	free(tried);
	return closed;
}

/* ---- parts ---- */

static int
dsu_find(int *parent, int a)
{
	while (parent[a] != a) {
		parent[a] = parent[parent[a]];
		a = parent[a];
	}
	return a;
}

struct split_work {
	const struct plan_model *m;
	const struct lp *lp;
	size_t n_res;
	bool *dead_col;		/* [n_cols + 1]: an option through a closed node */
	bool *x_col;		/* [n_cols + 1]: a stream count (whole in the parts) */
	bool *closed_res;	/* [n_res] */
	int *res_off, *res_cls;	/* classes using each resource (CSR) */
	int *res_count;		/* [n_res] distinct live classes */
	bool *relaxed;		/* [n_res] */
	int *parent;		/* [n_classes] */
};

/* The live (class, resource) incidences: which classes each resource limits. */
static int
collect_uses(struct split_work *w, const bool *allowed)
{
	const struct plan_model *m = w->m;
	size_t nn = m->topo->n_nodes, total = 0;
	int *stamp = malloc((w->n_res + 1) * sizeof *stamp);
	int *fill = NULL;

	w->res_off = calloc(w->n_res + 2, sizeof *w->res_off);
	w->res_count = calloc(w->n_res + 1, sizeof *w->res_count);
	if (stamp == NULL || w->res_off == NULL || w->res_count == NULL) {
		free(stamp);
		return LADDER_ENOMEM;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t r = 0; r < w->n_res; r++)
			stamp[r] = -1;
		for (size_t c = 0; c < m->n_classes; c++) {
			const struct plan_class *cl = &m->classes[c];

			for (size_t i = cl->opt_begin; i < cl->opt_end; i++) {
				const struct plan_option *o = &m->options[i];
				int j = w->lp->col_x[i];

				if (j == 0 || w->dead_col[j] || (allowed != NULL && !allowed[i]))
					continue;
				for (int u = 0; u < o->n_use + (int)o->n_luse; u++) {
					size_t r = u < o->n_use ? (size_t)o->use[u].node :
					    nn + (size_t)m->luse[o->luse_off + (size_t)(u - o->n_use)].link;

					if (stamp[r] == (int)c)
						continue;
					stamp[r] = (int)c;
					if (pass == 0) {
						w->res_count[r]++;
						total++;
					} else {
						w->res_cls[fill[r]++] = (int)c;
					}
				}
			}
		}
		if (pass == 0) {
			for (size_t r = 0; r < w->n_res; r++)
				w->res_off[r + 1] = w->res_off[r] + w->res_count[r];
			w->res_cls = malloc((total + 1) * sizeof *w->res_cls);
			fill = malloc((w->n_res + 1) * sizeof *fill);
			if (w->res_cls == NULL || fill == NULL) {
				free(stamp);
				free(fill);
				return LADDER_ENOMEM;
			}
			memcpy(fill, w->res_off, w->n_res * sizeof *fill);
		}
	}
	free(stamp);
	free(fill);
	return 0;
}

/* Joins the classes of every kept resource; returns the largest part's size in classes. */
static int
join_parts(struct split_work *w, int *size)
{
	int n = (int)w->m->n_classes, biggest = 0;

	for (int c = 0; c < n; c++) {
		w->parent[c] = c;
		size[c] = 0;
	}
	for (size_t r = 0; r < w->n_res; r++) {
		if (w->relaxed[r])
			continue;
		for (int i = w->res_off[r] + 1; i < w->res_off[r + 1]; i++) {
			int a = dsu_find(w->parent, w->res_cls[w->res_off[r]]);
			int b = dsu_find(w->parent, w->res_cls[i]);

			if (a != b)
				w->parent[b] = a;
		}
	}
	for (int c = 0; c < n; c++) {
		int s = ++size[dsu_find(w->parent, c)];

		if (s > biggest)
			biggest = s;
	}
	return biggest;
}

static int
cmp_int_desc(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x < y) - (x > y);
}

/*
 * Relaxes the resources used by the most classes, a usage level at a time,
 * until every part has at most plan_part_max_classes classes.  Returns false when
 * the whole problem is one part (nothing to gain over the full MIP).
 */
static bool
choose_relaxed(struct split_work *w, int *size)
{
	size_t nres = w->n_res, nlev = 0;
	int *levels = malloc((nres + 1) * sizeof *levels);
	int n = (int)w->m->n_classes;
	bool split = false;

	if (levels == NULL)
		return false;
	for (size_t r = 0; r < nres; r++) {
		w->relaxed[r] = w->closed_res[r];
		if (!w->closed_res[r] && w->res_count[r] > 1)
			levels[nlev++] = w->res_count[r];
	}
	qsort(levels, nlev, sizeof *levels, cmp_int_desc);
	for (size_t li = 0;; li++) {
		int biggest = join_parts(w, size);

		if (biggest <= plan_part_max_classes || li >= nlev) {
			split = biggest < n;
			break;
		}
		while (li + 1 < nlev && levels[li + 1] == levels[li])
			li++;
		for (size_t r = 0; r < nres; r++) {
			if (!w->closed_res[r] && w->res_count[r] >= levels[li])
				w->relaxed[r] = true;
		}
	}
	free(levels);
	return split;
}

/* Lagrangian multiplier of a relaxed row: its dual, clamped to the sign its bound allows. */
static double
row_multiplier(glp_prob *p, int row, double *rhs)
{
	double pi = glp_get_row_dual(p, row);

	switch (glp_get_row_type(p, row)) {
	case GLP_UP:
		pi = fmin(pi, 0);
		*rhs = glp_get_row_ub(p, row);
		break;
	case GLP_LO:
		pi = fmax(pi, 0);
		*rhs = glp_get_row_lb(p, row);
		break;
	case GLP_FX:
		*rhs = glp_get_row_lb(p, row);
		break;
	case GLP_DB:
		*rhs = pi > 0 ? glp_get_row_lb(p, row) : glp_get_row_ub(p, row);
		break;
	default:
		pi = 0;
		*rhs = 0;
		break;
	}
	return pi;
}

/* The parts' branch and cut: the best bound of the tree so far. */
static void
part_callback(glp_tree *tree, void *arg)
{
	lp_tree_bound(tree, arg);
}

/*
 * Solves one part: rows[0..nrow) of the master, then nb budget rows (master
 * rows brow[] restricted to the part's columns, at most bub[]), with
 * objective cadj.  *value gets a lower bound on the part's optimum
 * (+INFINITY: infeasible), x[] its columns' values when *solved (the MIP's
 * plan, else the LP's), *exact whether it was solved to within gap.  Returns false on a numerical failure.
 */
static bool
solve_part(const struct split_work *w, const int *rows, int nrow, const int *brow,
    const double *bub, int nb, const double *cadj, int *colmap, int *ind, double *val,
    uint64_t deadline, double gap, double *value, double *xcol, bool *solved, bool *exact)
{
	glp_prob *master = w->lp->p, *q = glp_create_prob();
	int *cols = NULL, ncol = 0, nint = 0, ret;
	struct triplets tr = { 0 };
	bool ok = false;

	*solved = *exact = false;
	*value = -INFINITY;
	cols = malloc(((size_t)glp_get_num_cols(master) + 1) * sizeof *cols);
	if (q == NULL || cols == NULL)
		goto out;
	glp_add_rows(q, nrow + nb);
	for (int r = 0; r < nrow + nb; r++) {
		int row = r < nrow ? rows[r] : brow[r - nrow];
		int len = glp_get_mat_row(master, row, ind, val);

		if (r < nrow)
			glp_set_row_bnds(q, r + 1, glp_get_row_type(master, row), glp_get_row_lb(master, row),
			    glp_get_row_ub(master, row));
		else
			glp_set_row_bnds(q, r + 1, GLP_UP, 0, bub[r - nrow]);
		for (int e = 1; e <= len; e++) {
			int j = ind[e];

			/* A budget row keeps the part's own columns (streams), not the node's instances. */
			if (w->dead_col[j] || (r >= nrow && colmap[j] == 0))
				continue;
			if (colmap[j] == 0) {
				cols[ncol++] = j;
				colmap[j] = ncol;
			}
			if (trip_add(&tr, r + 1, colmap[j], val[e]) != 0)
				goto out;
		}
	}
	if (ncol == 0) {
		/* Every option closed: feasible only if no row asks for anything. */
		*value = 0;
		for (int r = 0; r < nrow + nb; r++) {
			int t = glp_get_row_type(q, r + 1);

			if (((t == GLP_LO || t == GLP_DB || t == GLP_FX) && glp_get_row_lb(q, r + 1) > 1e-9) ||
			    ((t == GLP_UP || t == GLP_DB || t == GLP_FX) && glp_get_row_ub(q, r + 1) < -1e-9))
				*value = INFINITY;
		}
		*exact = ok = true;
		*solved = *value == 0;
		goto out;
	}
	glp_add_cols(q, ncol);
	for (int c = 0; c < ncol; c++) {
		int j = cols[c];

		glp_set_col_bnds(q, c + 1, glp_get_col_type(master, j), glp_get_col_lb(master, j),
		    glp_get_col_ub(master, j));
		glp_set_obj_coef(q, c + 1, cadj[j]);
		/*
		 * Streams are whole in the parts even where the full model keeps
		 * them continuous (too many options): the parts are small, and the
		 * bound and plans then hold for whole streams.
		 */
		if (w->x_col[j] || glp_get_col_kind(master, j) != GLP_CV) {
			glp_set_col_kind(q, c + 1, w->x_col[j] ? GLP_IV : glp_get_col_kind(master, j));
			nint++;
		}
	}
	glp_load_matrix(q, (int)tr.n, tr.ia, tr.ja, tr.ar);
	ret = lp_resolve(q, 0);	/* a part's LP is small: always solved, a plan at least */
	if (ret == 0) {
		*value = INFINITY;
		*exact = ok = true;
		goto out;
	}
	if (ret < 0)
		goto out;
	/* The LP's plan stands in until the MIP has a better one: the join rounds it. */
	*value = glp_get_obj_val(q);
	for (int c = 0; c < ncol; c++)
		xcol[cols[c]] = glp_get_col_prim(q, c + 1);
	*solved = true;
	if (nint == 0) {
		*exact = ok = true;
		goto out;
	}
	{
		glp_iocp iocp;
		double tree_bound = *value;
		uint64_t now = ladder_now_ns();
		int st;

		glp_init_iocp(&iocp);
		iocp.msg_lev = GLP_MSG_OFF;
		iocp.presolve = GLP_OFF;
		iocp.gmi_cuts = GLP_ON;
		iocp.mip_gap = gap;
		iocp.cb_func = part_callback;
		iocp.cb_info = &tree_bound;
		iocp.tm_lim = now >= deadline ? 1 : (int)((deadline - now) / 1000000) + 1;
		ret = glp_intopt(q, &iocp);
		st = glp_mip_status(q);
		if (st == GLP_NOFEAS) {
			*value = INFINITY;
			*exact = ok = true;
			goto out;
		}
		if (st == GLP_OPT || st == GLP_FEAS) {
			for (int c = 0; c < ncol; c++)
				xcol[cols[c]] = glp_mip_col_val(q, c + 1);
		}
		if (ret == 0 && st == GLP_OPT) {
			*value = glp_mip_obj_val(q);
			*exact = true;
		} else if (ret == GLP_EMIPGAP) {
			/* Within the gap: GLPK's guarantee, or the tree's bound if better. */
			*value = fmax(tree_bound, glp_mip_obj_val(q) - iocp.mip_gap * fabs(glp_mip_obj_val(q)));
			*exact = true;
		} else {
			*value = fmax(*value, tree_bound);
		}
		ok = true;
	}
out:
	for (int c = 0; c < ncol; c++)
		colmap[cols[c]] = 0;
	if (q != NULL)
		glp_delete_prob(q);
	free(cols);
	trip_release(&tr);
	return ok;
}

/*
 * Budget mode: the capacity row of every relaxed node and the bandwidth row
 * of every relaxed link become one row per part that uses it, bounded by the
 * part's LP share of what the plan buys there: the node's LP instance count
 * rounded up, or the link's bandwidth.  CSR by part in *off, *row, *ub.
 */
static int
budget_rows(const struct split_work *w, const int *part_of_col, int nparts, int *ind, double *val,
    int **off, int **row_out, double **ub_out)
{
	const struct lp *lp = w->lp;
	size_t nn = w->m->topo->n_nodes;
	double *load = calloc((size_t)nparts + 1, sizeof *load);
	int *stamp = malloc(((size_t)nparts + 1) * sizeof *stamp), *touched = NULL;
	int rc = LADDER_ENOMEM;
	struct triplets tr = { 0 };	/* (part, row, budget) */

	*off = NULL;
	*row_out = NULL;
	*ub_out = NULL;
	touched = malloc(((size_t)nparts + 1) * sizeof *touched);
	if (load == NULL || stamp == NULL || touched == NULL)
		goto out;
	for (int q = 0; q < nparts; q++)
		stamp[q] = -1;
	for (size_t r = 0; r < w->n_res; r++) {
		int row, len, nt = 0;
		double have, total = 0;

		if (!w->relaxed[r] || w->closed_res[r] || w->res_count[r] == 0)
			continue;
		if (r < nn) {
			row = lp->row_cap[r];
			if (row == 0 || lp->col_m[r] == 0)
				continue;
			have = ceil(glp_get_col_prim(lp->p, lp->col_m[r]) - 1e-6);
		} else {
			row = lp->row_link[r - nn];
			if (row == 0)
				continue;
			have = glp_get_row_ub(lp->p, row);
		}
		len = glp_get_mat_row(lp->p, row, ind, val);
		for (int e = 1; e <= len; e++) {
			int q = part_of_col[ind[e]];
			double l;

			if (q < 0)
				continue;
			if (stamp[q] != (int)r) {
				stamp[q] = (int)r;
				load[q] = 0;
				touched[nt++] = q;
			}
			l = val[e] * fmax(0, glp_get_col_prim(lp->p, ind[e]));
			load[q] += l;
			total += l;
		}
		for (int t = 0; t < nt; t++) {
			/* No LP use at all: the parts share it equally. */
			if (trip_add(&tr, touched[t], row, total > 1e-12 ? load[touched[t]] * have / total :
			    have / nt) != 0)
				goto out;
		}
	}
	if ((*off = calloc((size_t)nparts + 2, sizeof **off)) == NULL ||
	    (*row_out = malloc((tr.n + 1) * sizeof **row_out)) == NULL ||
	    (*ub_out = malloc((tr.n + 1) * sizeof **ub_out)) == NULL)
		goto out;
	for (size_t i = 1; i <= tr.n; i++)
		(*off)[tr.ia[i] + 1]++;
	for (int q = 0; q < nparts; q++)
		(*off)[q + 1] += (*off)[q];
	for (int q = 0; q < nparts; q++)
		stamp[q] = (*off)[q];
	for (size_t i = 1; i <= tr.n; i++) {
		(*row_out)[stamp[tr.ia[i]]] = tr.ja[i];
		(*ub_out)[stamp[tr.ia[i]]++] = tr.ar[i];
	}
	rc = 0;
out:
	free(load);
	free(stamp);
	free(touched);
	trip_release(&tr);
	return rc;
}

static void
split_work_release(struct split_work *w)
{
	free(w->dead_col);
	free(w->x_col);
	free(w->closed_res);
	free(w->res_off);
	free(w->res_cls);
	free(w->res_count);
	free(w->relaxed);
	free(w->parent);
}

void
lp_split_release(struct lp_split *s)
{
	free(s->x);
	free(s->tentative);
	memset(s, 0, sizeof *s);
}

int
lp_decompose(const struct plan_model *m, const bool *allowed, const struct lp *lp,
    uint64_t deadline, double gap, enum split_mode mode, struct lp_split *out)
{
	glp_prob *p = lp->p;
	size_t nn = m->topo->n_nodes, ncls = m->n_classes;
	int nrows = lp->n_rows, ncols = lp->n_cols, rc = LADDER_ENOMEM, nparts = 0;
	struct split_work w = { .m = m, .lp = lp, .n_res = nn + m->topo->n_links };
	int *size = NULL, *part_of = NULL, *row_part = NULL, *part_off = NULL, *part_rows = NULL;
	int *colmap = NULL, *ind = NULL, *b_off = NULL, *b_row = NULL;
	double *b_ub = NULL;
	double *cadj = NULL, *val = NULL, *xcol = NULL, bound = 0;
	bool all_solved = true;

	memset(out, 0, sizeof *out);
	out->bound = -INFINITY;
	w.dead_col = calloc((size_t)ncols + 1, sizeof *w.dead_col);
	w.x_col = calloc((size_t)ncols + 1, sizeof *w.x_col);
	w.closed_res = calloc(w.n_res + 1, sizeof *w.closed_res);
	w.relaxed = calloc(w.n_res + 1, sizeof *w.relaxed);
	w.parent = malloc((ncls + 1) * sizeof *w.parent);
	size = malloc((ncls + 1) * sizeof *size);
	if (!w.dead_col || !w.x_col || !w.closed_res || !w.relaxed || !w.parent || !size)
		goto out;
	for (size_t i = 0; i < m->n_options; i++)
		w.x_col[lp->col_x[i]] = lp->col_x[i] != 0;
	/* Closed nodes, and the options through them, which must carry nothing. */
	for (size_t k = 0; k < nn; k++) {
		int j = lp->col_m[k];

		w.closed_res[k] = j != 0 && glp_get_col_type(p, j) == GLP_FX && glp_get_col_ub(p, j) < 0.5;
	}
	for (size_t i = 0; i < m->n_options; i++) {
		const struct plan_option *o = &m->options[i];

		for (int u = 0; u < o->n_use && lp->col_x[i] != 0; u++) {
			if (w.closed_res[o->use[u].node])
				w.dead_col[lp->col_x[i]] = true;
		}
	}
	if ((rc = collect_uses(&w, allowed)) != 0)
		goto out;
	rc = LADDER_ENOMEM;
	if (!choose_relaxed(&w, size)) {
		rc = 0;
		goto out;
	}
	/* Closed pass: the shared nodes are closed too; what is left are plain, separate plans. */
	for (size_t k = 0; k < nn && mode == SPLIT_CLOSED; k++) {
		if (!w.relaxed[k] || w.closed_res[k])
			continue;
		w.closed_res[k] = true;
		if (out->tentative == NULL &&
		    (out->tentative = calloc(nn + 1, sizeof *out->tentative)) == NULL)
			goto out;
		out->tentative[k] = true;
	}
	for (size_t i = 0; i < m->n_options && out->tentative != NULL; i++) {
		for (int u = 0; u < m->options[i].n_use && lp->col_x[i] != 0; u++) {
			if (out->tentative[m->options[i].use[u].node])
				w.dead_col[lp->col_x[i]] = true;
		}
	}
	/* Parts, numbered; each row goes to its part or is relaxed (-1). */
	part_of = malloc((ncls + 1) * sizeof *part_of);
	row_part = malloc(((size_t)nrows + 1) * sizeof *row_part);
	cadj = malloc(((size_t)ncols + 1) * sizeof *cadj);
	ind = malloc(((size_t)ncols + 1) * sizeof *ind);
	val = malloc(((size_t)ncols + 1) * sizeof *val);
	colmap = calloc((size_t)ncols + 1, sizeof *colmap);
	xcol = calloc((size_t)ncols + 1, sizeof *xcol);
	if (!part_of || !row_part || !cadj || !ind || !val || !colmap || !xcol)
		goto out;
	for (size_t c = 0; c < ncls; c++)
		part_of[c] = -1;
	for (size_t c = 0; c < ncls; c++) {
		int root = dsu_find(w.parent, (int)c);

		if (part_of[root] < 0)
			part_of[root] = nparts++;
		part_of[c] = part_of[root];
	}
	for (int j = 1; j <= ncols; j++)
		cadj[j] = glp_get_obj_coef(p, j);
	for (int row = 1; row <= nrows; row++)
		row_part[row] = -1;
	for (size_t c = 0; c < ncls; c++)
		row_part[lp->row_demand[c]] = part_of[c];
	for (int row = 1; row <= nrows; row++) {
		int res = lp->row_res[row];

		if (res < 0) {
			continue;
		} else if (!w.relaxed[res] && w.res_count[res] > 0) {
			row_part[row] = part_of[w.res_cls[w.res_off[res]]];
		} else {
			double rhs, pi = mode != SPLIT_PRICED || w.closed_res[res] || w.res_count[res] == 0 ? 0 :
			    row_multiplier(p, row, &rhs);
			int len;

			row_part[row] = -1;
			if (pi == 0)
				continue;
			bound += pi * rhs;
			len = glp_get_mat_row(p, row, ind, val);
			for (int e = 1; e <= len; e++)
				cadj[ind[e]] -= pi * val[e];
		}
	}
	/* Rows by part (CSR). */
	part_off = calloc((size_t)nparts + 2, sizeof *part_off);
	part_rows = malloc(((size_t)nrows + 1) * sizeof *part_rows);
	if (!part_off || !part_rows)
		goto out;
	for (int row = 1; row <= nrows; row++) {
		if (row_part[row] >= 0)
			part_off[row_part[row] + 1]++;
	}
	for (int q = 0; q < nparts; q++)
		part_off[q + 1] += part_off[q];
	{
		int *fill = malloc(((size_t)nparts + 1) * sizeof *fill);

		if (fill == NULL)
			goto out;
		memcpy(fill, part_off, (size_t)nparts * sizeof *fill);
		for (int row = 1; row <= nrows; row++) {
			if (row_part[row] >= 0)
				part_rows[fill[row_part[row]]++] = row;
		}
		free(fill);
	}
	/* Columns in no kept row (relaxed and closed nodes' instances): at their best bound. */
	{
		bool *in_part = calloc((size_t)ncols + 1, sizeof *in_part);

		if (in_part == NULL)
			goto out;
		for (int k = 0; k < part_off[nparts]; k++) {
			int len = glp_get_mat_row(p, part_rows[k], ind, val);

			for (int e = 1; e <= len; e++)
				in_part[ind[e]] = true;
		}
		for (int j = 1; j <= ncols; j++) {
			double lb, ub;

			if (in_part[j] || w.dead_col[j])
				continue;
			lb = glp_get_col_lb(p, j);
			ub = glp_get_col_type(p, j) == GLP_LO || glp_get_col_type(p, j) == GLP_FR ?
			    INFINITY : glp_get_col_ub(p, j);
			if (cadj[j] < 0 && isinf(ub)) {
				free(in_part);
				rc = 0;
				goto out;
			}
			bound += cadj[j] < 0 ? cadj[j] * ub : cadj[j] * lb;
		}
		free(in_part);
	}
	if (mode == SPLIT_BUDGET) {
		int *part_of_col = malloc(((size_t)ncols + 1) * sizeof *part_of_col);

		if (part_of_col == NULL)
			goto out;
		for (int j = 0; j <= ncols; j++)
			part_of_col[j] = -1;
		for (size_t i = 0; i < m->n_options; i++) {
			int j = lp->col_x[i];

			if (j != 0 && !w.dead_col[j])
				part_of_col[j] = part_of[m->options[i].cls];
		}
		rc = budget_rows(&w, part_of_col, nparts, ind, val, &b_off, &b_row, &b_ub);
		free(part_of_col);
		if (rc != 0)
			goto out;
		rc = LADDER_ENOMEM;
	}
	out->n_parts = nparts;
	plan_debug_splits++;
	plan_debug_budgets += mode == SPLIT_BUDGET;
	for (size_t r = 0; r < w.n_res; r++)
		out->n_relaxed += w.relaxed[r] && !w.closed_res[r] && w.res_count[r] > 0;
	for (int q = 0; q < nparts; q++) {
		uint64_t now = ladder_now_ns();
		uint64_t share = now >= deadline ? 0 : (deadline - now) / (uint64_t)(nparts - q);
		double v;
		bool solved, exact;

		int nb = b_off != NULL ? b_off[q + 1] - b_off[q] : 0;

		if (!solve_part(&w, part_rows + part_off[q], part_off[q + 1] - part_off[q],
		    nb ? b_row + b_off[q] : NULL, nb ? b_ub + b_off[q] : NULL, nb, cadj, colmap, ind, val,
		    now + share, gap, &v, xcol, &solved, &exact)) {
			rc = 0;
			goto out;
		}
		all_solved = all_solved && solved;
		out->n_exact += exact;
		bound += v;
	}
	/*
	 * Tolerances of the sub-solves: the bound is kept a hair below their sum.
	 * Restricted, it holds once the tentative nodes are closed for real (the
	 * other relaxed rows at multiplier 0).
	 */
	out->bound = mode == SPLIT_BUDGET ? -INFINITY : bound - 1e-9 * fmax(1, fabs(bound));
	if (all_solved && (out->x = calloc(m->n_options + 1, sizeof *out->x)) != NULL) {
		for (size_t i = 0; i < m->n_options; i++)
			out->x[i] = lp->col_x[i] && !w.dead_col[lp->col_x[i]] ? xcol[lp->col_x[i]] : 0;
	}
	rc = 0;
out:
	split_work_release(&w);
	free(b_off);
	free(b_row);
	free(b_ub);
	free(size);
	free(part_of);
	free(row_part);
	free(part_off);
	free(part_rows);
	free(colmap);
	free(ind);
	free(val);
	free(cadj);
	free(xcol);
	return rc;
}
