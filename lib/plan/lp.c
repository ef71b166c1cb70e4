/* lp.c: builds the GLPK model of a plan (columns, rows and which resource each row belongs to). */
#include <glpk.h>
#include <stdlib.h>
#include <string.h>

#include "plan/lp.h"
#include "util/banned.h"

bool plan_open_rows = true;

void
lp_release(struct lp *lp)
{
	if (lp->p != NULL)
		glp_delete_prob(lp->p);
	free(lp->col_x);
	free(lp->col_m);
	free(lp->col_z);
	free(lp->col_s);
	free(lp->row_demand);
	free(lp->row_cap);
	free(lp->row_link);
	free(lp->row_res);
	memset(lp, 0, sizeof *lp);
}

int
trip_add(struct triplets *t, int i, int j, double v)
{
	if (t->n + 1 >= t->cap) {
		size_t nc = t->cap ? 2 * t->cap : 4096;
		int *ia = realloc(t->ia, nc * sizeof *ia), *ja;
		double *ar;

		if (ia == NULL)
			return LADDER_ENOMEM;
		t->ia = ia;
		if ((ja = realloc(t->ja, nc * sizeof *ja)) == NULL)
			return LADDER_ENOMEM;
		t->ja = ja;
		if ((ar = realloc(t->ar, nc * sizeof *ar)) == NULL)
			return LADDER_ENOMEM;
		t->ar = ar;
		t->cap = nc;
	}
	t->n++;
	t->ia[t->n] = i;
	t->ja[t->n] = j;
	t->ar[t->n] = v;
	return 0;
}

void
trip_release(struct triplets *t)
{
	free(t->ia);
	free(t->ja);
	free(t->ar);
	memset(t, 0, sizeof *t);
}

int
lp_resolve(glp_prob *p, uint64_t deadline)
{
	glp_smcp smcp;
	uint64_t now = ladder_now_ns();
	int ret;

	glp_init_smcp(&smcp);
	smcp.msg_lev = GLP_MSG_OFF;
	smcp.meth = GLP_DUALP;
	smcp.presolve = GLP_OFF;
	if (deadline != 0) {
		if (now >= deadline)
			return -1;
		smcp.tm_lim = (int)((deadline - now) / 1000000) + 1;
	}
	ret = glp_simplex(p, &smcp);
	if (ret == 0 && glp_get_status(p) == GLP_OPT)
		return 1;
	if ((ret == 0 && glp_get_status(p) == GLP_NOFEAS) || ret == GLP_ENOPFS)
		return 0;
	return -1;
}

void
lp_tree_bound(glp_tree *tree, double *bound)
{
	int node = glp_ios_best_node(tree);

	if (node != 0) {
		double b = glp_ios_node_bound(tree, node);

		if (b > *bound)
			*bound = b;
	}
}

/* Adds a row (1-based, in *rows) and records its resource: a node, n_nodes + a link, or -1. */
static int
new_row(struct lp *lp, int *rows, int res)
{
	if ((size_t)*rows + 2 > lp->res_cap) {
		size_t nc = lp->res_cap ? 2 * lp->res_cap : 1024;
		int *r = realloc(lp->row_res, nc * sizeof *r);

		if (r == NULL)
			return LADDER_ENOMEM;
		lp->row_res = r;
		lp->res_cap = nc;
	}
	lp->row_res[++*rows] = res;
	return 0;
}

