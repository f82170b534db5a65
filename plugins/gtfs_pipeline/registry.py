"""The feed registry: which feeds the `gtfs_feeds` DAG polls, read from a YAML file.

Format (documented in docs/dag.md, examples in include/feeds*.yml)::

    defaults:                    # optional; merged under every feed's options
      block_on: fatal
    feeds:
      - feed_id: bart            # ^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$, unique
        name: BART
        url: https://www.bart.gov/dev/schedules/google_transit.zip
        enabled: true            # default true
        archive_url: https://example.org/bart/{date:%Y%m%d}.zip   # optional
        headers: {Authorization: {variable: bart_token}}          # optional
        query: {api_key: {connection: mdb_api, field: password}}  # optional
        options: {block_on: error, max_bytes: 500000000}          # optional
        allow_private_network: false   # default false: loopback/private addresses are refused
        require_credentials: false     # default false: true refuses a redirect to another origin

Header and query values are either plain text (not secret) or a reference
resolved only inside the fetch task: ``{variable: NAME}`` (Airflow Variable),
``{connection: CONN_ID, field: password|login|host|schema|extra.KEY}``
(Airflow Connection) or ``{env: NAME}``. The registry keeps only the
references, so nothing secret is ever in XCom, logs or the database. A URL's
user-info and query values may be secret too: what leaves the fetch task is
``FeedSpec.redacted()``, and the fetch task reads the full URL from the
registry again (pipeline.fetch_job).

The registry's headers, query parameters and URL user-info go only to the
origin (scheme, host, port) of the feed's URL; ``require_credentials: true``
makes a redirect to another origin an error instead of a fetch without them.
``allow_private_network: true`` lets the feed's fetches reach loopback and
private addresses (see netpolicy.py).

This module has no Airflow import and touches neither the network nor a
database: the DAG file reads the registry at parse time, which must stay cheap.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import string
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from . import settings
from .errors import GtfsPipelineError
from .netpolicy import redact_url
from .paths import SOURCE_ROOT, example_registry

REGISTRY_ENV = "GTFS_FEEDS_REGISTRY"
REGISTRY_VARIABLE = "gtfs_feeds_registry"
# Run from a checkout the registry defaults to its include/feeds.yml; an installed package has no
# default (it must be told, $GTFS_FEEDS_REGISTRY or the Variable).
DEFAULT_REGISTRY: Path | None = SOURCE_ROOT / "include" / "feeds.yml" if SOURCE_ROOT else None

FEED_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
HEADER_NAME_RE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# The publish policy, as validation.policy_allows_publish and `gtfs-pipeline load --block-on`
# name it (kept here too so that parsing the registry imports no database code).
BLOCK_ON = ("fatal", "error", "never")
SECRET_KINDS = ("variable", "connection", "env")
CONNECTION_FIELDS = ("password", "login", "host", "schema")
TEMPLATE_FIELDS = {"date", "year", "month", "day", "feed_id"}

# Per-feed options and their defaults; fetch limits are documented in docs/dag.md.
OPTION_DEFAULTS: dict[str, Any] = {
    "block_on": "fatal",          # fatal | error | never: which notices keep a version unpublished
    "max_bytes": 1024**3,         # largest download accepted
    "connect_timeout": 15.0,      # seconds to open the connection
    "read_timeout": 120.0,        # seconds without a byte before giving up
    "max_seconds": 1800.0,        # whole download
    "max_redirects": 5,
}


class RegistryError(GtfsPipelineError):
    """The registry file is wrong; the message lists every problem as `feed X, field Y: ...`."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"feed registry {source} is invalid ({len(problems)} problem"
                         f"{'s' if len(problems) != 1 else ''}):\n{lines}")


@dataclass(frozen=True)
class FeedSpec:
    """One registry entry; JSON-able (``as_dict``) and free of secret values."""

    feed_id: str
    name: str
    url: str
    enabled: bool = True
    archive_url: str | None = None
    headers: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    allow_private_network: bool = False
    require_credentials: bool = False

    def option(self, key: str) -> Any:
        return self.options.get(key, OPTION_DEFAULTS[key])

    def archive_url_for(self, day: dt.date) -> str | None:
        """The archive_url template filled in for ``day`` (None when the feed has none)."""
        if not self.archive_url:
            return None
        return fill_template(self.archive_url, day, self.feed_id)

    def redacted(self) -> "FeedSpec":
        """The spec as tasks may pass it on and logs may show it: user-info and query values of
        its URLs replaced by ***. (Header and query values are references, not secrets.)"""
        return replace(self, url=redact_url(self.url),
                       archive_url=redact_url(self.archive_url) if self.archive_url else None)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "FeedSpec":
        return cls(**data)


