"""Turn a suite's ``source`` into items, once, when the suite file is loaded.

read -> preset -> filter -> ids (dedupe) -> sample -> limit -> mapping -> Item, appended to
``suite.items`` after the inline items. Every later stage (plan, store, scoring, report, the
oracle's answer book) sees ordinary items, and a finished run never needs the data again.
Problems become ConfigIssues at the suite file's ``source`` block.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..config.issues import ConfigIssue
from ..config.suite import Item, Source, Suite
from ..i18n import tr
from ..integrity.hashing import sha256_json
from .errors import SourceError, SourceMissing
from .mapping import Compiled, TemplateProblem, content_id, field_names, is_template, safe_id, sample_rank
from .presets import PRESETS, Unusable
from .readers import Absent, RecordSet, read_local


@dataclass
class Outcome:
    issues: list[ConfigIssue] = field(default_factory=list)
    # provenance stub of an optional suite whose data is absent (English: it goes into the run manifest)
    skipped: dict | None = None
    # for the console, in its language; evalkit/selection.py reads the skip notice of an optional suite
    # (_OPTIONAL_SKIP, _ENV_HINT) in either language
    notice: str | None = None


def read_records(source: Source, base: Path) -> RecordSet:
    if source.kind == "hf":
        from .hub import read_hf

        return read_hf(source, base)
    return read_local(source, base)


def _coerce(target: str, value: Any) -> Any:
    """A mapped value in the shape the Item field takes (CSV cells are text, labels may be ints)."""
    if target == "reference":
        if value is None or value == "" or value == []:
            return None
        if isinstance(value, (list, tuple)):
            return [str(v) for v in value if v is not None and str(v) != ""] or None
        return str(value)
    if target == "tags":
        if value is None or value == "":
            return []
        if isinstance(value, (list, tuple)):
            return [str(v) for v in value if v is not None and str(v) != ""]
        return [str(value)]
    if target in ("expect", "note"):
        return None if value in (None, "") else str(value)
    if target == "critical":
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    if target == "scorers":
        return None if value in (None, "", []) else value
    return value


class _Mapper:
    def __init__(self, mapping: dict[str, Any]):
        self.entries: list[tuple[str, Any]] = []
        self.problems: dict[str, str] = {}
        for key, value in mapping.items():
            try:
                self.entries.append((key, self._compile(value)))
            except TemplateProblem as exc:
                self.problems[key] = exc.message
        self.has_vars = any(k.startswith("vars.") for k in mapping)

    def _compile(self, value: Any) -> Any:
        if isinstance(value, str):
            return Compiled(value) if is_template(value) else value
        if isinstance(value, list):
            return [self._compile(v) for v in value]
        return value

    @staticmethod
    def _eval(compiled: Any, record: dict) -> Any:
        if isinstance(compiled, Compiled):
            return compiled(record)
        if isinstance(compiled, list):
            return [_Mapper._eval(c, record) for c in compiled]
        return compiled

    def item_data(self, record: dict, raw: dict) -> tuple[dict, tuple[str, str] | None]:
        data: dict[str, Any] = {"vars": {} if self.has_vars else dict(raw), "meta": {}}
        for key, compiled in self.entries:
            try:
                value = self._eval(compiled, record)
            except TemplateProblem as exc:
                return data, (key, exc.message)
            head, _, rest = key.partition(".")
            if head in ("vars", "meta") and rest:
                data[head][rest] = value
            else:
                value = _coerce(key, value)
                if value is not None:
                    data[key] = value
        return data, None


def _issue(loaded: Any, loc: tuple, message: str) -> ConfigIssue:
    return loaded.doc.issue(("source",) + loc, message)


def materialise(loaded: Any) -> Outcome:
    """Read ``loaded.model.source`` and append its items; an Outcome with issues or a skip notice."""
    suite: Suite = loaded.model
    source = suite.source
    out = Outcome()
    if source is None:
        return out
    n_inline = len(suite.items)
    base = Path(loaded.path).parent
    try:
        data = read_records(source, base)
    except SourceMissing as exc:
        if source.optional:
            out.notice = tr(
                f"{loaded.path}: スイート '{suite.id}' を除外しました（任意のデータソース）: {exc.message}",
                f"{loaded.path}: suite '{suite.id}' skipped (optional data source): {exc.message}",
            )
            reason = exc.recorded if isinstance(exc, Absent) else exc.message  # the manifest's is English
            out.skipped = {**describe(suite), "status": "skipped", "reason": reason}
            return out
        out.issues.append(_issue(loaded, (exc.field,), exc.message))
        return out
    except SourceError as exc:
        out.issues.append(_issue(loaded, (exc.field,), exc.message))
        return out

    n_records = len(data.records)
    preset_fn: Callable[[dict], dict] | None = None
    preset_mapping: dict[str, Any] = {}
    if source.preset is not None:
        preset_fn, preset_mapping = PRESETS[source.preset]
    mapping = {**preset_mapping, **source.mapping}
    records: list[tuple[dict, dict, str]] = []  # (record seen by templates, raw record, where)
    skipped = 0
    first_skip = ""  # in the console language
    first_skip_recorded = ""  # in English, for the manifest
    for raw, where in zip(data.records, data.where, strict=True):
        record = raw
        if preset_fn is not None:
            try:
                record = {**raw, source.preset: preset_fn(raw)}
            except ValueError as exc:
                skipped += 1
                if not first_skip:
                    first_skip = f"{where}: {exc}"
                    first_skip_recorded = f"{where}: {exc.en if isinstance(exc, Unusable) else exc}"
                continue
        records.append((record, raw, where))
    if preset_fn is not None and n_records and not records:
        out.issues.append(
            _issue(
                loaded,
                ("preset",),
                tr(
                    f"{source.preset} 形式に合うレコードが 1 件もありません（最初に除外したレコード: {first_skip}）",
                    f"no record is in {source.preset} format (first: {first_skip})",
                ),
            )
        )
        return out

    # filter
    if source.filter:
        try:
            keep = Compiled(source.filter, boolean=True)
        except TemplateProblem as exc:
            out.issues.append(_issue(loaded, ("filter",), exc.message))
            return out
        kept = []
        for entry in records:
            try:
                if keep(entry[0]):
                    kept.append(entry)
            except TemplateProblem as exc:
                out.issues.append(
                    _issue(
                        loaded,
                        ("filter",),
                        tr(
                            f"{exc.message}（{entry[2]}、レコードの項目: {field_names(entry[0])}）",
                            f"{exc.message} in {entry[2]}; record fields: {field_names(entry[0])}",
                        ),
                    )
                )
                return out
        records = kept
    n_filtered = len(records)

    # ids
    id_of: Callable[[dict], Any] | None = None
    if source.id:
        if is_template(source.id):
            try:
                template = Compiled(source.id, typed=False)
            except TemplateProblem as exc:
                out.issues.append(_issue(loaded, ("id",), exc.message))
                return out
            id_of = template
        else:
            name = source.id

            def id_of(record: dict) -> Any:
                if name not in record:
                    raise TemplateProblem(tr(f"項目 '{name}' がありません", f"no field '{name}'"))
                if record[name] in (None, ""):
                    raise TemplateProblem(tr(f"項目 '{name}' が空です", f"field '{name}' is empty"))
                return record[name]

    ids: list[str] = []
    seen: dict[str, str] = {}
    unique: list[tuple[dict, dict, str]] = []
    duplicates = 0
    for entry in records:
        record, raw, where = entry
        if id_of is None:
            item_id = content_id(raw)
            if item_id in seen:  # the very same record twice: one item
                duplicates += 1
                continue
        else:
            try:
                item_id = safe_id(id_of(record))
            except TemplateProblem as exc:
                out.issues.append(
                    _issue(
                        loaded,
                        ("id",),
                        tr(
                            f"{exc.message}（{where}、レコードの項目: {field_names(record)}）",
                            f"{exc.message} in {where}; record fields: {field_names(record)}",
                        ),
                    )
                )
                return out
            if item_id in seen:
                out.issues.append(
                    _issue(
                        loaded,
                        ("id",),
                        tr(
                            f"設問 id '{item_id}' が重複しています（{seen[item_id]} と {where}）。"
                            "値が重複しない項目又はテンプレートを指定してください",
                            f"duplicate item id '{item_id}' ({seen[item_id]} and "
                            f"{where}); choose a field or template that is unique",
                        ),
                    )
                )
                return out
        seen[item_id] = where
        ids.append(item_id)
        unique.append(entry)

    # sample, limit (file order is kept)
    order = list(range(len(unique)))
    sample = source.sample
    if sample and sample.n < len(order):
        chosen = sorted(order, key=lambda i: sample_rank(sample.seed, ids[i]))[: sample.n]
        order = sorted(chosen)
    if source.limit is not None:
        order = order[: source.limit]

    # mapping
    mapper = _Mapper(mapping)
    for key, message in mapper.problems.items():
        out.issues.append(_issue(loaded, ("mapping", key), message))
    if out.issues:
        return out
    items: list[Item] = []
    failures: dict[str, list] = {}
    for i in order:
        record, raw, where = unique[i]
        item_data, problem = mapper.item_data(record, raw)
        if problem is not None:
            key, message = problem
            failures.setdefault(key, [message, where, record, 0])[3] += 1
            continue
        item_data["id"] = ids[i]
        try:
            items.append(Item.model_validate(item_data))
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            loc = [str(p) for p in err["loc"]]
            key = ".".join(loc[:2]) if loc and loc[0] in ("vars", "meta") else (loc[0] if loc else "mapping")
            message = err["msg"].removeprefix("Value error, ")
            failures.setdefault(key if key in mapping else "", [f"{key}: {message}", where, record, 0])[3] += 1
    for key, (message, where, record, count) in failures.items():
        more = tr(f" ほか {count - 1} 件", f" (and {count - 1} more records)") if count > 1 else ""
        at = ("mapping", key) if key else ("mapping",)
        out.issues.append(
            _issue(
                loaded,
                at,
                tr(
                    f"{message}（{where}{more}、レコードの項目: {field_names(record)}）",
                    f"{message} in {where}{more}; record fields: {field_names(record)}",
                ),
            )
        )
    if out.issues:
        return out
    suite.items.extend(items)
    info = describe(suite)
    info.update(
        {
            "status": "loaded",
            "files": [f.as_dict() for f in data.files],
            **{k: v for k, v in data.origin.items() if k not in info or v is not None},
            "n_records": n_records,
            "n_skipped": skipped,
            "n_duplicates": duplicates,
            "n_filtered": n_filtered,
            "n_items": len(items),
            "n_inline": n_inline,
            "items_sha256": sha256_json([it.model_dump(mode="json") for it in items]),
        }
    )
    if skipped:
        info["first_skipped"] = first_skip_recorded
        out.notice = tr(
            f"{loaded.path}: {n_records} 件中 {skipped} 件のレコードは {source.preset} 形式に合わないため除外しました"
            f"（最初に除外したレコード: {first_skip}）",
            f"{loaded.path}: {skipped} of {n_records} records are not in {source.preset} format and were "
            f"skipped (first: {first_skip})",
        )
    suite._dataset = info
    return out


def describe(suite: Suite) -> dict:
    """What the manifest records of a suite's source before it is read."""
    source = suite.source
    assert source is not None, "materialise describes only suites that have a source"
    entry = {
        "suite": suite.id,
        "title": suite.title,
        "kind": source.kind,
        "preset": source.preset,
        "path": source.path,
        "records": source.records,
        "config": source.name,
        "split": source.split,
        "revision": source.revision,
        "data_files": source.data_files,
        "filter": source.filter,
        "sample": source.sample.model_dump() if source.sample else None,
        "limit": source.limit,
        "attribution": suite.attribution,
    }
    if source.kind == "hf" and source.data_files is None and source.path:
        entry["hub_id"] = None  # filled by the reader when path is a hub id
    return entry