int
lp_build(struct lp *lp, const struct plan_model *m, const bool *allowed, enum lp_mode mode,
    const struct plan_solution *fixed)
{
	const struct plan_topology *t = m->topo;
	size_t nn = t->n_nodes, nr = m->in->n_rungs;
	struct triplets tr = { 0 };
	int rows = 0, cols = 0, rc = LADDER_ENOMEM;
	bool *touched = calloc(nn + 1, sizeof *touched);
	double *mem_fixed = NULL;

	memset(lp, 0, sizeof *lp);
	lp->col_x = calloc(m->n_options + 1, sizeof *lp->col_x);
	lp->col_m = calloc(nn + 1, sizeof *lp->col_m);
	lp->col_z = calloc(nn * nr + 1, sizeof *lp->col_z);
	lp->col_s = calloc(m->n_classes + 1, sizeof *lp->col_s);
	lp->row_demand = calloc(m->n_classes + 1, sizeof *lp->row_demand);
	lp->row_cap = calloc(nn + 1, sizeof *lp->row_cap);
	lp->row_link = calloc(t->n_links + 1, sizeof *lp->row_link);
	if (!touched || !lp->col_x || !lp->col_m || !lp->col_z || !lp->col_s || !lp->row_demand ||
	    !lp->row_cap || !lp->row_link)
		goto out;
	lp->p = glp_create_prob();
	glp_set_obj_dir(lp->p, GLP_MIN);
	/* Columns: x, then m, then z, then slacks. */
	for (size_t i = 0; i < m->n_options; i++) {
		const struct plan_option *o = &m->options[i];

		if (allowed != NULL && !allowed[i])
			continue;
		lp->col_x[i] = ++cols;
		for (int u = 0; u < o->n_use; u++)
			touched[o->use[u].node] = true;
	}
	for (size_t k = 0; k < nn; k++) {
		if (touched[k])
			lp->col_m[k] = ++cols;
	}
	for (size_t i = 0; i < m->n_options; i++) {
		const struct plan_option *o = &m->options[i];

		if (lp->col_x[i] == 0)
			continue;
		for (int u = 0; u < o->n_use; u++) {
			size_t zi = (size_t)o->use[u].node * nr + (size_t)o->use[u].rung;

			if (m->node_needs_z[o->use[u].node] && lp->col_z[zi] == 0)
				lp->col_z[zi] = ++cols;
		}
	}
	if (mode == LP_ELASTIC) {
		for (size_t c = 0; c < m->n_classes; c++)
			lp->col_s[c] = ++cols;
	}
	lp->n_cols = cols;
	if (cols == 0) {
		rc = LADDER_EINFEASIBLE;
		goto out;
	}
	glp_add_cols(lp->p, cols);
	for (size_t i = 0; i < m->n_options; i++) {
		int j = lp->col_x[i];

		if (j == 0)
			continue;
		glp_set_col_bnds(lp->p, j, GLP_LO, 0, 0);
		glp_set_obj_coef(lp->p, j, mode == LP_ELASTIC ? 0 : m->options[i].var_cost);
		if (mode == LP_COST && m->x_integer)
			glp_set_col_kind(lp->p, j, GLP_IV);
	}
	for (size_t k = 0; k < nn; k++) {
		int j = lp->col_m[k];

		if (j == 0)
			continue;
		if (mode == LP_FIXED) {
			glp_set_col_bnds(lp->p, j, GLP_FX, (double)fixed->inst[k], (double)fixed->inst[k]);
		} else {
			glp_set_col_bnds(lp->p, j, GLP_DB, 0, (double)t->nodes[k].max_instances);
			if (mode == LP_COST)
				glp_set_col_kind(lp->p, j, GLP_IV);
		}
		glp_set_obj_coef(lp->p, j, mode == LP_ELASTIC ? 0 : t->nodes[k].cost_per_hour);
	}
	if (mode == LP_FIXED) {
		mem_fixed = calloc(nn * nr + 1, sizeof *mem_fixed);
		if (mem_fixed == NULL)
			goto out;
		for (size_t i = 0; i < m->n_options; i++) {
			for (int u = 0; u < m->options[i].n_use && fixed->x[i] > 0; u++)
				mem_fixed[(size_t)m->options[i].use[u].node * nr +
				    (size_t)m->options[i].use[u].rung] = 1;
		}
	}
	for (size_t zi = 0; zi < nn * nr; zi++) {
		int j = lp->col_z[zi];

		if (j == 0)
			continue;
		if (mode == LP_FIXED)
			glp_set_col_bnds(lp->p, j, GLP_FX, mem_fixed[zi], mem_fixed[zi]);
		else if (mode == LP_COST)
			glp_set_col_kind(lp->p, j, GLP_BV);
		else
			glp_set_col_bnds(lp->p, j, GLP_DB, 0, 1);
	}
	for (size_t c = 0; c < m->n_classes && mode == LP_ELASTIC; c++) {
		glp_set_col_bnds(lp->p, lp->col_s[c], GLP_LO, 0, 0);
		glp_set_obj_coef(lp->p, lp->col_s[c], 1);
	}
	/* Rows: demand per class. */
	for (size_t c = 0; c < m->n_classes; c++) {
		const struct plan_class *cl = &m->classes[c];
		bool any = lp->col_s[c] != 0;

		for (size_t i = cl->opt_begin; i < cl->opt_end && !any; i++)
			any = lp->col_x[i] != 0;
		if (!any) {
			rc = LADDER_EINFEASIBLE;
			goto out;
		}
		if (new_row(lp, &rows, -1) != 0)
			goto out;
		lp->row_demand[c] = rows;
		for (size_t i = cl->opt_begin; i < cl->opt_end; i++) {
			if (lp->col_x[i] != 0 && trip_add(&tr, rows, lp->col_x[i], 1) != 0)
				goto out;
		}
		if (lp->col_s[c] != 0 && trip_add(&tr, rows, lp->col_s[c], 1) != 0)
			goto out;
	}
	/* Capacity per node: load - m <= 0. */
	for (size_t i = 0; i < m->n_options; i++) {
		const struct plan_option *o = &m->options[i];

		for (int u = 0; u < o->n_use && lp->col_x[i] != 0; u++) {
			int k = o->use[u].node;
			double coef = 0;
			bool first = true;

			/* A cascade may use a node twice: one coefficient per node. */
			for (int u2 = 0; u2 < u && first; u2++)
				first = o->use[u2].node != k;
			if (!first)
				continue;
			for (int u2 = u; u2 < o->n_use; u2++) {
				if (o->use[u2].node == k)
					coef += o->use[u2].inst_per_stream;
			}
			if (lp->row_cap[k] == 0) {
				if (new_row(lp, &rows, k) != 0)
					goto out;
				lp->row_cap[k] = rows;
				if (trip_add(&tr, rows, lp->col_m[k], -1) != 0)
					goto out;
			}
			if (trip_add(&tr, lp->row_cap[k], lp->col_x[i], coef) != 0)
				goto out;
		}
	}
	/* Bandwidth per link. */
	for (size_t i = 0; i < m->n_options; i++) {
		const struct plan_option *o = &m->options[i];

		for (size_t j = o->luse_off; j < o->luse_off + o->n_luse && lp->col_x[i] != 0; j++) {
			int l = m->luse[j].link;

			if (lp->row_link[l] == 0) {
				if (new_row(lp, &rows, (int)nn + l) != 0)
					goto out;
				lp->row_link[l] = rows;
			}
			if (trip_add(&tr, lp->row_link[l], lp->col_x[i], m->luse[j].mbps_per_stream) != 0)
				goto out;
		}
	}
	/*
	 * Opening rows, one per (class, node): a class may put streams on a node
	 * only if it runs an instance there (sum x <= n * m).  Redundant for the
	 * integer program, they tighten the LP bound a lot where a node's price
	 * is mostly a fixed charge (a camera board serving its own streams).
	 */
	int open_begin = rows;

	for (size_t c = 0; c < m->n_classes && plan_open_rows; c++) {
		const struct plan_class *cl = &m->classes[c];
		int seen[16 * PLAN_MAX_STAGES];
		int n_seen = 0;

		for (size_t i = cl->opt_begin; i < cl->opt_end; i++) {
			const struct plan_option *o = &m->options[i];

			for (int u = 0; u < o->n_use && lp->col_x[i] != 0; u++) {
				int k = o->use[u].node, s2;

				for (s2 = 0; s2 < n_seen && seen[s2] != k; s2++)
					;
				if (s2 < n_seen || n_seen == (int)(sizeof seen / sizeof seen[0]))
					continue;
				seen[n_seen++] = k;
				if (new_row(lp, &rows, k) != 0)
					goto out;
				if (trip_add(&tr, rows, lp->col_m[k], -(double)cl->streams) != 0)
					goto out;
				for (size_t i2 = cl->opt_begin; i2 < cl->opt_end; i2++) {
					bool has = false;

					for (int u2 = 0; u2 < m->options[i2].n_use && !has; u2++)
						has = m->options[i2].use[u2].node == k;
					if (has && lp->col_x[i2] != 0 &&
					    trip_add(&tr, rows, lp->col_x[i2], 1) != 0)
						goto out;
				}
			}
		}
	}
	int open_end = rows;
	int first_extra = rows;

	/* Memory per node and linking rows per (class, rung, node), where residency matters. */
	for (size_t k = 0; k < nn; k++) {
		bool any = false;

		for (size_t r = 0; r < nr; r++) {
			int j = lp->col_z[k * nr + r];

			if (j == 0)
				continue;
			if (!any) {
				any = true;
				if (new_row(lp, &rows, (int)k) != 0)
					goto out;
			}
			if (trip_add(&tr, rows, j, plan_perf_at(m->in, (int)r, t->nodes[k].hw)->mem_mb) != 0)
				goto out;
		}
	}
	int mem_rows_end = rows;

	for (size_t c = 0; c < m->n_classes; c++) {
		const struct plan_class *cl = &m->classes[c];

		for (size_t i = cl->opt_begin; i < cl->opt_end; i++) {
			const struct plan_option *o = &m->options[i];

			if (lp->col_x[i] == 0)
				continue;
			for (int u = 0; u < o->n_use; u++) {
				int zj = lp->col_z[(size_t)o->use[u].node * nr + (size_t)o->use[u].rung];
				bool seen = false;

				if (zj == 0)
					continue;
				/* One row per (class, rung, node): made when first met in this class. */
				for (size_t i2 = cl->opt_begin; i2 < i && !seen; i2++) {
					for (int u2 = 0; u2 < m->options[i2].n_use && !seen; u2++)
						seen = lp->col_x[i2] != 0 &&
						    m->options[i2].use[u2].node == o->use[u].node &&
						    m->options[i2].use[u2].rung == o->use[u].rung;
				}
				if (seen)
					continue;
				if (new_row(lp, &rows, o->use[u].node) != 0)
					goto out;
				if (trip_add(&tr, rows, zj, -(double)cl->streams) != 0)
					goto out;
				for (size_t i2 = i; i2 < cl->opt_end; i2++) {
					bool has = false;

					for (int u2 = 0; u2 < m->options[i2].n_use && !has; u2++)
						has = m->options[i2].use[u2].node == o->use[u].node &&
						    m->options[i2].use[u2].rung == o->use[u].rung;
					if (has && lp->col_x[i2] != 0 &&
					    trip_add(&tr, rows, lp->col_x[i2], 1) != 0)
						goto out;
				}
			}
		}
	}
	lp->n_rows = rows;
	glp_add_rows(lp->p, rows);
	for (size_t c = 0; c < m->n_classes; c++)
		glp_set_row_bnds(lp->p, lp->row_demand[c], GLP_FX, (double)m->classes[c].streams,
		    (double)m->classes[c].streams);
	for (size_t k = 0; k < nn; k++) {
		if (lp->row_cap[k] != 0)
			glp_set_row_bnds(lp->p, lp->row_cap[k], GLP_UP, 0, 0);
	}
	for (size_t l = 0; l < t->n_links; l++) {
		if (lp->row_link[l] != 0)
			glp_set_row_bnds(lp->p, lp->row_link[l], GLP_UP, 0, t->links[l].bandwidth_mbps);
	}
	for (int row = open_begin + 1; row <= open_end; row++)
		glp_set_row_bnds(lp->p, row, GLP_UP, 0, 0);
	{
		int row = first_extra;

		for (size_t k = 0; k < nn; k++) {
			bool any = false;

			for (size_t r = 0; r < nr && !any; r++)
				any = lp->col_z[k * nr + r] != 0;
			if (any)
				glp_set_row_bnds(lp->p, ++row, GLP_UP, 0, t->nodes[k].memory_mb);
		}
		for (row = mem_rows_end + 1; row <= rows; row++)
			glp_set_row_bnds(lp->p, row, GLP_UP, 0, 0);
	}
	glp_load_matrix(lp->p, (int)tr.n, tr.ia, tr.ja, tr.ar);
	rc = 0;
out:
	trip_release(&tr);
	free(touched);
	free(mem_fixed);
	if (rc != 0)
		lp_release(lp);
	return rc;
}
