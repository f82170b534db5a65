-- severity: WARNING
-- meaning: route_color and route_text_color have a contrast ratio below 4.5 (WCAG).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'route_color_contrast', 'WARNING', 'routes.txt', r.line_number, 'route_text_color', jsonb_build_object('route_id', r.route_id),
       r.route_text_color, jsonb_build_object('routeColor', r.route_color, 'contrastRatio', round(c.ratio::numeric, 2)), 'route_color_contrast'
FROM gtfs.routes r
CROSS JOIN LATERAL (SELECT (greatest(l1, l2) + 0.05) / (least(l1, l2) + 0.05) AS ratio
                    FROM (SELECT gtfs.color_luminance(r.route_color) l1, gtfs.color_luminance(r.route_text_color) l2) l) c
WHERE r.feed_version_id = %(feed_version_id)s AND r.route_color ~ '^[0-9A-Fa-f]{6}$' AND r.route_text_color ~ '^[0-9A-Fa-f]{6}$' AND c.ratio < 4.5;
