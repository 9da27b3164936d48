#!/usr/bin/python3
# test/fuzz/fuzz.py: targeted fuzzer for every function, aggregate,
# operator and type of an extension (prefcal by default).
#
# What it does, all driven by the catalog (test/fuzz/catalog.py):
#   - calls every function with random hostile arguments of the right types
#     (NaN, +-Infinity, huge, tiny, denormal, negative, 0, 1, empty arrays,
#     arrays with NULLs, multi-dimensional arrays, long and odd strings,
#     NULLs, internal arguments as NULL::internal), and with any default
#     arguments left out;
#   - runs every aggregate over random small VALUES lists, over the table
#     fuzz_rows (test/fuzz/hostile-tables.sql) with parallel plans forced
#     (so combine, serial and deserial functions run), with GROUP BY and as
#     a window aggregate (final function called repeatedly);
#   - feeds every type of the extension garbage text, mutated valid texts
#     (valid values are harvested from the functions' own results) and
#     random or mutated bytes through its receive function (the bytes are
#     sent as a binary-format parameter of that type with PQexecParams,
#     which is how the server's receive function is reached from a client);
#   - checks that every harvested value survives text and binary round trips.
# A statement that loses the connection is a crash; SQLSTATE class XX is an
# internal error.  Both are printed with a reproducer.  Exit status 1 if
# there was any crash, internal error or round-trip mismatch.
#
# Usage (PG* environment names the database, prefcal installed in it and
# test/fuzz/hostile-tables.sql loaded; test/fuzz/run-fuzz.sh does all that):
#   fuzz.py [--extension prefcal] [--seed N] [--seconds S] [--max-statements N]
#           [--statement-timeout 5s] [--server-log FILE] [--verbose]
#   fuzz.py --replay-recv TYPE HEX      send these bytes to TYPE's receive
import argparse
import collections
import math
import os
import random
import re
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import catalog  # noqa: E402
from pqlite import Conn, quote_literal  # noqa: E402

FLOAT_SPECIAL = ['NaN', 'Infinity', '-Infinity', '0', '-0', '1', '-1', '0.5',
                 '1e308', '-1e308', '1e-308', '5e-324', '2.2250738585072014e-308',
                 '1.0000000000000002', '0.9999999999999999', '-0.1', '1.1',
                 '1.7976931348623157e308', '1e-300', '2', '100', '1e15',
                 '4.9e-324', '0.1', '0.9', '1e-16', '-1e-16']
INT_SPECIAL = ['0', '1', '-1', '2', '3', '15', '100', '10000', '10001', '65536',
               '1000000', '2147483647', '-2147483648', '-100']
BIGINT_SPECIAL = INT_SPECIAL + ['9223372036854775807', '-9223372036854775808',
                                '4294967296']
TEXT_SPECIAL = ['', ' ', 'a', 'b', 'NULL', 'null', 'NaN', 'Infinity', '-1', '0',
                'a,b', '{}', '{x}', '"', "'", '\\', '\t', '\n', 'ünïcødé', '😀',
                '日本語', 'x' * 5000, 'x' * 70000, 'a b', ')(', '%s%n%s', '\x01\x02',
                'default', 'auto', 'none', 'true', 'false']
HOSTILE_NUMBERS = ['NaN', 'Infinity', '-Infinity', '-1', '0', '1e308', '-1e308',
                   '5e-324', '2147483647', '2147483648', '-2147483648',
                   '4294967295', '9223372036854775807', '99999999999999999999',
                   '1e-400', '1e400', '0x10', '1.5', '-0', '']

SQLSTATE_NAMES = {'XX': 'internal error', '53': 'insufficient resources',
                  '54': 'program limit exceeded', '57': 'operator intervention',
                  '22': 'data exception', '42': 'syntax error or access rule',
                  '2F': 'SQL routine exception', '0A': 'feature not supported',
                  '39': 'external routine invocation', '25': 'invalid transaction state',
                  '40': 'transaction rollback', '55': 'object not in prerequisite state',
                  '23': 'integrity constraint', '38': 'external routine exception',
                  'P0': 'PL/pgSQL error', '2B': 'dependent objects', '3D': 'invalid catalog name',
                  '00': 'success', '01': 'warning', '08': 'connection exception',
                  'crash': 'this statement crashed the server',
                  'collateral': 'lost to another session\'s crash'}

