# test/fuzz/pqlite.py: the few libpq calls prefcal's fuzzing tools need,
# through ctypes (Python standard library only; libpq.so.5 is what psql
# itself links against, so it is present wherever psql is).
#
# Why libpq and not psql: the fuzzer runs tens of thousands of statements
# and needs, for each one, the SQLSTATE, whether the connection died (a
# backend crash) and, for receive functions, a way to send raw bytes in the
# *binary* format of a parameter whose type is a prefcal type; that is the
# only way besides COPY BINARY to reach a type's receive function, and it is
# exactly the path a hostile client would use (PQexecParams with
# paramFormats = 1).
#
# Connection parameters come from the usual PG* environment variables.

import ctypes
import ctypes.util

CONNECTION_OK = 0
PGRES_COMMAND_OK = 1
PGRES_TUPLES_OK = 2
PGRES_FATAL_ERROR = 7
PG_DIAG_SQLSTATE = ord('C')
PG_DIAG_MESSAGE_PRIMARY = ord('M')


def _load():
    for name in ('libpq.so.5', ctypes.util.find_library('pq')):
        if name:
            try:
                return ctypes.CDLL(name)
            except OSError:
                pass
    raise SystemExit('pqlite: cannot load libpq (libpq.so.5)')


_pq = _load()
_pq.PQconnectdb.restype = ctypes.c_void_p
_pq.PQconnectdb.argtypes = [ctypes.c_char_p]
_pq.PQstatus.argtypes = [ctypes.c_void_p]
_pq.PQerrorMessage.restype = ctypes.c_char_p
_pq.PQerrorMessage.argtypes = [ctypes.c_void_p]
_pq.PQfinish.argtypes = [ctypes.c_void_p]
_pq.PQexec.restype = ctypes.c_void_p
_pq.PQexec.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_pq.PQexecParams.restype = ctypes.c_void_p
_pq.PQexecParams.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                             ctypes.POINTER(ctypes.c_uint),
                             ctypes.POINTER(ctypes.c_char_p),
                             ctypes.POINTER(ctypes.c_int),
                             ctypes.POINTER(ctypes.c_int), ctypes.c_int]
_pq.PQresultStatus.argtypes = [ctypes.c_void_p]
_pq.PQresultErrorField.restype = ctypes.c_char_p
_pq.PQresultErrorField.argtypes = [ctypes.c_void_p, ctypes.c_int]
_pq.PQresultErrorMessage.restype = ctypes.c_char_p
_pq.PQresultErrorMessage.argtypes = [ctypes.c_void_p]
_pq.PQntuples.argtypes = [ctypes.c_void_p]
_pq.PQnfields.argtypes = [ctypes.c_void_p]
_pq.PQgetvalue.restype = ctypes.c_void_p
_pq.PQgetvalue.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
_pq.PQgetlength.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
_pq.PQgetisnull.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
_pq.PQftype.restype = ctypes.c_uint
_pq.PQftype.argtypes = [ctypes.c_void_p, ctypes.c_int]
_pq.PQclear.argtypes = [ctypes.c_void_p]


class Result:
    """Outcome of one statement.

    sqlstate: '00000' on success, the server's code on error, None when the
    connection was lost (a crashed backend, or a server restart).
    rows: list of tuples of str/bytes/None (bytes for binary results).
    types: the result columns' type OIDs.
    """

    def __init__(self, sqlstate, message='', rows=None, types=None):
        self.sqlstate = sqlstate
        self.message = message
        self.rows = rows or []
        self.types = types or []

    @property
    def ok(self):
        return self.sqlstate == '00000'

    @property
    def lost(self):
        return self.sqlstate is None


class Conn:
    def __init__(self, conninfo=''):
        self.conninfo = conninfo
        self.h = _pq.PQconnectdb(conninfo.encode())
        if _pq.PQstatus(self.h) != CONNECTION_OK:
            msg = _pq.PQerrorMessage(self.h).decode(errors='replace')
            _pq.PQfinish(self.h)
            self.h = None
            raise ConnectionError(msg.strip())

    def close(self):
        if self.h:
            _pq.PQfinish(self.h)
            self.h = None

    def alive(self):
        return self.h is not None and _pq.PQstatus(self.h) == CONNECTION_OK

    def _result(self, res, binary=False):
        if not res:
            return Result(None, _pq.PQerrorMessage(self.h).decode(errors='replace'))
        st = _pq.PQresultStatus(res)
        try:
            if st in (PGRES_COMMAND_OK, PGRES_TUPLES_OK):
                rows = []
                nt, nf = _pq.PQntuples(res), _pq.PQnfields(res)
                types = [_pq.PQftype(res, j) for j in range(nf)]
                for i in range(nt):
                    row = []
                    for j in range(nf):
                        if _pq.PQgetisnull(res, i, j):
                            row.append(None)
                        else:
                            n = _pq.PQgetlength(res, i, j)
                            b = ctypes.string_at(_pq.PQgetvalue(res, i, j), n)
                            row.append(b if binary else b.decode(errors='replace'))
                    rows.append(tuple(row))
                return Result('00000', rows=rows, types=types)
            code = _pq.PQresultErrorField(res, PG_DIAG_SQLSTATE)
            msg = _pq.PQresultErrorMessage(res).decode(errors='replace').strip()
            if code is not None and code.decode() == '57P02':
                # "terminating connection because of crash of another
                # server process": not this statement's doing
                return Result('57P02', msg)
            if code is None or not self.alive():
                # no SQLSTATE: libpq's own error, i.e. the connection died
                return Result(None, msg)
            return Result(code.decode(), msg)
        finally:
            _pq.PQclear(res)

    def execute(self, sql):
        """Run one statement (or several; the last result is returned)."""
        if isinstance(sql, str):
            sql = sql.encode()
        return self._result(_pq.PQexec(self.h, sql))

    def execute_params(self, sql, params, types=None, binary_params=True,
                       binary_result=False):
        """Run sql with params (bytes or None) sent in binary (format 1)
        or text (format 0) with the given parameter type OIDs."""
        n = len(params)
        t = (ctypes.c_uint * n)(*(types or [0] * n))
        vals = (ctypes.c_char_p * n)(*params)
        lens = (ctypes.c_int * n)(*[len(p) if p is not None else 0 for p in params])
        fmts = (ctypes.c_int * n)(*([1 if binary_params else 0] * n))
        if isinstance(sql, str):
            sql = sql.encode()
        res = _pq.PQexecParams(self.h, sql, n, t, vals, lens, fmts,
                               1 if binary_result else 0)
        return self._result(res, binary=binary_result)

    def scalar(self, sql):
        r = self.execute(sql)
        if not r.ok:
            raise RuntimeError('%s: %s' % (r.sqlstate, r.message))
        return r.rows[0][0] if r.rows else None


def quote_literal(s):
    """SQL literal for an arbitrary str (E'' form when backslashes occur)."""
    s = s.replace('\x00', '')
    if '\\' in s:
        return "E'" + s.replace('\\', '\\\\').replace("'", "''") + "'"
    return "'" + s.replace("'", "''") + "'"


def quote_ident(s):
    return '"' + s.replace('"', '""') + '"'
