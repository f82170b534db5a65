-- severity: WARNING
-- meaning: route_color and route_text_color differ in luma (Rec. 601) by less than 72.
-- As MobilityData: luma = floor(0.30 R + 0.59 G + 0.11 B) of each colour (0-255), both colours given.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'route_color_contrast', 'WARNING', 'routes.txt', r.line_number, 'route_text_color', jsonb_build_object('route_id', r.route_id),
       r.route_text_color, jsonb_build_object('routeColor', r.route_color, 'routeTextColor', r.route_text_color), 'route_color_contrast'
FROM gtfs.routes r
CROSS JOIN LATERAL (SELECT floor(0.30 * get_byte(c, 0) + 0.59 * get_byte(c, 1) + 0.11 * get_byte(c, 2)) AS luma
                    FROM (VALUES (decode(r.route_color, 'hex'))) v(c)) a
CROSS JOIN LATERAL (SELECT floor(0.30 * get_byte(c, 0) + 0.59 * get_byte(c, 1) + 0.11 * get_byte(c, 2)) AS luma
                    FROM (VALUES (decode(r.route_text_color, 'hex'))) v(c)) b
WHERE r.feed_version_id = %(feed_version_id)s AND r.route_color ~ '^[0-9A-Fa-f]{6}$' AND r.route_text_color ~ '^[0-9A-Fa-f]{6}$'
  AND abs(a.luma - b.luma) < 72;
