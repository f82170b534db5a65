"""Writing a loaded version back out as a GTFS zip, streamed from COPY TO STDOUT.

The export has the columns each file had when loaded (reference columns and
unknown ones from ``extras``), in the original header order and row order.
Values come out normalised: trimmed, dates as YYYYMMDD, times as HH:MM:SS
with zero-padded hours, numbers in PostgreSQL's shortest exact spelling.
Rows set aside for a duplicate key are not exported (they are in
gtfs.rejected_row).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from psycopg2 import sql

from .errors import GtfsPipelineError
from .reference import FILE_BY_NAME, FieldType
from .schema import EXTRAS_COLUMN, LINE_COLUMN, VERSION_COLUMN, parent_ident


def _value_sql(column: str, type_: FieldType | None) -> sql.Composable:
    if type_ is None:
        return sql.SQL("{}->>{}").format(sql.Identifier(EXTRAS_COLUMN), sql.Literal(column))
    ident = sql.Identifier(column)
    if type_ is FieldType.DATE:
        return sql.SQL("to_char({}, 'YYYYMMDD')").format(ident)
    if type_ is FieldType.TIME:
        # interval output is H:MM:SS for any hour count; pad to two digits.
        return sql.SQL("lpad(({}::interval)::text, 8, '0')").format(ident)
    return sql.SQL("{}::text").format(ident)


def export_version(conn, feed_version_id: int, out: Path) -> list[str]:
    """Write version ``feed_version_id`` to ``out`` (a zip); returns the member names."""
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM gtfs.feed_version WHERE feed_version_id = %s", (feed_version_id,))
        if cur.fetchone() is None:
            raise GtfsPipelineError(f"no feed version {feed_version_id}")
        cur.execute("SELECT filename, columns, unknown_columns, load_path FROM gtfs.feed_version_file"
                    " WHERE feed_version_id = %s ORDER BY filename", (feed_version_id,))
        files = cur.fetchall()
    written: list[str] = []
    tmp = Path(str(out) + ".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf, conn.cursor() as cur:
        for filename, columns, unknown, load_path in files:
            if load_path in ("fast", "robust") and filename in FILE_BY_NAME:
                _export_table(cur, zf, feed_version_id, filename, columns, unknown)
            elif filename == "locations.geojson":
                _export_locations(cur, zf, feed_version_id)
            else:
                _export_kept(cur, zf, feed_version_id, filename, columns)
            written.append(filename)
    tmp.replace(out)
    conn.rollback()
    return written


def _export_table(cur, zf, feed_version_id, filename, columns, unknown) -> None:
    gtfs_file = FILE_BY_NAME[filename]
    header = list(columns) + list(unknown)
    values = [_value_sql(c, gtfs_file.column_by_name[c].type if c in gtfs_file.column_by_name else None)
              for c in columns] + [_value_sql(c, None) for c in unknown]
    query = sql.SQL("COPY (SELECT {} FROM {} WHERE {} = {} ORDER BY {}) TO STDOUT WITH (FORMAT csv, HEADER false)").format(
        sql.SQL(", ").join(values), parent_ident(gtfs_file), sql.Identifier(VERSION_COLUMN),
        sql.Literal(int(feed_version_id)), sql.Identifier(LINE_COLUMN))
    with zf.open(filename, "w", force_zip64=True) as member:
        member.write((",".join(_csv_quote(h) for h in header) + "\n").encode("utf-8"))
        cur.copy_expert(query, member)


def _csv_quote(value: str) -> str:
    if any(ch in value for ch in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _export_kept(cur, zf, feed_version_id, filename, columns) -> None:
    cur.execute("SELECT content FROM gtfs.extra_file WHERE feed_version_id = %s AND filename = %s",
                (feed_version_id, filename))
    blob = cur.fetchone()
    if blob is not None:
        if blob[0] is not None:
            zf.writestr(filename, bytes(blob[0]))
        return
    keys = sql.SQL(", ").join(
        sql.SQL("record->>{}").format(sql.Literal(c)) for c in columns) if columns else sql.SQL("''")
    query = sql.SQL("COPY (SELECT {} FROM gtfs.extra_file_row WHERE feed_version_id = {} AND filename = {}"
                    " ORDER BY line_number) TO STDOUT WITH (FORMAT csv)").format(
        keys, sql.Literal(int(feed_version_id)), sql.Literal(filename))
    with zf.open(filename, "w", force_zip64=True) as member:
        member.write((",".join(_csv_quote(h) for h in columns) + "\n").encode("utf-8"))
        cur.copy_expert(query, member)


def _export_locations(cur, zf, feed_version_id) -> None:
    cur.execute("SELECT feature FROM gtfs.locations WHERE feed_version_id = %s ORDER BY feature_index",
                (feed_version_id,))
    with zf.open("locations.geojson", "w") as member:
        member.write(b'{"type": "FeatureCollection", "features": [')
        for i, (feature,) in enumerate(cur):
            member.write((", " if i else "").encode() + json.dumps(feature, ensure_ascii=False).encode("utf-8"))
        member.write(b"]}\n")
