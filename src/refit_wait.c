/*-------------------------------------------------------------------------
 *
 * refit_wait.c
 *	  What a refit needs to fold every row of a source exactly once while
 *	  other sessions write to it (doc/pg_cron.md, "Concurrent writers").
 *
 * A refit reads an upper bound of the watermark column, then folds the
 * rows between the stored watermark and that bound.  A writer that took a
 * key at or below the bound but has not committed yet would be skipped for
 * good.  Two functions close that gap:
 *
 * prefcal_await_writers(relations regclass[], timeout interval) -> integer
 *	  Waits until every transaction that holds a lock on one of the
 *	  relations conflicting with SHARE (a writer: ROW EXCLUSIVE and
 *	  stronger; VACUUM is left out) when the call starts has ended.  A
 *	  key taken from a sequence is taken while the inserting statement
 *	  holds ROW EXCLUSIVE on the table, so once these transactions end,
 *	  every key handed out before the call is committed or gone.  Each
 *	  wait is a lock wait (as CREATE INDEX CONCURRENTLY's), bounded by
 *	  timeout (prefcal.refit_wait_timeout when NULL) over all of them,
 *	  and can be cancelled.  Returns how many transactions were still
 *	  running when it gave up: 0 means all ended.
 *
 * prefcal_oldest_xact_start() -> timestamptz
 *	  The earliest start, among the other transactions of this database
 *	  (autovacuum left out), of a transaction or of a running statement
 *	  not yet in one, and at most the current time.  A key filled by
 *	  now() is its transaction's start: keys below this instant belong
 *	  to transactions that have ended.  Read fresh from the backend
 *	  status array at each call; a backend whose activity tracking is off
 *	  counts from its start.
 *
 *-------------------------------------------------------------------------
 */
#include "prefcal.h"

#include "access/xact.h"
#include "catalog/catalog.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "storage/sinvaladt.h"
#include "utils/array.h"
#include "utils/backend_status.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/resowner.h"

/* prefcal.refit_wait_timeout, in milliseconds */
static int	pc_refit_wait_timeout = 10000;

void
pc_refit_wait_init_guc(void)
{
	DefineCustomIntVariable("prefcal.refit_wait_timeout",
							"Longest time a refit waits for open writers of its source.",
							"A refit folds no row beyond its stored watermark until every "
							"transaction that may still write a key at or below the new "
							"bound has ended; after this long it gives up for this run.",
							&pc_refit_wait_timeout,
							10000,
							0,
							INT_MAX,
							PGC_USERSET,
							GUC_UNIT_MS,
							NULL,
							NULL,
							NULL);
}

