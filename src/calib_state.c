/*-------------------------------------------------------------------------
 *
 * calib_state.c
 *	  The calibration_state type: text input and output, binary send and
 *	  receive, and the shared allocation and validation helpers.
 *
 * Text form (version 1), one line, fields in this order:
 *
 *	version=1 nbins=B classes=K w=W brier=S brier_comp=C
 *	logloss=L logloss_comp=D bins=[i:(w,wp,wy,wpp,wpy,wyy) ...]
 *
 * where logloss may be the word "untracked" (then without logloss_comp),
 * and bins lists only the non-empty bins, 1-based, in increasing order,
 * each with its six sums.  A state of ece_agg (CALIB_F_NO_MOMENTS) says
 * brier=untracked (without brier_comp) and lists three sums per bin,
 * (w,wp,wy).  Every float8 is printed in the shortest form
 * that reads back to the same double, so text round trips are exact.
 *
 * Binary form: int16 version, int16 flags, int32 nbins, int32 classes,
 * float8 w, brier, brier_comp, logloss, logloss_comp, then nbins x 6
 * float8 (every bin, empty or not).
 *
 * Both inputs check everything calib_check() knows about before the
 * value is used.
 *
 *-------------------------------------------------------------------------
 */
#include "calib_glue.h"

#include <string.h>

#include "libpq/pqformat.h"
#include "utils/builtins.h"

#define TYPNAME "calibration_state"

/*
 * A zeroed state with the given shape, in CurrentMemoryContext.
 */
CalibState *
calib_alloc(int nbins, int nclasses, int flags)
{
	Size		size = CALIB_SIZE(nbins);
	CalibState *s = (CalibState *) palloc(size);

	SET_VARSIZE(s, size);
	calib_init(s, nbins, nclasses, flags);
	return s;
}

void
calib_check_nbins(int nbins)
{
	if (nbins < 1 || nbins > PREFCAL_MAX_BINS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nbins %d is out of range", nbins),
				 errdetail("The number of bins must be between 1 and %d.",
						   PREFCAL_MAX_BINS)));
}

/*
 * ereport unless the state is one the aggregates could have built.
 */
void
calib_validate(const CalibState *s)
{
	CalibProblem pb;

	if (!calib_check(s, PREFCAL_MAX_BINS, &pb))
		ereport(ERROR,
				(errcode(pb.code == CALIB_OUT_OF_RANGE ?
						 ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE :
						 ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid calibration_state: %s", pb.msg)));
}

/* ---------- text input helpers ---------- */

/* header checks shared by the text and binary input functions */
static void
check_header_version(int version)
{
	if (version != CALIB_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unsupported calibration_state version %d", version),
				 errdetail("This version of prefcal reads version %d.",
						   CALIB_VERSION)));
}

static void
check_header_nbins(int nbins)
{
	if (nbins < 0 || nbins > PREFCAL_MAX_BINS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid calibration_state: nbins %d is out of range (0 to %d)",
						nbins, PREFCAL_MAX_BINS)));
}

static void
skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static void
syntax_error(const char *p, const char *what, const char *whole)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"",
					TYPNAME, whole),
			 errdetail("Expected %s at \"%.20s\".", what, p)));
}

static void
expect(const char **p, const char *lit, const char *whole)
{
	size_t		len = strlen(lit);
	char		quoted[64];

	skip_ws(p);
	if (strncmp(*p, lit, len) != 0)
	{
		snprintf(quoted, sizeof(quoted), "\"%s\"", lit);
		syntax_error(*p, quoted, whole);
	}
	*p += len;
}

static int
parse_int(const char **p, const char *whole)
{
	char	   *end;
	long		v;

	skip_ws(p);
	errno = 0;
	v = strtol(*p, &end, 10);
	if (end == *p || !(**p == '-' || (**p >= '0' && **p <= '9')))
		syntax_error(*p, "an integer", whole);
	if (errno == ERANGE || v < PG_INT32_MIN || v > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value \"%.*s\" is out of range for type integer",
						(int) (end - *p), *p)));
	*p = end;
	return (int) v;
}

static double
parse_f8(const char **p, const char *whole)
{
	return pc_parse_float8(p, TYPNAME, whole);
}

/*
 * calibration_state_in(cstring) -> calibration_state
 */
PG_FUNCTION_INFO_V1(calibration_state_in);
Datum
calibration_state_in(PG_FUNCTION_ARGS)
{
	const char *whole = PG_GETARG_CSTRING(0);
	const char *p = whole;
	int			version,
				nbins,
				nclasses,
				last = 0,
				nfields = CALIB_BIN_FIELDS;
	CalibState *s;

	expect(&p, "version=", whole);
	version = parse_int(&p, whole);
	check_header_version(version);
	expect(&p, "nbins=", whole);
	nbins = parse_int(&p, whole);
	check_header_nbins(nbins);
	expect(&p, "classes=", whole);
	nclasses = parse_int(&p, whole);

	s = calib_alloc(nbins, 0, 0);
	s->nclasses = nclasses;
	expect(&p, "w=", whole);
	s->w = parse_f8(&p, whole);
	expect(&p, "brier=", whole);
	skip_ws(&p);
	if (strncmp(p, "untracked", 9) == 0)
	{
		p += 9;
		s->flags |= CALIB_F_NO_MOMENTS;
		nfields = 3;
	}
	else
	{
		s->brier = parse_f8(&p, whole);
		expect(&p, "brier_comp=", whole);
		s->brier_c = parse_f8(&p, whole);
	}
	expect(&p, "logloss=", whole);
	skip_ws(&p);
	if (strncmp(p, "untracked", 9) == 0)
		p += 9;
	else
	{
		s->flags |= CALIB_F_LOGLOSS;
		s->logloss = parse_f8(&p, whole);
		expect(&p, "logloss_comp=", whole);
		s->logloss_c = parse_f8(&p, whole);
	}
	expect(&p, "bins=[", whole);
	for (;;)
	{
		int			idx;
		double	   *f;

		skip_ws(&p);
		if (*p == ']')
		{
			p++;
			break;
		}
		idx = parse_int(&p, whole);
		if (idx < 1 || idx > nbins || idx <= last)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid calibration_state: bin %d is out of order or out of range",
							idx),
					 errdetail("Bins are numbered 1 to %d and listed in increasing order.",
							   nbins)));
		last = idx;
		expect(&p, ":(", whole);
		f = (double *) &s->bins[idx - 1];
		for (int i = 0; i < nfields; i++)
		{
			if (i > 0)
				expect(&p, ",", whole);
			f[i] = parse_f8(&p, whole);
		}
		expect(&p, ")", whole);
	}
	skip_ws(&p);
	if (*p != '\0')
		syntax_error(p, "end of input", whole);

	calib_validate(s);
	PG_RETURN_POINTER(s);
}

