"""Runs SQL statements on chDB (an in-process current ClickHouse) and reports each result.

stdin:  {"statements": [{"name": str, "sql": str}, ...]}
stdout: {"version": str, "database": str,
         "results": [{"name": str, "ok": bool, "rows": [object, ...] | null, "error": str | null}]}

All statements run in order in ONE session on a fresh temporary database path, inside a new
Atomic database (named like the services' default, "distillguard") that is the current
database, so unqualified names resolve there as they do for the sink on a server. Each
statement's output is requested as JSONEachRow and returned as objects, formatted by the
engine's defaults (current releases print 64-bit integers as numbers where 18.16 quotes them;
non-finite floats as null); statements without a result set give []. Statements must not
carry their own FORMAT clause. A failing statement is reported and the rest still run.

Run by test/chdb/chdb.ts with the interpreter of .local/chdb-venv (scripts/ensure-deps.sh).
"""

import json
import os
import shutil
import sys
import tempfile

from chdb.session import Session

DATABASE = "distillguard"


def parse_rows(text):
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError(f"line is not a JSON object: {line[:80]}")
            rows.append(row)
    return rows


def run(statements):
    workdir = tempfile.mkdtemp(prefix="dg-chdb-")
    session = None
    try:
        session = Session(os.path.join(workdir, "data"))
        version = str(session.query("SELECT version()", "TabSeparated")).strip()
        # chDB's default database is an "Overlay" one; the migrations expect an ordinary database.
        session.query(f"CREATE DATABASE {DATABASE} ENGINE = Atomic", "TabSeparated")
        session.query(f"USE {DATABASE}", "TabSeparated")
        results = []
        for st in statements:
            name = st.get("name", "")
            try:
                out = session.query(st["sql"], "JSONEachRow")
            except Exception as e:  # chDB raises its own error type with the server's message
                results.append({"name": name, "ok": False, "rows": None, "error": str(e)})
                continue
            try:
                rows = parse_rows(out.bytes().decode("utf-8"))
            except ValueError as e:
                results.append(
                    {
                        "name": name,
                        "ok": False,
                        "rows": None,
                        "error": f"output is not JSONEachRow (drop the statement's FORMAT clause): {e}",
                    }
                )
                continue
            results.append({"name": name, "ok": True, "rows": rows, "error": None})
        return {"version": version, "database": DATABASE, "results": results}
    finally:
        if session is not None:
            session.close()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    request = json.load(sys.stdin)
    statements = request.get("statements")
    if not isinstance(statements, list) or not all(
        isinstance(s, dict) and isinstance(s.get("sql"), str) for s in statements
    ):
        print('expected {"statements": [{"name": str, "sql": str}, ...]} on stdin', file=sys.stderr)
        return 2
    json.dump(run(statements), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
