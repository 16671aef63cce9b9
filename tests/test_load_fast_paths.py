"""The fast paths of loading and planning give exactly what the general paths give: templates that
only interpolate variables (rendered without Jinja when the result is provably the same), strings
taken from YAML nodes without PyYAML's constructor, the nesting measured from libyaml's events, the
garbage collector paused while a document is built, and the generation parameters merged once per
suite and vendor in ``plan``."""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any

import jinja2
import pytest

from evalkit.config import templates, yamlpos
from evalkit.config.suite import Suite
from evalkit.config.templates import MAX_SIZE, render, template_line
from evalkit.config.vendor import Vendor
from evalkit.config.yamlpos import MAX_DEPTH, load_yaml
from evalkit.errors import UsageError
from evalkit.runner.plan import endpoint_id, plan, request_key, request_params


# ------------------------------------------------------------------------------ templates
def _outcome(source: str, variables: dict[Any, Any]) -> tuple[Any, ...]:
    try:
        return ("ok", render(source, variables))
    except Exception as exc:  # noqa: BLE001 — every failure is compared
        return ("error", type(exc), str(exc), template_line(exc))


def _jinja_outcome(monkeypatch: pytest.MonkeyPatch, source: str, variables: dict[Any, Any]) -> tuple[Any, ...]:
    with monkeypatch.context() as patch:
        patch.setattr(templates, "_interpolation", lambda source: None)  # Jinja renders everything
        return _outcome(source, variables)


