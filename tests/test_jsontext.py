"""evalkit/jsontext.py: ``pretty`` gives byte for byte what ``json.dumps(obj, ensure_ascii=False, indent=2,
default=str)`` gives (summary.json, which ``evalkit verify`` compares byte for byte), on thousands of generated
values, on the shapes its shortcuts take (flat containers, tables of rows), with json's errors, and on the
summary of a real run."""

from __future__ import annotations

import datetime
import decimal
import enum
import json
import random
import uuid
from collections import OrderedDict, defaultdict
from pathlib import Path, PurePosixPath

import numpy as np
import pytest
from conftest import SMALL_CRITERIA, make_workspace

from evalkit import jsontext
from evalkit.jsontext import pretty


def reference(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Name(str):
    pass


class Count(int):
    def __repr__(self) -> str:  # json writes int.__repr__, never this
        return "Count!"


class Ratio(float):
    def __repr__(self) -> str:  # json writes float.__repr__, never this
        return "Ratio!"


class Liar(float):
    """A float subclass whose comparisons json's floatstr calls (so does pretty's)."""

    __hash__ = float.__hash__

    def __eq__(self, other: object) -> bool:
        return True


class Rows(list):
    def __iter__(self):  # json iterates a list subclass with its own __iter__
        return reversed(list(super().__iter__()))


class Items(dict):
    def items(self):  # json reads a dict subclass with its own items()
        return list(reversed(super().items()))


class Shown:
    def __str__(self) -> str:
        return 'shown "as"\n\\ text\u2028'


STRINGS = [
    "",
    "a",
    "試験の問題",
    'quote " and \\ backslash',
    "control \x00\x01\x1f\x7f\t\n\r\b\f",
    "line\u2028para\u2029",
    "emoji 😀 🇯🇵",
    "lone \ud800 surrogate \udfff",
    "[{,}]: ",
    "\n",
    "null",
    "1.0",
]
FLOATS = [0.0, -0.0, 0.1, -1.5, 1e300, -1e300, 5e-324, 1e16, 123456789.123, float("nan"), float("inf"), float("-inf")]
INTS = [0, 1, -1, 2**63, -(2**64) - 1, 10**300, -(10**200)]
OBJECTS = [
    datetime.datetime(2024, 1, 2, 3, 4, 5, 6),
    datetime.date(2024, 1, 2),
    Path("runs/out"),
    PurePosixPath("/a/b"),
    decimal.Decimal("1.10"),
    decimal.Decimal("NaN"),
    uuid.UUID(int=7),
    complex(1, -2),
    {1, 2},
    frozenset(),
    b"bytes\x00",
    np.int64(7),
    np.bool_(True),
    np.float32(0.5),
    np.array([1, 2]),
    Shown(),
    object,
]


def scalar(rng: random.Random):
    kind = rng.randrange(12)
    if kind == 0:
        return rng.choice(STRINGS)
    if kind == 1:
        return "".join(rng.choice(STRINGS) for _ in range(rng.randrange(4)))
    if kind == 2:
        return rng.choice(INTS) if rng.random() < 0.3 else rng.randrange(-1000, 1000)
    if kind == 3:
        return rng.choice([True, False])
    if kind == 4:
        return rng.choice(FLOATS) if rng.random() < 0.5 else rng.uniform(-1e6, 1e6)
    if kind == 5:
        return None
    if kind == 6:
        return np.float64(rng.choice(FLOATS + [rng.random()]))
    if kind == 7:
        return rng.choice([Level.LOW, Level.HIGH, Name(rng.choice(STRINGS)), Count(5), Ratio(0.25), Liar(2.0)])
    if kind == 8:
        return rng.choice(OBJECTS)
    if kind == 9:
        return rng.choice([[], {}, ()])
    return rng.random()


def key(rng: random.Random):
    kind = rng.randrange(10)
    if kind < 5:
        return rng.choice(STRINGS) + str(rng.randrange(50))
    return rng.choice(
        [
            rng.randrange(-5, 5),
            rng.choice(FLOATS),
            True,
            False,
            None,
            Level.HIGH,
            Name("named"),
            Ratio(1.5),
            np.float64(2.5),
            rng.choice(INTS),
        ]
    )


def value(rng: random.Random, depth: int = 0):
    if depth > 4 or rng.random() < 0.3:
        return scalar(rng)
    kind = rng.randrange(9)
    size = rng.randrange(6)
    if kind == 0:
        return [value(rng, depth + 1) for _ in range(size)]
    if kind == 1:
        return tuple(value(rng, depth + 1) for _ in range(size))
    if kind == 2:
        return {key(rng): value(rng, depth + 1) for _ in range(size)}
    if kind == 3:
        return [scalar(rng) for _ in range(size)]  # flat
    if kind == 4:
        return {key(rng): scalar(rng) for _ in range(size)}  # flat (or not: scalar() gives subclasses too)
    if kind in (5, 6):
        return table(rng, depth)
    if kind == 7:
        return rng.choice([Rows, OrderedDict, Items, lambda x: defaultdict(int, x)])(
            [(key(rng), value(rng, depth + 1)) for _ in range(size)]
        )
    return rng.choice([[], {}, (), [[]], [{}], {"": {}}, [[], {}, ()]])


def table(rng: random.Random, depth: int):
    """Rows with the same keys (what pretty writes column by column), now and then bent out of shape."""
    keys = [rng.choice(STRINGS) + str(n) for n in range(rng.randrange(0, 6))]
    columns = {k: rng.choice(["scalar", "float", "flags", "any"]) for k in keys}

    def cell(kind: str):
        if kind == "scalar":
            return rng.choice([rng.choice(STRINGS), rng.randrange(100), None, True, 0.5])
        if kind == "float":
            return rng.choice(FLOATS)
        if kind == "flags":
            return [] if rng.random() < 0.7 else [rng.choice(STRINGS) for _ in range(rng.randrange(1, 3))]
        return value(rng, depth + 2)

    rows = [{k: cell(columns[k]) for k in keys} for _ in range(rng.randrange(1, 8))]
    bend = rng.randrange(8)
    if bend == 0 and keys:
        rows.append(dict(reversed(rows[0].items())))  # the same keys in another order
    elif bend == 1:
        rows.append({**(rows[0] if rows else {}), "extra": 1})
    elif bend == 2 and keys:
        rows.append({Name(k): v for k, v in rows[0].items()})  # equal keys of another type
    elif bend == 3:
        rows.append(OrderedDict(rows[0]))
    elif bend == 4:
        rows.append(rng.choice([None, [], "row"]))
    return tuple(rows) if rng.random() < 0.2 else rows


@pytest.mark.parametrize("seed", range(40))
def test_generated_values_are_written_as_json_dumps_writes_them(seed):
    rng = random.Random(seed)
    for _ in range(100):  # 4,000 values in all
        obj = value(rng)
        assert pretty(obj) == reference(obj)


@pytest.mark.parametrize("seed", range(10))
def test_generated_tables_are_written_as_json_dumps_writes_them(seed):
    rng = random.Random(1000 + seed)
    for _ in range(100):
        obj = {"rows": table(rng, 1), "nested": [table(rng, 2)]}
        assert pretty(obj) == reference(obj)


@pytest.mark.parametrize(
    "obj",
    [
        {},
        [],
        (),
        "",
        "a\nb",
        0,
        -0.0,
        float("nan"),
        None,
        True,
        Level.LOW,
        np.float64(0.1),
        np.int64(3),
        [[]],
        [{}],
        [{}, {}],
        [{"a": 1}],
        [{"a": 1}, {"a": 2, "b": 3}],
        [{"a": 1, "b": 2}, {"b": 2, "a": 1}],
        [{"a": 1}, {"b": 1}],
        [{1: "x"}, {True: "x"}],
        [{"a": []}, {"a": [1, [2]]}, {"a": {}}],
        [{"a": {"b": {}}}, {"a": ()}],
        [{"a": "x\ny"}, {"a": "\n"}],
        ({"k": 1.0}, {"k": float("inf")}),
        [{"k": Count(1)}, {"k": Ratio(0.5)}, {"k": Name("n")}],
        {2: 1, 1.5: 2, True: 3, None: 4, Level.HIGH: 5, float("nan"): 6, float("-inf"): 7, -0.0: 8},
        {"a": {"b": {"c": [1, 2, {"d": []}]}}},
        Rows([1, 2, 3]),
        Items(a=1, b=[2]),
        [Items(a=1), Items(a=2)],
        [{"a": Rows([1, 2])}, {"a": Items(x=1)}],
    ],
)
def test_shapes_of_the_shortcuts(obj):
    assert pretty(obj) == reference(obj)


def test_a_summary_like_table_of_many_rows():
    rng = random.Random(5)
    items = [
        {
            "suite_id": "bench",
            "item_id": f"q{n:06d}",
            "n_vendors": 3,
            "difficulty": rng.random(),
            "discrimination": None if n % 7 else -0.25,
            "expects_decline": n % 3 == 0,
            "flags": ["ceiling", "low_discrimination"] if n % 10 == 0 else [],
        }
        for n in range(3000)
    ]
    summary = {"item_analysis": {"n_items": len(items), "items": items, "flags": []}, "vendors": [{"id": "v"}]}
    assert pretty(summary) == reference(summary)


def test_shared_values_are_written_again_and_cycles_raise_as_in_json():
    shared = {"a": [1, 2]}
    row = {"x": 1}
    for obj in ([shared, shared], {"p": shared, "q": [shared]}, [row, {"x": row}]):  # no cycles
        assert pretty(obj) == reference(obj)
    a: list = []
    a.append(a)
    d: dict = {}
    d["self"] = [1, {"again": d}]
    rows: list = [{"a": 1}, {"a": None}]
    rows[1]["a"] = rows
    looped = {"k": Rows([1])}
    looped["k"].append(looped)
    own: list = [{"a": 1}, {"a": None}]
    own[1]["a"] = own[1]  # a row that holds itself
    back: list = [{"a": 1, "b": 2}, {"a": 3, "b": None}]
    back[1]["b"] = {"up": [back[1]]}  # a row reached again from inside one of its cells
    for obj in (a, d, rows, {"top": rows}, looped, own, back, ({"t": own},)):
        with pytest.raises(ValueError, match="Circular reference detected"):
            reference(obj)
        with pytest.raises(ValueError, match="Circular reference detected"):
            pretty(obj)


@pytest.mark.parametrize(
    "obj",
    [
        {(1, 2): 1},
        {b"k": 1},
        {"fine": 1, frozenset(): 2},
        [{"a": 1}, {"a": {object(): 1}}],
        {"a": [{"b": {datetime.date(2024, 1, 1): 1}}]},
    ],
)
def test_keys_json_refuses_raise_the_same_type_error(obj):
    with pytest.raises(TypeError) as expected:
        reference(obj)
    with pytest.raises(TypeError) as raised:
        pretty(obj)
    assert str(raised.value) == str(expected.value)


def test_ints_too_long_for_text_raise_as_in_json():
    for obj in (10**5000, [10**5000], {"a": 10**5000}, [{"a": 10**5000}, {"a": 1}]):
        with pytest.raises(ValueError):
            reference(obj)
        with pytest.raises(ValueError):
            pretty(obj)


def test_without_the_c_encoder_it_is_json_dumps(monkeypatch):
    monkeypatch.setattr(jsontext, "_c_make_encoder", None)
    obj = {"a": [{"b": 1}, {"b": 2}], "c": "試験"}
    assert pretty(obj) == reference(obj)


SUITE = (
    'id: s\nversion: "1"\ntitle: 試験\ncriterion: leaf\nprompt: "{{ q }}"\nscorers: [{kind: exact}]\n'
    "items:\n" + "".join(f"  - {{id: q{n}, vars: {{q: 問{n}}}, reference: 答{n}}}\n" for n in range(6))
)
ORACLE = "id: model-a\nname: 候補A社モデル\nprovider: reference\nmodel: oracle\n"
REFUSE = "id: model-b\nname: 候補B社モデル\nprovider: reference\nmodel: refuse\n"


def test_the_summary_of_a_real_run(tmp_path, monkeypatch):
    from evalkit import pipeline
    from evalkit.cli import main

    ws = make_workspace(tmp_path / "ws", {"s": SUITE}, {"oracle": ORACLE, "refuse": REFUSE}, SMALL_CRITERIA)
    monkeypatch.chdir(ws)
    monkeypatch.setenv("EVALKIT_CACHE_DIR", "off")
    seen: list[dict] = []
    real = pipeline.summary_text

    def kept(results: dict) -> str:
        seen.append(results)
        return real(results)

    monkeypatch.setattr(pipeline, "summary_text", kept)
    # the exports written here, not by a fork of this process (evalkit/forked.py), so that `kept` sees them
    monkeypatch.setattr(pipeline, "forked", lambda work, **_: (work(), lambda: None)[1])
    assert main(["run", "--out", str(tmp_path / "run"), "-q"]) == 0
    text = (tmp_path / "run" / "summary.json").read_text(encoding="utf-8")
    assert seen, "the run wrote no summary through summary_text"
    results = seen[-1]  # the results as computed (tuples, non-str keys and all), before any JSON round trip
    assert pretty(results) == reference(results) == text
    loaded = json.loads(text)
    assert loaded["item_analysis"]["items"]  # the table shortcut had rows to write
    assert real(loaded) == text
