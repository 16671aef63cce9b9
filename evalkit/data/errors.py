"""Problems with a suite's data source, raised while reading and reported as ConfigIssues."""

from __future__ import annotations


class SourceError(Exception):
    """A problem with the source: ``field`` is the key of the ``source`` block it concerns."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class SourceMissing(SourceError):
    """The data is absent (no such file, hub unreachable and not cached): an ``optional`` source is skipped."""
