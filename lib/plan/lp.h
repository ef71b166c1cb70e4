/* lp.h: the planner's GLPK model, shared by solve.c and decompose.c (lib/plan only). */
#ifndef LADDER_PLAN_LP_H
#define LADDER_PLAN_LP_H

#include <glpk.h>
#include <stdint.h>

#include "plan/plan.h"

struct lp {
	glp_prob *p;
	int *col_x;		/* [n_options] column or 0 */
	int *col_m;		/* [n_nodes] */
	int *col_z;		/* [n_nodes * n_rungs] */
	int *col_s;		/* [n_classes] elastic slack or 0 */
	int *row_demand;	/* [n_classes] */
	int *row_cap;		/* [n_nodes] */
	int *row_link;		/* [n_links] */
	int n_cols, n_rows;
	/*
	 * [1..n_rows]: the resource a row limits: node k (capacity, opening,
	 * memory and residency rows), n_nodes + link l (bandwidth), or -1 (a
	 * class's demand).  decompose.c splits the model along it.
	 */
	int *row_res;
	size_t res_cap;
};

enum lp_mode { LP_COST, LP_ELASTIC, LP_FIXED };

/* Growable triplet list (1-based), as glp_load_matrix takes it. */
struct triplets {
	int *ia, *ja;
	double *ar;
	size_t n, cap;
};
int trip_add(struct triplets *t, int i, int j, double v);
void trip_release(struct triplets *t);

/*
 * Re-solves p from its current basis (dual simplex): 1 optimal, 0 infeasible,
 * -1 out of time or numerically stuck.  deadline 0: no limit.
 */
int lp_resolve(glp_prob *p, uint64_t deadline);

/* In a GLPK callback: raises *bound to the bound of the tree's best active node. */
void lp_tree_bound(glp_tree *tree, double *bound);

/*
 * Builds the model over the allowed options.  LP_ELASTIC adds a slack per
 * demand row and minimises unserved streams; LP_FIXED fixes instances and
 * residency to the given solution (for duals).
 */
int lp_build(struct lp *lp, const struct plan_model *m, const bool *allowed, enum lp_mode mode,
    const struct plan_solution *fixed);
void lp_release(struct lp *lp);

/* decompose.c: whether node k's instances are fixed at 0. */
bool node_closed(const struct lp *lp, size_t k);

/*
 * decompose.c.  lp_close_nodes: with lp->p at its LP optimum, fixes at 0 the
 * instances of every node whose first instance would lift the LP bound above
 * incumbent (so the bound then holds for plans better than the incumbent);
 * returns how many, or -1 when the LP could not be re-solved.
 * open_bound[n_nodes] gets, per node left open, a lower bound on any plan
 * with at least one instance of it (at least the LP bound).
 */
int lp_close_nodes(const struct plan_model *m, struct lp *lp, double incumbent, uint64_t deadline,
    double *open_bound);

struct lp_split {
	/*
	 * Lagrangian bound, -INFINITY when none.  SPLIT_CLOSED: valid only once
	 * every tentative node is closed.
	 */
	double bound;
	bool *tentative;	/* [n_nodes] SPLIT_CLOSED: the shared nodes it closed, or NULL */
	double *x;		/* [n_options] the parts' plans joined (fractional x possible), or NULL */
	int n_parts, n_exact, n_relaxed;	/* n_exact: parts solved to within the gap */
};

/*
 * With lp->p at its LP optimum: relaxes the rows of widely shared resources
 * and solves the independent parts left as MIPs (whole streams) to within
 * gap (relative), by deadline.  No split (one part) leaves out->bound at
 * -INFINITY.  Modes:
 *   SPLIT_PRICED  the relaxed rows priced at their duals: a Lagrangian bound;
 *   SPLIT_CLOSED  a plan with the shared nodes closed (out->tentative); its
 *                 bound holds once those are closed for real;
 *   SPLIT_BUDGET  a plan with each shared node bought at its LP instance
 *                 count rounded up and each part held to its LP share of it
 *                 (and of each shared link); no bound.
 */
enum split_mode { SPLIT_PRICED, SPLIT_CLOSED, SPLIT_BUDGET };
int lp_decompose(const struct plan_model *m, const bool *allowed, const struct lp *lp,
    uint64_t deadline, double gap, enum split_mode mode, struct lp_split *out);
void lp_split_release(struct lp_split *s);

/*
 * Raises open_bound[k] of the nodes a closed pass closed tentatively and lp
 * left open, weakest first: with an instance of k forced, the LP is re-solved
 * and its priced parts bound the plans that open k.  A node whose bound
 * passes the incumbent is closed.  Stops at deadline, or once the weakest
 * open bound reaches target (the closed pass's bound, which caps the cases).
 * Returns the nodes closed, or -1 when the LP could not be re-solved.
 */
int lp_raise_open_bounds(const struct plan_model *m, const bool *allowed, struct lp *lp,
    const bool *tentative, double *open_bound, double incumbent, double target, double gap,
    uint64_t deadline);

#endif
