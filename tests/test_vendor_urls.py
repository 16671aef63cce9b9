"""Keys never enter a vendor file or a run through the URL or another field (issue 13 #16), and a
malformed base_url is a positioned validation error (exit 2), not an internal error later (#17)."""

from __future__ import annotations

import pytest
from conftest import SMALL_CRITERIA, clean_env, evalkit, make_workspace

SUITE = (
    'id: s\nversion: "1"\ntitle: 試験\ncriterion: leaf\nprompt: "{{ q }}"\nscorers: [{kind: exact}]\n'
    "items:\n  - {id: a, vars: {q: 首都は}, reference: 東京}\n"
)
KEY = "sk-" + "Zq8Xw2Lm4Np6Rt0Vb3Yc"


def vendor(url: str, name: str = "T") -> str:
    return f'id: t\nname: "{name}"\nprovider: openai\nbase_url: "{url}"\nmodel: m\napi_key_env: T_KEY\n'


@pytest.mark.parametrize(
    "url, message",
    [
        (f"http://127.0.0.1:9/v1?api_key={KEY}", "looks like a literal API key"),
        ("http://127.0.0.1:9/v1?api_key=abc123", "the URL carries a credential in its query ('api_key=')"),
        ("http://127.0.0.1:9/v1?x=1&token=abc", "the URL carries a credential in its query ('token=')"),
        ("http://admin:hunter2@127.0.0.1:9/v1", "credentials in the URL (user:password@ or token@)"),
        ("http://abcdef123@127.0.0.1:9/v1", "credentials in the URL (user:password@ or token@)"),
        ("http://127.0.0.1:99999/v1", "port must be a number from 1 to 65535"),
        ("http://127.0.0.1 :8000/v1", "cannot contain spaces"),
        ("ftp://127.0.0.1/v1", "expected an http(s) URL"),
    ],
)
def test_bad_urls_are_positioned_errors_that_never_echo_the_secret(tmp_path, url, message):
    work = make_workspace(tmp_path / "w", {"s": SUITE}, {"t": vendor(url)}, criteria=SMALL_CRITERIA)
    proc = evalkit("validate", cwd=work)
    assert proc.returncode == 2
    assert proc.stderr.startswith("vendors/t.yaml:4:11: base_url: ") and message in proc.stderr, proc.stderr
    for secret in (KEY, "hunter2", "abc123"):
        assert secret not in proc.stderr + proc.stdout


def test_a_key_inside_a_name_is_refused(tmp_path):
    work = make_workspace(
        tmp_path / "w",
        {"s": SUITE},
        {"t": vendor("http://127.0.0.1:9/v1", name=f"ACME {KEY}")},
        criteria=SMALL_CRITERIA,
    )
    proc = evalkit("validate", cwd=work)
    assert proc.returncode == 2 and "vendors/t.yaml:2:7: name: looks like a literal API key" in proc.stderr
    assert KEY not in proc.stderr


def test_credentials_brought_by_the_environment_stop_the_run_before_anything_is_stored(tmp_path):
    work = make_workspace(tmp_path / "w", {"s": SUITE}, {"t": vendor("${T_URL}")}, criteria=SMALL_CRITERIA)
    env = clean_env(T_URL=f"http://127.0.0.1:9/v1?api_key={KEY}", T_KEY="x")
    proc = evalkit("run", "--out", "run", "-q", cwd=work, env=env)
    assert proc.returncode == 2, proc.stderr
    assert "vendor 't': base_url from T_URL: " in proc.stderr and KEY not in proc.stderr
    assert not (work / "run").exists()
