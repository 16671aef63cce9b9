"""Importers: suite files written from other tools' data formats (``evalkit import FORMAT FILE``)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .aisev import import_aisev


def import_inspect(log_path: Path, out: Path | None = None, **options: Any) -> tuple[Path, dict, list[str]]:
    """An Inspect eval log's samples as a suite (evalkit/interop/inspect_import.py)."""
    from ..interop.inspect_import import import_inspect as run

    return run(log_path, out, **options)


IMPORTERS: dict[str, Callable[..., tuple[Path, dict, list[str]]]] = {"aisev": import_aisev, "inspect": import_inspect}

__all__ = ["IMPORTERS", "import_aisev", "import_inspect"]
