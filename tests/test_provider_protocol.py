"""The provider's protocol check agrees with the openai SDK's ``ChatCompletion``, without importing the SDK."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest
from conftest import REPO
from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from evalkit.providers.openai_chat import _ChatCompletionShape

GOOD = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "m",
    "system_fingerprint": "fp",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "答え"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    "x_vendor_extra": {"anything": True},
}


def _edit(path: str, value: object) -> dict:
    body = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    node: dict | list = body
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]  # type: ignore[index]
    if value is _DROP:
        del node[last]  # type: ignore[arg-type]
    else:
        node[int(last) if isinstance(node, list) else last] = value  # type: ignore[index]
    return body


_DROP = object()

CASES = [
    ("as sent", GOOD),
    ("no id", _edit("id", _DROP)),
    ("no object", _edit("object", _DROP)),
    ("wrong object", _edit("object", "text_completion")),
    ("no created", _edit("created", _DROP)),
    ("created as text", _edit("created", "1700000000")),
    ("fractional created", _edit("created", 1.5)),
    ("no model", _edit("model", _DROP)),
    ("no choices", _edit("choices", _DROP)),
    ("empty choices", _edit("choices", [])),
    ("unknown finish_reason", _edit("choices.0.finish_reason", "done")),
    ("null finish_reason", _edit("choices.0.finish_reason", None)),
    ("no index", _edit("choices.0.index", _DROP)),
    ("user role", _edit("choices.0.message.role", "user")),
    ("null content", _edit("choices.0.message.content", None)),
    ("content as list", _edit("choices.0.message.content", ["a"])),
    ("no message", _edit("choices.0.message", _DROP)),
    ("no usage", _edit("usage", _DROP)),
    ("usage without total", _edit("usage.total_tokens", _DROP)),
    ("null fingerprint", _edit("system_fingerprint", None)),
    ("fingerprint as number", _edit("system_fingerprint", 3)),
]


def _accepts(model: type, body: dict) -> bool:
    try:
        model.model_validate(body)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("name, body", CASES, ids=[c[0] for c in CASES])
def test_protocol_check_agrees_with_the_sdk(name: str, body: dict) -> None:
    assert _accepts(_ChatCompletionShape, body) == _accepts(ChatCompletion, body)


def test_the_cases_include_rejections() -> None:
    verdicts = {name: _accepts(ChatCompletion, body) for name, body in CASES}
    assert verdicts["as sent"] and not verdicts["wrong object"] and not verdicts["user role"]


def test_process_start_imports_nothing_heavy_before_the_first_request() -> None:
    """The CLI and everything on the send path load without the SDK, pandas, matplotlib or datasets
    (they cost seconds of start-up; they are imported where scoring and the report use them)."""
    code = (
        "import sys\n"
        "import evalkit.cli, evalkit.pipeline, evalkit.runner.execute, evalkit.providers.openai_chat\n"
        "heavy = ('openai', 'pandas', 'matplotlib', 'datasets', 'numpy', 'pyarrow')\n"
        "print(' '.join(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
