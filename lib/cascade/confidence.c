/* confidence.c: confidence measures, temperature fitting and binomial bounds. */
#include <math.h>
#include <string.h>

#include "ladder-cascade.h"

static const char *const measure_names[LADDER_MEASURE_COUNT] = {
	"max_softmax", "margin", "entropy", "temp_softmax",
};

const char *
ladder_measure_name(enum ladder_measure m)
{
	return (unsigned)m < LADDER_MEASURE_COUNT ? measure_names[m] : "?";
}

int
ladder_measure_parse(const char *name, enum ladder_measure *m)
{
	for (int i = 0; i < LADDER_MEASURE_COUNT; i++) {
		if (strcmp(name, measure_names[i]) == 0) {
			*m = (enum ladder_measure)i;
			return 0;
		}
	}
	return LADDER_EINVAL;
}

/* Logit j of a row: probabilities become log(p) (0 probability: a very small logit). */
static inline double
row_logit(const float *row, size_t j, int probs)
{
	double v = row[j];

	if (!probs)
		return v;
	return v > 0 ? log(v) : -1e30;
}

double
ladder_confidence(const float *row, size_t classes, int probs, enum ladder_measure m,
    double temperature, int32_t *predicted)
{
	size_t best = 0;
	double zmax, sum = 0, p1 = 0, p2 = 0, h = 0;

	if (classes == 0) {
		if (predicted != NULL)
			*predicted = -1;
		return 0;
	}
	if (m != LADDER_MEASURE_TEMP_SOFTMAX || !(temperature > 0))
		temperature = 1.0;
	zmax = row_logit(row, 0, probs);
	for (size_t j = 1; j < classes; j++) {
		double z = row_logit(row, j, probs);
		if (z > zmax) {
			zmax = z;
			best = j;
		}
	}
	if (predicted != NULL)
		*predicted = (int32_t)best;
	if (isnan(zmax) || isinf(zmax))
		return 0;	/* garbage in: never confident */
	for (size_t j = 0; j < classes; j++)
		sum += exp((row_logit(row, j, probs) - zmax) / temperature);
	switch (m) {
	case LADDER_MEASURE_MAX_SOFTMAX:
	case LADDER_MEASURE_TEMP_SOFTMAX:
		return 1.0 / sum;
	case LADDER_MEASURE_MARGIN:
		for (size_t j = 0; j < classes; j++) {
			double p = exp(row_logit(row, j, probs) - zmax) / sum;
			if (j == best)
				p1 = p;
			else if (p > p2)
				p2 = p;
		}
		return p1 - p2;
	case LADDER_MEASURE_ENTROPY:
		if (classes < 2)
			return 1.0;
		for (size_t j = 0; j < classes; j++) {
			double p = exp(row_logit(row, j, probs) - zmax) / sum;
			if (p > 0)
				h -= p * log(p);
		}
		return 1.0 - h / log((double)classes);
	default:
		return 0;
	}
}

static double
mean_nll(const float *outputs, size_t classes, int probs, const int32_t *labels,
    const size_t *idx, size_t n, double t)
{
	double total = 0;

	for (size_t k = 0; k < n; k++) {
		const float *row = outputs + idx[k] * classes;
		double zmax = -INFINITY, sum = 0;
		for (size_t j = 0; j < classes; j++) {
			double z = row_logit(row, j, probs) / t;
			if (z > zmax)
				zmax = z;
		}
		for (size_t j = 0; j < classes; j++)
			sum += exp(row_logit(row, j, probs) / t - zmax);
		int32_t y = labels[idx[k]];
		if (y < 0 || (size_t)y >= classes || !isfinite(zmax))
			continue;
		total += log(sum) + zmax - row_logit(row, (size_t)y, probs) / t;
	}
	return n ? total / (double)n : 0;
}