@dataclass(frozen=True)
class Registry:
    source: str
    feeds: dict[str, FeedSpec]

    @property
    def enabled(self) -> list[FeedSpec]:
        return [f for f in self.feeds.values() if f.enabled]


def fill_template(template: str, day: dt.date, feed_id: str) -> str:
    return template.format(date=day, year=f"{day.year:04d}", month=f"{day.month:02d}",
                           day=f"{day.day:02d}", feed_id=feed_id)


def registry_path(override: str | os.PathLike | None = None) -> Path:
    """The registry file: an explicit path, else $GTFS_FEEDS_REGISTRY, else include/feeds.yml.
    (The DAG's tasks also honour the Airflow Variable gtfs_feeds_registry.)"""
    chosen = override or settings.current().feeds_registry or DEFAULT_REGISTRY
    if chosen is None:
        raise RegistryError("<no registry>", [
            f"no feed registry given: set {REGISTRY_ENV} (or the Airflow Variable {REGISTRY_VARIABLE}) to your "
            f"feeds.yml; an example with every field ships with the package: {example_registry()}"])
    return Path(chosen)


def load_registry(path: str | os.PathLike | None = None) -> Registry:
    """Read and validate the registry; raises RegistryError listing every mistake."""
    p = registry_path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryError(str(p), [f"cannot read the file: {exc.strerror or exc}"]) from None
    return parse_registry(text, str(p))


def parse_registry(text: str, source: str = "<registry>") -> Registry:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        doc = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise RegistryError(source, [f"not valid YAML{where}: {getattr(exc, 'problem', None) or exc}"]) from None
    problems: list[str] = []
    if not isinstance(doc, dict):
        raise RegistryError(source, ["the file must be a mapping with a 'feeds' list"])
    unknown_top = set(doc) - {"feeds", "defaults", "version"}
    if unknown_top:
        problems.append(f"unknown top-level key(s): {', '.join(sorted(map(str, unknown_top)))}")
    defaults = doc.get("defaults") or {}
    if not isinstance(defaults, dict):
        problems.append("defaults: must be a mapping of options")
        defaults = {}
    problems += [f"defaults, {p}" for p in _option_problems(defaults)]
    raw_feeds = doc.get("feeds")
    if not isinstance(raw_feeds, list):
        problems.append("feeds: must be a list of feeds")
        raw_feeds = []
    feeds: dict[str, FeedSpec] = {}
    for i, raw in enumerate(raw_feeds):
        spec, feed_problems = _parse_feed(raw, i, defaults)
        if spec is not None and spec.feed_id in feeds:
            feed_problems.append(f"feed {spec.feed_id}, field feed_id: duplicate (also feed #{i + 1} in the list)")
        problems += feed_problems
        if spec is not None and not feed_problems:
            feeds[spec.feed_id] = spec
    if problems:
        raise RegistryError(source, problems)
    return Registry(source, feeds)


