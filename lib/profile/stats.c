/* stats.c: quantiles, the order-statistics CI of the median, and the server-scenario simulation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ladder-profile.h"
#include "util/banned.h"

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
ladder_quantile(const double *sorted, size_t n, double q)
{
	double h, frac;
	size_t lo;

	if (n == 0)
		return NAN;
	if (q <= 0)
		return sorted[0];
	if (q >= 1)
		return sorted[n - 1];
	h = (double)(n - 1) * q;
	lo = (size_t)floor(h);
	frac = h - (double)lo;
	if (lo + 1 >= n)
		return sorted[n - 1];
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

double
ladder_median_ci_rel(const double *sorted, size_t n)
{
	const double z = 1.959963984540054;
	double half = z * sqrt((double)n) / 2, med;
	long lo, hi;

	if (n < 8)
		return INFINITY;
	/* 1-based ranks of the order statistics bracketing the median at 95%. */
	lo = (long)floor((double)n / 2 - half);
	hi = (long)ceil(1 + (double)n / 2 + half);
	if (lo < 1 || hi > (long)n)
		return INFINITY;
	med = ladder_quantile(sorted, n, 0.5);
	if (!(med > 0))
		return INFINITY;
	return (sorted[hi - 1] - sorted[lo - 1]) / 2 / med;
}

#define CI_BLOCKS 10

double
ladder_block_median_ci_rel(const double *ms, size_t n)
{
	/* Student t, 9 degrees of freedom, two-sided 95%. */
	const double t = 2.262157162740992;
	double med[CI_BLOCKS], *all, mean = 0, sq = 0, center;
	size_t per = n / CI_BLOCKS;

	if (per < 8)
		return NAN;	/* too few to tell: the order-statistics interval alone */
	all = malloc(n * sizeof *all);
	if (all == NULL)
		return NAN;
	for (int b = 0; b < CI_BLOCKS; b++) {
		/* The last block takes the remainder. */
		size_t start = (size_t)b * per, len = b == CI_BLOCKS - 1 ? n - start : per;

		memcpy(all, ms + start, len * sizeof *all);
		qsort(all, len, sizeof *all, cmp_double);
		med[b] = ladder_quantile(all, len, 0.5);
		mean += med[b] / CI_BLOCKS;
	}
	memcpy(all, ms, n * sizeof *all);
	qsort(all, n, sizeof *all, cmp_double);
	center = ladder_quantile(all, n, 0.5);
	free(all);
	for (int b = 0; b < CI_BLOCKS; b++)
		sq += (med[b] - mean) * (med[b] - mean);
	if (!(center > 0))
		return NAN;
	return t * sqrt(sq / (CI_BLOCKS - 1)) / sqrt((double)CI_BLOCKS) / center;
}

void
ladder_latency_stats_compute(double *ms, size_t n, double target_rel, struct ladder_latency_stats *st)
{
	double sum = 0, sq = 0, block_ci;

	memset(st, 0, sizeof *st);
	st->samples = n;
	if (n == 0) {
		st->min_ms = st->p50_ms = st->p90_ms = st->p95_ms = st->p99_ms = st->max_ms = NAN;
		st->mean_ms = st->stddev_ms = NAN;
		st->ci_rel_halfwidth = INFINITY;
		return;
	}
	/* Before sorting: the samples are in time order. */
	block_ci = ladder_block_median_ci_rel(ms, n);
	qsort(ms, n, sizeof *ms, cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += ms[i];
	st->mean_ms = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		sq += (ms[i] - st->mean_ms) * (ms[i] - st->mean_ms);
	st->stddev_ms = n > 1 ? sqrt(sq / (double)(n - 1)) : 0;
	st->min_ms = ms[0];
	st->max_ms = ms[n - 1];
	st->p50_ms = ladder_quantile(ms, n, 0.50);
	st->p90_ms = ladder_quantile(ms, n, 0.90);
	st->p95_ms = ladder_quantile(ms, n, 0.95);
	st->p99_ms = ladder_quantile(ms, n, 0.99);
	st->ci_rel_halfwidth = ladder_median_ci_rel(ms, n);
	if (block_ci > st->ci_rel_halfwidth)
		st->ci_rel_halfwidth = block_ci;
	st->converged = st->ci_rel_halfwidth <= target_rel;
}

/* splitmix64: small, seedable, the same on every platform. */
static uint64_t
next_u64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double
next_unit(uint64_t *s)
{
	/* (0, 1]: never 0, so -log() is finite. */
	return ((double)(next_u64(s) >> 11) + 1.0) / 9007199254740992.0;
}

#define SERVER_QUERIES 30000

/* p99 latency of a FIFO single server at rate (per ms), common random numbers across rates. */
static double
server_p99(const double *service_ms, size_t n, const double *unit_gap, const uint32_t *pick,
    double rate_per_ms, double *lat)
{
	double wait = 0;

	for (size_t i = 0; i < SERVER_QUERIES; i++) {
		double s = service_ms[pick[i] % n];

		/* Lindley: the next arrival waits for what is left of this one. */
		lat[i] = wait + s;
		if (i + 1 < SERVER_QUERIES) {
			wait = wait + s - unit_gap[i + 1] / rate_per_ms;
			if (wait < 0)
				wait = 0;
		}
	}
	qsort(lat, SERVER_QUERIES, sizeof *lat, cmp_double);
	return ladder_quantile(lat, SERVER_QUERIES, 0.99);
}

double
ladder_server_max_rate(const double *service_ms, size_t n, double p99_bound_ms, uint64_t seed)
{
	double *gap, *lat, sum = 0, lo, hi, result = 0;
	uint32_t *pick;
	uint64_t s = seed;

	if (n == 0 || !(p99_bound_ms > 0))
		return 0;
	gap = malloc(SERVER_QUERIES * sizeof *gap);
	lat = malloc(SERVER_QUERIES * sizeof *lat);
	pick = malloc(SERVER_QUERIES * sizeof *pick);
	if (gap == NULL || lat == NULL || pick == NULL)
		goto done;
	for (size_t i = 0; i < SERVER_QUERIES; i++) {
		gap[i] = -log(next_unit(&s));	/* Exp(1) inter-arrival, scaled by 1/rate */
		pick[i] = (uint32_t)(next_u64(&s) >> 32);
	}
	for (size_t i = 0; i < n; i++)
		sum += service_ms[i];
	if (!(sum > 0))
		goto done;
	/* Rates are per ms here; the server saturates at 1/mean. */
	lo = 0;
	hi = (double)n / sum;
	if (server_p99(service_ms, n, gap, pick, hi * 1e-6, lat) > p99_bound_ms)
		goto done;	/* even a nearly idle server misses the bound */
	for (int it = 0; it < 40; it++) {
		double mid = (lo + hi) / 2;

		if (server_p99(service_ms, n, gap, pick, mid, lat) <= p99_bound_ms)
			lo = mid;
		else
			hi = mid;
	}
	result = lo * 1000.0;
done:
	free(gap);
	free(lat);
	free(pick);
	return result;
}