/* an interval as milliseconds, refusing negative and month-based ones */
static int64
interval_ms(Interval *iv)
{
	double		ms;

	if (iv->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a writer wait timeout cannot be given in months")));
	ms = (double) iv->time / 1000.0 + (double) iv->day * SECS_PER_DAY * 1000.0;
	if (ms < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a writer wait timeout must not be negative")));
	return ms > (double) INT_MAX ? INT_MAX : (int64) ms;
}

/* true if proc is a (auto)vacuum, which never writes user rows */
static bool
vxid_is_vacuum(VirtualTransactionId vxid)
{
	PGPROC	   *proc;

	if (vxid.backendId == InvalidBackendId)
		return false;
	proc = BackendIdGetProc(vxid.backendId);
	if (proc == NULL)
		return false;
	return (proc->statusFlags & (PROC_IN_VACUUM | PROC_IS_AUTOVACUUM)) != 0;
}

/*
 * Wait for one transaction to end, at most timeout_ms: a lock wait (on its
 * virtual transaction id, then its xid), so it shows in pg_locks and
 * pg_stat_activity, takes part in deadlock detection and can be cancelled.
 * The timeout is lock_timeout, set for the wait only, in a subtransaction
 * whose abort releases what the timed-out wait held.  Returns false when
 * the timeout passed.
 */
static bool
wait_for_vxid(VirtualTransactionId vxid, long timeout_ms)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	int			nestlevel = NewGUCNestLevel();
	char		setting[32];
	bool		ended = true;

	snprintf(setting, sizeof(setting), "%ld", Max(timeout_ms, 1));
	(void) set_config_option("lock_timeout", setting, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		(void) VirtualXactLock(vxid, true);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			ReThrowError(edata);
		FreeErrorData(edata);
		ended = false;
	}
	PG_END_TRY();

	AtEOXact_GUC(true, nestlevel);
	return ended;
}

PG_FUNCTION_INFO_V1(prefcal_await_writers);
Datum
prefcal_await_writers(PG_FUNCTION_ARGS)
{
	ArrayType  *rels;
	Datum	   *relids;
	bool	   *nulls;
	int			nrels;
	int64		timeout_ms;
	VirtualTransactionId *waiting = NULL;
	int			nwaiting = 0;
	int			cap = 0;
	int			remaining;
	TimestampTz start;

	if (PG_ARGISNULL(0))
		PG_RETURN_INT32(0);
	rels = PG_GETARG_ARRAYTYPE_P(0);
	if (ARR_NDIM(rels) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("relations must be a one-dimensional array")));
	timeout_ms = PG_ARGISNULL(1) ? pc_refit_wait_timeout
		: interval_ms(PG_GETARG_INTERVAL_P(1));

	deconstruct_array(rels, REGCLASSOID, sizeof(Oid), true, TYPALIGN_INT,
					  &relids, &nulls, &nrels);

	/* the writers holding a lock on any of the relations now */
	for (int i = 0; i < nrels; i++)
	{
		Oid			relid;
		LOCKTAG		tag;
		VirtualTransactionId *holders;
		int			nholders;

		if (nulls[i])
			continue;
		relid = DatumGetObjectId(relids[i]);
		SET_LOCKTAG_RELATION(tag, IsSharedRelation(relid) ? InvalidOid : MyDatabaseId,
							 relid);
		holders = GetLockConflicts(&tag, ShareLock, &nholders);
		for (; VirtualTransactionIdIsValid(*holders); holders++)
		{
			if (vxid_is_vacuum(*holders))
				continue;
			if (nwaiting == cap)
			{
				cap = cap ? cap * 2 : 16;
				waiting = waiting ? repalloc(waiting, cap * sizeof(*waiting))
					: palloc(cap * sizeof(*waiting));
			}
			waiting[nwaiting++] = *holders;
		}
	}

	/* wait for each in turn until the deadline, then only look */
	start = GetCurrentTimestamp();
	remaining = 0;
	for (int i = 0; i < nwaiting; i++)
	{
		long		left;

		CHECK_FOR_INTERRUPTS();
		if (VirtualXactLock(waiting[i], false))
			continue;
		left = timeout_ms - TimestampDifferenceMilliseconds(start, GetCurrentTimestamp());
		if (left <= 0 || !wait_for_vxid(waiting[i], left))
			remaining++;
	}
	PG_RETURN_INT32(remaining);
}

PG_FUNCTION_INFO_V1(prefcal_oldest_xact_start);
Datum
prefcal_oldest_xact_start(PG_FUNCTION_ARGS)
{
	TimestampTz oldest;
	int			n;

	/* the status array is cached per transaction: read it afresh */
	pgstat_clear_backend_activity_snapshot();
	oldest = GetCurrentTimestamp();
	n = pgstat_fetch_stat_numbackends();
	for (int i = 1; i <= n; i++)
	{
		LocalPgBackendStatus *local = pgstat_fetch_stat_local_beentry(i);
		PgBackendStatus *be;
		TimestampTz t = 0;

		if (local == NULL)
			continue;
		be = &local->backendStatus;
		if (be->st_procpid == MyProcPid || be->st_procpid == 0)
			continue;
		if (be->st_databaseid != MyDatabaseId)
			continue;
		if (be->st_backendType == B_AUTOVAC_WORKER)
			continue;
		if (be->st_state == STATE_DISABLED)
			t = be->st_proc_start_timestamp;
		else
		{
			t = be->st_xact_start_timestamp;
			/* a statement that has not registered its transaction yet */
			if ((be->st_state == STATE_RUNNING || be->st_state == STATE_FASTPATH) &&
				be->st_activity_start_timestamp != 0 &&
				(t == 0 || be->st_activity_start_timestamp < t))
				t = be->st_activity_start_timestamp;
		}
		if (t != 0 && t < oldest)
			oldest = t;
	}
	PG_RETURN_TIMESTAMPTZ(oldest);
}
