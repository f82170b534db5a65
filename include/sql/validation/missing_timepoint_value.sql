-- severity: WARNING
-- meaning: A stop time has an arrival or departure time but an empty timepoint (when stop_times.txt has a timepoint column).
-- As MobilityData (TimepointTimeValidator): only when stop_times.txt has the timepoint column (legacy feeds
-- without it are not reported); one notice per stop time whose timepoint is empty and which has an
-- arrival_time or a departure_time. The stop times come from the ordered pass (v_st, flag missing_timepoint).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'missing_timepoint_value', 'WARNING', 'stop_times.txt', v.line_number, 'timepoint',
       jsonb_build_object('trip_id', v.trip_id, 'stop_sequence', v.stop_sequence), NULL,
       jsonb_build_object('tripId', v.trip_id, 'stopSequence', v.stop_sequence), 'missing_timepoint_value'
FROM v_st v
WHERE v.missing_timepoint;
