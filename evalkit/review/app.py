"""The review web application (aiohttp), served on 127.0.0.1 for one reviewer.

Every request needs the session's token (``?token=``, the ``X-Evalkit-Token`` header or, in a form,
the ``token`` field) and a ``Host`` that is the server's own (a page of another site reached through
DNS rebinding is refused); a POST from another origin (``Origin``, ``Sec-Fetch-Site``) is refused too.
Pages are rendered server-side by Jinja2 with autoescape: model answers and suite text are only ever
text. The one script (keyboard shortcuts) is allowed by its hash in the Content-Security-Policy.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import hashlib
import secrets
import threading
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ..errors import UsageError
from . import audit
from .session import Session

TOKEN_HEADER = "X-Evalkit-Token"
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("evalkit", "review/templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["verdict"] = lambda p: "未採点" if p is None else ("合格" if p else "不合格")
    env.filters["pct"] = lambda s: "—" if s is None else f"{float(s) * 100:.1f}"
    return env


def _static(env: Environment, name: str) -> str:
    assert env.loader is not None, "_environment() sets a PackageLoader"
    return env.loader.get_source(env, name)[0]


class ReviewApp:
    def __init__(self, session: Session, token: str | None = None):
        self.session = session
        self.token = token or secrets.token_urlsafe(24)
        self.env = _environment()
        self.script = _static(self.env, "review.js")
        digest = base64.b64encode(hashlib.sha256(self.script.encode("utf-8")).digest()).decode("ascii")
        self.csp = (
            f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src 'none'; "
            "connect-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        )
        self.hosts: set[str] = set()  # the Host values accepted (set when the server is bound)

    def bind(self, host: str, port: int) -> None:
        names = set(LOOPBACK) if host in LOOPBACK else {host}
        self.hosts = {f"{name}:{port}" for name in names | {host}}

    # ------------------------------------------------------------------------------ guards
    @web.middleware
    async def guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path == "/favicon.ico":
            return web.Response(status=204)
        if self.hosts and request.host not in self.hosts:
            return self._forbidden("Host が違います（このサーバーには 127.0.0.1 のアドレスで接続してください）")
        given = request.query.get("token") or request.headers.get(TOKEN_HEADER)
        if request.method == "POST":
            origin = request.headers.get("Origin")
            if (origin is not None and origin not in {f"http://{h}" for h in self.hosts or {request.host}}) or (
                request.headers.get("Sec-Fetch-Site") not in (None, "same-origin", "none")
            ):
                return self._forbidden("別のサイトからの送信は受け付けません")
            form = await request.post()
            field = form.get("token")
            given = field if isinstance(field, str) else given
        if not given or not secrets.compare_digest(given.encode("utf-8"), self.token.encode("utf-8")):
            return self._forbidden("トークンがないか違います。evalkit review が表示した URL を開いてください")
        return await handler(request)

    def _forbidden(self, message: str) -> web.Response:
        return web.Response(status=403, text=f"403: {message}\n", content_type="text/plain", charset="utf-8")

    # ------------------------------------------------------------------------------ pages
    def url(self, path: str, **query: Any) -> str:
        return f"{path}?{urlencode({'token': self.token, **query})}"

    def _page(self, template: str, status: int = 200, **context: Any) -> web.Response:
        html = self.env.get_template(template).render(
            s=self.session,
            url=self.url,
            token=self.token,
            script=Markup(self.script),  # the script itself, allowed by its hash
            **context,
        )
        response = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
        response.headers.update(
            {
                "Content-Security-Policy": self.csp,
                "Referrer-Policy": "same-origin",  # (no-referrer would make a form POST's Origin "null")
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-store",
            }
        )
        return response

    def _states(self) -> dict[audit.Unit, dict[str, Any]]:
        """Per unit: this reviewer's latest rating (review) or every rating and the adjudication."""
        entries = self.session.visible(self.session.log())
        out: dict[audit.Unit, dict[str, Any]] = {}
        for e in entries:
            state = out.setdefault(e.unit, {"mine": None, "ratings": {}, "adjudication": None, "history": []})
            state["history"].append(e)
            if e.role == "adjudication":
                state["adjudication"] = e
            else:
                state["ratings"][e.reviewer] = e
            if e.reviewer == self.session.reviewer and e.role == self.session.role:
                state["mine"] = e
        return out

    async def queue(self, request: web.Request) -> web.Response:
        states = self._states()
        done = sum(1 for q in self.session.queue if (states.get(q.unit) or {}).get("mine") is not None)
        return self._page("queue.html.j2", states=states, done=done)

    def _item(self, request: web.Request) -> int:
        try:
            n = int(request.match_info["n"])
        except ValueError:
            raise web.HTTPNotFound() from None
        if not 1 <= n <= len(self.session.pages):
            raise web.HTTPNotFound()
        return n

    def _render_item(self, n: int, status: int = 200, **context: Any) -> web.Response:
        page = self.session.pages[n - 1]
        state = self._states().get(page.queued.unit) or {"mine": None, "ratings": {}, "adjudication": None}
        return self._page(
            "item.html.j2", status=status, page=page, state=state, total=len(self.session.pages), **context
        )

    async def item(self, request: web.Request) -> web.Response:
        n = self._item(request)
        saved = request.query.get("saved")
        return self._render_item(n, saved=saved)

    async def save(self, request: web.Request) -> web.Response:
        n = self._item(request)
        form = await request.post()
        verdict, reason, raw_score = (str(form.get(k) or "") for k in ("verdict", "reason", "score"))
        given = {"verdict": verdict, "reason": reason, "score": raw_score}
        if verdict not in ("pass", "fail"):
            return self._render_item(n, 400, error="合格か不合格を選んでください（p / f）", given=given)
        if not reason.strip():
            return self._render_item(
                n, 400, error="理由を入力してください（理由のない判定は記録しません）", given=given
            )
        score = None
        if raw_score.strip():
            try:
                score = float(raw_score)
            except ValueError:
                score = -1.0
            if not 0.0 <= score <= 1.0:  # (NaN too)
                return self._render_item(n, 400, error="得点は 0 以上 1 以下の数で入力してください", given=given)
        try:
            self.session.save(n, verdict == "pass", score, reason)
        except UsageError as exc:
            return self._render_item(n, 400, error=str(exc), given=given)
        target = self.url(f"/item/{n + 1}", saved=n) if n < len(self.session.pages) else self.url("/", saved=n)
        raise web.HTTPSeeOther(target)

    def create(self) -> web.Application:
        app = web.Application(middlewares=[self.guard], client_max_size=64 * 1024)
        app.router.add_get("/", self.queue)
        app.router.add_get("/item/{n}", self.item)
        app.router.add_post("/item/{n}", self.save)
        return app


class ReviewServer:
    """The application on ``host:port`` in a background thread with its own event loop."""

    def __init__(self, session: Session, host: str = "127.0.0.1", port: int = 0, token: str | None = None):
        self.review = ReviewApp(session, token)
        self.host, self.port = host, port
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="evalkit-review", daemon=True)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.review.url('/')}"

    async def _start(self) -> None:
        self._runner = web.AppRunner(self.review.create(), access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = int(sockets[0].getsockname()[1]) if sockets else self.port
        self.review.bind(f"[{self.host}]" if ":" in self.host else self.host, self.port)

    def start(self) -> ReviewServer:
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        except OSError as exc:
            self._loop.call_soon_threadsafe(self._loop.stop)
            raise UsageError(f"{self.host}:{self.port}: {exc.strerror or exc}") from None
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        with contextlib.suppress(TimeoutError, concurrent.futures.TimeoutError):
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> ReviewServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
