-- As diff_keyed.sql, for a file whose key may be empty (agency_id in a one-agency feed): set
-- operations, which take two empty values as equal. Small files only in practice.
-- Placeholders: {table}, {key} (the key columns), {columns} (every reference column).
SELECT before, after, after - same_key, before - same_key, same_key - same_row
  FROM (SELECT (SELECT count(*) FROM {table} WHERE feed_version_id = %(old)s) AS before,
               (SELECT count(*) FROM {table} WHERE feed_version_id = %(new)s) AS after,
               (SELECT count(*) FROM (SELECT {key} FROM {table} WHERE feed_version_id = %(old)s
                                      INTERSECT SELECT {key} FROM {table} WHERE feed_version_id = %(new)s) k)
                   AS same_key,
               (SELECT count(*) FROM (SELECT {columns} FROM {table} WHERE feed_version_id = %(old)s
                                      INTERSECT SELECT {columns} FROM {table} WHERE feed_version_id = %(new)s) r)
                   AS same_row) x;
