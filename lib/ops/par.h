/*
 * par.h: a parallel for over a process-wide pool of worker threads, for the
 * kernels that honour --threads.  Tasks must write disjoint outputs, so
 * results never depend on the thread count or on scheduling.  Internal to
 * libladder.
 */
#ifndef LADDER_OPS_PAR_H
#define LADDER_OPS_PAR_H

#include <stdint.h>

/*
 * Calls fn(ctx, i, worker) for every i in [0, n), on up to `threads`
 * threads (the caller is worker 0; workers are numbered below threads).
 * Runs everything on the caller when threads <= 1, n <= 1, threads could
 * not be started, or another parallel for is running.
 */
void op_parallel_for(int threads, int64_t n, void (*fn)(void *ctx, int64_t i, int worker),
    void *ctx);

/*
 * The threads worth waking for `work` multiply-adds: each must get at least
 * OP_PAR_GRAIN (about 20 us), or the hand-off costs more than it saves.
 */
#define OP_PAR_GRAIN (2 << 20)

static inline int
op_threads_for(int threads, int64_t work)
{
	int64_t t = work / OP_PAR_GRAIN;

	return t < 1 ? 1 : t < threads ? (int)t : threads;
}

#endif
