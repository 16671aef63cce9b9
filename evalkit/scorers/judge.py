"""The LLM judge: does an answer meet a stated requirement or rubric?

Judges are vendors (any OpenAI-compatible endpoint, or the embedded ``judge`` model), called
through the same runner and store as the evaluated vendors: cached, resumable, accounted. A judge
prompt carries the question, the answer, the rubric and optionally a reference answer — never
the identity of the vendor that answered. An answer identical to the item's reference answer (but for
width and white space) passes without a judge: the author wrote it as the ideal answer. Otherwise,
without a judge, judge-scored items are *not scored*
(never passed, never dropped).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from pydantic import Field

from ..config.suite import Item
from .base import Params, Scorer, ScoreResult, register
from .patterns import lazy

JUDGE_SYSTEM = (
    "あなたは行政機関で利用するAIの回答を審査する、公正で厳格な評価者です。"
    "回答者が誰であるかは知らされません。評価基準だけに基づいて判定してください。"
)
_VERDICT = lazy(r"判定\s*[:：]\s*(合格|不合格)")
_GRADE = lazy(r"評点\s*[:：]\s*([1-5])")
_REASON = lazy(r"理由\s*[:：]\s*(.+)", re.DOTALL)


class JudgeParams(Params):
    rubric: str | None = Field(default=None, description="Rubric for every item (Japanese); an item's meta wins.")
    rubric_field: str = Field(default="rubric", description="item.meta key holding the item's rubric / requirement.")
    use_reference: bool = Field(default=True, description="Show the item's reference answer to the judge.")
    scale: Literal["pass_fail", "1-5"] = Field(default="pass_fail")
    pass_threshold: int = Field(default=4, ge=1, le=5, description="With scale 1-5: the lowest passing grade.")
    max_tokens: int = Field(default=300, ge=16, le=4096, description="Judge answer budget.")


def rubric_of(params: JudgeParams, item: Item) -> str | None:
    value = item.meta.get(params.rubric_field) if isinstance(item.meta, dict) else None
    return str(value) if value else params.rubric


def judge_messages(
    params: JudgeParams, item: Item, question: str, answer: str, rubric: str | None = None
) -> list[dict[str, str]]:
    """The judge's prompt: question, rubric (``rubric`` or the item's), optional reference, answer.
    No vendor identity."""
    parts = [f"【質問】\n{question}", f"【評価基準】\n{rubric or rubric_of(params, item)}"]
    refs = item.references()
    if params.use_reference and refs:
        parts.append(f"【参考解答】\n{refs[0]}")
    parts.append(f"【回答】\n{answer}")
    if params.scale == "pass_fail":
        form = (
            "1行目に「判定: 合格」または「判定: 不合格」と書き、"
            "2行目に「理由: 」に続けて100字以内で理由を書いてください。"
        )
    else:
        form = (
            "1行目に「評点: 」に続けて1（基準を全く満たさない）から5（完全に満たす）の整数を書き、"
            "2行目に「理由: 」に続けて100字以内で理由を書いてください。"
        )
    parts.append("【出力形式】\n" + form)
    return [
        {"role": "system", "content": JUDGE_SYSTEM},
        {"role": "user", "content": "次の回答が評価基準を満たすか判定してください。\n\n" + "\n\n".join(parts)},
    ]


def parse_verdict(text: str, scale: str) -> float | None:
    """The judge's score in [0, 1], or None when its answer has no verdict in the asked form."""
    if scale == "pass_fail":
        match = _VERDICT.search(text or "")
        return None if match is None else (1.0 if match.group(1) == "合格" else 0.0)
    match = _GRADE.search(text or "")
    return None if match is None else (int(match.group(1)) - 1) / 4


def reason_of(text: str) -> str:
    match = _REASON.search(text or "")
    reason = (match.group(1) if match else text or "").strip().splitlines()
    return reason[0][:120] if reason else ""


REFERENCE_RESULT = ScoreResult(
    1.0,
    True,
    "参照解答と同一の回答（評価基準を満たすものとして作成された解答のため、判定者なしで合格）",
    {"judges": {}, "reference": True},
)


def _plain(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def is_reference(answer: str, item: Item) -> bool:
    """An answer that is, but for width and white space, one of the item's reference answers meets
    the rubric by construction (the suite's author wrote it as the ideal answer): the rules decide it
    and no judge is asked. Anything else — however close — goes to the judge."""
    plain = _plain(answer)
    return bool(plain) and any(plain == _plain(ref) for ref in item.references())


@register
class Judge(Scorer):
    kind = "judge"
    Params = JudgeParams
    params: JudgeParams
    description = "An LLM judge decides whether the answer meets the item's requirement / rubric."

    def check_item(self, item: Item) -> str | None:
        return (
            None
            if rubric_of(self.params, item)
            else (f"needs a rubric: params.rubric or meta.{self.params.rubric_field}")
        )

    def score(self, output: str, item: Item) -> ScoreResult:
        if is_reference(output, item):
            return REFERENCE_RESULT
        return self.from_verdicts([], item)

    def judge_request(self, item: Item, question: str, answer: str) -> tuple[list[dict[str, str]], int] | None:
        if is_reference(answer, item):
            return None  # decided without a judge
        return judge_messages(self.params, item, question, answer), self.params.max_tokens

    def score_judged(self, output: str, item: Item, verdicts: list[tuple[str, str | None]]) -> ScoreResult:
        if is_reference(output, item):
            return REFERENCE_RESULT
        return self.from_verdicts(verdicts, item)

    def from_verdicts(self, verdicts: list[tuple[str, str | None]], item: Item) -> ScoreResult:
        """``verdicts``: (judge id, judge's answer text or None when its request failed)."""
        if not verdicts:
            return ScoreResult(0.0, False, "判定者（judge）が設定されていないため未採点", {"judges": {}}, scored=False)
        parsed = {
            jid: (parse_verdict(text, self.params.scale) if text is not None else None, text) for jid, text in verdicts
        }
        valid = {jid: v for jid, (v, _) in parsed.items() if v is not None}
        detail = {"judges": {jid: {"score": v, "reason": reason_of(t or "")} for jid, (v, t) in parsed.items()}}
        if not valid:
            return ScoreResult(0.0, False, "判定者の回答から判定を読み取れないため未採点", detail, scored=False)
        values = list(valid.values())
        if self.params.scale == "pass_fail":
            passes = sum(1 for v in values if v >= 0.5)
            score = passes / len(values)
            passed = passes * 2 > len(values)  # strict majority; a tie does not pass
        else:
            score = sum(values) / len(values)
            passed = score >= (self.params.pass_threshold - 1) / 4
        reasons = [d["reason"] for d in detail["judges"].values() if d["reason"]]
        verdict = "合格" if passed else "不合格"
        why = f"判定者{len(values)}名の判定: {verdict}" + (f"（{reasons[0]}）" if reasons else "")
        return ScoreResult(score, passed, why, detail)

    def ideal_answer(self, item: Item) -> str | None:
        refs = item.references()
        return refs[0] if refs else None
