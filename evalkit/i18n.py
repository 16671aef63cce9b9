"""Console language: Japanese by default, English where the environment asks for it.

Every message a user reads on the console is written at its call site in both languages::

    raise UsageError(tr(f"{path}: ファイルが見つかりません", f"{path}: file not found"))

Both texts sit side by side and are formatted by the caller, so a translation cannot drift away
from the values it reports (tests/test_i18n.py checks that both texts name the same
placeholders). stdlib :mod:`gettext` is not used: it needs compiled ``.mo`` catalogues and a
build step to produce them, which this project does not have, and a message id far from its
translation is how a translation silently loses a value.

Language choice, decided lazily on the first message and cached (:func:`reset` forgets it):

1. ``EVALKIT_LANG`` if set and non-empty: ``ja`` or ``en`` (case-insensitive; ``ja_JP.UTF-8`` or
   ``en-US`` style values count by their first two letters). Any other value is ignored with a
   one-line warning on stderr naming the variable and its value, and the locale decides — a
   misspelt language must not stop a run that would otherwise succeed.
2. Otherwise the locale, with POSIX / gettext precedence: ``LANGUAGE`` (its first entry, as
   gettext reads it), then the first non-empty of ``LC_ALL``, ``LC_MESSAGES``, ``LANG``.
   English only when that value starts with ``en``; anything else (``C``, ``C.UTF-8``,
   ``POSIX``, ``ja_JP.UTF-8``, unset) gives Japanese, because evalkit's users are Japanese
   officials and a bare ``C`` locale is the default of servers and containers, not a request.

Ids, field names, paths, environment variable names, exit codes and machine-readable output
(JSON, CSV, JUnit) never go through :func:`tr`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

LANGUAGES = ("ja", "en")
ENV_VAR = "EVALKIT_LANG"

_cached: str | None = None


def _from_evalkit_lang(value: str) -> str | None:
    code = value.strip().lower().replace("-", "_")[:2]
    return code if code in LANGUAGES else None


def _from_locale(env: Mapping[str, str]) -> str:
    # gettext consults LANGUAGE first (a colon-separated priority list), then LC_ALL, LC_MESSAGES, LANG
    language = (env.get("LANGUAGE") or "").split(":")[0].strip()
    value = language or next((env[k] for k in ("LC_ALL", "LC_MESSAGES", "LANG") if env.get(k)), "")
    return "en" if value.strip().lower().startswith("en") else "ja"


def choose_language(env: Mapping[str, str] | None = None) -> tuple[str, str | None]:
    """The language for ``env`` (default ``os.environ``) and a warning to show, if any."""
    env = os.environ if env is None else env
    raw = env.get(ENV_VAR, "")
    if raw.strip():
        code = _from_evalkit_lang(raw)
        if code is not None:
            return code, None
        fallback = _from_locale(env)
        warning = (
            f"evalkit: {ENV_VAR}={raw!r} は ja か en にしてください。ロケールに従い {fallback} で表示します"
            if fallback == "ja"
            else f"evalkit: {ENV_VAR}={raw!r} must be ja or en; following the locale ({fallback})"
        )
        return fallback, warning
    return _from_locale(env), None


def language() -> str:
    """``"ja"`` or ``"en"``: decided on first use and cached until :func:`reset`."""
    global _cached
    if _cached is None:
        code, warning = choose_language()
        if warning:
            print(warning, file=sys.stderr, flush=True)
        _cached = code
    return _cached


def reset() -> None:
    """Forget the cached choice (tests, or after changing the environment)."""
    global _cached
    _cached = None


def tr(ja: str, en: str) -> str:
    """The Japanese or English text of one message, both already formatted by the caller."""
    return en if language() == "en" else ja


__all__ = ["ENV_VAR", "LANGUAGES", "choose_language", "language", "reset", "tr"]
