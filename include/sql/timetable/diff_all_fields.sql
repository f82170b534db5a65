-- As diff_keyed.sql, for a file whose reference key is every field ("Primary key (*)"): rows
-- are added or removed, never changed; duplicates count (EXCEPT ALL).
-- Placeholders: {table}, {columns} (every reference column).
SELECT (SELECT count(*) FROM {table} WHERE feed_version_id = %(old)s),
       (SELECT count(*) FROM {table} WHERE feed_version_id = %(new)s),
       (SELECT count(*) FROM (SELECT {columns} FROM {table} WHERE feed_version_id = %(new)s
                              EXCEPT ALL SELECT {columns} FROM {table} WHERE feed_version_id = %(old)s) a),
       (SELECT count(*) FROM (SELECT {columns} FROM {table} WHERE feed_version_id = %(old)s
                              EXCEPT ALL SELECT {columns} FROM {table} WHERE feed_version_id = %(new)s) r),
       0;
