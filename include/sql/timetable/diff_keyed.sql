-- One file's rows added, removed and changed between versions %(old)s and %(new)s, by the file's
-- primary key (none of its columns may be empty, so a key that is NULL on one side is a row
-- that side lacks). A full join on the key: the partitions' key indexes give it in order.
-- "Changed": same key, some other reference column differs (extras and line numbers do not count).
-- Placeholders: {table} (gtfs.<file>), {on} (the key equalities o.k = n.k), {o_key}, {n_key}
-- (one key column of each side), {changed} (ROW(o.<other columns>) IS DISTINCT FROM ROW(n....)).
SELECT count({o_key}) AS rows_before,
       count({n_key}) AS rows_after,
       count(*) FILTER (WHERE {o_key} IS NULL) AS rows_added,
       count(*) FILTER (WHERE {n_key} IS NULL) AS rows_removed,
       count(*) FILTER (WHERE {o_key} IS NOT NULL AND {n_key} IS NOT NULL AND {changed}) AS rows_changed
  FROM (SELECT * FROM {table} WHERE feed_version_id = %(old)s) o
  FULL JOIN (SELECT * FROM {table} WHERE feed_version_id = %(new)s) n ON {on};
