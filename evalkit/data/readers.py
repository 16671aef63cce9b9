"""Reading records from local files: JSON lines, CSV/TSV, JSON and Parquet.

Every reader returns plain JSON-like records (dicts of str/int/float/bool/None/list/dict), each
with a short human description of where it came from ("data.jsonl:17") for error messages.
"""

from __future__ import annotations

import csv
import datetime as _dt
import decimal
import glob
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config.suite import Source
from ..i18n import language, tr
from .errors import SourceError, SourceMissing

ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class Absent(SourceMissing):
    """Absent data, said in both languages: ``message`` in the console language for the user, ``recorded``
    in English for the run manifest (an optional source's skip ``reason``), whose values never depend on
    the console language. The two texts sit side by side at the raise, as with ``tr`` (tests/test_i18n_data.py
    checks that they name the same values)."""

    def __init__(self, field: str, ja: str, en: str):
        super().__init__(field, en if language() == "en" else ja)
        self.recorded = en


@dataclass
class FileInfo:
    name: str
    sha256: str
    bytes: int

    def as_dict(self) -> dict:
        return {"name": self.name, "sha256": self.sha256, "bytes": self.bytes}


@dataclass
class RecordSet:
    records: list[dict]
    where: list[str]  # one description per record, e.g. "selection.json: samples[3]"
    files: list[FileInfo] = field(default_factory=list)
    origin: dict = field(default_factory=dict)  # provenance of a hub dataset (id, config, split, ...)


def env_names(text: str) -> list[str]:
    return [m.group(1) for m in ENV_REF.finditer(text or "")]


def expand(text: str) -> str:
    """${VAR} and ${VAR:-default} from the environment (an unset or empty VAR takes the default)."""

    def sub(match: re.Match) -> str:
        value = os.environ.get(match.group(1))
        if value:
            return value
        return match.group(2) if match.group(2) is not None else ""

    return os.path.expanduser(ENV_REF.sub(sub, text))


def resolve(text: str, base: Path) -> Path:
    path = Path(expand(text))
    return path if path.is_absolute() else base / path


def display_name(path: Path, base: Path) -> str:
    """How a data file is named in provenance: relative to the suite folder when inside it, else its name.

    Absolute paths are never recorded: they would publish a user's folder layout in reports.
    """
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.name


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def shown_path(path: Path) -> str:
    """``path`` relative to the working directory when it is close by, else absolute (both normalised)."""
    relative = os.path.relpath(path)
    return os.path.abspath(path) if relative.startswith(os.path.join("..", "..")) else relative


def _missing(field_name: str, spec: str, resolved: Path, pattern: bool = False) -> Absent:
    """Absent data at ``resolved``, with the variables of ``spec`` to set (selection.py's ``_ENV_HINT``
    reads the first one after "set " / "from " / "環境変数 " in either language)."""
    names = env_names(spec)
    unset = [n for n in names if not os.environ.get(n)]
    shown = shown_path(resolved)
    ja_hint = en_hint = ""
    if unset:
        ja_hint = f"。環境変数 {' 又は '.join(unset)} にデータのあるフォルダを設定してください"
        en_hint = f"; set {' or '.join(unset)} to the folder that holds it"
    elif names:
        values = ", ".join(n + "=" + os.environ.get(n, "") for n in names)
        ja_hint = f"（環境変数 {values} の設定による）"
        en_hint = f" (from {values})"
    if pattern:
        return Absent(
            field_name,
            f"データが見つかりません: {shown}（パターンに合うファイルがありません）{ja_hint}",
            f"data not found: {shown}{en_hint} (no file matches the pattern)",
        )
    return Absent(field_name, f"データが見つかりません: {shown}{ja_hint}", f"data not found: {shown}{en_hint}")


def local_files(spec: str, base: Path, field_name: str = "path") -> list[Path]:
    """The files ``spec`` names (glob patterns allowed); SourceMissing (Absent) when there are none."""
    resolved = resolve(spec, base)
    if any(ch in resolved.name for ch in "*?["):
        found = sorted(Path(p) for p in glob.glob(str(resolved)) if Path(p).is_file())
        if not found:
            raise _missing(field_name, spec, resolved, pattern=True)
        return found
    if resolved.is_dir():
        raise SourceError(
            field_name,
            tr(
                f"{resolved} はフォルダです。データファイルを指定してください",
                f"{resolved} is a folder; name the data file",
            ),
        )
    if not resolved.is_file():
        raise _missing(field_name, spec, resolved)
    return [resolved]


