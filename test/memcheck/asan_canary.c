/*-------------------------------------------------------------------------
 *
 * asan_canary.c
 *	  Deliberate memory errors for test/memcheck/run-asan.sh, which builds
 *	  this file as a module of its own (it is not part of prefcal) and
 *	  calls it once the checks proper are done: the run is only worth
 *	  something if ASan, in the instrumented server, reports both errors.
 *
 *	  asan_canary(n, false)  writes one byte past a palloc'd chunk of n
 *	                         bytes (n = 13: inside the chunk's rounding, so
 *	                         only a server that tells ASan each chunk's
 *	                         bounds sees it; the malloc'd block is intact)
 *	  asan_canary(n, true)   reads a byte of a pfree'd chunk
 *
 *	  Both end the backend (ASan stops the process at the first error).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(asan_canary);

/* asan_canary(n int, after_free bool) returns int: see the header */
Datum
asan_canary(PG_FUNCTION_ARGS)
{
	int32		n = PG_GETARG_INT32(0);
	bool		after_free = PG_GETARG_BOOL(1);
	char	   *volatile p;

	if (n < 1 || n > 1000)
		elog(ERROR, "asan_canary: n must be in 1..1000");
	p = palloc0(n);
	if (after_free)
	{
		pfree(p);
		PG_RETURN_INT32(p[0]);
	}
	p[n] = 1;
	PG_RETURN_INT32(p[0]);
}
