"""What a run and a bundle record about the software and the endpoints."""

from __future__ import annotations

import platform
from importlib import metadata
from typing import TYPE_CHECKING, Any, TypedDict

from .. import __version__

if TYPE_CHECKING:
    from ..runner.store import RunStore

# the packages whose versions can change a number in the report
PACKAGES = (
    "evalkit",
    "openai",
    "aiohttp",
    "pyyaml",
    "jinja2",
    "pandas",
    "numpy",
    "pyarrow",
    "pydantic",
    "sacrebleu",
    "datasets",
    "cryptography",
    "jsonschema",
)


def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def software() -> dict[str, Any]:
    return {
        "evalkit": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
    }


class EndpointModels(TypedDict):
    """What one vendor's endpoint reported across a run (``endpoint_models`` in a bundle's manifest)."""

    models_seen: list[str]
    fingerprints: list[str]
    first_response_at: str | None
    last_response_at: str | None


def endpoint_models(store: RunStore) -> dict[str, EndpointModels]:
    """Per vendor: the model ids and system fingerprints the endpoint reported, and the first and
    last time an answer arrived."""
    out: dict[str, EndpointModels] = {}
    for vendor, model, fingerprint, first, last in store.db.execute(
        "SELECT r.vendor_id, p.model, p.system_fingerprint, MIN(p.received_at), MAX(p.received_at) "
        "FROM responses p JOIN requests r ON r.key = p.key GROUP BY r.vendor_id, p.model, p.system_fingerprint "
        "ORDER BY r.vendor_id"
    ):
        entry = out.setdefault(
            vendor, {"models_seen": [], "fingerprints": [], "first_response_at": first, "last_response_at": last}
        )
        if model and model not in entry["models_seen"]:
            entry["models_seen"].append(model)
        if fingerprint and fingerprint not in entry["fingerprints"]:
            entry["fingerprints"].append(fingerprint)
        entry["first_response_at"] = min(filter(None, [entry["first_response_at"], first]), default=None)
        entry["last_response_at"] = max(filter(None, [entry["last_response_at"], last]), default=None)
    return out


def first_response_at(store: RunStore) -> str | None:
    row = store.db.execute("SELECT MIN(received_at) FROM responses").fetchone()
    first: str | None = row[0] if row else None  # an ISO 8601 text column (NULL with no responses)
    return first