/*
 * calibration_state_out(calibration_state) -> cstring
 */
PG_FUNCTION_INFO_V1(calibration_state_out);
Datum
calibration_state_out(PG_FUNCTION_ARGS)
{
	CalibState *s = PG_GETARG_CALIB_P(0);
	StringInfoData buf;
	bool		first = true;
	int			nfields = (s->flags & CALIB_F_NO_MOMENTS) ? 3 : CALIB_BIN_FIELDS;

	initStringInfo(&buf);
	appendStringInfo(&buf, "version=%d nbins=%d classes=%d w=",
					 (int) s->version, (int) s->nbins, (int) s->nclasses);
	pc_append_float8(&buf, s->w);
	if (s->flags & CALIB_F_NO_MOMENTS)
		appendStringInfoString(&buf, " brier=untracked");
	else
	{
		appendStringInfoString(&buf, " brier=");
		pc_append_float8(&buf, s->brier);
		appendStringInfoString(&buf, " brier_comp=");
		pc_append_float8(&buf, s->brier_c);
	}
	if (s->flags & CALIB_F_LOGLOSS)
	{
		appendStringInfoString(&buf, " logloss=");
		pc_append_float8(&buf, s->logloss);
		appendStringInfoString(&buf, " logloss_comp=");
		pc_append_float8(&buf, s->logloss_c);
	}
	else
		appendStringInfoString(&buf, " logloss=untracked");
	appendStringInfoString(&buf, " bins=[");
	for (int b = 0; b < s->nbins; b++)
	{
		const double *f = (const double *) &s->bins[b];
		bool		empty = true;

		for (int i = 0; i < nfields; i++)
			if (f[i] != 0.0 || signbit(f[i]))
				empty = false;
		if (empty)
			continue;
		appendStringInfo(&buf, "%s%d:(", first ? "" : " ", b + 1);
		first = false;
		for (int i = 0; i < nfields; i++)
		{
			if (i > 0)
				appendStringInfoChar(&buf, ',');
			pc_append_float8(&buf, f[i]);
		}
		appendStringInfoChar(&buf, ')');
	}
	appendStringInfoChar(&buf, ']');
	PG_RETURN_CSTRING(buf.data);
}

/*
 * calibration_state_recv(internal) -> calibration_state
 */
PG_FUNCTION_INFO_V1(calibration_state_recv);
Datum
calibration_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version,
				flags,
				nbins,
				nclasses;
	CalibState *s;
	double	   *f;

	if (buf->len - buf->cursor < 12)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary calibration_state: too short")));
	version = (int16) pq_getmsgint(buf, 2);
	flags = (uint16) pq_getmsgint(buf, 2);
	nbins = (int32) pq_getmsgint(buf, 4);
	nclasses = (int32) pq_getmsgint(buf, 4);
	check_header_version(version);
	check_header_nbins(nbins);
	if ((Size) (buf->len - buf->cursor) !=
		(5 + (Size) nbins * CALIB_BIN_FIELDS) * sizeof(float8))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary calibration_state: %d bytes for %d bins",
						buf->len - buf->cursor, nbins)));
	s = calib_alloc(nbins, 0, 0);
	s->flags = (uint16_t) flags;
	s->nclasses = nclasses;
	s->w = pq_getmsgfloat8(buf);
	s->brier = pq_getmsgfloat8(buf);
	s->brier_c = pq_getmsgfloat8(buf);
	s->logloss = pq_getmsgfloat8(buf);
	s->logloss_c = pq_getmsgfloat8(buf);
	f = (double *) s->bins;
	for (int i = 0; i < nbins * CALIB_BIN_FIELDS; i++)
		f[i] = pq_getmsgfloat8(buf);
	calib_validate(s);
	PG_RETURN_POINTER(s);
}

/*
 * calibration_state_send(calibration_state) -> bytea
 */
PG_FUNCTION_INFO_V1(calibration_state_send);
Datum
calibration_state_send(PG_FUNCTION_ARGS)
{
	CalibState *s = PG_GETARG_CALIB_P(0);
	StringInfoData buf;
	const double *f = (const double *) s->bins;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, (uint16) s->version);
	pq_sendint16(&buf, s->flags);
	pq_sendint32(&buf, s->nbins);
	pq_sendint32(&buf, s->nclasses);
	pq_sendfloat8(&buf, s->w);
	pq_sendfloat8(&buf, s->brier);
	pq_sendfloat8(&buf, s->brier_c);
	pq_sendfloat8(&buf, s->logloss);
	pq_sendfloat8(&buf, s->logloss_c);
	for (int i = 0; i < s->nbins * CALIB_BIN_FIELDS; i++)
		pq_sendfloat8(&buf, f[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
