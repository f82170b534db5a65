"""The generated validation rules are the generator's output, and cover the reference."""

from __future__ import annotations

from gtfs_pipeline import rulegen, validation
from gtfs_pipeline.reference import FILES, FieldType


def test_committed_rule_files_are_the_generators_output():
    assert rulegen.differences() == [], "run: python -m gtfs_pipeline.rulegen"


def test_generated_files_are_marked_and_parse_as_rules():
    codes = {r.code for r in validation.rules()}
    for code, text in rulegen.generate().items():
        if code == rulegen.ROWS_FILE:
            continue
        assert code in codes
        assert rulegen.MARK in text and f"'{code}'" in text


def test_large_files_are_read_once_by_the_generated_preparation_step():
    steps = {p.stem for p in validation.preparation_steps()}
    assert rulegen.ROWS_FILE in steps
    text = rulegen.generate()[rulegen.ROWS_FILE]
    assert rulegen.MARK in text
    for name, table in rulegen.ROW_TABLES.items():
        assert f"CREATE TABLE {table} AS" in text
    for code, text in rulegen.generate().items():
        if code == rulegen.ROWS_FILE:
            continue
        # the generated rules read the preparation tables, never the large files' own tables
        assert "FROM gtfs.stop_times t" not in text and "FROM gtfs.shapes t" not in text, code


def test_every_enum_column_has_its_values_in_the_reference():
    for f in FILES:
        for c in f.columns:
            assert bool(c.values) == (c.type is FieldType.ENUM), (f.name, c.name)


def test_enumerations_and_ranges_come_from_the_reference():
    assert rulegen.ENUM_VALUES[("stop_times.txt", "pickup_type")] == (0, 1, 2, 3)
    assert rulegen.RANGES[("frequencies.txt", "headway_secs")] == "{v} <= 0"
    assert rulegen.RANGES[("stops.txt", "stop_lat")] == "NOT ({v} BETWEEN -90 AND 90)"
    route_type = rulegen.generate()["unexpected_enum_value"]
    assert "t.route_type NOT IN (0,1,2,3,4,5,6,7,11,12))" in route_type


def test_check_mode_reports_a_stale_file(tmp_path):
    for code, text in rulegen.generate().items():
        (tmp_path / f"{code}.sql").write_text(text)
    assert rulegen.differences(tmp_path) == []
    (tmp_path / "invalid_color.sql").write_text("-- edited by hand\n")
    assert rulegen.differences(tmp_path) == ["invalid_color"]
    assert rulegen.write(tmp_path) == ["invalid_color"]
    assert rulegen.differences(tmp_path) == []
