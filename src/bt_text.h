/*-------------------------------------------------------------------------
 *
 * bt_text.h
 *	  A small strict reader for the JSON-shaped text forms of bt_counts and
 *	  bt_model (fixed key order, no whitespace games beyond blanks), and
 *	  the JSON string writer they share.
 *
 *-------------------------------------------------------------------------
 */
#ifndef BT_TEXT_H
#define BT_TEXT_H

#include "prefcal.h"

typedef struct BtLex
{
	const char *p;				/* next character */
	const char *whole;			/* the input, for error positions */
	const char *typname;
} BtLex;

extern void bt_lex_init(BtLex *lx, const char *input, const char *typname);
extern pg_attribute_noreturn() void bt_lex_error(BtLex *lx, const char *what);
extern void bt_lex_expect(BtLex *lx, char c);
extern bool bt_lex_accept(BtLex *lx, char c);
extern void bt_lex_key(BtLex *lx, const char *key);
extern char *bt_lex_string(BtLex *lx, int *len);
extern bool bt_lex_null(BtLex *lx);
extern double bt_lex_number(BtLex *lx);
extern double bt_lex_finite(BtLex *lx);
extern int64 bt_lex_int8(BtLex *lx);
extern int32 bt_lex_int4(BtLex *lx, int32 lo, int32 hi);
extern bool bt_lex_bool(BtLex *lx);
extern void bt_lex_end(BtLex *lx);

extern void bt_append_json_string(StringInfo buf, const char *s);

#endif							/* BT_TEXT_H */
