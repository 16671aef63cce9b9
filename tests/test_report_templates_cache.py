"""Compiled report templates in evalkit's cache (evalkit/report/templating.py): used when the cache is
on, never created when it is off, and a cache that cannot be written or read never stops a page."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import Environment

from evalkit import cache
from evalkit.report import diff_page, render, templating


def _compiles(monkeypatch) -> list[str]:
    """Names of the templates Jinja compiles from source from now on (not read as bytecode)."""
    compiled: list[str] = []
    original = Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return original(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(Environment, "compile", counting)
    return compiled


def test_templates_are_compiled_once_then_read_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "cache"))
    compiled = _compiles(monkeypatch)
    first = render._environment().get_template("report.html.j2")
    entries = sorted((tmp_path / "cache" / templating.FOLDER).glob("report-*.cache"))
    assert compiled == ["report.html.j2"] and len(entries) == 1
    second = render._environment().get_template("report.html.j2")  # a new environment, as in each report
    assert compiled == ["report.html.j2"]  # read back, not compiled again
    assert second is not first and second.render is not None
    # the diff page shares the factory (and the folder)
    diff_page._environment().get_template("diff.html.j2")
    diff_page._environment().get_template("diff.html.j2")
    assert compiled == ["report.html.j2", "diff.html.j2"]
    assert len(list((tmp_path / "cache" / templating.FOLDER).glob("report-*.cache"))) == 2


def test_a_changed_template_is_compiled_again(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "cache"))
    env = render._environment()
    assert env.bytecode_cache is not None
    bucket = env.bytecode_cache.get_bucket(env, "report.html.j2", None, "{{ 1 }}")
    assert bucket.code is None  # nothing stored yet
    bucket.code = env.compile("{{ 1 }}", "report.html.j2")
    env.bytecode_cache.set_bucket(bucket)
    assert env.bytecode_cache.get_bucket(env, "report.html.j2", None, "{{ 1 }}").code is not None
    assert env.bytecode_cache.get_bucket(env, "report.html.j2", None, "{{ 2 }}").code is None  # other source


@pytest.mark.parametrize("value", ["off", ""])
def test_off_compiles_every_time_and_creates_nothing(tmp_path, monkeypatch, value):
    monkeypatch.setenv(cache.ENV_VAR, value)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    compiled = _compiles(monkeypatch)
    for _ in range(2):
        env = render._environment()
        assert env.bytecode_cache is None
        env.get_template("report.html.j2")
    assert compiled == ["report.html.j2"] * 2
    assert not any(tmp_path.rglob("*"))  # no folder, no file anywhere


def test_an_unusable_cache_folder_never_stops_the_page(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(cache.ENV_VAR, str(blocker))  # <file>/templates can be neither made nor read
    compiled = _compiles(monkeypatch)
    for _ in range(2):
        assert render._environment().get_template("report.html.j2").render is not None
    assert compiled == ["report.html.j2"] * 2


def test_a_damaged_entry_is_compiled_again_and_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "cache"))
    compiled = _compiles(monkeypatch)
    render._environment().get_template("report.html.j2")
    (entry,) = (tmp_path / "cache" / templating.FOLDER).glob("report-*.cache")
    good = entry.read_bytes()
    for damaged in (good[:40], good[:-500], b"", b"j2" + b"\x00" * 50):
        entry.write_bytes(damaged)
        render._environment().get_template("report.html.j2")
    assert len(compiled) == 5  # every damaged entry: compiled again
    render._environment().get_template("report.html.j2")
    assert len(compiled) == 5  # and written back whole: read the next time


def test_only_the_newest_entries_are_kept(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "cache"))
    monkeypatch.setattr(templating, "KEEP", 3)
    folder = tmp_path / "cache" / templating.FOLDER
    folder.mkdir(parents=True)
    for i in range(5):  # left behind by other versions of evalkit
        (folder / f"report-old{i}-x.cache").write_bytes(b"")
    render._environment().get_template("report.html.j2")
    kept = sorted(p.name for p in folder.glob("report-*.cache"))
    assert len(kept) == 3 and any(not name.startswith("report-old") for name in kept)


def test_the_rendered_report_is_the_same_with_and_without_the_cache(repo_run_copy, tmp_path, monkeypatch):
    """The same page from compiled-from-source and from cached templates (a fresh render each time)."""
    from evalkit.pipeline import score_and_report

    out, _ = repo_run_copy
    pages = []
    for setting in ("off", str(tmp_path / "cache"), str(tmp_path / "cache")):  # off, cold, warm
        monkeypatch.setenv(cache.ENV_VAR, setting)
        target = tmp_path / f"report-{len(pages)}.html"
        score_and_report(Path(out), rescore=False, out=target)
        pages.append(target.read_bytes())
    assert pages[0] == pages[1] == pages[2]
    assert list((tmp_path / "cache" / templating.FOLDER).glob("report-*.cache"))
