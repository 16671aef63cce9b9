"""Hugging Face ``datasets`` sources: hub ids, local dataset folders and local data files.

Quiet by construction: progress bars are disabled, the libraries' logging is turned down and
anything they still print while loading is swallowed, so a run's output stays ours. Local data
is always loaded in offline mode (nothing leaves the machine). A hub id is fetched only when the
hub is reachable and HF_HUB_OFFLINE is not set; otherwise the local ``datasets`` cache is used,
and a dataset that is not in it fails with one line that suggests local files.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..config.suite import Source
from ..i18n import tr
from .errors import SourceError
from .readers import (
    Absent,
    FileInfo,
    RecordSet,
    display_name,
    expand,
    jsonable,
    local_files,
    resolve,
    sha256_of,
    shown_path,
)

PACKAGED = {
    "json": "json",
    "jsonl": "json",
    "csv": "csv",
    "tsv": "csv",
    "parquet": "parquet",
    "text": "text",
    "txt": "text",
    "arrow": "arrow",
}
# The advice that ends every "not on the hub" message, in each language (see _not_on_hub).
LOCAL_HINT = (
    "point the source at local files instead (kind: hf with data_files, or kind jsonl/csv/json/parquet "
    "with path; see docs/datasets.md)"
)
LOCAL_HINT_JA = (
    "代わりにローカルのファイルを指定してください（kind: hf と data_files、又は kind: jsonl/csv/json/parquet "
    "と path。docs/datasets.md を参照）"
)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().upper() in ("1", "ON", "YES", "TRUE")


def offline_requested() -> bool:
    return _truthy(os.environ.get("HF_HUB_OFFLINE")) or _truthy(os.environ.get("HF_DATASETS_OFFLINE"))


def hub_reachable(timeout: float = 3.0) -> bool:
    """A TCP connection to the hub endpoint (HF_ENDPOINT or huggingface.co) within ``timeout``."""
    endpoint = os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    parsed = urlparse(endpoint)
    host = parsed.hostname or "huggingface.co"
    port = parsed.port or (80 if parsed.scheme == "http" else 443)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def quiet_datasets(offline: bool) -> Iterator[Any]:
    """Import ``datasets`` silenced, in offline mode if asked; restores the flags afterwards."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import datasets
        import huggingface_hub.constants as hub_constants
        from datasets.utils import logging as ds_logging
        from huggingface_hub.utils import logging as hub_logging

        datasets.disable_progress_bars()
        try:
            from huggingface_hub.utils import disable_progress_bars

            disable_progress_bars()
        except ImportError:  # older huggingface_hub
            pass
        ds_logging.set_verbosity_error()
        hub_logging.set_verbosity_error()
        saved = (hub_constants.HF_HUB_OFFLINE, datasets.config.HF_HUB_OFFLINE)
        if offline:
            hub_constants.HF_HUB_OFFLINE = True
            datasets.config.HF_HUB_OFFLINE = True
        try:
            yield datasets
        finally:
            hub_constants.HF_HUB_OFFLINE, datasets.config.HF_HUB_OFFLINE = saved


def _data_files(source: Source, base: Path) -> tuple[Any, list[Path]]:
    """data_files with local paths resolved against the suite folder; the files they name."""
    spec = source.data_files
    files: list[Path] = []

    def one(text: str) -> str | list[str]:
        found = local_files(text, base, "data_files")
        files.extend(found)
        return [str(p) for p in found] if len(found) > 1 else str(found[0])

    def flat(value: Any) -> Any:
        if isinstance(value, str):
            return one(value)
        out: list[str] = []
        for v in value:
            got = one(v)
            out += got if isinstance(got, list) else [got]
        return out

    if isinstance(spec, dict):
        return {split: flat(v) for split, v in spec.items()}, files
    return flat(spec), files


def _builder(source: Source, files: list[Path]) -> str:
    if source.path and source.path in PACKAGED and source.data_files is not None:
        return PACKAGED[source.path]
    suffix = files[0].suffix.lower().lstrip(".") if files else ""
    if suffix not in PACKAGED:
        name = files[0].name if files else "data_files"
        raise SourceError(
            "data_files",
            tr(
                f"{name} の形式を判別できません。path: に json、csv 又は parquet を指定してください",
                f"cannot tell the format of {name}; set path: json, csv or parquet",
            ),
        )
    return PACKAGED[suffix]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _pick_split(loaded: Any, source: Source) -> Any:
    if source.split is not None or not hasattr(loaded, "keys"):
        return loaded
    splits = list(loaded.keys())
    if len(splits) == 1:
        return loaded[splits[0]]
    names = ", ".join(splits)
    raise SourceError(
        "split",
        tr(
            f"データセットに分割 {names} があります。split でどれか一つを指定してください",
            f"the dataset has splits {names}; choose one with split",
        ),
    )


def _not_on_hub(ja: str, en: str) -> Absent:
    """A hub dataset that cannot be loaded, with the advice to read local files instead."""
    return Absent("path", ja + "。" + LOCAL_HINT_JA, en + "; " + LOCAL_HINT)