double
ladder_fit_temperature(const float *outputs, size_t classes, int probs,
    const int32_t *labels, const size_t *idx, size_t n)
{
	const double g = 0.6180339887498949;
	double a = log(0.05), b = log(20.0);
	double c = b - g * (b - a), d = a + g * (b - a);
	double fc, fd;

	if (n == 0 || classes == 0)
		return 1.0;
	fc = mean_nll(outputs, classes, probs, labels, idx, n, exp(c));
	fd = mean_nll(outputs, classes, probs, labels, idx, n, exp(d));
	/* Golden section: NLL in T is unimodal in practice. */
	for (int it = 0; it < 40; it++) {
		if (fc < fd) {
			b = d;
			d = c;
			fd = fc;
			c = b - g * (b - a);
			fc = mean_nll(outputs, classes, probs, labels, idx, n, exp(c));
		} else {
			a = c;
			c = d;
			fc = fd;
			d = a + g * (b - a);
			fd = mean_nll(outputs, classes, probs, labels, idx, n, exp(d));
		}
	}
	return exp((a + b) / 2);
}

/* Regularised incomplete beta I_x(a, b) by Lentz's continued fraction. */
static double
betacf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap, h;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (int m = 1; m <= 10000; m++) {
		int m2 = 2 * m;
		double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		double del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-15)
			break;
	}
	return h;
}

static double
incbeta(double a, double b, double x)
{
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	double bt = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return bt * betacf(a, b, x) / a;
	return 1 - bt * betacf(b, a, 1 - x) / b;
}

double
ladder_clopper_pearson_lower(uint64_t k, uint64_t n, double level)
{
	double alpha = 1 - level, lo = 0, hi = 1;

	if (n == 0 || k == 0)
		return 0;
	if (k > n)
		k = n;
	/* The p with P(X >= k | p) = alpha, i.e. I_p(k, n - k + 1) = alpha. */
	for (int it = 0; it < 100; it++) {
		double mid = (lo + hi) / 2;
		if (incbeta((double)k, (double)(n - k + 1), mid) < alpha)
			lo = mid;
		else
			hi = mid;
		if (hi - lo < 1e-14)
			break;
	}
	return lo;
}

double
ladder_binomial_tail(uint64_t k, uint64_t n, double p)
{
	if (k == 0)
		return 1;
	if (k > n)
		return 0;
	/* P(X >= k) = I_p(k, n - k + 1). */
	return incbeta((double)k, (double)(n - k + 1), p);
}

double
ladder_check_shift(double target, uint64_t check, double risk)
{
	uint64_t need = ladder_min_count(target, check);
	double lo = 0, hi = 1;

	if (need == 0)
		return 0;
	/* P(X < need) is falling in p: bisect for P(X >= need) = 1 - risk. */
	for (int it = 0; it < 100; it++) {
		double mid = (lo + hi) / 2;
		if (ladder_binomial_tail(need, check, mid) >= 1 - risk)
			hi = mid;
		else
			lo = mid;
		if (hi - lo < 1e-13)
			break;
	}
	return hi;
}

uint64_t
ladder_min_count(double target, uint64_t n)
{
	double x = ceil(target * (double)n - 1e-9);

	return x <= 0 ? 0 : x >= (double)n ? n : (uint64_t)x;
}

/* The z with P(Z <= z) = p, by bisection on erfc (accurate to 1e-12). */
static double
normal_quantile(double p)
{
	double lo = -40, hi = 40;

	for (int it = 0; it < 200; it++) {
		double mid = (lo + hi) / 2;
		if (0.5 * erfc(-mid / sqrt(2.0)) < p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

double
ladder_wilson_lower(uint64_t k, uint64_t n, double level)
{
	if (n == 0)
		return 0;
	if (k > n)
		k = n;
	double z = normal_quantile(level), nn = (double)n, p = (double)k / nn;
	double centre = p + z * z / (2 * nn);
	double spread = z * sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn));
	double v = (centre - spread) / (1 + z * z / nn);
	return v < 0 ? 0 : v;
}
