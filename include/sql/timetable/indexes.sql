-- The indexes the timetable's queries need, on one version's partitions (built at finalize,
-- after the rows are in: one sort per index). A block whose partition the version does not have
-- (no frequencies.txt, no stops.txt) is skipped by timetable.py. Blocks are separated by a blank line.
-- Placeholders: {stop_times}, {trips}, {stops}, {frequencies} (the partitions).

-- Departures and arrivals at a stop in a time window (gtfs.departures, arrivals_departures by stop).
CREATE INDEX IF NOT EXISTS {stop_times_stop_departure_idx} ON {stop_times} (stop_id, departure_time);

-- A route's trips; the trips of a service (what runs on a date).
CREATE INDEX IF NOT EXISTS {trips_route_idx} ON {trips} (route_id);
CREATE INDEX IF NOT EXISTS {trips_service_idx} ON {trips} (service_id);

-- A station's platforms (gtfs.departures with child stops).
CREATE INDEX IF NOT EXISTS {stops_parent_idx} ON {stops} (parent_station);
