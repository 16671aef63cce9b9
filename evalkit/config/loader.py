"""Load and validate criteria, suites and vendors, collecting every issue at once."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import jinja2
from pydantic import BaseModel, ValidationError

from ..collector import paused
from ..i18n import tr
from .attestation import AttestationFile
from .criteria import CriteriaFile
from .issues import ConfigError, ConfigIssue, path_issue
from .partial import Partial, partial_model
from .schema_errors import issues_from_validation
from .suite import ScorerSpec, Suite
from .templates import compile_template, render, template_line
from .vendor import Vendor, looks_like_secret
from .yamlpos import Loc, Located, format_loc, load_yaml

if TYPE_CHECKING:  # scorers import config: at run time they are imported late, where used
    from ..scorers.base import Scorer

M = TypeVar("M", bound=BaseModel)
YAML_SUFFIXES = (".yaml", ".yml")
SEALED_SUFFIX = ".sealed"  # an encrypted suite (evalkit.integrity.sealed), opened in memory with its key
SOURCE_ISSUE_CAP = 10  # problems reported per suite for items read from its source


@dataclass
class Loaded:
    """A validated model with the positions of its source."""

    model: Any
    doc: Located
    # Set when the file did not validate: ``model`` then holds only the fields that did (an
    # unvalidated model for the cross-checks; it never joins a Workspace's suites or vendors).
    partial: Partial | None = None

    @property
    def path(self) -> Path:
        return self.doc.path

    def usable(self, name: str) -> bool:
        """Field ``name`` of ``model`` is set (thinned, for a list field of a partial model)."""
        return self.partial is None or self.partial.usable(name)

    def complete(self, name: str) -> bool:
        """Field ``name`` of ``model`` is set with everything the file wrote in it."""
        return self.partial is None or self.partial.complete(name)

    def file_index(self, name: str, index: int) -> int:
        """The index in the file of element ``index`` of list field ``name`` of ``model``."""
        return index if self.partial is None else self.partial.file_index(name, index)


@dataclass
class Workspace:
    criteria: Loaded | None = None
    suites: list[Loaded] = field(default_factory=list)
    vendors: list[Loaded] = field(default_factory=list)
    attestation: list[Loaded] = field(default_factory=list)  # questionnaires (suites/attestation/)
    issues: list[ConfigIssue] = field(default_factory=list)
    # One line each, for the user: suites skipped because their optional data is absent, records a
    # preset could not use. Not printed here: the verbs decide where notices go.
    notices: list[str] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)  # provenance stubs of the skipped suites
    # sealed suites opened with their key: suite id -> SealInfo (header, hashes; keys in memory only)
    sealed: dict[str, Any] = field(default_factory=dict)

    def raise_if_issues(self) -> None:
        if self.issues:
            raise ConfigError(self.issues)


def _validate(doc: Located, model: type[M]) -> tuple[M | None, list[ConfigIssue], ValidationError | None]:
    try:
        with paused():  # a model per item, all kept: nothing for the collector (collector.py)
            return model.model_validate(doc.data), [], None
    except ValidationError as exc:
        return None, issues_from_validation(doc, exc, model), exc


def _secret_scan(doc: Located, node: Any, loc: Loc = ()) -> list[ConfigIssue]:
    """Any literal that looks like an API key is an error (the value is never echoed)."""
    issues: list[ConfigIssue] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if looks_like_secret(key):
                # The key itself is the secret: name its parent, never the key.
                line, col = doc.pos(loc + (key,), key=True)
                issues.append(
                    ConfigIssue(
                        str(doc.path),
                        line,
                        col,
                        format_loc(loc),
                        tr(
                            "キーが API キーらしい値です。"
                            "キーは環境変数に入れ、その変数名を api_key_env に書いてください",
                            "a key looks like a literal API key; keep keys in the environment "
                            "and name the variable in api_key_env",
                        ),
                    )
                )
                continue
            issues += _secret_scan(doc, value, loc + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            issues += _secret_scan(doc, value, loc + (i,))
    elif looks_like_secret(node):
        issues.append(
            doc.issue(
                loc,
                tr(
                    "API キーらしい値です。キーは環境変数に入れ、その変数名を api_key_env に書いてください",
                    "looks like a literal API key; keep keys in the environment and name the variable in api_key_env",
                ),
            )
        )
    return issues


def load_model(
    path: Path, model: type[M], text: str | None = None, *, partial: bool = False
) -> tuple[Loaded | None, list[ConfigIssue]]:
    """``text``: the file's content when it is not read from ``path`` (a sealed suite's plaintext);
    ``partial``: as for ``model_from_doc``."""
    doc, issues = load_yaml(path, text)
    if doc is None:
        return None, issues
    return model_from_doc(doc, model, partial=partial)


def model_from_doc(doc: Located, model: type[M], *, partial: bool = False) -> tuple[Loaded | None, list[ConfigIssue]]:
    """Validate a parsed document as ``model`` (vendor files are scanned for literal keys first).

    A document that does not validate gives None, or with ``partial`` a Loaded whose ``partial`` is
    set: the fields that validated, for the cross-checks (``partial_model``), so one pass reports
    a file's schema errors and the problems the cross-checks find in the rest of it."""
    if model is Vendor:
        issues = _secret_scan(doc, doc.data)
        if issues:
            # A file holding a secret is not validated further: its content must not spread.
            return None, issues
    obj, issues, exc = _validate(doc, model)
    if obj is not None:
        if model is not CriteriaFile:
            doc.data = None  # the model holds it now; positions come from doc.text if ever needed
        return Loaded(obj, doc), issues
    salvaged = partial_model(doc.data, model, exc) if partial and exc is not None else None
    if salvaged is None:
        return None, issues
    return Loaded(salvaged[0], doc, partial=salvaged[1]), issues


