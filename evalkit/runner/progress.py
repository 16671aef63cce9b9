"""Progress per vendor: tqdm bars on a terminal, plain periodic lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import NoReturn, TextIO

from tqdm import tqdm

from ..i18n import tr


class Progress:
    def __init__(
        self,
        totals: dict[str, int],
        *,
        quiet: bool = False,
        stream: TextIO | None = None,
        interval: float = 10.0,
        labels: dict[str, str] | None = None,
    ):
        self.stream = stream or sys.stderr
        self.labels = labels or {}
        self.quiet = quiet
        self.tty = self.stream.isatty()
        self.totals = totals
        self.done = {v: 0 for v in totals}
        self.errors = {v: 0 for v in totals}
        self.retries = {v: 0 for v in totals}
        self.started = time.monotonic()
        self.interval = interval
        self._last_line = self.started
        self.bars: dict[str, tqdm[NoReturn]] = {}  # manual bars: no iterable behind them
        if self.tty and not quiet:
            for pos, (vendor, total) in enumerate(totals.items()):
                self.bars[vendor] = tqdm(
                    total=total,
                    desc=self.labels.get(vendor, vendor),
                    position=pos,
                    file=self.stream,
                    unit="req",
                    dynamic_ncols=True,
                    leave=True,
                )

    def retry(self, vendor: str) -> None:
        self.retries[vendor] += 1

    def update(self, vendor: str, *, ok: bool) -> None:
        self.done[vendor] += 1
        self.errors[vendor] += 0 if ok else 1
        bar = self.bars.get(vendor)
        if bar is not None:
            bar.set_postfix(errors=self.errors[vendor], retries=self.retries[vendor], refresh=False)
            bar.update(1)
        elif not self.quiet and time.monotonic() - self._last_line >= self.interval:
            self._last_line = time.monotonic()
            self.print_lines()

    def print_lines(self) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        for vendor, total in self.totals.items():
            label = self.labels.get(vendor, vendor)
            print(
                tr(
                    f"[{label}] {self.done[vendor]}/{total} 件完了、エラー {self.errors[vendor]}、"
                    f"再試行 {self.retries[vendor]}、{self.done[vendor] / elapsed:.1f} req/s",
                    f"[{label}] {self.done[vendor]}/{total} done, {self.errors[vendor]} errors, "
                    f"{self.retries[vendor]} retries, {self.done[vendor] / elapsed:.1f} req/s",
                ),
                file=self.stream,
                flush=True,
            )

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        if not self.tty and not self.quiet and any(self.done.values()):
            self.print_lines()
