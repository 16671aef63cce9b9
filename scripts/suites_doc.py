#!/usr/bin/env python3
"""Keep the generated parts of docs/suites.md current: counts, tags, clauses, checks.

docs/suites.md is written by hand, except the blocks between

    <!-- BEGIN GENERATED: key -->  ...  <!-- END GENERATED: key -->

which this script rewrites from the suites themselves (the same counts `evalkit list --tags`
prints). Keys: ``overview`` (items per criterion against min_items), ``areas`` (items per area tag
against its floor), ``difficulty`` (易/中/難 per suite), ``weights`` (each suite's weight inside its
leaf and the weight of one of its items in the total), ``probes`` (the per-suite
probe table of `evalkit validate --self-check`: the probes are scored with their items' scorers,
so a change to a scorer can change it), ``suite:<id>`` (the facts and the item counts by tag of
one suite), ``attestation:<id>`` (the checks of a questionnaire). Every suite and questionnaire
must have its block, and every block must name one that exists.

    python scripts/suites_doc.py           # rewrite docs/suites.md
    python scripts/suites_doc.py --check   # exit 1 if it is not current (tests and CI)
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evalkit.analysis.tree import item_weights, suites_by_leaf  # noqa: E402 — after the sys.path insert
from evalkit.config.inventory import (  # noqa: E402 — importable only after the sys.path insert above
    area_counts,
    counted,
    criterion_counts,
    difficulty_counts,
    is_external,
    tag_counts,
)
from evalkit.config.loader import load_workspace  # noqa: E402 — importable only after the sys.path insert above
from evalkit.reference.selfcheck import probe_check  # noqa: E402 — importable only after the sys.path insert above

BLOCK = re.compile(r"(<!-- BEGIN GENERATED: (?P<key>[^ ]+) -->\n)(?P<body>.*?)(<!-- END GENERATED: (?P=key) -->)", re.S)


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def overview(ws) -> str:
    rows = [
        "| 評価基準（criteria.yaml の節） | 設問数 | 当日試験（見本） | 申告の照合項目 | 下限 (min_items) | 判定 |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in criterion_counts(ws.criteria.model, [s.model for s in ws.suites], [q.model for q in ws.attestation]):
        name = "&nbsp;&nbsp;" * row.depth + f"`{row.id}` {row.title}"
        status = (
            "—"
            if row.min_items is None
            else ("満たす" if row.meets_minimum else f"不足（あと {row.min_items - row.items}）")
        )
        rows.append(
            f"| {name} | {row.items} | {row.day_of_test or ''} | {row.checks or ''} | "
            f"{'' if row.min_items is None else row.min_items} | {status} |"
        )
    return "\n".join(rows) + "\n"


def areas_block(ws) -> str:
    rows = ["| 領域（設問のタグ） | 内容 | 設問数 | 下限 | 判定 | スイート |", "|---|---|---:|---:|---|---|"]
    for a in area_counts(ws.criteria.model, [s.model for s in ws.suites]):
        status = "満たす" if a.meets_minimum else f"不足（あと {a.min_items - a.items}）"
        rows.append(
            f"| {_cell(a.tag)} | {_cell(a.title or '')} | {a.items} | {a.min_items} | {status} | "
            f"{', '.join(f'`{s}`' for s in a.suites) or '—'} |"
        )
    return "\n".join(rows) + "\n"


def difficulty_block(ws) -> str:
    crit = ws.criteria.model
    models = [s.model for s in ws.suites]
    per_suite = {s.id: difficulty_counts(crit, [s]) for s in counted(models)}
    levels = crit.difficulty.levels if crit.difficulty else ["易", "中", "難"]
    rows = ["| スイート | " + " | ".join(levels) + f" | {levels[-1]}の割合 |", "|---|" + "---:|" * (len(levels) + 1)]
    for sid in sorted(per_suite):
        mix = per_suite[sid]
        rows.append(
            f"| `{sid}` | " + " | ".join(str(mix.levels[lv]) for lv in levels) + f" | {mix.hardest_share:.0%} |"
        )
    total = difficulty_counts(crit, models)
    rows.append(
        "| （合計） | " + " | ".join(str(total.levels[lv]) for lv in levels) + f" | {total.hardest_share:.1%} |"
    )
    return "\n".join(rows) + "\n"


def weights_block(ws) -> str:
    crit = ws.criteria.model
    rows_in = [
        {"id": s.model.id, "criterion": s.model.criterion, "weight": s.model.weight, "n_items": len(s.model.items)}
        for s in ws.suites
        if not is_external(s.model)
    ]
    per_item = item_weights(crit, rows_in)
    in_leaf = suites_by_leaf(crit, rows_in)
    nodes = crit.nodes()
    rows = [
        "| 評価基準の葉 | スイート | 設問数 | 葉の中の重み | 1問の重み（総合点に占める割合） |",
        "|---|---|---:|---:|---:|",
    ]
    for leaf, suites in in_leaf.items():
        total = sum(suites.values())
        for sid in sorted(suites):
            row = next(r for r in rows_in if r["id"] == sid)
            share = suites[sid] / total if total else 0.0
            rows.append(
                f"| `{leaf}` {_cell(nodes[leaf].title) if leaf in nodes else ''} | `{sid}` | {row['n_items']} | "
                f"{share:.1%} | {per_item[sid] * 100:.3f}% |"
                if per_item.get(sid) is not None
                else f"| `{leaf}` | `{sid}` | {row['n_items']} | {share:.1%} | — |"
            )
    return "\n".join(rows) + "\n"


def probes_block(ws) -> str:
    """The self-check's first table (items, probes, right, wrong, routed, missing per suite), with the
    probes split into answers that must pass and answers that must fail."""
    rows = [
        "| スイート | 設問数 | プローブ | うち合格すべき (pass) | うち不合格にすべき (fail) | 正しい判定 (right) | "
        "誤った判定 (wrong) | 判定者へ (routed) | 不足 (missing) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    total = [0] * 8
    for loaded in sorted(ws.suites, key=lambda s: s.model.id):
        if is_external(loaded.model):
            continue  # data outside the repository: no probes
        _, tally = probe_check(loaded, cacheable=loaded.model.id not in ws.sealed)
        must_pass = sum(1 for item in loaded.model.items for p in item.probes if p.expect == "pass")
        values = [
            tally.items,
            tally.probes,
            must_pass,
            tally.probes - must_pass,
            tally.right,
            tally.wrong,
            tally.routed,
            tally.missing,
        ]
        total = [a + b for a, b in zip(total, values, strict=True)]
        rows.append(f"| `{loaded.model.id}` | " + " | ".join(str(v) for v in values) + " |")
    rows.append("| （合計） | " + " | ".join(str(v) for v in total) + " |")
    return "\n".join(rows) + "\n"


def id_ranges(ids: list[str]) -> str:
    """Item ids with runs of consecutive numbers shortened: sec-ext-001〜018, sec-ext-020."""
    runs: list[list] = []  # [prefix, first number text, last number text, last number]
    for item_id in ids:
        m = re.fullmatch(r"(.*?)(\d+)", item_id)
        if m and runs and runs[-1][0] == m.group(1) and runs[-1][3] + 1 == int(m.group(2)):
            runs[-1][2:] = [m.group(2), int(m.group(2))]
        elif m:
            runs.append([m.group(1), m.group(2), m.group(2), int(m.group(2))])
        else:
            runs.append([item_id, "", "", -2])
    return "、".join(f"{pre}{a}" if a == b else f"{pre}{a}〜{b}" for pre, a, b, _ in runs)


def suite_block(loaded, nodes) -> str:
    suite = loaded.model
    node = nodes.get(suite.criterion)
    # the scorers the items are actually scored with (a suite default that every item overrides is left out)
    scorers = Counter(spec.kind for item in suite.items for spec in suite.scorers_for(item))
    expect = Counter(item.expect or "—" for item in suite.items)
    path = Path(loaded.path)
    with contextlib.suppress(ValueError):  # a suite outside the repository keeps its path as given
        path = path.resolve().relative_to(ROOT)
    lines = [
        f"| ファイル | `{path.as_posix()}` (version {suite.version}) |",
        "|---|---|",
        f"| 評価基準の葉 | `{suite.criterion}` {_cell(node.title) if node else ''} |",
        f"| 公募の条項 | {_cell(node.clause) if node else '—'} |",
        f"| 設問数 | {len(suite.items)}"
        f"（重要項目 critical {sum(i.critical for i in suite.items) if not suite.critical else len(suite.items)}、"
        f"expect: decline {expect.get('decline', 0)}、answer {expect.get('answer', 0)}） |",
        f"| 重要項目（critical）の設問 | "
        f"{id_ranges([i.id for i in suite.items if i.critical or suite.critical]) or '—'} |",
        f"| 採点方式（各設問に適用されるもの） | {', '.join(f'`{k}`' for k in sorted(scorers))} |",
        "",
        "| タグ | 設問数 |",
        "|---|---:|",
    ]
    lines += [f"| {_cell(tag)} | {n} |" for tag, n in tag_counts(suite)]
    return "\n".join(lines) + "\n"


def attestation_block(loaded) -> str:
    q = loaded.model
    lines = [
        "| id | 申告項目 (`field`) | 要件 | ベンダーへの質問 | 要求値 | ゲート | 公募の条項 |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in q.checks:
        required = c.required_text()
        if isinstance(required, bool):
            required = "はい" if required else "いいえ"
        lines.append(
            f"| `{c.id}` | `{c.field}` | {_cell(c.title)} | {_cell(c.question)} | {_cell(required)} | "
            f"{'必須（critical）' if c.critical else '—'} | {_cell(c.clause)} |"
        )
    return "\n".join(lines) + "\n"


def render(text: str, ws) -> tuple[str, list[str]]:
    nodes = ws.criteria.model.nodes()
    wanted: dict[str, str] = {
        "overview": overview(ws),
        "areas": areas_block(ws),
        "difficulty": difficulty_block(ws),
        "weights": weights_block(ws),
        "probes": probes_block(ws),
    }
    external = {f"suite:{s.model.id}" for s in ws.suites if is_external(s.model)}
    for s in ws.suites:
        if is_external(s.model):
            continue  # its items come from data outside the repository: nothing stable to count
        wanted[f"suite:{s.model.id}"] = suite_block(s, nodes)
    for q in ws.attestation:
        wanted[f"attestation:{q.model.id}"] = attestation_block(q)
    problems: list[str] = []
    seen: set[str] = set()

    def replace(match: re.Match) -> str:
        key = match.group("key")
        seen.add(key)
        if key in external:
            return match.group(0)
        if key not in wanted:
            problems.append(f"block '{key}' names no suite or questionnaire that exists")
            return match.group(0)
        return match.group(1) + wanted[key] + match.group(4)

    out = BLOCK.sub(replace, text)
    for key in wanted:
        if key not in seen:
            problems.append(
                f"no block for '{key}': add <!-- BEGIN GENERATED: {key} --> ... "
                f"<!-- END GENERATED: {key} --> to its section"
            )
    return out, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the document is not current")
    parser.add_argument("--doc", default=str(ROOT / "docs" / "suites.md"))
    parser.add_argument("--suites", default=str(ROOT / "suites"))
    args = parser.parse_args(argv)
    ws = load_workspace([Path(args.suites)], check_items=False)
    if ws.issues or ws.criteria is None:
        for issue in ws.issues:
            print(issue, file=sys.stderr)
        print("suites_doc: fix the suites first (evalkit validate)", file=sys.stderr)
        return 2
    doc = Path(args.doc)
    text = doc.read_text(encoding="utf-8")
    new, problems = render(text, ws)
    for problem in problems:
        print(f"{doc}: {problem}", file=sys.stderr)
    if args.check:
        if new != text:
            print(f"{doc}: generated counts are out of date; run: python scripts/suites_doc.py", file=sys.stderr)
            return 1
        return 1 if problems else 0
    if new != text:
        doc.write_text(new, encoding="utf-8")
        print(f"updated {doc}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
