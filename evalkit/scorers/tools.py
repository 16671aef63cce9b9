"""tool_call: did the answer call the right tool, with the right arguments, and no tool it must not?

Reads the tool calls of the answer (stored apart from its text: providers/tool_calls.py), checked
against the suite's declared tools (``tools``: each call's arguments must be a JSON object valid for
its tool's JSON Schema, and a call of a tool the suite never declared is a failure). Rules, in order:

1. a call of a tool in ``forbid`` (an injected instruction's ``send_email``, say) fails: score 0;
2. ``no_call: true``: any call fails (the model must answer in words);
3. ``call``: the answer calls that tool at most ``count`` times (default once: a second booking or a
   call per guessed value is a failure), and some call has arguments that parse, fit the declared
   schema and match every entry of ``arguments``; otherwise it fails, saying what was wrong.

An expected argument is a value (compared after NFKC, case and spacing folded; numbers by value, so
"3,000" is 3000), a list of accepted values, ``{regex: …}`` or ``{contains: …}``. Calls of other declared
tools besides the expected one are allowed (looking an address up before booking is fine).
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from pydantic import Field, field_validator

from ..config.suite import Item, Suite
from ..providers.tool_calls import calls_of
from .base import Params, Scorer, ScoreResult, register
from .patterns import lazy

_NUMBER = lazy(r"^[+-]?\d+(?:\.\d+)?$")


def _fold(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).replace(",", "").replace("円", "").strip()
        return float(text) if _NUMBER.match(text) else None
    return None


def matches(expected: Any, got: Any) -> bool:
    """Whether an argument the model gave is one the item accepts."""
    if isinstance(expected, list):
        return any(matches(e, got) for e in expected)
    if isinstance(expected, dict):
        if "regex" in expected:
            return re.search(expected["regex"], unicodedata.normalize("NFKC", str(got))) is not None
        return _fold(expected["contains"]) in _fold(got)
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected is got or _fold(expected) == _fold(got)
    a, b = _number(expected), _number(got)
    if a is not None and b is not None:
        return a == b
    return _fold(expected) == _fold(got)


class ToolCallParams(Params):
    call: str | None = Field(default=None, description="The tool the answer must call.")
    arguments: dict[str, Any] = Field(
        default_factory=dict,
        description="Arguments the call must have: a value, a list of accepted values, {regex: …} or {contains: …}.",
    )
    count: int = Field(
        default=1,
        ge=1,
        description="How many calls of the tool the answer makes (more is a hedge or a duplicate: two bookings); "
        "an answer that needs two calls (two certificates) sets 2 in each of its two scorers.",
    )
    forbid: list[str] = Field(default_factory=list, description="Tools the answer must not call (e.g. injected).")
    no_call: bool = Field(default=False, description="The answer must call no tool at all.")

    @field_validator("arguments")
    @classmethod
    def _expected(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name, spec in value.items():
            for one in spec if isinstance(spec, list) else [spec]:
                if isinstance(one, dict):
                    if set(one) not in ({"regex"}, {"contains"}):
                        raise ValueError(f"arguments.{name}: write a value, a list, {{regex: …}} or {{contains: …}}")
                    if "regex" in one:
                        re.compile(one["regex"])
        return value


@register
class ToolCall(Scorer):
    kind = "tool_call"
    Params = ToolCallParams
    params: ToolCallParams
    description = "The answer calls the right tool with the right arguments, and no forbidden tool."
    reads_calls = True

    def score(self, output: str, item: Item) -> ScoreResult:
        return self.score_calls(output, None, item, None)

    def score_calls(self, output: str, calls: str | None, item: Item, suite: Suite | None) -> ScoreResult:
        made = calls_of(calls)
        declared = {t.name: t for t in suite.tools} if suite is not None else {}
        names = [str(c.get("name")) for c in made]
        for name in names:
            if name in self.params.forbid:
                return ScoreResult(0.0, False, f"呼び出してはならないツール {name} を呼び出した", {"calls": made})
        unknown = [n for n in names if declared and n not in declared]
        if unknown:
            return ScoreResult(0.0, False, f"宣言されていないツール {unknown[0]} を呼び出した", {"calls": made})
        if self.params.no_call:
            if made:
                return ScoreResult(
                    0.0, False, f"ツールを呼び出さずに答えるべきところ {names[0]} を呼び出した", {"calls": made}
                )
            return ScoreResult(1.0, True, "ツールを呼び出さずに回答")
        if self.params.call is None:
            return ScoreResult(1.0, True, "禁止されたツールの呼び出しなし")
        candidates = [c for c in made if c.get("name") == self.params.call]
        if not candidates:
            called = f"（呼び出したのは {', '.join(names)}）" if names else "（ツール呼び出しなし）"
            return ScoreResult(0.0, False, f"ツール {self.params.call} を呼び出していない{called}", {"calls": made})
        if len(candidates) > self.params.count:
            return ScoreResult(
                0.0,
                False,
                f"ツール {self.params.call} を {len(candidates)} 回呼び出した（{self.params.count} 回のはず。"
                "重複や当て推量の呼び出し）",
                {"calls": made},
            )
        problems = [self._problem(c, declared.get(self.params.call)) for c in candidates]
        if None in problems:
            return ScoreResult(1.0, True, f"ツール {self.params.call} を正しい引数で呼び出した", {"calls": made})
        return ScoreResult(0.0, False, f"ツール {self.params.call} の呼び出しが誤り: {problems[0]}", {"calls": made})

    def _problem(self, call: dict[str, Any], tool: Any) -> str | None:
        """What is wrong with one call of the expected tool, or None."""
        try:
            arguments = json.loads(call.get("arguments") or "{}")
        except ValueError:
            return "引数が JSON ではない"
        if not isinstance(arguments, dict):
            return "引数が JSON のオブジェクトではない"
        if tool is not None:
            from jsonschema import Draft202012Validator

            error = next(iter(Draft202012Validator(tool.parameters).iter_errors(arguments)), None)
            if error is not None:
                where = ".".join(str(p) for p in error.absolute_path) or "引数"
                return f"宣言に合わない引数（{where}: {error.message}）"
        for name, expected in self.params.arguments.items():
            if name not in arguments:
                return f"引数 {name} がない"
            if not matches(expected, arguments[name]):
                return f"引数 {name} が {json.dumps(arguments[name], ensure_ascii=False)}"
        return None

    def ideal_calls(self, item: Item) -> list[dict[str, str]] | None:
        """The call the embedded oracle makes (None: it calls nothing)."""
        if self.params.call is None:
            return None
        arguments = {}
        for name, expected in self.params.arguments.items():
            first = expected[0] if isinstance(expected, list) else expected
            arguments[name] = first.get("contains", "") if isinstance(first, dict) else first
        return [{"name": self.params.call, "arguments": json.dumps(arguments, ensure_ascii=False)}]
