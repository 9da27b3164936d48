/*-------------------------------------------------------------------------
 *
 * pc_json.h
 *	  The one text form of prefcal's stored types: a JSON object whose
 *	  first key is "version", then the type's keys in a fixed order.  A
 *	  writer (pc_jw_*) prints it, a strict reader (pc_json_*) parses it
 *	  without building a jsonb tree; doc/internals.md states the rules.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PC_JSON_H
#define PC_JSON_H

#include "prefcal.h"

/* ---------- writer ---------- */

extern void pc_jw_begin(StringInfo buf, int version);
extern void pc_jw_key(StringInfo buf, const char *key);
extern void pc_jw_end(StringInfo buf);
extern void pc_jw_sep(StringInfo buf, Size i);
extern void pc_jw_float8(StringInfo buf, double x);
extern void pc_jw_float8_or_null(StringInfo buf, double x);
extern void pc_jw_float8_array(StringInfo buf, const double *x, Size n);
extern void pc_jw_bool(StringInfo buf, bool b);
extern void pc_jw_string(StringInfo buf, const char *s);
extern void pc_jw_string_len(StringInfo buf, const char *s, int len);

/* key and value in one call */
extern void pc_jw_key_float8(StringInfo buf, const char *key, double x);
extern void pc_jw_key_int8(StringInfo buf, const char *key, int64 v);
extern void pc_jw_key_bool(StringInfo buf, const char *key, bool b);
extern void pc_jw_key_string(StringInfo buf, const char *key, const char *s);

/* ---------- reader ---------- */

typedef struct PcJson
{
	const char *p;				/* next character */
	const char *whole;			/* the input, for error positions */
	const char *typname;
} PcJson;

/* what a float8 position accepts besides a finite number */
#define PC_JSON_FINITE		0
#define PC_JSON_NULL_NAN	1	/* null, read as NaN (a value not computed) */
#define PC_JSON_NONFINITE	2	/* "NaN", "Infinity", "-Infinity" */

extern bool pc_json_is_json(const char *input);
extern void pc_json_init(PcJson *js, const char *input, const char *typname);
extern void pc_json_begin(PcJson *js, int version);
extern void pc_json_key(PcJson *js, const char *key);
extern void pc_json_end(PcJson *js);
extern pg_attribute_noreturn() void pc_json_error(PcJson *js, const char *what);
extern void pc_json_expect(PcJson *js, char c);
extern bool pc_json_accept(PcJson *js, char c);
extern bool pc_json_null(PcJson *js);
extern char *pc_json_string(PcJson *js, int *len);
extern bool pc_json_next(PcJson *js, Size *count);
extern int	pc_json_choice(PcJson *js, const char *const *names, int n);
extern double pc_json_float8(PcJson *js, int allow);
extern void pc_json_float8_array(PcJson *js, double *dst, Size n, int allow);
extern int64 pc_json_int8(PcJson *js);
extern int32 pc_json_int4(PcJson *js, int32 lo, int32 hi);
extern bool pc_json_bool(PcJson *js);

/* the next key and its value in one call */
extern double pc_json_key_float8(PcJson *js, const char *key, int allow);
extern int64 pc_json_key_int8(PcJson *js, const char *key);
extern int32 pc_json_key_int4(PcJson *js, const char *key, int32 lo, int32 hi);
extern bool pc_json_key_bool(PcJson *js, const char *key);

#endif							/* PC_JSON_H */
