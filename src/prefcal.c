/*-------------------------------------------------------------------------
 *
 * prefcal.c
 *	  Module entry point (PG_MODULE_MAGIC, _PG_init and the GUCs) and the
 *	  small helpers every function family shares: exact float8 text I/O,
 *	  the aggregate-context check and probability argument checks.
 *
 *-------------------------------------------------------------------------
 */
#include "prefcal.h"

#include <math.h>

#include "boot.h"
#include "bt_model.h"
#include "common/shortest_dec.h"
#include "kernels.h"
#include "miscadmin.h"
#include "reward.h"
#include "utils/builtins.h"
#include "utils/float.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	rw_init_guc();
	pc_refit_wait_init_guc();
	bt_init_guc();
	pc_kernels_init_guc();
}

void
pc_interrupt(void)
{
	CHECK_FOR_INTERRUPTS();
}

/*
 * prefcal_version() -> text
 */
PG_FUNCTION_INFO_V1(prefcal_version);
Datum
prefcal_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(PREFCAL_VERSION));
}

/*
 * Append x in the shortest form that reads back to the same double,
 * whatever extra_float_digits says: states travel between nodes as text
 * (Citus) and must survive the trip bit for bit.
 */
void
pc_append_float8(StringInfo buf, double x)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN];

	if (isnan(x))
		appendStringInfoString(buf, "NaN");
	else if (isinf(x))
		appendStringInfoString(buf, x > 0 ? "Infinity" : "-Infinity");
	else
	{
		double_to_shortest_decimal_buf(x, tmp);
		appendStringInfoString(buf, tmp);
	}
}

/*
 * Parse one float8 at *ptr (leading blanks allowed), advance *ptr past it.
 * Accepts what float8in accepts for finite numbers plus NaN and
 * [-]Infinity.  Errors name the type and the whole input.
 */
double
pc_parse_float8(const char **ptr, const char *typname, const char *whole)
{
	const char *s = *ptr;
	char	   *end;
	double		v;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (pg_strncasecmp(s, "NaN", 3) == 0)
	{
		*ptr = s + 3;
		return get_float8_nan();
	}
	if (pg_strncasecmp(s, "Infinity", 8) == 0)
	{
		*ptr = s + 8;
		return get_float8_infinity();
	}
	if (pg_strncasecmp(s, "-Infinity", 9) == 0)
	{
		*ptr = s + 9;
		return -get_float8_infinity();
	}
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *s == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"",
						typname, whole),
				 errdetail("Expected a number at \"%.20s\".", s)));
	if (errno == ERANGE && (v == 0.0 || isinf(v)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("number \"%.*s\" is out of range for type %s",
						(int) (end - s), s, typname)));
	*ptr = end;
	return v;
}

/*
 * Return the aggregate's memory context, or raise an error when the
 * function was called outside an aggregate (a transition function called
 * directly must not scribble on its argument).
 */
MemoryContext
pc_agg_context(FunctionCallInfo fcinfo, const char *what)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", what)));
	return aggcontext;
}

/*
 * Probabilities must be finite and in [0, 1].  NaN and infinities get
 * their own message so the user knows what to look for.
 */
void
pc_check_probability(double p, const char *what)
{
	if (likely(p >= 0.0 && p <= 1.0))
		return;
	if (isnan(p))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is NaN", what),
				 errdetail("Probabilities must be between 0 and 1 inclusive.")));
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("%s %s is out of range", what, float8out_internal(p)),
			 errdetail("Probabilities must be between 0 and 1 inclusive.")));
}

/* a confidence level of an interval: strictly between 0 and 1; returned */
double
pc_check_level(double level)
{
	if (!(level > 0.0 && level < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence level %g is out of range", level),
				 errdetail("The level must be strictly between 0 and 1.")));
	return level;
}

/* a number of bootstrap replicates: 1 .. BOOT_MAX_REPLICATES */
void
pc_check_replicates(int replicates)
{
	if (replicates < 1 || replicates > BOOT_MAX_REPLICATES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replicates %d is out of range", replicates),
				 errdetail("The number of bootstrap replicates must be between 1 and %d.",
						   BOOT_MAX_REPLICATES)));
}

/*
 * Soft targets (vote shares) must be finite and in [0, 1].
 */
void
pc_check_unit_target(double y, const char *what)
{
	if (likely(y >= 0.0 && y <= 1.0))
		return;
	if (isnan(y))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is NaN", what),
				 errdetail("Targets must be between 0 and 1 inclusive.")));
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("%s %s is out of range", what, float8out_internal(y)),
			 errdetail("Targets must be between 0 and 1 inclusive.")));
}

/*
 * The target and weight of a row of an aggregate called as (state, x, y
 * [, weight]), none of them NULL: y from argument 2, a boolean (0 or 1)
 * when ybool, else a float8 target in [0, 1]; the weight from argument 3,
 * 1 when there is none.  Returns false when the row is to be skipped
 * (weight 0).
 */
bool
pc_target_weight_args(FunctionCallInfo fcinfo, bool ybool, double *y,
					  double *w)
{
	if (ybool)
		*y = pc_label01(PG_GETARG_DATUM(2));	/* a bool Datum is 0 or 1 */
	else
	{
		*y = PG_GETARG_FLOAT8(2);
		pc_check_unit_target(*y, "target");
	}
	*w = 1.0;
	if (PG_NARGS() > 3)
	{
		*w = PG_GETARG_FLOAT8(3);
		if (isnan(*w) || *w < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("weight %g is invalid", *w),
					 errdetail("Weights must be non-negative.")));
		if (isinf(*w))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("weight is infinite")));
		if (*w == 0)
			return false;
	}
	return true;
}