# columns of fuzz_rows by type (regtype text)
TABLE_COLUMNS = {
    'double precision': ['outcome', 'w', 'p', 'yf'],
    'boolean': ['y'],
    'text': ['a', 'b', 'annotator', 'cond'],
    'bigint': ['ai', 'bi'],
    'integer': ['label', 'choice', 'k', 'id'],
    'double precision[]': ['probs'],
}


class Fuzzer:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.stats = collections.Counter()       # by SQLSTATE
        self.per_func = collections.Counter()
        self.per_func_ok = collections.Counter()
        self.statements = 0
        self.crashes = []
        self.internal = []
        self.roundtrip = []
        self.seen_keys = collections.Counter()
        self.conn = None
        self.seen_crash_pids = set()
        self.connect()
        self.funcs, self.types, self.opers = catalog.load(self.conn, args.extension)
        self.type_by_oid = {t.oid: t for t in self.types}
        self.type_by_name = {t.name: t for t in self.types}
        self.array_of = {t.array_oid: t for t in self.types if t.array_oid}
        self.pool = collections.defaultdict(list)   # type name -> text values
        self.words = self.harvest_words()
        self.has_table = self.conn.scalar(
            "SELECT pg_catalog.to_regclass('fuzz_rows') IS NOT NULL") == 't'

    # -- connection -----------------------------------------------------
    def connect(self):
        deadline = time.time() + 90
        while True:
            try:
                self.conn = Conn('')
                break
            except ConnectionError as e:
                if time.time() > deadline:
                    raise SystemExit('fuzz: cannot reconnect: %s' % e)
                time.sleep(0.5)
        self.backend_pid = self.conn.scalar('SELECT pg_catalog.pg_backend_pid()')
        for s in ["SET statement_timeout = %s" % quote_literal(self.args.statement_timeout),
                  "SET client_min_messages = error",
                  "SET parallel_setup_cost = 0", "SET parallel_tuple_cost = 0",
                  "SET min_parallel_table_scan_size = 0",
                  "SET max_parallel_workers_per_gather = 2"]:
            self.conn.execute(s)

    def harvest_words(self):
        """Option strings the extension knows: quoted words in its comments,
        SQL bodies and argument defaults."""
        r = self.conn.execute("""
            SELECT pg_catalog.string_agg(x, ' ') FROM (
              SELECT pg_catalog.obj_description(d.objid, 'pg_proc') x
                FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
               WHERE e.extname = :ext AND d.deptype = 'e'
              UNION ALL
              SELECT p.prosrc || ' ' || COALESCE(pg_catalog.pg_get_expr(p.proargdefaults, 0), '')
                FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
                JOIN pg_catalog.pg_proc p ON p.oid = d.objid
               WHERE e.extname = :ext AND d.deptype = 'e'
                 AND d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass) s
        """.replace(':ext', quote_literal(self.args.extension)))
        text = (r.rows[0][0] if r.ok and r.rows and r.rows[0][0] else '')
        words = set(re.findall(r"'([A-Za-z_][A-Za-z0-9_ .-]{0,30})'", text))
        words |= set(re.findall(r"\b([a-z][a-z_]{2,20})\b", text)) if len(words) < 5 else set()
        return sorted(words)[:300] or ['half']

    # -- values ---------------------------------------------------------
    def float_lit(self, sane):
        r = self.rng.random()
        if sane or r < 0.4:
            v = self.rng.choice([self.rng.random(), 0.0, 0.5, 1.0, self.rng.random()])
            return repr(v)
        if r < 0.8:
            return self.rng.choice(FLOAT_SPECIAL)
        return repr(self.rng.choice([-1, 1]) * math.ldexp(self.rng.random(), self.rng.randint(-1074, 1023)))

    def elem_lit(self, tname, sane):
        """unquoted element text for an array literal or a scalar."""
        if tname in ('double precision', 'real', 'numeric'):
            return self.float_lit(sane)
        if tname in ('integer', 'smallint'):
            return str(self.rng.randint(0, 5)) if sane else self.rng.choice(INT_SPECIAL)
        if tname == 'bigint':
            return str(self.rng.randint(0, 5)) if sane else self.rng.choice(BIGINT_SPECIAL)
        if tname == 'boolean':
            return self.rng.choice(['true', 'false'])
        if tname in ('text', 'character varying', 'name', 'cstring', '"char"'):
            if sane:
                return self.rng.choice(['a', 'b', 'c', 'd'] + self.words[:20])
            return self.rng.choice(TEXT_SPECIAL + self.words)
        return None

    def array_lit(self, etype, sane):
        r = self.rng.random()
        if not sane and r < 0.1:
            return "'{}'"
        if not sane and r < 0.15:
            return "'{NULL}'"
        if not sane and r < 0.2 and etype in ('double precision', 'integer', 'bigint'):
            return "'{{0.5,0.5},{0.2,0.8}}'" if etype == 'double precision' else "'{{1,2},{3,4}}'"
        if not sane and r < 0.23:
            return "'[0:1]={0.3,0.7}'" if etype == 'double precision' else "'[0:1]={1,2}'"
        if not sane and r < 0.26:
            n = self.rng.choice([10001, 100000, 1000000])
            e = 'x' if etype == 'text' else ('true' if etype == 'boolean' else '0.5')
            return "pg_catalog.array_fill(%s::%s, ARRAY[%d])" % (quote_literal(e), etype, n)
        if sane and etype == 'double precision':
            k = self.rng.randint(2, 5)
            ps = [self.rng.random() for _ in range(k)]
            s = sum(ps) or 1.0
            return quote_literal('{' + ','.join(repr(x / s) for x in ps) + '}')
        n = self.rng.randint(0, 6)
        items = []
        for _ in range(n):
            if not sane and self.rng.random() < 0.15:
                items.append('NULL')
            else:
                e = self.elem_lit(etype, sane)
                if e is None:
                    items.append('NULL')
                else:
                    items.append('"' + e.replace('\\', '\\\\').replace('"', '\\"') + '"')
        return quote_literal('{' + ','.join(items) + '}')

    def value(self, toid, tname, sane=False):
        """A SQL expression of type tname."""
        cast = '::' + tname
        if not sane and self.rng.random() < 0.08:
            return 'NULL' + cast
        if tname == 'internal':
            return 'NULL::internal'
        if tname in ('anyelement', 'anycompatible', 'anynonarray', '"any"', 'any'):
            return self.value(701, 'double precision', sane)
        if tname in ('anyarray', 'anycompatiblearray'):
            return self.value(1022, 'double precision[]', sane)
        if toid in self.type_by_oid:
            return self.ext_value(self.type_by_oid[toid], sane)
        if toid in self.array_of:
            t = self.array_of[toid]
            vals = [self.ext_value(t, sane) for _ in range(self.rng.randint(0, 4))]
            return 'ARRAY[%s]::%s' % (','.join(vals), tname)
        if tname.endswith('[]'):
            return self.array_lit(tname[:-2], sane) + cast
        e = self.elem_lit(tname, sane)
        if e is not None:
            return quote_literal(e) + cast
        if tname in ('jsonb', 'json'):
            return quote_literal(self.rng.choice(['{}', '[]', 'null', '{"a":1}', '"x"', '1e400' if not sane else '1'])) + cast
        if tname == 'regclass':
            return "'fuzz_rows'::regclass"
        if tname == 'interval':
            return quote_literal(self.rng.choice(['1 day', '-1 day', '0', '1000000 years'])) + cast
        if tname in ('timestamp with time zone', 'timestamp without time zone', 'date'):
            return quote_literal(self.rng.choice(['2024-01-01', 'infinity', '-infinity', '4000-01-01'])) + cast
        return 'NULL' + cast

    def ext_value(self, t, sane):
        pool = self.pool.get(t.name)
        if pool and (sane or self.rng.random() < 0.6):
            return quote_literal(self.rng.choice(pool)) + '::' + t.name
        if pool and self.rng.random() < 0.7:
            return quote_literal(self.mutate_text(self.rng.choice(pool))) + '::' + t.name
        return quote_literal(self.garbage_text()) + '::' + t.name

    # -- mutations ------------------------------------------------------
    def garbage_text(self):
        r = self.rng.random()
        if r < 0.3:
            return self.rng.choice(TEXT_SPECIAL)
        alphabet = '{}[](),:;=-+.eE0123456789 abcxyzNaInfity"\\\'\t\n'
        n = self.rng.choice([1, 2, 5, 20, 100, 1000])
        return ''.join(self.rng.choice(alphabet) for _ in range(n))

    def mutate_text(self, s):
        for _ in range(self.rng.randint(1, 3)):
            r = self.rng.random()
            pos = self.rng.randint(0, len(s)) if s else 0
            nums = list(re.finditer(r'-?[0-9][0-9.eE+-]*|NaN|-?Infinity', s))
            if r < 0.35 and nums:
                m = self.rng.choice(nums)
                s = s[:m.start()] + self.rng.choice(HOSTILE_NUMBERS) + s[m.end():]
            elif r < 0.5:
                s = s[:pos] + self.rng.choice('{}[](),:;= -."\\0123456789ex') + s[pos:]
            elif r < 0.65 and s:
                end = min(len(s), pos + self.rng.choice([1, 1, 2, 5, 20]))
                s = s[:pos] + s[end:]
            elif r < 0.75 and s:
                p = min(pos, len(s) - 1)
                s = s[:p] + chr(self.rng.randint(32, 126)) + s[p + 1:]
            elif r < 0.85:
                s = s[:pos]
            elif r < 0.93 and s:
                a = self.rng.randint(0, len(s) - 1)
                b = min(len(s), a + self.rng.randint(1, 40))
                s = s[:b] + s[a:b] * self.rng.choice([1, 2, 50]) + s[b:]
            else:
                other = self.rng.choice(sum(self.pool.values(), []) or [s])
                s = s[:pos] + other[self.rng.randint(0, len(other)):]
        return s

    def mutate_bytes(self, b):
        b = bytearray(b)
        for _ in range(self.rng.randint(1, 3)):
            r = self.rng.random()
            if r < 0.25 and b:
                i = self.rng.randrange(len(b))
                b[i] ^= 1 << self.rng.randrange(8)
            elif r < 0.5 and len(b) >= 4:
                i = self.rng.randrange(0, len(b) - 3)
                v = self.rng.choice([0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000,
                                     0x7ff80000, 0x7ff00000, 0xfff00000])
                b[i:i + 4] = struct.pack('>I', v)
            elif r < 0.6 and len(b) >= 8:
                i = self.rng.randrange(0, len(b) - 7)
                b[i:i + 8] = struct.pack('>d', self.rng.choice(
                    [float('nan'), float('inf'), -float('inf'), -1.0, 1e308, 5e-324, 0.0]))
            elif r < 0.75:
                b = b[:self.rng.randint(0, len(b))]
            elif r < 0.85:
                b += bytes(self.rng.randrange(256) for _ in range(self.rng.choice([1, 4, 8, 100])))
            elif b:
                i = self.rng.randrange(len(b))
                b[i] = self.rng.randrange(256)
        return bytes(b)

    # -- running ----------------------------------------------------------
    def run(self, sql, key, params=None, ptypes=None, binary_result=False):
        if params is None:
            res = self.conn.execute(sql)
        else:
            res = self.conn.execute_params(sql, params, ptypes, binary_result=binary_result)
        self.statements += 1
        self.per_func[key] += 1
        if res.lost and not self.our_crash():
            res.sqlstate = '57P02'
        if res.sqlstate == '57P02':
            # another session crashed the server (not this statement)
            self.stats['collateral'] += 1
            self.conn.close()
            time.sleep(1)
            self.connect()
            return res
        if res.lost:
            self.stats['crash'] += 1
            self.report('crash', key, sql, params, ptypes, res.message)
            self.conn.close()
            time.sleep(1)
            self.connect()
            return res
        self.stats[res.sqlstate] += 1
        if res.ok:
            self.per_func_ok[key] += 1
            self.harvest(res)
        elif res.sqlstate.startswith('XX'):
            self.report('internal', key, sql, params, ptypes, res.message)
        if self.args.verbose:
            print(res.sqlstate, sql[:300].replace('\n', ' '), file=sys.stderr)
        return res

    def our_crash(self):
        """With the server log at hand, was it our backend that died?
        (Without it, every lost connection counts as a crash.)"""
        path = self.args.server_log
        if not path or not os.path.exists(path):
            return True
        pat = re.compile(r'server process \(PID (\d+)\) was terminated by (?:signal|exception)')
        for _ in range(10):
            with open(path, errors='replace') as f:
                f.seek(self.args.server_log_offset)
                pids = set(pat.findall(f.read()))
            if self.backend_pid in pids:
                self.seen_crash_pids |= pids
                return True
            if pids - self.seen_crash_pids:
                self.seen_crash_pids |= pids
                return False
            time.sleep(0.3)
        return True

    def report(self, kind, key, sql, params, ptypes, message):
        self.seen_keys[(kind, key)] += 1
        rec = {'kind': kind, 'key': key, 'sql': sql, 'message': message}
        if params is not None:
            rec['recv'] = (self.type_by_oid[ptypes[0]].name, params[0].hex()
                           if params[0] is not None else None)
        (self.crashes if kind == 'crash' else self.internal).append(rec)
        if self.seen_keys[(kind, key)] <= 3:
            print('FOUND %s in %s: %s' % (kind, key, message.splitlines()[0] if message else ''),
                  file=sys.stderr)
            if params is not None:
                print('  reproduce: test/fuzz/fuzz.py --replay-recv %s %s' % rec['recv'],
                      file=sys.stderr)
            else:
                print('  reproduce: ' + sql[:2000], file=sys.stderr)

    def harvest(self, res):
        for row in res.rows[:5]:
            for j, v in enumerate(row):
                if v is None or j >= len(res.types) or isinstance(v, bytes):
                    continue
                t = self.type_by_oid.get(res.types[j])
                if t and len(v) < 200000:
                    pool = self.pool[t.name]
                    if v in pool:
                        continue
                    if len(pool) < 200:
                        pool.append(v)
                    else:
                        pool[self.rng.randrange(200)] = v

    # -- statement kinds --------------------------------------------------
    def args_for(self, f, sane):
        n = self.rng.randint(f.min_args, len(f.argtypes)) if f.ndefaults else len(f.argtypes)
        vals = [self.value(f.argtypes[i], f.argnames[i], sane) for i in range(n)]
        if f.variadic and n == len(f.argtypes):
            vals[-1] = 'VARIADIC ' + vals[-1]
        return vals

    def call_function(self, f):
        sane = self.rng.random() < 0.3
        vals = self.args_for(f, sane)
        if f.kind == 'p':
            sql = 'CALL %s(%s)' % (f.qname, ', '.join(vals))
        elif f.retset:
            sql = 'SELECT * FROM %s(%s) LIMIT 1000' % (f.qname, ', '.join(vals))
        else:
            sql = 'SELECT %s(%s)' % (f.qname, ', '.join(vals))
        self.run(sql, f.signature)

    def call_aggregate(self, f):
        r = self.rng.random()
        sane = self.rng.random() < 0.5
        nargs = self.rng.randint(f.min_args, len(f.argtypes)) if f.ndefaults else len(f.argtypes)
        if r < 0.55 or not self.has_table:
            nrows = self.rng.choice([0, 1, 1, 2, 3, 5, 10, 30])
            # parameters that look constant (bins, options) stay constant
            const = {i: self.value(f.argtypes[i], f.argnames[i], sane)
                     for i in range(nargs) if self.rng.random() < 0.3}
            rows = []
            for _ in range(max(nrows, 1)):
                rows.append('(' + ', '.join([str(self.rng.randint(0, 2))] + [
                    const.get(i) or self.value(f.argtypes[i], f.argnames[i], sane or self.rng.random() < 0.7)
                    for i in range(nargs)]) + ')')
            cols = ['g'] + ['c%d' % i for i in range(nargs)]
            argl = ', '.join(cols[1:])
            src = '(VALUES %s) v(%s)' % (', '.join(rows), ', '.join(cols))
            where = ' WHERE false' if nrows == 0 else ''
            form = self.rng.random()
            if form < 0.5:
                sql = 'SELECT %s(%s) FROM %s%s' % (f.qname, argl, src, where)
            elif form < 0.75:
                sql = 'SELECT g, %s(%s) FROM %s%s GROUP BY g' % (f.qname, argl, src, where)
            else:
                sql = ('SELECT %s(%s) OVER (ORDER BY g ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), '
                       '%s(%s) OVER () FROM %s%s' % (f.qname, argl, f.qname, argl, src, where))
        else:
            exprs = []
            for i in range(nargs):
                cols = TABLE_COLUMNS.get(f.argnames[i])
                if cols and self.rng.random() < 0.85:
                    exprs.append(self.rng.choice(cols))
                else:
                    exprs.append(self.value(f.argtypes[i], f.argnames[i], sane))
            lim = self.rng.choice([20000, 2000, 100])
            filt = self.rng.choice(['', ' WHERE p BETWEEN 0 AND 1 AND y IS NOT NULL',
                                    ' WHERE k < 3', ' WHERE id <= %d' % lim])
            if self.rng.random() < 0.5:
                sql = 'SELECT %s(%s) FROM fuzz_rows%s' % (f.qname, ', '.join(exprs), filt)
            else:
                sql = 'SELECT k, %s(%s) FROM fuzz_rows%s GROUP BY k' % (f.qname, ', '.join(exprs), filt)
        self.run(sql, f.signature)

    def fuzz_input(self, t):
        pool = self.pool.get(t.name)
        s = self.mutate_text(self.rng.choice(pool)) if pool and self.rng.random() < 0.75 \
            else self.garbage_text()
        sql = 'SELECT %s::%s' % (quote_literal(s), t.name)
        self.run(sql, 'input ' + t.name)

    def fuzz_recv(self, t):
        if not t.receive or t.receive == '-':
            return
        pool = self.pool.get(t.name)
        data = None
        if pool and self.rng.random() < 0.8:
            res = self.conn.execute_params('SELECT $1::%s' % t.name, [self.rng.choice(pool).encode()],
                                           [0], binary_params=False, binary_result=True)
            if res.ok and res.rows and res.rows[0][0] is not None:
                data = self.mutate_bytes(res.rows[0][0])
        if data is None:
            data = bytes(self.rng.randrange(256) for _ in range(self.rng.choice([0, 1, 4, 8, 16, 64, 1000])))
        self.run('SELECT $1::pg_catalog.text', 'recv ' + t.name, [data], [t.oid])

    def check_roundtrip(self, t):
        pool = self.pool.get(t.name)
        if not pool:
            return
        v = self.rng.choice(pool)
        res = self.run('SELECT %s::%s::pg_catalog.text' % (quote_literal(v), t.name), 'roundtrip ' + t.name)
        if res.ok and res.rows and res.rows[0][0] != v:
            self.roundtrip.append({'type': t.name, 'text': v, 'got': res.rows[0][0], 'via': 'text'})
        if t.receive and t.receive != '-':
            b = self.conn.execute_params('SELECT $1::%s' % t.name, [v.encode()], [0],
                                         binary_params=False, binary_result=True)
            if b.ok and b.rows and b.rows[0][0] is not None:
                res = self.run('SELECT $1::pg_catalog.text', 'roundtrip ' + t.name, [b.rows[0][0]], [t.oid])
                if res.ok and res.rows and res.rows[0][0] != v:
                    self.roundtrip.append({'type': t.name, 'text': v, 'got': res.rows[0][0], 'via': 'binary'})

    def call_operator(self, o):
        left = self.value(o.left, o.leftname, self.rng.random() < 0.5) if o.left else ''
        right = self.value(o.right, o.rightname, self.rng.random() < 0.5) if o.right else ''
        sql = 'SELECT %s OPERATOR(%s.%s) %s' % (left, o.schema, o.name, right)
        self.run(sql, o.signature)

    def seed_pools(self, deadline):
        """Build valid values of every type first: the hand-made ones of
        table fuzz_seed_values when it exists (hostile-tables.sql: values
        the sane calls below cannot make), then sane calls of everything
        that returns one of our types (within the run's time budget)."""
        if self.conn.scalar("SELECT pg_catalog.to_regclass('fuzz_seed_values') IS NOT NULL") == 't':
            self.run('SELECT * FROM fuzz_seed_values', 'seed values')
        for _ in range(3):
            for f in self.callable + self.aggs:
                if f.rettype in self.type_by_oid:
                    for _ in range(4):
                        if deadline and time.time() > deadline:
                            return
                        if f.kind == 'a':
                            self.call_aggregate_sane(f)
                        elif f.kind == 'f':
                            self.run('SELECT %s(%s)' % (f.qname, ', '.join(self.args_for(f, True))),
                                     f.signature)

    def call_aggregate_sane(self, f):
        if not self.has_table:
            return self.call_aggregate(f)
        exprs = []
        for i in range(len(f.argtypes)):
            cols = TABLE_COLUMNS.get(f.argnames[i])
            exprs.append(self.rng.choice(cols) if cols else self.value(f.argtypes[i], f.argnames[i], True))
        self.run('SELECT k, %s(%s) FROM fuzz_rows WHERE id <= 300 AND p BETWEEN 0 AND 1 '
                 'AND outcome IN (0, 0.5, 1) AND w = 1 GROUP BY k' % (f.qname, ', '.join(exprs)),
                 f.signature)

    def main(self):
        t0 = time.time()
        support = set()
        for t in self.types:
            support |= {t.input, t.output, t.receive, t.send}
        callable_funcs = self.callable = [
            f for f in self.funcs if f.kind in ('f', 'p', 'w')
            and f.signature.split('(')[0].split('.')[-1] not in support]
        aggs = self.aggs = [f for f in self.funcs if f.kind == 'a']
        if self.args.exclude:
            rx = re.compile(self.args.exclude)
            callable_funcs = self.callable = [f for f in callable_funcs if not rx.search(f.signature)]
            aggs = self.aggs = [f for f in aggs if not rx.search(f.signature)]
        print('fuzz: extension %s: %d functions, %d aggregates, %d types, %d operators, seed %d'
              % (self.args.extension, len(callable_funcs), len(aggs), len(self.types),
                 len(self.opers), self.args.seed))
        self.seed_pools(t0 + self.args.seconds / 2 if self.args.seconds else None)
        kinds = []
        if callable_funcs:
            kinds += [('func', 35)]
        if aggs:
            kinds += [('agg', 30)]
        if self.types:
            kinds += [('input', 15), ('recv', 12), ('roundtrip', 3)]
        if self.opers:
            kinds += [('oper', 5)]
        if not kinds:
            print('fuzz: nothing to fuzz')
            return 0
        names = [k for k, _ in kinds]
        weights = [w for _, w in kinds]
        while True:
            if self.args.seconds and time.time() - t0 > self.args.seconds:
                break
            if self.args.max_statements and self.statements >= self.args.max_statements:
                break
            k = self.rng.choices(names, weights)[0]
            if k == 'func':
                self.call_function(self.rng.choice(callable_funcs))
            elif k == 'agg':
                self.call_aggregate(self.rng.choice(aggs))
            elif k == 'input':
                self.fuzz_input(self.rng.choice(self.types))
            elif k == 'recv':
                self.fuzz_recv(self.rng.choice(self.types))
            elif k == 'roundtrip':
                self.check_roundtrip(self.rng.choice(self.types))
            else:
                self.call_operator(self.rng.choice(self.opers))
        return self.summary(time.time() - t0)

    def summary(self, elapsed):
        classes = collections.Counter()
        for code, n in self.stats.items():
            classes[code if code in ('crash', 'collateral') else code[:2]] += n
        print('fuzz: %d statements in %.0f s (seed %d)' % (self.statements, elapsed, self.args.seed))
        for c, n in sorted(classes.items()):
            print('  %-6s %-32s %d' % (c, SQLSTATE_NAMES.get(c, ''), n))
        print('  top SQLSTATEs: ' + ', '.join('%s %d' % kv for kv in self.stats.most_common(12)))
        never_ok = sorted(k for k in self.per_func if not self.per_func_ok[k]
                          and not k.startswith(('input', 'recv')))
        if never_ok:
            print('  never succeeded (coverage hint): ' + '; '.join(never_ok))
        crashes_log = self.scan_log()
        print('fuzz: crashes %d (server log: %s), internal errors %d, round-trip mismatches %d'
              % (len(self.crashes), crashes_log, len(self.internal), len(self.roundtrip)))
        if self.args.findings and (self.crashes or self.internal or self.roundtrip):
            with open(self.args.findings, 'w') as out:
                for rec in self.crashes + self.internal:
                    out.write('-- %s in %s: %s\n' % (rec['kind'], rec['key'],
                                                    (rec['message'] or '').replace('\n', ' ')))
                    if 'recv' in rec:
                        out.write('-- test/fuzz/fuzz.py --replay-recv %s %s\n' % rec['recv'])
                    out.write(rec['sql'] + ';\n\n')
                for rec in self.roundtrip:
                    out.write('-- round trip (%s) of %s\n-- in:  %s\n-- out: %s\n\n' % (
                        rec['via'], rec['type'], rec['text'], rec['got']))
            print('fuzz: every reproducer written to %s' % self.args.findings)
        seen = set()
        for rec in self.crashes + self.internal:
            k = (rec['kind'], rec['key'], (rec['message'] or '').split('\n')[0][:80])
            if k in seen:
                continue
            seen.add(k)
            print('--- %s in %s\n    %s' % (rec['kind'], rec['key'], (rec['message'] or '').replace('\n', ' ')))
            if 'recv' in rec:
                print('    test/fuzz/fuzz.py --replay-recv %s %s' % rec['recv'])
            else:
                print('    ' + rec['sql'][:600].replace('\n', '\\n'))
        for rec in self.roundtrip[:10]:
            print('--- round trip (%s) of %s:\n    in:  %s\n    out: %s' % (
                rec['via'], rec['type'], rec['text'][:500], rec['got'][:500]))
        bad = self.crashes or self.internal or self.roundtrip or (crashes_log not in (0, 'n/a'))
        return 1 if bad else 0

    def scan_log(self):
        path = self.args.server_log
        if not path or not os.path.exists(path):
            return 'n/a'
        with open(path, errors='replace') as f:
            f.seek(self.args.server_log_offset)
            text = f.read()
        return len(re.findall(r'terminated by signal|terminated by exception', text))


