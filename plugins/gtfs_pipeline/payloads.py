"""What travels between the DAG's tasks: small typed objects with an XCom (JSON) form.

XCom carries dicts; pipeline.py turns them into these on the way in (``from_xcom``) and back
on the way out (``to_xcom``), so a misspelt or missing key fails at the task boundary with the
payload's name, not three tasks later. Dates travel as ISO text. Unknown keys are refused:
a payload written by another version of the code is named, not half-read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from .errors import GtfsPipelineError

T = TypeVar("T", bound="Payload")


class Payload:
    """Mixin: ``to_xcom()`` / ``from_xcom(data)`` for a dataclass of JSON-able fields."""

    _name: ClassVar[str] = "payload"

    def to_xcom(self) -> dict:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_xcom(cls: type[T], data: "dict | T") -> T:
        if isinstance(data, cls):
            return data
        if not isinstance(data, dict):
            raise GtfsPipelineError(f"{cls.__name__}: expected a dict from XCom, got {type(data).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - names)
        if unknown:
            raise GtfsPipelineError(f"{cls.__name__}: unknown keys {', '.join(unknown)}")
        try:
            return cls(**data)  # type: ignore[call-arg]
        except TypeError as exc:
            raise GtfsPipelineError(f"{cls.__name__}: {exc}") from None

    def but(self: T, **changes: Any) -> T:
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


@dataclass(frozen=True)
class FetchJob(Payload):
    """resolve_feeds -> fetch: one feed to fetch in this run, and from where."""

    feed_id: str
    spec: dict  # registry.FeedSpec.as_dict(): no secret values
    as_of: str  # ISO date
    force: bool
    kind: str  # 'current' | 'archive' | 'given'
    url: str
    skip_reason: str | None = None

    @property
    def as_of_date(self) -> dt.date:
        return dt.date.fromisoformat(self.as_of)


@dataclass(frozen=True)
class FetchResult(Payload):
    """fetch -> skip_unchanged: what the download gave and the verdict (new / unchanged / ...)."""

    feed_id: str
    kind: str
    as_of: str
    force: bool
    run_id: str | None
    outcome: str | None = None  # 'new' | 'unchanged' | 'not-modified' | 'skipped' | 'error'
    message: str | None = None
    feed_version_id: int | None = None
    archive_path: str | None = None
    sha256: str | None = None
    content_sha256: str | None = None
    fetched_at: str | None = None
    source_url: str | None = None
    name: str | None = None
    block_on: str | None = None
    fetch_id: int | None = None
    http_status: int | None = None
    not_modified: bool = False
    bytes: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    recovered: list = field(default_factory=list)  # lifecycle.Recovered.to_xcom() of versions recovered


@dataclass(frozen=True)
class StartedVersion(Payload):
    """skip_unchanged -> plan_loads and the per-version steps: a registered version."""

    feed_id: str
    feed_version_id: int
    as_of: str
    kind: str
    block_on: str | None
    run_id: str | None
    archive_path: str
    members: list  # member names, largest first
    sizes: dict = field(default_factory=dict)  # member name -> uncompressed bytes (load order across the run)


@dataclass(frozen=True)
class LoadItem(Payload):
    """plan_loads -> load: one member of one version."""

    feed_id: str
    feed_version_id: int
    archive_path: str
    member: str


@dataclass(frozen=True)
class FileLoaded(Payload):
    """load -> (nothing reads it but the UI): what one load task did."""

    feed_id: str
    feed_version_id: int
    member: str
    rows: int
    load_path: str
    notices: int
    seconds: float | None = None
    encoding: str | None = None


@dataclass(frozen=True)
class VersionProgress(Payload):
    """finalize -> geometry / validate -> publish: a complete version and what its steps found."""

    feed_id: str
    feed_version_id: int
    as_of: str
    kind: str
    block_on: str | None
    run_id: str | None
    archive_path: str
    members: list
    sizes: dict = field(default_factory=dict)
    rows: int | None = None
    files: int | None = None
    geometry: dict | None = None
    validation: dict | None = None  # notices by severity; None: not validated
    report: str | None = None
    blocked: str | None = None
    published: bool | None = None
    reason: str | None = None

    @classmethod
    def started(cls, version: StartedVersion, **more: Any) -> "VersionProgress":
        return cls(**dataclasses.asdict(version), **more)
