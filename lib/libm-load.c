/*
 * libm, loaded on first use. `mlv log-metric` is called thousands of times
 * a second in a training loop and computes nothing; mapping and relocating
 * libm at every start cost it about 0.05 ms of the 1 ms a call may take
 * (bench/runs.sh). So the link wraps each libm function mlv uses
 * (-Wl,--wrap=NAME, the list in CMakeLists.txt): a call to exp() lands in
 * __wrap_exp below, which calls the real exp through a pointer that dlopen
 * filled on the first call. The functions are libm's own, so every result
 * is the same to the bit. libm is part of the C library: if it cannot be
 * loaded, mlv says so and exits 128 (a fatal error).
 */
#include <pthread.h>
#include "lazy-load.h"

#ifndef MLV_LIBM_SONAME
#define MLV_LIBM_SONAME "libm.so.6"
#endif

/* NAME, return type, parameter list, argument list. */
#define MLV_LIBM_FUNCS(X) \
	X(ceil, double, (double x), (x)) \
	X(erfc, double, (double x), (x)) \
	X(exp, double, (double x), (x)) \
	X(expl, long double, (long double x), (x)) \
	X(expm1, double, (double x), (x)) \
	X(floor, double, (double x), (x)) \
	X(fma, double, (double x, double y, double z), (x, y, z)) \
	X(fmax, double, (double x, double y), (x, y)) \
	X(fmin, double, (double x, double y), (x, y)) \
	X(frexp, double, (double x, int *e), (x, e)) \
	X(ldexp, double, (double x, int e), (x, e)) \
	X(lgammal, long double, (long double x), (x)) \
	X(log, double, (double x), (x)) \
	X(log10, double, (double x), (x)) \
	X(log2, double, (double x), (x)) \
	X(logl, long double, (long double x), (x)) \
	X(nearbyint, double, (double x), (x)) \
	X(pow, double, (double x, double y), (x, y)) \
	X(powl, long double, (long double x, long double y), (x, y)) \
	X(sqrt, double, (double x), (x))

static struct {
#define FIELD(name, ret, params, args) ret (*name) params;
	MLV_LIBM_FUNCS(FIELD)
#undef FIELD
} fns;

static const char *const names[] = {
#define NAME(name, ret, params, args) #name,
	MLV_LIBM_FUNCS(NAME)
#undef NAME
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int ready;

static void load(void)
{
	/* MLV_TEST_LIBM: another name, for the test of the failure */
	mlv__lazy_load(MLV_LIBM_SONAME, "MLV_TEST_LIBM", names, sizeof(names) / sizeof(names[0]), (void **)&fns);
	__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
}

#define WRAP(name, ret, params, args) \
	ret __wrap_##name params; \
	ret __wrap_##name params \
	{ \
		if (__builtin_expect(!__atomic_load_n(&ready, __ATOMIC_ACQUIRE), 0)) \
			pthread_once(&once, load); \
		return fns.name args; \
	}
MLV_LIBM_FUNCS(WRAP)
#undef WRAP
