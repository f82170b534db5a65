"""Errors a user can act on: each message names the feed, file, line and column it knows."""

from __future__ import annotations


class GtfsPipelineError(Exception):
    """Base class: the CLI prints the message and exits non-zero, without a traceback."""


class FeedError(GtfsPipelineError):
    """The feed cannot be used as a whole (not a zip, required file or column missing, ...).

    Loading stops; nothing published changes.
    """

    def __init__(self, message: str, *, feed_id: str | None = None, filename: str | None = None,
                 line: int | None = None, column: str | None = None) -> None:
        self.feed_id = feed_id
        self.filename = filename
        self.line = line
        self.column = column
        where = ", ".join(
            part
            for part in (
                f"feed {feed_id}" if feed_id else "",
                f"file {filename}" if filename else "",
                f"line {line}" if line is not None else "",
                f"column {column}" if column else "",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.reason = message



class MissingRequiredColumns(FeedError):
    """A header lacks columns the reference requires: ``missing`` names each of them, and ``notices``
    holds what the rest of the header gave (unknown columns, ...), so a caller that keeps the file's
    rows anyway can report all of it, as MobilityData's validator does (one notice per column)."""

    def __init__(self, message: str, *, missing: list[str], notices: list, **where) -> None:
        super().__init__(message, column=missing[0], **where)
        self.missing = missing
        self.notices = notices

class ArchiveError(FeedError):
    """The archive itself is unusable: not a zip, corrupt, over a size limit."""


class MissingFilesError(FeedError):
    """Required files are missing: the feed cannot load. ``missing`` (reference.MissingFile) gives
    each one's canonical notice, recorded on the failed version."""

    def __init__(self, missing: list, *, feed_id: str | None = None) -> None:
        super().__init__("; ".join(m.message for m in missing), feed_id=feed_id)
        self.missing = missing


class LockTimeout(GtfsPipelineError):
    """Waited longer than GTFS_PUBLISH_LOCK_TIMEOUT for a lock (readers of gtfs_current); the
    transaction was rolled back, nothing changed."""


class VersionBlocked(GtfsPipelineError):
    """A version loaded but the publish policy kept it from becoming current.

    It finishes 'loaded' (not_current_kind 'blocked'; the policy's words in blocked_reason);
    the feed's previous version stays current.
    """

    def __init__(self, feed_id: str, feed_version_id: int, reason: str) -> None:
        self.feed_id = feed_id
        self.feed_version_id = feed_version_id
        self.reason = reason
        super().__init__(f"feed {feed_id}: version {feed_version_id} loaded but not published: {reason}")
