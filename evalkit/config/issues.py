"""A configuration problem, reported as one line ``file:line:col: field: message``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ConfigIssue:
    file: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        if self.line == 0 and self.field == PATH_FIELD:  # the path as a whole (missing, unreadable)
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}:{self.column}: {self.field}: {self.message}"


PATH_FIELD = "(path)"


def path_issue(path: object, message: str) -> ConfigIssue:
    """A problem with a path as a whole: shown as ``file: message``, without line, column or field."""
    return ConfigIssue(str(path), 0, 0, PATH_FIELD, message)


class ConfigError(Exception):
    """Raised with every issue found, so a user fixes a file in one pass."""

    def __init__(self, issues: list[ConfigIssue]):
        self.issues = sorted(set(issues))
        super().__init__("\n".join(str(i) for i in self.issues))
