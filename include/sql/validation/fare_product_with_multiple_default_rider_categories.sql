-- severity: ERROR
-- meaning: A fare product is offered for more than one rider category marked as default (is_default_fare_category 1).
-- One notice per fare product, at the row of its second default category (rows in file order).
-- As in the validator, a default rider category counts for the first fare product (in file
-- order) that names it only.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'fare_product_with_multiple_default_rider_categories', 'ERROR', 'fare_products.txt',
       d.line2, 'rider_category_id', jsonb_build_object('fare_product_id', d.fare_product_id), d.cat2,
       jsonb_build_object('csvRowNumber1', d.line1, 'riderCategoryId1', d.cat1), 'fare_product_with_multiple_default_rider_categories'
FROM (SELECT u.fare_product_id,
             (array_agg(u.line_number ORDER BY u.line_number))[1] AS line1, (array_agg(u.line_number ORDER BY u.line_number))[2] AS line2,
             (array_agg(u.rider_category_id ORDER BY u.line_number))[1] AS cat1, (array_agg(u.rider_category_id ORDER BY u.line_number))[2] AS cat2
      FROM (SELECT DISTINCT ON (fp.rider_category_id) fp.fare_product_id, fp.rider_category_id, fp.line_number
            FROM gtfs.fare_products fp
            JOIN gtfs.rider_categories rc ON rc.feed_version_id = fp.feed_version_id AND rc.rider_category_id = fp.rider_category_id
            WHERE fp.feed_version_id = %(feed_version_id)s AND rc.is_default_fare_category = 1
            ORDER BY fp.rider_category_id, fp.line_number) u
      GROUP BY u.fare_product_id HAVING count(*) > 1) d;