def jsonable(value: Any) -> Any:
    """Values as JSON would hold them (dates -> ISO text, decimals -> float, bytes -> dropped to None)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if value != value else value  # NaN -> None (empty cells of pandas/arrow)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    if hasattr(value, "item"):  # numpy scalar
        return jsonable(value.item())
    if hasattr(value, "tolist"):
        return jsonable(value.tolist())
    return str(value)


def _read_text(path: Path, encoding: str) -> str:
    try:
        return path.read_text(encoding=encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(
            "encoding",
            tr(
                f"{path.name} は {encoding} として正しくありません: {exc.reason}（{exc.start} バイト目）",
                f"{path.name} is not valid {encoding}: {exc.reason} at byte {exc.start}",
            ),
        ) from None
    except LookupError:
        raise SourceError(
            "encoding", tr(f"文字コード '{encoding}' は不明です", f"unknown encoding '{encoding}'")
        ) from None
    except OSError as exc:
        raise SourceError(
            "path", tr(f"{path.name} を読めません: {exc.strerror}", f"cannot read {path.name}: {exc.strerror}")
        ) from None


def read_jsonl(path: Path, encoding: str) -> tuple[list[dict], list[str]]:
    records, where = [], []
    for number, line in enumerate(_read_text(path, encoding).lstrip("\ufeff").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SourceError(
                "path",
                tr(
                    f"{path.name}:{number}: JSON として正しくありません: {exc.msg}（{exc.colno} 桁目）",
                    f"{path.name}:{number}: invalid JSON: {exc.msg} (column {exc.colno})",
                ),
            ) from None
        if not isinstance(record, dict):
            raise SourceError(
                "path",
                tr(
                    f"{path.name}:{number}: 各行を JSON のオブジェクトにしてください（{type(record).__name__} です）",
                    f"{path.name}:{number}: expected a JSON object per line, got {type(record).__name__}",
                ),
            )
        records.append(record)
        where.append(f"{path.name}:{number}")
    return records, where


def read_csv(path: Path, encoding: str, delimiter: str | None) -> tuple[list[dict], list[str]]:
    text = _read_text(path, "utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding)
    delimiter = delimiter or ("\t" if path.suffix.lower() == ".tsv" else ",")
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return [], []
    except csv.Error as exc:
        raise SourceError("path", f"{path.name}:1: {exc}") from None
    header = [h.strip() for h in header]
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise SourceError(
                "path",
                tr(
                    f"{path.name}:1: 見出し行に列 '{name}' が 2 回あります",
                    f"{path.name}:1: column '{name}' appears twice in the header",
                ),
            )
        seen.add(name)
    records, where = [], []
    try:
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                raise SourceError(
                    "path",
                    tr(
                        f"{path.name}:{number}: 項目が {len(row)} 個ありますが、見出し行は {len(header)} 個です",
                        f"{path.name}:{number}: {len(row)} fields, but the header has {len(header)}",
                    ),
                )
            records.append({name: (row[i] if i < len(row) else "") for i, name in enumerate(header)})
            where.append(f"{path.name}:{number}")
    except csv.Error as exc:
        raise SourceError("path", f"{path.name}:{reader.line_num}: {exc}") from None
    return records, where


def read_json(path: Path, encoding: str, records_path: str | None) -> tuple[list[dict], list[str]]:
    try:
        data = json.loads(_read_text(path, encoding).lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise SourceError(
            "path",
            tr(
                f"{path.name}:{exc.lineno}: JSON として正しくありません: {exc.msg}（{exc.colno} 桁目）",
                f"{path.name}:{exc.lineno}: invalid JSON: {exc.msg} (column {exc.colno})",
            ),
        ) from None
    label = ""
    if records_path:
        for part in records_path.split("."):
            if isinstance(data, dict) and part in data:
                data = data[part]
            elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
                data = data[int(part)]
            else:
                keys = ", ".join(list(data)[:12]) if isinstance(data, dict) else type(data).__name__
                raise SourceError(
                    "records",
                    tr(
                        f"{path.name} に '{records_path}' がありません（'{part}' の位置にあるもの: {keys}）",
                        f"{path.name} has no '{records_path}' (at '{part}': found {keys})",
                    ),
                )
        label = records_path
    elif isinstance(data, dict):
        lists = [k for k, v in data.items() if isinstance(v, list)]
        hint = tr(f"（例: records: {lists[0]}）", f" (e.g. records: {lists[0]})") if lists else ""
        keys = ", ".join(list(data)[:12])
        raise SourceError(
            "records",
            tr(
                f"{path.name} の最上位はキー {keys} を持つオブジェクトです。"
                f"レコードのリストを records で指定してください{hint}",
                f"the top level of {path.name} is an object with keys {keys}; "
                f"name the list of records in records{hint}",
            ),
        )
    if not isinstance(data, list):
        raise SourceError(
            "records",
            tr(
                f"{path.name} にはレコードのリストが必要です（{type(data).__name__} です）",
                f"expected a list of records in {path.name}, got {type(data).__name__}",
            ),
        )
    out, where = [], []
    for index, record in enumerate(data):
        if not isinstance(record, dict):
            raise SourceError(
                "records",
                tr(
                    f"{path.name}: {label or 'record'}[{index}] は {type(record).__name__} です。"
                    "オブジェクトにしてください",
                    f"{path.name}: {label or 'record'}[{index}] is a {type(record).__name__}, expected an object",
                ),
            )
        out.append(record)
        where.append(f"{path.name}: {label}[{index}]" if label else f"{path.name}: record {index + 1}")
    return out, where


def read_parquet(path: Path) -> tuple[list[dict], list[str]]:
    try:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]  # pyarrow ships no type information

        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several kinds for a bad file
        detail = str(exc).splitlines()[0]
        raise SourceError(
            "path",
            tr(f"{path.name}: Parquet として読めません: {detail}", f"{path.name}: cannot read Parquet: {detail}"),
        ) from None
    records = [jsonable(r) for r in table.to_pylist()]
    return records, [f"{path.name}: row {i + 1}" for i in range(len(records))]


def read_local(source: Source, base: Path) -> RecordSet:
    """Records of a jsonl/csv/json/parquet source; several files (a glob) are read in name order."""
    files = local_files(source.path or "", base)
    records: list[dict] = []
    where: list[str] = []
    infos: list[FileInfo] = []
    for path in files:
        if source.kind == "jsonl":
            got, at = read_jsonl(path, source.encoding)
        elif source.kind == "csv":
            got, at = read_csv(path, source.encoding, source.delimiter)
        elif source.kind == "json":
            got, at = read_json(path, source.encoding, source.records)
        else:
            got, at = read_parquet(path)
        records += got
        where += at
        digest, size = sha256_of(path)
        infos.append(FileInfo(display_name(path, base), digest, size))
    return RecordSet(records, where, infos)