def _parse_feed(raw: Any, index: int, defaults: dict) -> tuple[FeedSpec | None, list[str]]:
    label = f"feed #{index + 1}"
    if not isinstance(raw, dict):
        return None, [f"{label}: must be a mapping with feed_id, name, url"]
    feed_id = raw.get("feed_id")
    if isinstance(feed_id, str) and FEED_ID_RE.match(feed_id):
        label = f"feed {feed_id}"
    problems: list[str] = []

    def bad(fieldname: str, message: str) -> None:
        problems.append(f"{label}, field {fieldname}: {message}")

    allowed = {"feed_id", "name", "url", "enabled", "archive_url", "headers", "query", "options",
               "allow_private_network", "require_credentials"}
    for key in sorted(set(raw) - allowed, key=str):
        bad(str(key), f"unknown field (allowed: {', '.join(sorted(allowed))})")
    if not isinstance(feed_id, str) or not FEED_ID_RE.match(feed_id):
        bad("feed_id", "required; letters, digits, '_', '.', '-' (at most 100, starting with a letter or digit)")
    name = raw.get("name", feed_id)
    if not isinstance(name, str) or not name.strip():
        bad("name", "must be a non-empty string")
    url = raw.get("url")
    if not _is_http_url(url):
        bad("url", "required; an http:// or https:// URL")
    elif "{" in url:
        bad("url", "must not contain placeholders (use archive_url for dated URLs)")
    flags = {}
    for flag, default in (("enabled", True), ("allow_private_network", False), ("require_credentials", False)):
        flags[flag] = raw.get(flag, default)
        if not isinstance(flags[flag], bool):
            bad(flag, "must be true or false")
    archive_url = raw.get("archive_url")
    if archive_url is not None:
        problem = _template_problem(archive_url, feed_id or "x")
        if problem:
            bad("archive_url", problem)
    headers = raw.get("headers") or {}
    query = raw.get("query") or {}
    for fieldname, values in (("headers", headers), ("query", query)):
        if not isinstance(values, dict):
            bad(fieldname, "must be a mapping of name: value")
            continue
        for key, value in values.items():
            if not isinstance(key, str) or (fieldname == "headers" and not HEADER_NAME_RE.match(key)):
                bad(f"{fieldname}.{key}", "not a valid name")
            problem = _value_problem(value)
            if problem:
                bad(f"{fieldname}.{key}", problem)
    options = raw.get("options") or {}
    if not isinstance(options, dict):
        bad("options", "must be a mapping")
        options = {}
    problems += [f"{label}, field options.{p}" for p in _option_problems(options)]
    if problems:
        return None, problems
    merged = {**defaults, **options}
    return FeedSpec(feed_id, name.strip(), url, flags["enabled"], archive_url, dict(headers), dict(query), merged,
                    flags["allow_private_network"], flags["require_credentials"]), []


def _is_http_url(value: Any) -> bool:
    return isinstance(value, str) and re.match(r"^https?://[^\s/]+", value) is not None and " " not in value


def _template_problem(template: Any, feed_id: str) -> str | None:
    if not _is_http_url(template):
        return "must be an http:// or https:// URL template, e.g. https://host/{feed_id}/{date:%Y-%m-%d}.zip"
    try:
        names = {fname for _, fname, _, _ in string.Formatter().parse(template) if fname is not None}
    except ValueError as exc:
        return f"bad placeholder syntax: {exc}"
    unknown = {n for n in names if n.split(".")[0].split("[")[0] not in TEMPLATE_FIELDS}
    if unknown:
        return (f"unknown placeholder(s) {', '.join(sorted(unknown))}; "
                f"allowed: {{date:%Y%m%d}}, {{year}}, {{month}}, {{day}}, {{feed_id}}")
    if not names & {"date", "year", "month", "day"}:
        return "needs a date placeholder ({date:%Y%m%d}, {year}, {month} or {day})"
    try:
        fill_template(template, dt.date(2024, 1, 31), feed_id)
    except (ValueError, KeyError, IndexError, AttributeError) as exc:
        return f"cannot be filled in: {exc}"
    return None


def _value_problem(value: Any) -> str | None:
    """Plain text, or one secret reference."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return None
    if not isinstance(value, dict):
        return "must be text or a reference {variable: NAME} / {connection: ID, field: F} / {env: NAME}"
    kinds = [k for k in SECRET_KINDS if k in value]
    if len(kinds) != 1:
        return "a reference names exactly one of variable, connection, env"
    extra = set(value) - {kinds[0], "field"}
    if extra or ("field" in value and kinds[0] != "connection"):
        return f"unexpected key(s) in the reference: {', '.join(sorted(map(str, extra or {'field'})))}"
    if not isinstance(value[kinds[0]], str) or not value[kinds[0]]:
        return f"{kinds[0]} must name a {kinds[0]}"
    if kinds[0] == "connection":
        f = value.get("field", "password")
        if not isinstance(f, str) or not (f in CONNECTION_FIELDS or (f.startswith("extra.") and len(f) > 6)):
            return f"field must be one of {', '.join(CONNECTION_FIELDS)} or extra.KEY"
    return None


def _option_problems(options: dict) -> list[str]:
    problems = []
    for key, value in options.items():
        if key not in OPTION_DEFAULTS:
            problems.append(f"{key}: unknown option (known: {', '.join(OPTION_DEFAULTS)})")
        elif key == "block_on":
            if value not in BLOCK_ON:
                problems.append(f"block_on: must be one of {', '.join(BLOCK_ON)}, not {value!r}")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            problems.append(f"{key}: must be a positive number, not {value!r}")
        elif key in ("max_bytes", "max_redirects") and int(value) != value:
            problems.append(f"{key}: must be a whole number")
    return problems
