/*
 * par.c: the worker pool behind op_parallel_for.  Workers are started on
 * first use (up to the largest count asked for, at most PAR_MAX) and live
 * for the rest of the process; they sleep on a condition variable between
 * jobs.  One job at a time: a second caller runs its job alone.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "ops/par.h"
#include "util/banned.h"

#define PAR_MAX 64

static pthread_mutex_t par_lock = PTHREAD_MUTEX_INITIALIZER;	/* one job at a time */
static pthread_mutex_t par_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t par_wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t par_done = PTHREAD_COND_INITIALIZER;
static int par_started;			/* workers running (worker ids 1..par_started) */
static uint64_t par_gen;		/* bumped per job */
static int par_want;			/* workers that take part in the current job */
static int par_busy;			/* workers still inside the current job */

static void (*par_fn)(void *, int64_t, int);
static void *par_ctx;
static int64_t par_n;
static atomic_llong par_next;

static void
par_work(int worker)
{
	for (;;) {
		long long i = atomic_fetch_add(&par_next, 1);

		if (i >= par_n)
			break;
		par_fn(par_ctx, (int64_t)i, worker);
	}
}

static void *
par_main(void *arg)
{
	int id = (int)(intptr_t)arg;
	uint64_t seen = 0;

	pthread_mutex_lock(&par_mu);
	for (;;) {
		while (par_gen == seen)
			pthread_cond_wait(&par_wake, &par_mu);
		seen = par_gen;
		if (id >= par_want)
			continue;
		pthread_mutex_unlock(&par_mu);
		par_work(id);
		pthread_mutex_lock(&par_mu);
		if (--par_busy == 0)
			pthread_cond_signal(&par_done);
	}
	return NULL;
}

void
op_parallel_for(int threads, int64_t n, void (*fn)(void *ctx, int64_t i, int worker), void *ctx)
{
	if (threads > PAR_MAX)
		threads = PAR_MAX;
	if (threads > n)
		threads = (int)n;
	if (threads <= 1 || pthread_mutex_trylock(&par_lock) != 0) {
		for (int64_t i = 0; i < n; i++)
			fn(ctx, i, 0);
		return;
	}
	pthread_mutex_lock(&par_mu);
	while (par_started < threads - 1) {
		pthread_t t;
		pthread_attr_t attr;
		bool ok;

		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		ok = pthread_create(&t, &attr, par_main, (void *)(intptr_t)(par_started + 1)) == 0;
		pthread_attr_destroy(&attr);
		if (!ok)
			break;
		par_started++;
	}
	if (threads > par_started + 1)
		threads = par_started + 1;
	par_fn = fn;
	par_ctx = ctx;
	par_n = n;
	atomic_store(&par_next, 0);
	par_want = threads;
	par_busy = threads - 1;
	par_gen++;
	pthread_cond_broadcast(&par_wake);
	pthread_mutex_unlock(&par_mu);

	par_work(0);

	pthread_mutex_lock(&par_mu);
	while (par_busy > 0)
		pthread_cond_wait(&par_done, &par_mu);
	pthread_mutex_unlock(&par_mu);
	pthread_mutex_unlock(&par_lock);
}
