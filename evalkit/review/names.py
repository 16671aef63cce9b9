"""The review queues' names and defaults (light: the CLI reads them to build its parser)."""

from __future__ import annotations

QUEUES = ("judge", "disagreement", "flagged", "critical", "audit")
QUEUE_LABELS = {
    "judge": "判定者行き・未決定",
    "disagreement": "判定の不一致",
    "flagged": "設問分析の指摘",
    "critical": "重要設問の不合格",
    "audit": "抜き取り監査",
    "adjudication": "審査者間の不一致",
}
DEFAULT_SAMPLE = 20
DEFAULT_SEED = 20260301
# item analysis' reasons (analysis/item_analysis.py REASONS), as the review page names them
FLAG_LABELS = {
    "all_fail": "全ベンダーが不合格（参照解答か採点の誤りの疑い）",
    "negative_discrimination": "負の識別力（全体に強いベンダーが不合格、弱いベンダーが合格）",
    "baseline_pass": "全拒否・復唱のベースラインが合格",
    "review_changed": "人による審査で判定が変更された",
}
