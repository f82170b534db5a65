"""Every code the project writes is one of MobilityData's current codes with its severity, or a marked extra."""

from __future__ import annotations

from gtfs_pipeline import notice_codes, validation


def test_rules_write_canonical_codes_with_mobilitydatas_severity():
    for rule in validation.rules():
        info = notice_codes.code_info(rule.code)
        assert info.canonical and info.severity == rule.severity, rule.code
        assert info.doc_url == f"https://gtfs-validator.mobilitydata.org/rules.html#{rule.code}-rule"


def test_loader_codes_are_canonical_or_marked_extras():
    for code, severity in validation.LOADER_CODES.items():
        info = notice_codes.code_info(code)
        assert info.severity == severity, code
        assert info.canonical or (info.origin is notice_codes.Origin.EXTRA and info.doc_url is None and info.meaning)


def test_table_counts_and_no_deprecated_code():
    counts = {s: sum(1 for v in notice_codes.CANONICAL.values() if v == s) for s in ("ERROR", "WARNING", "INFO")}
    assert counts == {"ERROR": 109, "WARNING": 52, "INFO": 16}
    assert not set(notice_codes.DEPRECATED) & set(notice_codes.CANONICAL)
    assert not set(notice_codes.EXTRAS) & set(notice_codes.CANONICAL)
    assert set(notice_codes.NOT_APPLICABLE) <= set(notice_codes.CANONICAL)
    assert notice_codes.code_info("repeated_shape_points").origin is notice_codes.Origin.EXTRA
