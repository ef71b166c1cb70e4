/*
 * harness.h: the unit-test harness.  A test file defines tests with TEST(name)
 * and ends with TEST_MAIN(); each check prints nothing on success.  The
 * program prints one line per test ("ok"/"not ok", TAP style) and exits 1 if
 * any failed.  tests/run.sh counts the lines.
 *
 *	TEST(arena_basics) { CHECK(1 + 1 == 2); CHECK_EQ_INT(x, 3); }
 *	TEST_MAIN()
 */
#ifndef LADDER_TEST_HARNESS_H
#define LADDER_TEST_HARNESS_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define TEST_MAX 1024
static struct test_case test_cases[TEST_MAX];
static int test_count;
static int test_failed_now;
static const char *test_data_dir = "tests/data";

#define TEST(name)                                                             \
	static void test_##name(void);                                         \
	__attribute__((constructor)) static void test_register_##name(void)   \
	{                                                                      \
		if (test_count < TEST_MAX)                                     \
			test_cases[test_count++] =                             \
			    (struct test_case){ #name, test_##name };          \
	}                                                                      \
	static void test_##name(void)

#define TEST_FAIL_(...)                                                        \
	do {                                                                   \
		fprintf(stdout, "#   %s:%d: ", __FILE__, __LINE__);              \
		fprintf(stdout, __VA_ARGS__);                                  \
		fputc('\n', stdout);                                           \
		test_failed_now = 1;                                           \
	} while (0)

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			TEST_FAIL_("check failed: %s", #cond);                  \
	} while (0)

/* Stops the current test on failure (for checks later lines depend on). */
#define REQUIRE(cond)                                                          \
	do {                                                                   \
		if (!(cond)) {                                                 \
			TEST_FAIL_("required: %s", #cond);                      \
			return;                                                \
		}                                                              \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                     \
	do {                                                                   \
		long long a_ = (long long)(a), b_ = (long long)(b);            \
		if (a_ != b_)                                                  \
			TEST_FAIL_("%s == %s: %lld != %lld", #a, #b, a_, b_);   \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                     \
	do {                                                                   \
		const char *a_ = (a), *b_ = (b);                               \
		if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)           \
			TEST_FAIL_("%s == %s: \"%s\" != \"%s\"", #a, #b,         \
			    a_ ? a_ : "(null)", b_ ? b_ : "(null)");           \
	} while (0)

#define CHECK_NEAR(a, b, tol)                                                  \
	do {                                                                   \
		double a_ = (double)(a), b_ = (double)(b);                     \
		if (!(fabs(a_ - b_) <= (tol)))                                 \
			TEST_FAIL_("%s ~= %s: %.9g vs %.9g (tol %g)", #a, #b,   \
			    a_, b_, (double)(tol));                            \
	} while (0)

/* The library call returned 0; prints its error message otherwise. */
#define CHECK_OK(call, errp)                                                   \
	do {                                                                   \
		int rc_ = (call);                                              \
		if (rc_ != 0)                                                  \
			TEST_FAIL_("%s failed (%d): %s", #call, rc_,             \
			    (errp)->msg);                                      \
	} while (0)

#define TEST_MAIN()                                                            \
	int main(int argc, char **argv)                                        \
	{                                                                      \
		int failed = 0;                                                \
		const char *only = argc > 1 ? argv[1] : NULL;                  \
		const char *dd = getenv("LADDER_TEST_DATA");                   \
		if (dd != NULL)                                                \
			test_data_dir = dd;                                    \
		for (int i = 0; i < test_count; i++) {                         \
			if (only && strcmp(only, test_cases[i].name) != 0)     \
				continue;                                      \
			test_failed_now = 0;                                   \
			test_cases[i].fn();                                    \
			printf("%s - %s\n", test_failed_now ? "not ok" : "ok",  \
			    test_cases[i].name);                               \
			fflush(stdout);                                        \
			failed += test_failed_now;                             \
		}                                                              \
		return failed ? 1 : 0;                                         \
	}

#endif