def _unreachable(target: str, offline_set: bool, no_network: bool) -> Absent:
    """A hub dataset that could not be fetched and is not in the local cache."""
    if offline_set:
        return _not_on_hub(
            f"HF_HUB_OFFLINE が設定されているため、Hugging Face ハブから '{target}' を読み込めません。"
            "ローカルの datasets キャッシュにもありません",
            f"cannot load '{target}' from the Hugging Face hub: HF_HUB_OFFLINE is set, and it is not in "
            "the local datasets cache",
        )
    if no_network:
        return _not_on_hub(
            f"Hugging Face ハブに接続できない（ネットワークがない）ため、'{target}' を読み込めません。"
            "ローカルの datasets キャッシュにもありません",
            f"cannot load '{target}' from the Hugging Face hub: the hub is not reachable (no network), and it "
            "is not in the local datasets cache",
        )
    return _not_on_hub(
        f"Hugging Face ハブに接続できないため、'{target}' を読み込めません。"
        "ローカルの datasets キャッシュにもありません",
        f"cannot load '{target}' from the Hugging Face hub: the hub is not reachable, and it is not in the "
        "local datasets cache",
    )


def read_hf(source: Source, base: Path) -> RecordSet:
    """Records of a ``kind: hf`` source, and what the manifest records about it."""
    origin: dict = {"config": source.name, "split": source.split}
    files: list[Path] = []
    kwargs: dict[str, Any] = {}
    if source.name:
        kwargs["name"] = source.name
    if source.split:
        kwargs["split"] = source.split
    if source.data_files is not None:
        data_files, files = _data_files(source, base)
        target = _builder(source, files)
        kwargs["data_files"] = data_files
        origin["builder"] = target
        hub, local = False, True
    else:
        expanded = expand(source.path or "")
        folder = resolve(source.path or "", base)
        local = folder.exists() or expanded.startswith((".", "/", "~"))
        if local and folder.is_file():  # one local file: the builder of its suffix
            files = [folder]
            target = _builder(source, files)
            kwargs["data_files"] = str(folder)
            origin["builder"] = target
            hub = False
        elif local:
            if not folder.exists():
                shown = shown_path(folder)
                raise Absent("path", f"データが見つかりません: {shown}", f"data not found: {shown}")
            target = str(folder)
            files = sorted(
                p
                for p in folder.rglob("*")
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
            )
            hub = False
        else:
            target = expanded
            origin["hub_id"] = expanded
            origin["revision"] = source.revision
            if source.revision:
                kwargs["revision"] = source.revision
            hub = True
    offline = not hub or offline_requested()
    offline_set, no_network = hub and offline, False
    if hub and not offline and not hub_reachable():
        offline, no_network = True, True
    try:
        with quiet_datasets(offline) as datasets:
            loaded = datasets.load_dataset(target, **kwargs)
            dataset = _pick_split(loaded, source)
            records = [jsonable(r) for r in dataset]
            fingerprint = getattr(dataset, "_fingerprint", None)
    except SourceError:
        raise
    except ConnectionError as exc:
        if hub:
            raise _unreachable(target, offline_set, no_network) from None
        detail = _first_line(exc)
        raise SourceError(
            "path", tr(f"データセットを読み込めません: {detail}", f"cannot load the dataset: {detail}")
        ) from None
    except FileNotFoundError as exc:
        detail = _first_line(exc)
        if hub:
            raise _not_on_hub(
                f"'{target}' は Hugging Face ハブにもローカルのキャッシュにも見つかりません（{detail}）",
                f"'{target}' was not found on the Hugging Face hub or in the local cache ({detail})",
            ) from None
        raise Absent("path", f"データが見つかりません: {detail}", f"data not found: {detail}") from None
    except Exception as exc:  # datasets raises many kinds (bad config name, bad split, schema mismatch...)
        name = type(exc).__name__
        field = (
            "split"
            if "split" in str(exc).lower() and source.split
            else ("name" if source.name and "config" in str(exc).lower() else "path")
        )
        if name in ("DatasetNotFoundError",) and hub:
            raise _not_on_hub(
                f"'{target}' は Hugging Face ハブに見つかりません（非公開又はアクセス制限付きのデータセットには "
                "HF_TOKEN が必要です）",
                f"'{target}' was not found on the Hugging Face hub (a private or gated dataset needs HF_TOKEN)",
            ) from None
        detail = _first_line(exc)
        raise SourceError(
            field, tr(f"データセットを読み込めません: {name}: {detail}", f"cannot load the dataset: {name}: {detail}")
        ) from None
    origin["fingerprint"] = fingerprint
    if hub:
        origin["offline"] = offline
    infos = []
    for path in files:
        digest, size = sha256_of(path)
        infos.append(FileInfo(display_name(path, base), digest, size))
    where = [f"{source.split or 'dataset'}[{i}]" for i in range(len(records))]
    return RecordSet(records, where, infos, origin)