# The kinds a caller may impose on a file (``load_workspace(kinds=...)``), and their models.
KIND_MODELS: dict[str, type[BaseModel]] = {"suite": Suite, "vendor": Vendor, "attestation": AttestationFile}
# Folder names that say what the files below them are; the nearest one to the file wins.
FOLDER_KINDS = {"vendors": "vendor", "attestation": "attestation", "suites": "suite"}


@dataclass(frozen=True)
class Entry:
    """A file to load: where it was found and, when the caller said so, what it is."""

    path: Path
    root: Path | None = None  # the directory argument it was found under (None: given itself)
    kind: str | None = None  # imposed by the caller (kinds=...); wins over the path and content


def _inside(path: str, base: str) -> tuple[str, ...] | None:
    """The parts of ``path`` below ``base`` (both absolute), or None when it is not below."""
    rel = os.path.relpath(path, base)
    if rel == os.curdir:
        return ()
    if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
        return None
    return tuple(Path(rel).parts)


def folder_segments(path: Path, root: Path | None = None) -> tuple[str, ...]:
    """The folder names that may say what ``path`` is.

    Only the folders from the workspace down count, never the absolute ancestors of a workspace
    (a checkout under ``~/vendors/ws/`` does not make its suites vendor files): the folders of the
    directory argument ``root`` (or, for a file given itself, of its folder) relative to the current
    directory when it is inside it, else that folder's own name; then the folders from ``root`` down
    to the file."""
    base = os.path.abspath(root if root is not None else Path(path).parent)
    below = _inside(base, os.path.abspath(os.curdir))
    if below is None:
        below = (os.path.basename(base),) if os.path.basename(base) else ()
    if root is None:
        return below
    inner = _inside(os.path.abspath(Path(path).parent), base)
    return below + (inner or ())


def path_kind(path: Path, root: Path | None = None) -> str | None:
    """What the path alone says: sealed / criteria by name, else the nearest telling folder, else None."""
    path = Path(path)
    if path.suffix == SEALED_SUFFIX:
        return "sealed"
    if path.name in ("criteria.yaml", "criteria.yml"):
        return "criteria"
    for name in reversed(folder_segments(path, root)):
        if name in FOLDER_KINDS:
            return FOLDER_KINDS[name]
    return None


def content_kind(data: Any) -> str:
    """What a parsed file is, when its path does not say: a mapping with no ``prompt`` that has
    ``provider`` (or ``base_url`` / ``api_key_env`` and no ``items``) is a vendor file, one with
    ``checks`` and neither ``prompt`` nor ``items`` is a questionnaire; anything else is read as a suite."""
    if isinstance(data, dict) and "prompt" not in data:
        # a vendor file missing a required key is still a vendor file: read it as one, so its errors
        # are the vendor schema's (model is required), not a suite's dozen
        if (
            "provider" in data
            or ("base_url" in data and "items" not in data)
            or ("api_key_env" in data and "items" not in data)
        ):
            return "vendor"
        if "checks" in data and "items" not in data:
            return "attestation"
    return "suite"


