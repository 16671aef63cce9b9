"""Format scorers: length in characters, JSON (parse, JSON Schema, keys, reference fields) and
sentence-ending style (です・ます体 vs である体).

The style classifier (``sentences``, ``classify_ending``) is shared with the 公用文 checker.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ..config.suite import Item
from .base import Params, Scorer, ScoreResult, register
from .normalize import normalize
from .patterns import lazy

_HALF_WIDTH_MARKS = "\uff9e\uff9f"  # ﾞ ﾟ: part of the half-width kana before them (ｶﾞ is one character)


def count_chars(text: str) -> int:
    """Characters as a reader counts them: whitespace not counted, full- and half-width alike, and a
    character that NFKC would expand (…, ㈱, ㍻) still one character."""
    return sum(1 for ch in unicodedata.normalize("NFC", text) if not ch.isspace() and ch not in _HALF_WIDTH_MARKS)


# ----------------------------------------------------------------------------------------- length
class LengthParams(Params):
    min_chars: int | None = Field(
        default=None, ge=0, description="Minimum number of characters (whitespace not counted)."
    )
    max_chars: int | None = Field(
        default=None, ge=1, description="Maximum number of characters (whitespace not counted)."
    )

    @model_validator(mode="after")
    def _bounds(self) -> LengthParams:
        if self.min_chars is None and self.max_chars is None:
            raise ValueError("give min_chars, max_chars or both")
        if self.min_chars is not None and self.max_chars is not None and self.min_chars > self.max_chars:
            raise ValueError(f"min_chars ({self.min_chars}) is greater than max_chars ({self.max_chars})")
        return self


_FILLER = "本件について、以下のとおり回答いたします。"


@register
class Length(Scorer):
    kind = "length"
    Params = LengthParams
    params: LengthParams
    description = "The answer's length in characters (whitespace not counted) is within the limits."

    def _within(self, n: int) -> bool:
        lo, hi = self.params.min_chars, self.params.max_chars
        return (lo is None or n >= lo) and (hi is None or n <= hi)

    def _limits(self) -> str:
        lo, hi = self.params.min_chars, self.params.max_chars
        if lo is not None and hi is not None:
            return f"{lo}〜{hi}字"
        return f"{lo}字以上" if lo is not None else f"{hi}字以内"

    def score(self, output: str, item: Item) -> ScoreResult:
        n = count_chars(output)
        detail = {"chars": n, "min_chars": self.params.min_chars, "max_chars": self.params.max_chars}
        if self._within(n):
            return ScoreResult(1.0, True, f"{n}字（{self._limits()}の範囲内）", detail)
        lo = self.params.min_chars
        why = "不足" if lo is not None and n < lo else "超過"
        return ScoreResult(0.0, False, f"{n}字: 字数{why}（{self._limits()}）", detail)

    def ideal_answer(self, item: Item) -> str | None:
        for ref in item.references():
            if self._within(count_chars(ref)):
                return ref
        target = self.params.min_chars or min(len(_FILLER), self.params.max_chars or len(_FILLER))
        text = (_FILLER * (target // len(_FILLER) + 1))[:target]
        return text if self._within(count_chars(text)) else None


# ----------------------------------------------------------------------------------------- json
_FENCE = lazy(r"```[ \t]*(?:json|JSON|jsonc)?[ \t]*\n(.*?)```", re.DOTALL)


def extract_json(text: str) -> tuple[Any, str | None]:
    """(value, None) for the JSON in a ```json fence or the first {...} (then [...]) span, else (None, why)."""
    for block in _FENCE.findall(text):
        try:
            return json.loads(block), None
        except ValueError:
            continue
    decoder = json.JSONDecoder()
    for opener in "{[":
        start = text.find(opener)
        while start != -1:
            try:
                return decoder.raw_decode(text, start)[0], None
            except ValueError:
                start = text.find(opener, start + 1)
    return None, "JSONが見つからない"


def _canon(value: Any) -> Any:
    """Normalised form for comparing reference and answer fields: strings NFKC/casefold/trimmed,
    numbers as their text (3500 == 3500.0 == "3500"), containers element-wise."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), _canon(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_canon(v) for v in value)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return normalize(str(int(value)) if float(value).is_integer() else repr(float(value)))
    return normalize(str(value))


def _example(schema: Any, depth: int = 0) -> Any:
    """A small instance of common JSON Schemas, for the oracle; checked against the schema after."""
    if not isinstance(schema, dict) or depth > 8:
        return "例"
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "examples" in schema and schema["examples"]:
        return schema["examples"][0]
    for combo in ("anyOf", "oneOf", "allOf"):
        if schema.get(combo):
            return _example(schema[combo][0], depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), kind[0] if kind else None)
    if kind == "object" or (kind is None and "properties" in schema):
        props = schema.get("properties", {})
        return {key: _example(props.get(key, {}), depth + 1) for key in schema.get("required", list(props))}
    if kind == "array":
        return [_example(schema.get("items", {}), depth + 1) for _ in range(schema.get("minItems", 0))]
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", -1) + 1)
        return int(low) if kind == "integer" else float(low)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return "例" * max(1, int(schema.get("minLength", 1)))


class JsonParams(Params):
    schema_: dict[str, Any] | None = Field(
        default=None,
        alias="schema",
        description="JSON Schema the answer must satisfy (draft from $schema, default 2020-12).",
    )
    required_keys: list[str] = Field(default_factory=list, description="Keys the top-level object must have.")
    extract: bool = Field(
        default=True,
        description="Take the JSON from a ```json fence or the first {...} span; false: the whole answer must be JSON.",
    )
    match_reference: bool = Field(
        default=False,
        description="item.reference is a JSON object; score = share of its fields whose "
        "normalised values the answer reproduces.",
    )

    model_config = {"populate_by_name": True}

    @field_validator("schema_")
    @classmethod
    def _schema_is_valid(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return value
        from jsonschema import exceptions, validators

        try:
            validators.validator_for(value).check_schema(value)
        except exceptions.SchemaError as exc:
            where = "/".join(str(p) for p in exc.path)
            raise ValueError(f"invalid JSON Schema{(' at ' + where) if where else ''}: {exc.message}") from None
        return value


@register
class Json(Scorer):
    kind = "json"
    Params = JsonParams
    params: JsonParams
    description = "The answer is JSON that satisfies the schema and required keys (and matches the reference)."

    def __init__(self, params: JsonParams):
        super().__init__(params)
        self._validator = None
        if params.schema_ is not None:
            from jsonschema import validators

            self._validator = validators.validator_for(params.schema_)(params.schema_)

    def _parse(self, text: str) -> tuple[Any, str | None]:
        if self.params.extract:
            return extract_json(text)
        try:
            return json.loads(text), None
        except json.JSONDecodeError as exc:
            return None, f"JSONとして解析できない（{exc.msg}、{exc.lineno}行{exc.colno}列）"
        except ValueError as exc:  # valid syntax Python cannot convert: an integer longer than 4300 digits
            return None, f"JSONとして解析できない（{exc}）"

    def _structure(self, value: Any) -> list[str]:
        """What is wrong with the value's structure (schema, required keys), in Japanese."""
        problems: list[str] = []
        if self.params.required_keys:
            if not isinstance(value, dict):
                problems.append("最上位がオブジェクトでない")
            else:
                missing = [k for k in self.params.required_keys if k not in value]
                if missing:
                    problems.append(f"必須キーがない: {'、'.join(missing)}")
        if self._validator is not None:
            errors = sorted(self._validator.iter_errors(value), key=lambda e: list(e.absolute_path))
            for error in errors[:3]:
                where = "/".join(str(p) for p in error.absolute_path) or "（最上位）"
                problems.append(f"スキーマ違反 {where}: {error.message}")
            if len(errors) > 3:
                problems.append(f"ほか{len(errors) - 3}件のスキーマ違反")
        return problems

    def _reference(self, item: Item) -> dict[str, Any] | None:
        refs = item.references()
        if not refs:
            return None
        try:
            value = json.loads(refs[0])
        except ValueError:
            return None
        return value if isinstance(value, dict) and value else None

    def check_item(self, item: Item) -> str | None:
        if self.params.match_reference:
            ref = self._reference(item)
            if ref is None:
                return "needs a reference that is a non-empty JSON object (match_reference is true)"
            problems = self._structure(ref)
            if problems:
                return f"reference JSON does not satisfy the schema/keys: {problems[0]}"
        elif self.ideal_answer(item) is None:
            return "needs a reference JSON that satisfies the schema (the oracle answers with it)"
        return None

    def score(self, output: str, item: Item) -> ScoreResult:
        value, why = self._parse(output)
        if why is not None:
            return ScoreResult(0.0, False, why, {"parsed": False})
        problems = self._structure(value)
        detail: dict[str, Any] = {"parsed": True, "problems": problems}
        if self.params.match_reference:
            ref = self._reference(item) or {}
            got = value if isinstance(value, dict) else {}
            wrong = [k for k in ref if k not in got or _canon(got[k]) != _canon(ref[k])]
            share = (len(ref) - len(wrong)) / len(ref) if ref else 0.0
            detail.update({"fields": len(ref), "mismatched": wrong})
            if problems:
                return ScoreResult(0.0, False, "；".join(problems), detail)
            if wrong:
                return ScoreResult(
                    share,
                    False,
                    f"参照と一致する項目 {len(ref) - len(wrong)}/{len(ref)}（不一致: {'、'.join(wrong[:5])}）",
                    detail,
                )
            return ScoreResult(1.0, True, f"参照と全項目一致（{len(ref)}項目）", detail)
        if problems:
            return ScoreResult(0.0, False, "；".join(problems), detail)
        return ScoreResult(1.0, True, "JSONとして妥当", detail)

    def ideal_answer(self, item: Item) -> str | None:
        if self.params.match_reference:
            ref = self._reference(item)
            return None if ref is None else "```json\n" + json.dumps(ref, ensure_ascii=False, indent=2) + "\n```"
        candidates = []
        for text in item.references():
            try:
                candidates.append(json.loads(text))
            except ValueError:
                continue
        example = _example(self.params.schema_ or {"type": "object"})
        if isinstance(example, dict):
            for key in self.params.required_keys:
                example.setdefault(key, "例")
        candidates.append(example)
        for value in candidates:
            if not self._structure(value):
                return "```json\n" + json.dumps(value, ensure_ascii=False, indent=2) + "\n```"
        return None


# ----------------------------------------------------------------------------------------- style
Style = Literal["desumasu", "dearu"]
STYLE_NAMES = {"desumasu": "です・ます体", "dearu": "である体"}

_DESUMASU = lazy(
    r"(?:です|ます|でした|ました|ません|ませんでした|でしょう|ましょう|ください|下さい|くださいませ|"
    r"ませ|ございます)$"
)
_ENDING_PARTICLES = lazy(r"(?<=[ぁ-んァ-ヶー一-龠])[よねなわぞさか]{1,2}$")
_PLAIN_I = lazy(
    r"(?:ない|たい|しい|よい|いい|らい|かい|さい|きい|ぽい|[多高低早遅速広狭強弱長短近遠重軽古若安良悪無"
    r"太細深浅固硬堅暑寒熱痛暗明青赤白黒甘辛濃薄鈍鋭丸少]い)$"
)
_NOUN_ENDINGS = lazy(r"(?:あなた|ありがとう|[一二三四五六七八九十]つ|まだ|ただ)$")
_TRAILING_PAREN = lazy(r"\s*[（(][^（）()]*[)）]\s*$")


def classify_ending(sentence: str) -> tuple[Style | None, str]:
    """(style, ending) of one sentence; style None for 体言止め, English, fragments."""
    text = sentence.strip()
    while True:  # drop closing brackets, markdown, trailing parentheticals (〜します（別紙参照）)
        stripped = _TRAILING_PAREN.sub("", text)
        stripped = stripped.rstrip("。．.！!？?、，,」』】〕］]\"'”’*_~`:：…‥・ 　")
        if stripped == text:
            break
        text = stripped
    text = re.sub(r"[＿]+$", "", text)  # masked quotations
    if not text:
        return None, ""
    for candidate in (text, _ENDING_PARTICLES.sub("", text)):
        if not candidate:
            continue
        match = _DESUMASU.search(candidate)
        if match:
            return "desumasu", match.group(0)
        if _NOUN_ENDINGS.search(candidate):
            return None, candidate[-3:]
        if re.search(r"(?:である|であった|であろう|だ|だった|だろう|た|ず|ぬ)$", candidate):
            return "dearu", candidate[-3:]
        if _PLAIN_I.search(candidate):
            return "dearu", candidate[-3:]
        if candidate[-1] in "うくぐすつぬぶむる":
            return "dearu", candidate[-3:]
    return None, text[-3:]


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offset in the original text
    index: int  # 1-based over all sentences (headings included)
    heading: bool  # a heading, list marker-only line, table or code line: not a prose sentence
    listed: bool  # the sentence is on a bullet / numbered line


def mask_quotes(text: str) -> str:
    """Replace what is inside 「」『』“” (nested) with '＿', keeping offsets."""
    out = []
    depth = 0
    for ch in text:
        if ch in "「『“":
            depth += 1
            out.append(ch)
        elif ch in "」』”" and depth:
            depth -= 1
            out.append(ch)
        else:
            out.append("＿" if depth and ch != "\n" else ch)
    return "".join(out)


BULLET = lazy(r"^\s*(?:[-*+・•●○◯■□◆◇▪▫※→➢]|\d{1,3}[.)）．]|[（(]\s*(?:\d{1,3}|[ア-ンa-z])\s*[)）]|[①-⑳])\s*")
HEADING_MARK = lazy(r"^\s*(?:#{1,6}\s|第\s*\d+\s*[章節款]?(?:\s|$)|【[^】]*】\s*$|[■□◆◇]\S)")
_SENTENCE_END = lazy(r"[^。！？!?．\n]*(?:[。！？!?．]+|(?=\n)|$)")


def sentences(text: str, *, mask: bool = True) -> list[Sentence]:
    """Sentences of a text, split at 。！？!? and line breaks; code fences and tables are headings."""
    masked = mask_quotes(text) if mask else text
    out: list[Sentence] = []
    in_fence = False
    offset = 0
    for line in masked.split("\n"):
        line_start = offset
        offset += len(line) + 1
        stripped = line.strip()
        if stripped.startswith("```"):
            in_fence = not in_fence
            continue
        if not stripped:
            continue
        special = in_fence or stripped.startswith(("|", ">")) or bool(HEADING_MARK.match(line))
        listed = bool(BULLET.match(line))
        no_period = not re.search(r"[。！？!?]", line)
        for match in _SENTENCE_END.finditer(line):
            piece = match.group(0)
            if not piece.strip():
                continue
            out.append(
                Sentence(
                    piece,
                    line_start + match.start(),
                    len(out) + 1,
                    heading=special or (listed and no_period and len(stripped) <= 40),
                    listed=listed,
                )
            )
    return out


class StyleParams(Params):
    style: Literal["desumasu", "dearu", "consistent"] = Field(
        default="consistent",
        description="desumasu: every sentence in です・ます体; dearu: every sentence in "
        "である体; consistent: either, but only one.",
    )


@register
class SentenceStyle(Scorer):
    kind = "style"
    Params = StyleParams
    params: StyleParams
    description = "Sentence endings follow です・ます体 / である体 (or one of them consistently)."

    def classify(self, output: str) -> list[tuple[Sentence, Style, str]]:
        out = []
        for sentence in sentences(output):
            if sentence.heading or sentence.listed:
                continue
            style, ending = classify_ending(sentence.text)
            if style is not None:
                out.append((sentence, style, ending))
        return out

    def score(self, output: str, item: Item) -> ScoreResult:
        classified = self.classify(output)
        counts: dict[Style, int] = {"desumasu": 0, "dearu": 0}
        for _, style, _ in classified:
            counts[style] += 1
        target = self.params.style
        if target == "consistent":
            if counts["desumasu"] != counts["dearu"]:
                target = "desumasu" if counts["desumasu"] > counts["dearu"] else "dearu"  # the majority
            elif classified:
                target = classified[0][1]
        offending = [(s, st, end) for s, st, end in classified if st != target]
        detail: dict[str, Any] = {
            "counts": counts,
            "target": target,
            "offending": [
                {"sentence": s.text.strip()[:80], "style": st, "ending": end, "position": s.start}
                for s, st, end in offending[:20]
            ],
        }
        if not classified:
            return ScoreResult(1.0, True, "文末から文体を判定できる文がない", detail)
        if not offending:
            return ScoreResult(1.0, True, f"すべての文が{STYLE_NAMES[target]}（{len(classified)}文）", detail)
        first = offending[0][0].text.strip()
        first = first if len(first) <= 30 else "…" + first[-29:]
        others = f"ほか{len(offending) - 1}文" if len(offending) > 1 else ""
        score = (len(classified) - len(offending)) / len(classified)
        if self.params.style == "consistent":
            why = f"文体が混在（です・ます体{counts['desumasu']}文、である体{counts['dearu']}文）: 「{first}」{others}"
        else:
            why = f"{STYLE_NAMES[target]}でない文: 「{first}」{others}"
        return ScoreResult(score, False, why, detail)

    def ideal_answer(self, item: Item) -> str | None:
        for ref in item.references():
            if self.score(ref, item).passed:
                return ref
        if self.params.style == "dearu":
            return "本件について、以下のとおり回答する。"
        return "本件について、以下のとおり回答します。"