TEMPLATES = [
    "{{ q }}",
    "{{q}}",
    "  {{ q }}  ",
    "{{ q }}\n",
    "\r\n  {{ q }}\t\r\n",
    "Q: {{ q }}\nA: {{ a }} end",
    "{{ q }}{{ q }}",
    "{{ q }} {# a comment #} {{ a }}",
    "{{- q -}}   tail",
    "{% raw %}{{ q }}{% endraw %}",
    "plain text",
    "",
    "{{ q|upper }}",
    "{{ q ~ a }}",
    "{{ q.x }}",
    "{{ true }}",
    "{{ none }}",
    "{{ range }}",
    "{{ self }}",
    "{{ missing }}",
    "{{ q }} {{ missing }}",
    "{% if q %}{{ q }}{% endif %}",
]
VARIABLES: list[dict[Any, Any]] = [
    {"q": "住民票の写し", "a": "手数料は300円です"},
    {"q": "  padded \n", "a": ""},
    {"q": 5, "a": 1.5},
    {"q": None, "a": True},
    {"q": ["x"], "a": {"k": "v"}},
    {"q": 10**5000, "a": "a"},  # str() of it raises ValueError
    {"a": "no q"},
    {"range": "a variable wins over the global", "q": "q"},
    {"q": "x", "self": "taken by generate()"},
    {1: "a key that is not a str", "q": "x"},
    {"q": "x" * MAX_SIZE, "a": ""},  # exactly the limit
    {"q": "x" * (MAX_SIZE + 1), "a": ""},
    {"q": "あ" * (MAX_SIZE // 2), "a": "い" * (MAX_SIZE // 2)},
    {"q": "あ" * (MAX_SIZE // 2), "a": "い" * (MAX_SIZE // 2 + 1)},
]


@pytest.mark.parametrize("source", TEMPLATES)
def test_interpolation_renders_as_jinja_does(monkeypatch, source):
    for variables in VARIABLES:
        assert _outcome(source, variables) == _jinja_outcome(monkeypatch, source, variables), (source, variables)


def test_which_templates_are_interpolations():
    def parts(source: str) -> Any:
        templates.compile_template(source)
        return templates._interpolation(source)

    assert parts("{{ q }}") == ((True, "q"),)
    assert parts("  {{q}}\n") == ((False, "  "), (True, "q"))  # the last newline is dropped by Jinja
    assert parts("\r\n{{ q }}") == ((False, "\n"), (True, "q"))  # line ends as Jinja outputs them
    assert parts("Q: {{ q }}\nA: {{ a }}") == ((False, "Q: "), (True, "q"), (False, "\nA: "), (True, "a"))
    assert parts("{% raw %}{{ q }}{% endraw %}") == ((False, "{{ q }}"),)
    for other in ("{{ q|e }}", "{{ q.x }}", "{{ q[0] }}", "{{ q() }}", "{{ true }}", "{{ 'x' }}", "{{ self }}"):
        assert parts(other) is None, other
    assert parts("{% for x in q %}{{ x }}{% endfor %}") is None
    assert parts("{% set q = 'a' %}{{ q }}") is None


def test_the_interpolation_limits_and_errors_are_jinjas():
    with pytest.raises(templates.TemplateLimitError, match="exceeds"):
        render("{{ q }}{{ q }}", {"q": "x" * (MAX_SIZE // 2 + 1)})
    assert len(render("{{ q }}", {"q": "x" * MAX_SIZE})) == MAX_SIZE
    with pytest.raises(jinja2.UndefinedError, match="'q' is undefined") as caught:
        render("text\n{{ q }}", {})
    assert template_line(caught.value) == 2  # Jinja's traceback, line of the template
    with pytest.raises(jinja2.TemplateSyntaxError):
        render("{{ q ", {"q": "x"})


# ------------------------------------------------------------------------------ YAML
def _positions(doc: Any) -> Any:
    p = doc.positions
    return (dict(p.values), dict(p.keys), set(p.block_scalar))


def _load(path: Path, text: str) -> Any:
    doc, issues = load_yaml(path, text)
    if doc is None:
        return None, [str(i) for i in issues]
    return repr(doc.data), json.dumps(doc.data, default=repr, ensure_ascii=False), _positions(doc), issues


def _load_through_pyyaml(monkeypatch: pytest.MonkeyPatch, path: Path, text: str) -> Any:
    """``_load`` with every value and key constructed by PyYAML and every mapping flattened."""
    original = yamlpos._Builder.__init__

    def general(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.plain = False

    with monkeypatch.context() as patch:
        patch.setattr(yamlpos._Builder, "__init__", general)
        return _load(path, text)


DOCUMENTS = {
    "plain": "a: 1\nb: text\nc: [x, 'y', \"z\", 2.5, true, ~, 2024-01-02]\nd: {e: f}\n",
    "keys": "1: a\n1.5: b\ntrue: c\n'k': {!!str 2: v, ? w : u}\nl: [!!int '3', !!str 4]\n",
    "duplicates": "a: 1\nb: {x: 1, x: 2}\na: 3\n",
    "merge": "base: &b {x: 1, y: [1, 2]}\nd:\n  <<: *b\n  x: 3\ne: {<<: [*b], z: 4, z: 5}\n",
    "value_key": "a: {=: 1, b: 2}\nm: &m {x: 1}\nc: {<<: *m, =: 3}\n",
    "aliases": "a: &a [1, {k: v}]\nb: *a\ns: &s hello\nt: *s\n*s : key\n",
    "recursive": "a: &a [1, *a]\nb: &b {c: *b}\n",
    "bad_values": "a: !!int abc\nb: !!float x\nc: ok\n",
    "unknown_tag": "a: !foo bar\n",
    "complex_key": "? [1, 2]\n: v\nok: 1\n",
    "null_key": "~: v\n",
    "block": "p: |\n  line1\n  line2\nq: >\n  folded\np2: |-\n  x\n",
    "not_a_mapping": "- 1\n- 2\n",
    "items": "items:\n" + "".join(f"  - {{id: q{i}, vars: {{q: 問{i}}}, reference: 答}}\n" for i in range(50)),
}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_strings_from_nodes_build_what_pyyaml_builds(monkeypatch, tmp_path, name):
    path = tmp_path / f"{name}.yaml"
    assert _load(path, DOCUMENTS[name]) == _load_through_pyyaml(monkeypatch, path, DOCUMENTS[name])


def _flow_items(n: int) -> str:
    return "items:\n" + "".join(f"  - {{id: q{i}, vars: {{q: 'x{i}'}}, tags: [a, {{b: c}}]}}\n" for i in range(n))


def test_wide_flow_files_are_measured_from_their_events(tmp_path):
    """Thousands of flow items pass the quick bound: their nesting is measured from the events."""
    text = _flow_items(6000)
    assert yamlpos._nesting_bound(text) > yamlpos._SAFE_COMPOSE_DEPTH
    doc, issues = load_yaml(tmp_path / "wide.yaml", text)
    assert issues == [] and len(doc.data["items"]) == 6000 and doc.data["items"][-1]["tags"] == ["a", {"b": "c"}]
    message = f"(document): nested too deeply (more than {MAX_DEPTH} levels of lists and mappings)"
    deep = text + "  - " + "[" * 150 + "]" * 150 + "\n"
    _, issues = load_yaml(tmp_path / "deep.yaml", deep)
    assert [str(i) for i in issues] == [f"{tmp_path / 'deep.yaml'}:6002:{5 + MAX_DEPTH - 2}: {message}"]
    # a syntax error before the nesting gets that deep: the composer reports it
    broken = "items:\n  - {id: [}\n" + text[len("items:\n") :] + "  - " + "[" * 150 + "]" * 150 + "\n"
    _, issues = load_yaml(tmp_path / "broken.yaml", broken)
    assert len(issues) == 1 and issues[0].field == "(syntax)" and issues[0].line == 2


def test_the_garbage_collector_is_paused_only_while_loading(tmp_path):
    seen: list[bool] = []
    original = yamlpos._Builder.build

    def build(self: Any, node: Any, loc: Any) -> Any:
        seen.append(gc.isenabled())
        return original(self, node, loc)

    assert gc.isenabled()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yamlpos._Builder, "build", build)
        doc, issues = load_yaml(tmp_path / "a.yaml", "a: {b: [1, 2]}\n")
        assert issues == [] and doc.pos(("a", "b", 1)) == (1, 12)
    assert seen and not any(seen) and gc.isenabled()
    _, issues = load_yaml(tmp_path / "b.yaml", "a: [1\n")  # an error on the way out
    assert issues and gc.isenabled()
    gc.disable()  # turned off by the program: left off
    try:
        load_yaml(tmp_path / "c.yaml", "a: 1\n")
        assert not gc.isenabled()
    finally:
        gc.enable()


# ------------------------------------------------------------------------------ plan
def _suite(**extra: Any) -> Suite:
    data = {
        "id": "s",
        "version": "1",
        "title": "t",
        "criterion": "leaf",
        "prompt": "Q: {{ q }}",
        "system_prompt": "{{ role }}",
        "generation": {"temperature": 0, "stop": ["。"]},
        "scorers": [{"kind": "exact"}],
        "items": [
            {"id": "a", "vars": {"q": "一", "role": "係員"}, "reference": "x"},
            {"id": "b", "vars": {"q": "二", "role": "係員"}, "reference": "x"},
        ],
        **extra,
    }
    return Suite.model_validate(data)


def _vendor(vendor_id: str, **extra: Any) -> Vendor:
    data = {"id": vendor_id, "name": vendor_id, "provider": "openai", "base_url": "http://127.0.0.1:9/v1"}
    return Vendor.model_validate({"model": "m", **data, **extra})


def test_plan_requests_are_the_functions_requests():
    suite = _suite()
    vendors = [_vendor("v1", generation={"max_tokens": 10}), _vendor("v2", generation={"temperature": 1})]
    requests = plan([suite], vendors, epochs=2)
    assert len(requests) == 2 * 2 * 2
    for request in requests:
        vendor = next(v for v in vendors if v.id == request.vendor_id)
        item = next(i for i in suite.items if i.id == request.item_id)
        assert request.params == request_params(suite, item, vendor)
        assert request.key == request_key(
            vendor.id, endpoint_id(vendor), vendor.model, request.messages, request.params, request.epoch, suite.id
        )
        blob = json.dumps(
            {
                "vendor": vendor.id,
                "suite": suite.id,
                "endpoint": "http://127.0.0.1:9/v1",
                "model": "m",
                "messages": request.messages,
                "params": request.params,
                "epoch": request.epoch,
            },
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        import hashlib

        assert request.key == hashlib.sha256(blob.encode("utf-8")).hexdigest()
    assert requests[0].messages == [{"role": "system", "content": "係員"}, {"role": "user", "content": "Q: 一"}]
    # every item's parameters are its own objects
    by_vendor = [r for r in requests if r.vendor_id == "v1" and r.epoch == 0]
    assert by_vendor[0].params == by_vendor[1].params and by_vendor[0].params is not by_vendor[1].params
    assert by_vendor[0].params["stop"] is not by_vendor[1].params["stop"]


def test_plan_resolves_an_endpoint_only_for_a_request(monkeypatch):
    monkeypatch.delenv("EVALKIT_TEST_NO_SUCH_URL", raising=False)
    vendor = _vendor("v", base_url="${EVALKIT_TEST_NO_SUCH_URL}")
    assert plan([_suite()], [vendor], epochs=0) == []
    with pytest.raises(UsageError):
        plan([_suite()], [vendor])
