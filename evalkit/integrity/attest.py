"""Attestation answers: from the vendor file, or from a separate answers file.

An answers file (``--attestation FILE``) is a YAML mapping of the fields of a vendor file's
``attestation`` block, plus ``vendor: ID`` when the command has more than one vendor::

    vendor: acme-llm
    deployment: government_cloud
    data_residency: japan
    trains_on_inputs: false

Errors are positioned (``file:line:col: field: message``, with did-you-mean for unknown fields).
A field answered in both the vendor file and the answers file must agree; otherwise it is an error
(an answer is never silently replaced). Answers are checked against the questionnaires in
``suites/attestation/``; unanswered checks are flagged before the run and count as 未回答 (never
compliant) in the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from ..config.criteria import ID_PATTERN
from ..config.issues import ConfigError, ConfigIssue
from ..config.loader import Loaded
from ..config.schema_errors import issues_from_validation
from ..config.vendor import Attestation
from ..config.yamlpos import load_yaml
from ..i18n import tr
from .hashing import sha256_file


class AttestationAnswers(Attestation):
    """An answers file: the attestation fields, and the vendor they are for."""

    vendor: str | None = Field(
        default=None, pattern=ID_PATTERN, description="Vendor id (needed when the command has more than one vendor)."
    )


def load_answers(path: Path) -> tuple[Loaded | None, list[ConfigIssue]]:
    doc, issues = load_yaml(Path(path))
    if doc is None:
        return None, issues
    if not isinstance(doc.data, dict):
        return None, [
            ConfigIssue(
                str(path),
                1,
                1,
                "(document)",
                tr(
                    "申告項目のマッピング（deployment: ..., data_residency: ...）にしてください",
                    "expected a mapping of attestation fields (deployment: ..., data_residency: ...)",
                ),
            )
        ]
    try:
        model = AttestationAnswers.model_validate(doc.data)
    except ValidationError as exc:
        return None, issues_from_validation(doc, exc, AttestationAnswers)
    return Loaded(model, doc), []


def apply_answers(files: list[Path], vendors: list[Loaded]) -> tuple[list[Loaded], dict[str, dict[str, Any]]]:
    """Vendors with the answers of ``files`` merged into their attestation, and per vendor id the
    answers file used ({path, sha256, fields}). Raises ConfigError with every problem at once."""
    issues: list[ConfigIssue] = []
    by_id = {v.model.id: v for v in vendors}
    merged: dict[str, Loaded] = dict(by_id)
    sources: dict[str, dict[str, Any]] = {}
    for path in files:
        loaded, found = load_answers(path)
        issues += found
        if loaded is None:
            continue
        answers: AttestationAnswers = loaded.model
        target = answers.vendor
        if target is None:
            if len(by_id) != 1:
                issues.append(
                    loaded.doc.issue(
                        (),
                        tr(
                            f"この回答がどのベンダーのものか vendor: ID で指定してください。このコマンドのベンダーは "
                            f"{len(by_id)} 件です: {', '.join(sorted(by_id)) or 'none'}",
                            f"name the vendor these answers are for (vendor: ID); this command "
                            f"has {len(by_id)} vendors: {', '.join(sorted(by_id)) or 'none'}",
                        ),
                    )
                )
                continue
            target = next(iter(by_id))
        if target not in by_id:
            issues.append(
                loaded.doc.issue(
                    ("vendor",),
                    tr(
                        f"ベンダー '{target}' はこのコマンドの対象ではありません"
                        f"（対象: {', '.join(sorted(by_id)) or 'none'}）",
                        f"vendor '{target}' is not part of this command "
                        f"(vendors: {', '.join(sorted(by_id)) or 'none'})",
                    ),
                )
            )
            continue
        if target in sources:
            issues.append(
                loaded.doc.issue(
                    ("vendor",),
                    tr(
                        f"ベンダー '{target}' の回答ファイルは既にあります（{sources[target]['path']}）",
                        f"vendor '{target}' already has an answers file ({sources[target]['path']})",
                    ),
                )
            )
            continue
        vendor = merged[target]
        current = vendor.model.attestation
        update: dict[str, Any] = {}
        fields = sorted(answers.model_fields_set - {"vendor"})
        for name in fields:
            new, old = getattr(answers, name), getattr(current, name)
            if old is not None and old != new:
                issues.append(
                    loaded.doc.issue(
                        (name,),
                        tr(
                            f"ベンダーファイル {vendor.path} の値（{name}: {old!r}）と異なります。"
                            "各質問は 1 か所で回答してください",
                            f"differs from the vendor file {vendor.path} "
                            f"({name}: {old!r}); answer each question in one place",
                        ),
                    )
                )
                continue
            update[name] = new
        attestation = current.model_copy(update=update)
        merged[target] = Loaded(vendor.model.model_copy(update={"attestation": attestation}), vendor.doc)
        sources[target] = {"path": str(path), "sha256": sha256_file(path), "fields": fields}
    if issues:
        raise ConfigError(issues)
    return [merged[v.model.id] for v in vendors], sources


def unanswered(vendor: Any, questionnaires: list[Any]) -> list[tuple[Any, Any]]:
    """(questionnaire, check) of every check the vendor's attestation leaves unanswered (未回答) or answers
    without the evidence it needs (証跡なし)."""
    from ..config.attestation import NO_EVIDENCE, UNANSWERED

    out = []
    for q in questionnaires:
        model = getattr(q, "model", q)
        for check in model.checks:
            verdict, _ = check.verdict(vendor.attestation)
            if verdict in (UNANSWERED, NO_EVIDENCE):
                out.append((model, check))
    return out


def unanswered_notice(vendor: Any, questionnaires: list[Any]) -> str | None:
    missing = unanswered(vendor, questionnaires)
    if not missing:
        return None
    critical = [c for _, c in missing if c.critical]
    other = [c for _, c in missing if not c.critical]
    parts = []
    if critical:
        ids = ", ".join(f"{c.id} [{c.field}]" for c in critical)
        parts.append(tr(f"必須: {ids}", f"critical: {ids}"))
    if other:
        ids = ", ".join(f"{c.id} [{c.field}]" for c in other)
        parts.append(tr(f"その他: {ids}", f"other: {ids}"))
    return tr(
        f"ベンダー '{vendor.id}': 申告の回答 {len(missing)} 件が未回答又は証跡なしです（{'; '.join(parts)}）。"
        "適合とはせず 未回答 / 証跡なし として扱います（ベンダーファイルか --attestation FILE で回答してください）",
        f"vendor '{vendor.id}': {len(missing)} attestation answer(s) missing or without evidence "
        f"({'; '.join(parts)}); they count as 未回答 / 証跡なし, never as compliant "
        "(answer them in the vendor file or with --attestation FILE)",
    )
