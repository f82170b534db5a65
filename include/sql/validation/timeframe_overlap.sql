-- severity: ERROR
-- meaning: Two timeframes.txt rows of the same timeframe_group_id and service_id overlap in time.
-- Rows of a group and service in (start_time, end_time) order, each compared with the previous one:
-- reported when it starts before the previous one ends. An empty start_time or end_time counts as
-- 00:00:00 (a row without times then overlaps nothing); timeframe_only_start_or_end_time_specified
-- reports a row with one of them.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'timeframe_overlap', 'ERROR', 'timeframes.txt', f.line_number, 'start_time',
       jsonb_build_object('timeframe_group_id', f.timeframe_group_id, 'service_id', f.service_id), f.s::text,
       jsonb_build_object('prevCsvRowNumber', f.prev_line, 'prevEndTime', f.prev_end::text), 'timeframe_overlap'
FROM (SELECT t.line_number, t.timeframe_group_id, t.service_id, s, lag(e) OVER w AS prev_end, lag(t.line_number) OVER w AS prev_line
      FROM gtfs.timeframes t
      CROSS JOIN LATERAL (VALUES (coalesce(t.start_time, interval '0'), coalesce(t.end_time, interval '0'))) v(s, e)
      WHERE t.feed_version_id = %(feed_version_id)s
      WINDOW w AS (PARTITION BY t.timeframe_group_id, t.service_id ORDER BY s, e, t.line_number)) f
WHERE f.s < f.prev_end;