def replay_recv(args):
    conn = Conn('')
    tname, hexdata = args.replay_recv
    oid = int(conn.scalar('SELECT %s::regtype::oid' % quote_literal(tname)))
    res = conn.execute_params('SELECT $1::pg_catalog.text', [bytes.fromhex(hexdata)], [oid])
    print('sqlstate:', res.sqlstate if res.sqlstate else 'connection lost (crash?)')
    print(res.message or (res.rows and res.rows[0][0]))
    return 1 if res.lost or (res.sqlstate or '').startswith('XX') else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--extension', default='prefcal')
    ap.add_argument('--seed', type=int, default=int(os.environ.get('FUZZ_SEED', '1')))
    ap.add_argument('--seconds', type=float, default=60)
    ap.add_argument('--max-statements', type=int, default=0)
    ap.add_argument('--statement-timeout', default='5s')
    ap.add_argument('--server-log')
    ap.add_argument('--server-log-offset', type=int, default=0)
    ap.add_argument('--exclude', help='skip functions whose signature matches this regex '
                    '(to look past a known crash)')
    ap.add_argument('--findings', help='write every reproducer to this file')
    ap.add_argument('--verbose', action='store_true')
    ap.add_argument('--replay-recv', nargs=2, metavar=('TYPE', 'HEX'))
    args = ap.parse_args()
    if args.replay_recv:
        return replay_recv(args)
    return Fuzzer(args).main()


if __name__ == '__main__':
    sys.exit(main())
