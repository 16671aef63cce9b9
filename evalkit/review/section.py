"""What the report's 「人による審査」 section shows (``report/templates/review_section.html.j2``).

The results' ``human_review`` as the report's view may show it. A view has already dropped the entries
of hidden vendors (``report/views.py``); here a view that hides vendors (a vendor's self-test) also
recounts from the entries left and leaves out the agreement figures (they were computed over every
vendor), and the reasons written about items whose text the view withholds (a public view's
unpublished or sealed suites; a sealed suite unless ``--reveal``) are left out: a reason may quote the
item or the answer.
"""

from __future__ import annotations

import copy
from typing import Any

WITHHELD = "（本文を表示しないスイートのため省略）"


def review_section(results: dict[str, Any], view: Any) -> dict[str, Any] | None:
    """The section's data, or None when the run has no review entries (no section is rendered).
    ``view``: the report's ``report.views.View``."""
    human = results.get("human_review")
    if not isinstance(human, dict) or not human.get("counts", {}).get("entries"):
        return None
    withheld = set(view.sealed_suites) | (set() if view.reveal else set(view.sealed))
    out = copy.deepcopy(human)
    for row in [*out.get("entries", []), *out.get("disputed", [])]:
        if row.get("suite_id") in withheld:
            if "reason" in row:
                row["reason"] = WITHHELD
            for rating in [*row.get("ratings", []), *([row["adjudication"]] if row.get("adjudication") else [])]:
                rating["reason"] = WITHHELD
    if view.hidden:
        rows, disputed = out.get("entries", []), out.get("disputed", [])
        out["counts"] = {
            **out["counts"],
            "units": len(rows) + len(disputed),
            "applied": len(rows),
            "verdict_changed": sum(bool(r.get("verdict_changed")) for r in rows),
            "confirmed": sum(not r.get("verdict_changed") for r in rows),
            "adjudicated": sum(r.get("status") == "adjudicated" for r in rows),
            "agreed": sum(r.get("status") == "agreed" for r in rows),
            "disputed": len(disputed),
        }
        out["agreement"] = None
    return out
