"""Schema of the attestation questionnaire (``suites/attestation/*.yaml``).

The requirements of the call that no prompt can test (where inference runs, data residency,
training on inputs, logs, ISMAP, incident reporting, provenance, licence, publication) are
declarative checks against each vendor's ``attestation`` block. A questionnaire file names the
criterion leaf it serves; each check names the attestation field, the question as the vendor is
asked it, the required value and the clause of the call it encodes. A check marked ``critical``
counts against the leaf's gate when it is non-compliant or unanswered: a missing answer is
never assumed compliant.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeAlias

from pydantic import Field, model_validator

from ..i18n import tr
from .criteria import Strict
from .suite import ITEM_ID_PATTERN, VersionedFile
from .vendor import Attestation


class MetaReader(Protocol):
    """What reading a run store's stored settings needs (runner.store.RunStore is one; config
    imports no layer above it)."""

    def get_meta(self, key: str, default: Any = None) -> Any: ...


COMPLIANT = "適合"
NON_COMPLIANT = "不適合"
UNANSWERED = "未回答"
NOT_APPLICABLE = "対象外"
NO_EVIDENCE = "証跡なし"

Value: TypeAlias = bool | int | float | str
ATTESTATION_FIELDS = [name for name in Attestation.model_fields if name not in ("notes", "evidence")]


def _accepted(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _unanswered(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class AttestationCheck(Strict):
    """One requirement, checked against the value each vendor declares for ``field``."""

    id: str = Field(pattern=ITEM_ID_PATTERN, description="Stable id, unique within the questionnaire.")
    field: str = Field(
        description="Attestation field of the vendor file, e.g. deployment, trains_on_inputs.",
        json_schema_extra={"enum": [*ATTESTATION_FIELDS]},
    )
    title: str = Field(description="The requirement in Japanese, as shown in the report.")
    question: str = Field(description="The question in Japanese, as the vendor is asked it.")
    clause: str = Field(description="The clause of the December 2025 call this check encodes.")
    expect: bool | str | list[str] | None = Field(
        default=None, description="Required value, or list of accepted values."
    )
    max: float | None = Field(default=None, description="Upper bound for a numeric field.")
    answered: bool = Field(
        default=False, description="Any non-empty answer complies (free-text disclosures such as log_access)."
    )
    when: dict[str, Value | list[Value]] = Field(
        default_factory=dict,
        description="The check applies only when these other fields have these values (e.g. provenance: "
        "derivative); when one of them is unanswered the check is 未回答, never assumed not to apply.",
    )
    evidence: bool = Field(
        default=False,
        description="A compliant answer also needs evidence for its field in the vendor's "
        "attestation.evidence (a document with page, or a URL); without it the check is "
        "証跡なし and does not count as compliant.",
    )
    critical: bool = Field(
        default=True,
        description="A gate condition: a missing or non-compliant answer counts as a critical failure of the leaf.",
    )
    note: str | None = Field(default=None, description="Why the check exists; how the answer is reviewed.")

    @model_validator(mode="after")
    def _has_requirement(self) -> AttestationCheck:
        if self.expect is None and self.max is None and not self.answered:
            raise ValueError(
                tr(
                    "申告の確認項目には expect、max 又は answered: true が必要です",
                    "an attestation check needs expect, max or answered: true",
                )
            )
        return self

    def required_text(self) -> Any:
        """The requirement as the report shows it (the accepted value(s) when there are some)."""
        if self.expect is not None:
            required: Any = self.expect
        elif self.max is not None:
            required = f"≤ {self.max:g}"
        else:
            required = "回答があること"
        if self.evidence:
            required = f"{required}（根拠資料の提示）"
        if self.when:
            cond = "、".join(f"{k} = {' / '.join(str(v) for v in _accepted(val))}" for k, val in self.when.items())
            required = f"{required}（{cond} の場合）"
        return required

    def check(self, declared: Any) -> bool | None:
        """True/False for compliant/non-compliant; None when the vendor did not answer."""
        if _unanswered(declared):
            return None
        if self.max is not None and (
            isinstance(declared, bool) or not isinstance(declared, (int, float)) or declared > self.max
        ):
            return False
        if self.expect is not None:
            return declared in _accepted(self.expect)
        return True

    def verdict(self, attestation: Attestation) -> tuple[str, bool]:
        """(適合 | 不適合 | 未回答 | 証跡なし | 対象外, counts as compliant)."""
        for name, accepted in self.when.items():
            value = getattr(attestation, name, None)
            if _unanswered(value):
                return UNANSWERED, False  # cannot tell whether the check applies: never assumed
            if value not in _accepted(accepted):
                return NOT_APPLICABLE, True
        ok = self.check(getattr(attestation, self.field, None))
        if ok is None:
            return UNANSWERED, False
        if ok and self.evidence and not (attestation.evidence or {}).get(self.field):
            return NO_EVIDENCE, False
        return (COMPLIANT, True) if ok else (NON_COMPLIANT, False)


class AttestationFile(VersionedFile):
    """A questionnaire: the declarative checks of one criterion leaf."""

    checks: list[AttestationCheck] = Field(min_length=1, description="The checks, in the order vendors are asked.")


def field_type_problem(field: str, value: Any) -> str | None:
    """Why ``value`` can never be declared for ``field`` (None when it can)."""
    from pydantic import TypeAdapter, ValidationError

    info = Attestation.model_fields.get(field)
    if info is None or info.annotation is None:
        return None
    try:
        TypeAdapter(info.annotation).validate_python(value, strict=True)
    except ValidationError as exc:
        msg = exc.errors()[0]["msg"]
        return tr(
            f"{value!r} は '{field}' に申告できない値です（{msg}）",
            f"{value!r} can never be declared for '{field}' ({msg})",
        )
    return None


def is_numeric_field(field: str) -> bool:
    info = Attestation.model_fields.get(field)
    if info is None:
        return False
    from .schema_errors import _unwrap

    return any(t in (int, float) for t in _unwrap(info.annotation))


# --------------------------------------------------------------------------- run store
def split_legacy_criteria(criteria: dict[str, Any]) -> tuple[dict[str, Any], list[AttestationFile]]:
    """Criteria data written before the questionnaire moved out of criteria.yaml carried
    ``attestation:`` lists on its nodes; return the tree without them and the checks as
    questionnaires (one per node), so old run stores and fixtures still load."""
    import copy

    data = copy.deepcopy(criteria)
    found: list[AttestationFile] = []

    def visit(node: dict[str, Any]) -> None:
        checks = node.pop("attestation", None)
        if checks:
            found.append(
                AttestationFile.model_validate(
                    {
                        "id": f"attestation.{node.get('id')}",
                        "version": "0",
                        "title": node.get("title", ""),
                        "criterion": node.get("id"),
                        "checks": [
                            {
                                "id": c.get("id", c.get("field")),
                                "question": c.get("question", c.get("title")),
                                "clause": c.get("clause", node.get("clause", "")),
                                **c,
                            }
                            for c in checks
                        ],
                    }
                )
            )
        for child in node.get("children") or []:
            visit(child)

    visit(data)
    return data, found


def stored_questionnaires(store: MetaReader) -> list[AttestationFile]:
    """The questionnaires recorded in a run store (``meta.attestation``), or, for stores written
    before that key existed, the checks that were part of ``meta.criteria``."""
    stored = store.get_meta("attestation")
    if stored is not None:
        return [AttestationFile.model_validate(q) for q in stored]
    criteria = store.get_meta("criteria")
    return split_legacy_criteria(criteria)[1] if isinstance(criteria, dict) else []