def classify(path: Path, data: Any = None, *, root: Path | None = None, kind: str | None = None) -> str:
    """criteria / attestation / vendor / suite / sealed.

    ``kind`` (imposed by the caller) wins; then the file name (``*.sealed``, ``criteria.yaml``); then
    the nearest folder named ``vendors``, ``attestation`` or ``suites`` among the folders from the
    workspace down (``root``: the directory argument the file was found under); then the content
    (``data``, the parsed file) when given; else suite."""
    path = Path(path)
    if kind is not None:
        return "sealed" if path.suffix == SEALED_SUFFIX and kind == "suite" else kind
    found = path_kind(path, root)
    if found is not None:
        return found
    return content_kind(data) if data is not None else "suite"


PathLike: TypeAlias = "str | os.PathLike[str]"


def _check_kinds(kinds: Mapping[PathLike, str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for where, kind in (kinds or {}).items():
        if kind not in KIND_MODELS:
            raise ValueError(f"unknown kind {kind!r} for {where} (known: {', '.join(KIND_MODELS)})")
        out[os.path.abspath(where)] = kind
    return out


def expand_entries(
    paths: Iterable[PathLike], kinds: Mapping[PathLike, str] | None = None
) -> tuple[list[Entry], list[ConfigIssue]]:
    """The files under ``paths`` (directories are walked), once each, with the directory argument
    each was found under. ``kinds`` maps files or directories to the kind of every file they name
    ("suite", "vendor", "attestation"); those not among ``paths`` are added to them."""
    imposed = _check_kinds(kinds)
    args = [Path(p) for p in paths]
    given = {os.path.abspath(p) for p in args}
    args += [Path(p) for p in (kinds or {}) if os.path.abspath(p) not in given]
    entries: list[Entry] = []
    issues: list[ConfigIssue] = []
    for arg in args:
        kind = imposed.get(os.path.abspath(arg))
        if arg.is_dir():
            entries += [
                Entry(p, arg, kind)
                for p in sorted(arg.rglob("*"))
                if p.suffix in YAML_SUFFIXES + (SEALED_SUFFIX,) and p.is_file()
            ]
        elif arg.is_file():
            entries.append(Entry(arg, None, kind))
        else:
            issues.append(path_issue(arg, tr("ファイル又はフォルダが見つかりません", "no such file or directory")))
    # a file named in kinds keeps its kind wherever it is found (e.g. also under a directory argument)
    by_file = {}
    for where, kind in imposed.items():
        if os.path.isfile(where):
            by_file[Path(where).resolve()] = kind
    seen: dict[Path, int] = {}
    unique: list[Entry] = []
    for entry in entries:
        key = entry.path.resolve()
        kind = by_file.get(key, entry.kind)
        if key in seen:
            first = unique[seen[key]]
            if first.kind is None and kind is not None:
                unique[seen[key]] = Entry(first.path, first.root, kind)
            continue
        seen[key] = len(unique)
        unique.append(Entry(entry.path, entry.root, kind))
    return unique, issues


def expand_paths(paths: Iterable[PathLike]) -> tuple[list[Path], list[ConfigIssue]]:
    entries, issues = expand_entries(paths)
    return [e.path for e in entries], issues


def find_criteria(files: list[Path]) -> Path | None:
    for f in files:
        for parent in [f.parent, *f.parent.parents]:
            for name in ("criteria.yaml", "criteria.yml"):
                if (parent / name).is_file():
                    return parent / name
            if (parent / "suites" / "criteria.yaml").is_file():
                return parent / "suites" / "criteria.yaml"
    default = Path("suites/criteria.yaml")
    return default if default.is_file() else None


def load_workspace(
    paths: Iterable[PathLike],
    criteria_path: Path | None = None,
    *,
    check_items: bool = True,
    key_env: str | None = None,
    sealed: str = "open",
    kinds: Mapping[PathLike, str] | None = None,
) -> Workspace:
    """Load every file under ``paths`` and cross-check them. Issues are collected, not raised.

    What each file is comes from ``kinds`` when the caller says so (``{Path("../acme.yaml"):
    "vendor"}``: a file given as ``--vendor FILE`` is always read as a vendor file, wherever it is;
    a directory applies its kind to every file below it; entries not among ``paths`` are loaded
    too), else from its name and the folders from the workspace down, else from its content
    (``classify``).

    Sealed suites (``*.sealed``) are decrypted in memory with the key in the environment variable
    their header names (or ``key_env``); a missing or wrong key or a modified file raises a one-line
    SealError (a UsageError). ``sealed="skip"`` leaves them out with a notice (vendor self-tests)."""
    entries, issues = expand_entries(paths, kinds)
    ws = Workspace(issues=issues)
    crit_files = [e.path for e in entries if classify(e.path, root=e.root, kind=e.kind) == "criteria"]
    if criteria_path is None:
        criteria_path = crit_files[0] if crit_files else find_criteria([e.path for e in entries])
    if criteria_path is not None:
        crit, found = load_model(criteria_path, CriteriaFile, partial=True)
        ws.issues += found
        if crit is not None:
            ws.issues += check_criteria(crit)  # reads the file's data: runs whether it validated or not
            # a tree that did not validate is not one to check references against
            ws.criteria = crit if crit.partial is None else None
    # files that did not validate, by kind: cross-checked with the others, never used further
    partials: dict[str, list[Loaded]] = {"suite": [], "vendor": [], "attestation": []}
    for entry in entries:
        f = entry.path
        kind = entry.kind or path_kind(f, entry.root)
        if kind == "criteria":
            continue
        if kind == "sealed" or (kind == "suite" and f.suffix == SEALED_SUFFIX):
            if sealed == "skip":
                ws.notices.append(
                    tr(
                        f"{f}: 封印スイートは除外しました（このコマンドは封印スイートを扱いません）",
                        f"{f}: sealed suite left out (sealed suites are not part of this command)",
                    )
                )
                continue
            sealed_partial = _load_sealed(ws, f, key_env)
            if sealed_partial is not None:
                partials["suite"].append(sealed_partial)
            continue
        doc, found = load_yaml(f)
        if doc is None:
            ws.issues += found
            continue
        if kind is None:  # the path says nothing: the content decides
            kind = content_kind(doc.data)
        loaded, found = model_from_doc(doc, KIND_MODELS[kind], partial=True)
        ws.issues += found
        if loaded is None:
            continue
        if loaded.partial is not None:
            partials[kind].append(loaded)
            continue
        if kind == "attestation":
            ws.attestation.append(loaded)
            continue
        if kind == "suite":
            ws.issues += read_documents(loaded)
        if kind == "suite" and loaded.model.source is not None and not _materialise(ws, loaded):
            continue  # an optional source whose data is absent: the suite is skipped
        (ws.vendors if kind == "vendor" else ws.suites).append(loaded)
    for suite_file in ws.suites:  # robustness variants (evalkit/data/variants.py), sealed suites too
        ws.issues += _derive_variants(suite_file)
    all_suites = ws.suites + partials["suite"]
    ws.issues += check_unique(all_suites, tr("スイート", "suite"))
    ws.issues += check_unique(ws.vendors + partials["vendor"], tr("ベンダー", "vendor"))
    ws.issues += check_unique(ws.attestation + partials["attestation"], tr("申告質問票", "attestation questionnaire"))
    for questionnaire in ws.attestation + partials["attestation"]:
        ws.issues += check_attestation(questionnaire, ws.criteria)
    if all_suites and ws.criteria is None and criteria_path is None:
        first = all_suites[0]
        ws.issues.append(
            ConfigIssue(
                str(first.path),
                1,
                1,
                "criterion",
                tr(
                    "スイートと同じ場所に criteria.yaml がありません。--criteria FILE で指定してください",
                    "no criteria.yaml found next to the suites; pass --criteria FILE",
                ),
            )
        )
    for suite in all_suites:
        ws.issues += _check_suite_once(
            suite, ws.criteria, check_items, sealed=getattr(suite.model, "id", None) in ws.sealed
        )
    return ws


def _check_suite_once(loaded: Loaded, criteria: Loaded | None, check_items: bool, *, sealed: bool) -> list[ConfigIssue]:
    """``check_suite``, skipped for a suite the same code found clean before with the same criteria
    (evalkit/cache.py): the suite as validated, its items wherever they were read from, included.
    Partial files, partial criteria and sealed suites are always checked and never kept."""
    from ..cache import clean_once

    uncached = sealed or loaded.partial is not None or (criteria is not None and criteria.partial is not None)

    def inputs() -> dict[str, Any]:  # (dumps the whole suite: called only when the cache is on)
        with paused():  # a dict per item, all kept until hashed (collector.py)
            return {
                "suite": loaded.model.model_dump(mode="json"),
                "criteria": criteria.model.model_dump(mode="json") if criteria is not None else None,
                "check_items": check_items,
            }

    issues, _ = clean_once(
        "suite-check",
        None if uncached else inputs,
        lambda: (check_suite(loaded, criteria, check_items=check_items), []),
    )
    return issues


def _load_sealed(ws: Workspace, path: Path, key_env: str | None) -> Loaded | None:
    """Decrypt a sealed suite in memory and load it like a suite file (positions refer to the
    plaintext's lines). The plaintext is never written anywhere. Returns the partial suite of a
    plaintext that did not validate (for the cross-checks), else None."""
    from .sealed_files import header_problems, open_sealed

    plaintext, info = open_sealed(path, key_env)
    loaded, found = load_model(path, Suite, text=plaintext.decode("utf-8"), partial=True)
    ws.issues += found
    if loaded is None:
        return None
    if loaded.usable("source") and loaded.model.source is not None:
        ws.issues.append(
            loaded.doc.issue(
                ("source",),
                tr(
                    "封印スイートはデータソースを読めません（問題が平文のままディスクに残るため）。"
                    "問題をファイル内に書いてから封印し直してください",
                    "a sealed suite cannot read a data source (its items would "
                    "stay in clear on disk); inline the items and seal again",
                ),
            )
        )
        return None
    if loaded.partial is not None:
        return loaded  # its header is checked against the whole suite, once it validates
    documents = read_documents(loaded, sealed=True)
    if documents:
        ws.issues += documents
        return None
    for problem in header_problems(info.header, loaded.model):
        ws.issues.append(ConfigIssue(str(path), 1, 1, "(sealed header)", problem))
    ws.sealed[loaded.model.id] = info
    ws.suites.append(loaded)
    return None


MAX_DOCUMENT_BYTES = 4 * 1024 * 1024


def read_documents(loaded: Loaded, *, sealed: bool = False) -> list[ConfigIssue]:
    """Fill in the text of every document given as ``file:`` (UTF-8, relative to the suite file's
    folder). A sealed suite reads none: the passage would stay in clear on disk beside it."""
    issues: list[ConfigIssue] = []
    folder = Path(loaded.path).parent
    for i, item in enumerate(loaded.model.items):
        for j, document in enumerate(item.documents):
            if document.file is None:
                continue
            loc = ("items", i, "documents", j, "file")
            if sealed:
                issues.append(
                    loaded.doc.issue(
                        loc,
                        tr(
                            "封印スイートは資料をファイルから読めません（本文をファイル内に書いてから封印し直してください）",
                            "a sealed suite cannot read documents from files; inline the text and seal again",
                        ),
                    )
                )
                continue
            path = folder / document.file
            try:
                if path.stat().st_size > MAX_DOCUMENT_BYTES:
                    raise ValueError(
                        tr(f"{MAX_DOCUMENT_BYTES:,} バイトを超えています", f"larger than {MAX_DOCUMENT_BYTES:,} bytes")
                    )
                document.text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                issues.append(
                    loaded.doc.issue(
                        loc,
                        tr(
                            f"資料のファイル {path} を読めません: {reason}",
                            f"cannot read document file {path}: {reason}",
                        ),
                    )
                )
    return issues


def _derive_variants(loaded: Loaded) -> list[ConfigIssue]:
    """Derive the items of the suite's ``variants`` into ``variant_items`` (evalkit/data/variants.py)."""
    from ..data.variants import apply

    return apply(loaded.model, loaded.doc.issue)


def _materialise(ws: Workspace, loaded: Loaded) -> bool:
    """Read the suite's data source into its items (evalkit.data); False when the suite is skipped."""
    from ..data import materialise

    outcome = materialise(loaded)
    ws.issues += outcome.issues
    if outcome.notice:
        ws.notices.append(outcome.notice)
    if outcome.skipped is not None:
        ws.skipped.append(outcome.skipped)
        return False
    return True


def check_criteria(crit: Loaded) -> list[ConfigIssue]:
    """Criterion ids are unique over the tree. Reads the file's data, so it runs on a tree that did
    not validate too (nodes and ids of the wrong type are the schema's to report)."""
    issues: list[ConfigIssue] = []
    seen: dict[str, Loc] = {}

    def visit(node_data: Any, loc: Loc) -> None:
        if not isinstance(node_data, dict):
            return
        node_id = node_data.get("id")
        if not isinstance(node_id, str):
            pass
        elif node_id in seen:
            first_line = crit.doc.pos(seen[node_id])[0]
            issues.append(
                crit.doc.issue(
                    loc + ("id",),
                    tr(
                        f"評価項目 id '{node_id}' が重複しています（最初は {first_line} 行目）",
                        f"duplicate criterion id '{node_id}' (first on line {first_line})",
                    ),
                )
            )
        else:
            seen[node_id] = loc + ("id",)
        children = node_data.get("children")
        for i, child in enumerate(children if isinstance(children, list) else []):
            visit(child, loc + ("children", i))

    visit(crit.doc.data, ())
    return issues


def check_unique(loaded: list[Loaded], what: str) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    first: dict[str, Loaded] = {}
    for item in loaded:
        if not item.usable("id"):
            continue  # a partial model whose id did not validate
        ident = item.model.id
        if ident in first:
            other = first[ident]
            line = other.doc.pos(("id",))[0]
            issues.append(
                item.doc.issue(
                    ("id",),
                    tr(
                        f"{what} id '{ident}' が重複しています（{other.path}:{line} にもあります）",
                        f"duplicate {what} id '{ident}' (also in {other.path}:{line})",
                    ),
                )
            )
        else:
            first[ident] = item
    return issues


def _render_problem(source: str, variables: dict[str, Any], what: str) -> str | None:
    """Why template ``source`` (``what``, for the message) does not render with ``variables``, or None."""
    try:
        render(source, variables)
    except jinja2.UndefinedError as exc:
        return tr(f"{what} を描画できません: {exc.message}", f"{what} does not render: {exc.message}")
    except Exception as exc:  # noqa: BLE001 — a template is user input: any failure is its error
        line = template_line(exc)
        where = tr(f"（テンプレートの {line} 行目）", f" (line {line} of the template)") if line else ""
        detail = str(exc) if isinstance(exc, jinja2.TemplateError) else f"{type(exc).__name__}: {exc}"
        return tr(f"{what} を描画できません{where}: {detail}", f"{what} does not render{where}: {detail}")
    return None


def _template_issue(doc: Located, loc: Loc, exc: jinja2.TemplateSyntaxError) -> ConfigIssue:
    line, col = doc.pos(loc)
    # Template lines are file lines only in a block scalar, whose text starts below the indicator.
    offset = (exc.lineno or 1) if loc in doc.block_scalar else 0
    return ConfigIssue(
        str(doc.path),
        line + offset,
        col if offset == 0 else 1,
        format_loc(loc),
        tr(f"テンプレートの構文エラー: {exc.message}", f"template syntax error: {exc.message}"),
    )


def check_leaf(doc: Located, criterion: str, criteria: Loaded | None, what: str) -> list[ConfigIssue]:
    """``criterion`` must name a leaf of the criteria tree (with a did-you-mean when it does not exist)."""
    if criteria is None:
        return []
    import difflib

    nodes = criteria.model.nodes()
    node = nodes.get(criterion)
    if node is None:
        close = difflib.get_close_matches(criterion, list(nodes), n=1, cutoff=0.6)
        hint = tr(f"（'{close[0]}' の誤りではありませんか）", f" (did you mean '{close[0]}'?)") if close else ""
        return [
            doc.issue(
                ("criterion",),
                tr(
                    f"評価項目 '{criterion}' は {criteria.path} にありません{hint}",
                    f"unknown criterion '{criterion}' in {criteria.path}{hint}",
                ),
            )
        ]
    if not node.is_leaf:
        leaves = [c.id for c, _, _ in node.walk() if c.is_leaf]
        return [
            doc.issue(
                ("criterion",),
                tr(
                    f"評価項目 '{criterion}' は末端ではありません。"
                    f"{what}は '{leaves[0]}' のような末端の評価項目に付けてください",
                    f"criterion '{criterion}' is not a leaf; {what} hang off leaves such as '{leaves[0]}'",
                ),
            )
        ]
    return []


def check_suite(loaded: Loaded, criteria: Loaded | None, *, check_items: bool = True) -> list[ConfigIssue]:
    from ..scorers import REGISTRY, build  # scorers import config; import late to avoid a cycle

    suite: Suite = loaded.model
    doc = loaded.doc
    issues: list[ConfigIssue] = []
    # A partial suite (a file that did not validate) is checked on the fields that did: a check
    # that needs a field left out is skipped (``usable``), one that needs all of a list that lost
    # elements too (``complete``).
    if loaded.usable("criterion"):
        issues += check_leaf(doc, suite.criterion, criteria, tr("スイート", "suites"))
    if loaded.complete("items") and loaded.usable("source") and not suite.items and suite.source is None:
        issues.append(
            doc.issue(
                ("items",),
                tr(
                    "スイートには問題が 1 問以上必要です（items に書くか source で読み込んでください）",
                    "a suite needs at least one item (inline items or a source)",
                ),
            )
        )
    templates_ok = True
    template_names = [name for name in ("prompt", "system_prompt") if loaded.usable(name)]
    for name in template_names:
        source = getattr(suite, name)
        if source is None:
            continue
        try:
            compile_template(source)
        except jinja2.TemplateSyntaxError as exc:
            templates_ok = False
            issues.append(_template_issue(doc, (name,), exc))

    def scorer_list(specs: list[ScorerSpec], loc: Loc, field: str | None = None) -> list[Scorer]:
        """The scorers built from ``specs`` (at ``loc``; ``field``: the top-level list they are)."""
        built: list[Scorer] = []
        for position, spec in enumerate(specs):
            i = loaded.file_index(field, position) if field is not None else position
            if spec.kind not in REGISTRY:
                import difflib

                close = difflib.get_close_matches(spec.kind, list(REGISTRY), n=1, cutoff=0.5)
                hint = (
                    tr(f"（'{close[0]}' の誤りではありませんか）", f" (did you mean '{close[0]}'?)")
                    if close
                    else tr(
                        f"（使える種類: {', '.join(sorted(REGISTRY))}）", f" (known: {', '.join(sorted(REGISTRY))})"
                    )
                )
                issues.append(
                    doc.issue(
                        loc + (i, "kind"),
                        tr(f"不明な採点器の種類 '{spec.kind}'{hint}", f"unknown scorer kind '{spec.kind}'{hint}"),
                    )
                )
                continue
            try:
                built.append(build(spec.kind, spec.params))
            except ValidationError as exc:
                issues.extend(
                    issues_from_validation(
                        doc, exc, REGISTRY[spec.kind].Params, prefix=loc + (i, "params"), data=spec.params
                    )
                )
        return built

    # the suite's scorers; when they did not validate, items without their own are not scorer-checked
    suite_scorers = scorer_list(suite.scorers, ("scorers",), "scorers") if loaded.usable("scorers") else []
    from ..data import n_inline  # items past the inline ones came from the source block

    # a partial suite's source is never read: all its items are inline (indexes below are the file's)
    inline = n_inline(suite) if loaded.partial is None else sys.maxsize
    from_source: list[ConfigIssue] = []  # problems of source items: point at `source`, capped
    seen: dict[str, int] = {}
    for position, item in enumerate(suite.items):
        index = loaded.file_index("items", position)  # where the item is written in the file
        loc: Loc = ("items", index) if index < inline else ("source",)
        sink = issues if index < inline else from_source
        what = "" if index < inline else tr(f"問題 '{item.id}': ", f"item '{item.id}': ")
        if item.id in seen:
            first = seen[item.id]
            where = (
                tr(
                    f"最初は {doc.pos(('items', first, 'id'))[0]} 行目",
                    f"first on line {doc.pos(('items', first, 'id'))[0]}",
                )
                if first < inline
                else tr("データソースからも読み込まれています", "also read from the source")
            )
            sink.append(
                doc.issue(
                    loc + ("id",) if index < inline else loc,
                    tr(
                        f"{what}問題 id '{item.id}' が重複しています（{where}）",
                        f"{what}duplicate item id '{item.id}' ({where})",
                    ),
                )
            )
        else:
            seen[item.id] = index
        if not check_items:
            continue
        scorers = scorer_list(item.scorers, loc + ("scorers",)) if item.scorers is not None else suite_scorers
        for scorer in scorers:
            problem = scorer.check_item(item)
            if problem:
                sink.append(
                    doc.issue(
                        loc, tr(f"{what}採点器 '{scorer.kind}': {problem}", f"{what}scorer '{scorer.kind}' {problem}")
                    )
                )
        if templates_ok:
            for name in template_names:
                source = getattr(suite, name)
                problem = _render_problem(source, item.template_vars(), f"{what}{name}") if source else None
                if problem:
                    sink.append(doc.issue(loc + ("vars",) if index < inline else ("source", "mapping"), problem))
        for k, turn in enumerate(item.turns):  # a conversation's user messages are templates too (inline only)
            if turn.user is None:
                continue
            turn_loc = loc + ("turns", k, "user")
            try:
                compile_template(turn.user)
            except jinja2.TemplateSyntaxError as exc:
                sink.append(_template_issue(doc, turn_loc, exc))
                continue
            problem = _render_problem(turn.user, item.template_vars(), "user")
            if problem:
                sink.append(doc.issue(turn_loc, problem))
    # counterfactual groups as a whole (not when a member or a group scorer may have been left out)
    if check_items and loaded.complete("items") and loaded.complete("scorers"):
        from ..scorers.counterfactual import group_issues

        issues += group_issues(loaded.model, loaded.doc)
    shown = sorted(set(from_source), key=from_source.index)
    issues += shown[:SOURCE_ISSUE_CAP]
    if len(shown) > SOURCE_ISSUE_CAP:
        issues.append(
            doc.issue(
                ("source",),
                tr(
                    f"ほかにも問題があります: データソースから読んだ {len(shown) - SOURCE_ISSUE_CAP} 問（表示を省略）",
                    f"more problems: {len(shown) - SOURCE_ISSUE_CAP} further items read from the source (not shown)",
                ),
            )
        )
    return issues


def check_attestation(loaded: Loaded, criteria: Loaded | None) -> list[ConfigIssue]:
    """Cross-checks of a questionnaire: its criterion is a leaf of the tree, check ids are unique,
    every field (and every field in ``when``) exists on the vendor Attestation model, and every
    required value is one a vendor could declare for that field."""
    import difflib

    from .attestation import ATTESTATION_FIELDS, field_type_problem, is_numeric_field

    q: AttestationFile = loaded.model
    doc = loaded.doc
    issues: list[ConfigIssue] = []
    if loaded.usable("criterion"):  # a partial questionnaire is checked on the fields that validated
        issues += check_leaf(doc, q.criterion, criteria, tr("申告質問票", "questionnaires"))

    def unknown_field(name: str, loc: Loc) -> None:
        close = difflib.get_close_matches(name, ATTESTATION_FIELDS, n=1, cutoff=0.6)
        hint = (
            tr(f"（'{close[0]}' の誤りではありませんか）", f" (did you mean '{close[0]}'?)")
            if close
            else tr(f"（使える項目: {', '.join(ATTESTATION_FIELDS)}）", f" (known: {', '.join(ATTESTATION_FIELDS)})")
        )
        issues.append(
            doc.issue(
                loc,
                tr(
                    f"ベンダーファイルの申告項目に '{name}' はありません{hint}",
                    f"unknown attestation field '{name}' of the vendor files{hint}",
                ),
            )
        )

    seen: dict[str, int] = {}
    for position, check in enumerate(q.checks if loaded.usable("checks") else []):
        index = loaded.file_index("checks", position)  # where the check is written in the file
        loc: Loc = ("checks", index)
        if check.id in seen:
            line = doc.pos(("checks", seen[check.id], "id"))[0]
            issues.append(
                doc.issue(
                    loc + ("id",),
                    tr(
                        f"確認項目 id '{check.id}' が重複しています（最初は {line} 行目）",
                        f"duplicate check id '{check.id}' (first on line {line})",
                    ),
                )
            )
        else:
            seen[check.id] = index
        if check.field not in ATTESTATION_FIELDS:
            unknown_field(check.field, loc + ("field",))
        else:
            if check.expect is not None:
                values = check.expect if isinstance(check.expect, list) else [check.expect]
                for value in values:
                    problem = field_type_problem(check.field, value)
                    if problem:
                        issues.append(doc.issue(loc + ("expect",), problem))
                        break
            if check.max is not None and not is_numeric_field(check.field):
                issues.append(
                    doc.issue(
                        loc + ("max",),
                        tr(
                            f"'max' は数値の項目にしか使えません（'{check.field}' は数値ではありません）",
                            f"'max' needs a numeric field; '{check.field}' is not one",
                        ),
                    )
                )
        for name, accepted in check.when.items():
            if name not in ATTESTATION_FIELDS:
                unknown_field(name, loc + ("when", name))
                continue
            if name == check.field:
                issues.append(
                    doc.issue(
                        loc + ("when", name),
                        tr(
                            "確認項目の条件に、その確認項目自身の項目は使えません",
                            "a check cannot be conditional on its own field",
                        ),
                    )
                )
                continue
            for condition in accepted if isinstance(accepted, list) else [accepted]:
                problem = field_type_problem(name, condition)
                if problem:
                    issues.append(doc.issue(loc + ("when", name), problem))
                    break
    return issues
