"""``lictree serve``: the UI in web browsers, through textual-serve (docs/serve.md).

Each browser connection gets its own lictree process (``python -P -m tui.cli`` with the tree's arguments),
in a process session of its own so that it and everything it starts (the reader server, the watcher)
go when the connection does. The sessions share the verdict cache on disk like any two lictree runs.

Every request must carry the token printed in the URL, as ``?token=`` or as the cookie the page gets
with it; anything else is answered 403 before any handler (and before any process is spawned). The
token is compared in constant time and kept out of every log: aiohttp's access log is off, and
textual-serve's logger goes through a filter that blanks it.

Only this module (imported by ``lictree serve`` alone) imports textual-serve and aiohttp.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import os
import re
import secrets
import shlex
import signal
import socket
import sys
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp_jinja2
from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

EXIT_OK, EXIT_USAGE = 0, 2
#: Seconds a session's app has to quit once asked (its browser went away) before it is terminated.
QUIT_GRACE = 5.0
#: What a token may hold: it goes into a URL and a cookie as it is.
TOKEN_CHARS = re.compile(r"[A-Za-z0-9._~-]{8,256}")
FORBIDDEN = "403 Forbidden: this lictree server needs the token of the URL it printed (…/?token=…).\n"

log = logging.getLogger("textual-serve")

#: textual-serve's page opens each download in a new window, which a browser blocks as a pop-up unless it
#: follows a click; a link clicked by the page downloads without one.
DOWNLOAD_SCRIPT = """
    <script>
      (function () {
        const open = window.open.bind(window);
        window.open = function (url, target, features) {
          if (typeof url === "string" && new URL(url, window.location.href).pathname.startsWith("/download/")) {
            const link = document.createElement("a");
            link.href = url;
            link.download = "";
            document.body.appendChild(link);
            link.click();
            link.remove();
            return null;
          }
          return open(url, target, features);
        };
      })();
    </script>"""


def is_loopback(host: str) -> bool:
    """Whether *host* is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_token(token: str) -> str | None:
    """Why *token* cannot be used (None: it can)."""
    if not TOKEN_CHARS.fullmatch(token):
        return "--token: 8 to 256 characters, letters, digits and . _ ~ - only (it goes into a URL as it is)"
    return None


def new_token() -> str:
    """A random token: 32 URL-safe characters (192 bits)."""
    return secrets.token_urlsafe(24)


def token_matches(given: str | None, token: str) -> bool:
    """*given* is *token*, compared in constant time."""
    return given is not None and hmac.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode("utf-8"))


def url_host(host: str) -> str:
    """How *host* is written in a URL: IPv6 in brackets; an address of every interface as this machine's name."""
    if host in ("", "0.0.0.0", "::"):
        return socket.gethostname()
    if ":" in host and not host.startswith("["):
        return f"[{host}]"
    return host


class _Redact(logging.Filter):
    """Blanks the token in every record that reaches the handler it guards."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), None
        if record.exc_info:  # a traceback may quote a request line
            record.exc_text = logging.Formatter().formatException(record.exc_info).replace(self.token, "<token>")
            record.exc_info = None
        return True


class Session(AppService):
    """One browser connection's lictree process: started without a shell, in a process session of its own,
    and stopped whole (the app, then whatever it left in its session)."""

    def __init__(self, argv: Sequence[str], **kwargs: Any) -> None:
        super().__init__(shlex.join(argv), **kwargs)
        self.argv = list(argv)
        self._stopping: asyncio.Future[None] | None = None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=self._build_environment(width=width, height=height),
            start_new_session=True)
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def stop(self) -> None:
        """Ask the app to quit, wait QUIT_GRACE seconds, then terminate its process session (every call
        waits for the same stop)."""
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._stop())
        await asyncio.shield(self._stopping)

    async def _stop(self) -> None:
        process = self._process
        if process is None:
            return
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        if process.returncode is None:
            await self.send_meta({"type": "quit"})
            try:
                await asyncio.wait_for(process.wait(), QUIT_GRACE)
            except TimeoutError:
                self._signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), 2.0)
                except TimeoutError:
                    self._signal(signal.SIGKILL)
                    await process.wait()
        self._signal(signal.SIGTERM)  # what the app left in its session (none when it quit cleanly)
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 2.0)
            except TimeoutError:
                self._signal(signal.SIGKILL)  # a leftover holding stdout open
                await asyncio.wait_for(self._task, 2.0)
            self._task = None

    def _signal(self, sig: signal.Signals) -> None:
        if self._process is None:
            return
        try:
            os.killpg(self._process.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


class LictreeServer(Server):
    """textual-serve's server, with the token guard, a session per connection started without a shell, URLs
    relative to the host the browser used, and no access log."""

    def __init__(self, argv: Sequence[str], host: str, port: int, token: str, title: str) -> None:
        super().__init__(shlex.join(argv), host=host, port=port, title=title)
        self.argv = list(argv)
        self.token = token
        self.sessions: dict[Session, web.WebSocketResponse] = {}

    @property
    def cookie_name(self) -> str:
        """One cookie a port: browsers share cookies between the ports of a host."""
        return f"lictree-token-{self.port}"

    def initialize_logging(self) -> None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("lictree serve: %(message)s"))
        handler.addFilter(_Redact(self.token))
        for name in ("textual-serve", "aiohttp"):
            logger = logging.getLogger(name)
            logger.handlers[:] = [handler]
            logger.propagate = False
            logger.setLevel(logging.DEBUG if self.debug else logging.WARNING)
        logging.getLogger("aiohttp.access").disabled = True  # the request line carries the token

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        app.on_shutdown.append(self._close_sessions)
        return app

    def allowed(self, request: web.Request) -> bool:
        """The request carries the token (query or cookie), and a websocket comes from this server's page."""
        if not (token_matches(request.query.get("token"), self.token)
                or token_matches(request.cookies.get(self.cookie_name), self.token)):
            return False
        origin = request.headers.get("Origin")
        if request.path == "/ws" and origin is not None:
            return origin.split("://", 1)[-1].rstrip("/").lower() == request.host.lower()
        return True

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not self.allowed(request):
            return web.Response(status=403, text=FORBIDDEN, headers={"Cache-Control": "no-store"})
        response = await handler(request)
        if not response.prepared:
            response.headers["Referrer-Policy"] = "no-referrer"
            response.headers["Cache-Control"] = "no-store"
            if token_matches(request.query.get("token"), self.token):
                response.set_cookie(self.cookie_name, self.token, httponly=True, samesite="Strict", path="/")
        return response

    async def on_startup(self, app: web.Application) -> None:
        """textual-serve prints a banner here; lictree prints its URL once it listens (``serve``)."""

    async def handle_index(self, request: web.Request) -> web.Response:
        """textual-serve's page, its URLs on the host the browser used (so that its cookie goes with them), and
        downloads through a link rather than the pop-up window browsers block (DOWNLOAD_SCRIPT)."""
        scheme = "wss" if request.secure else "ws"
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{scheme}://{request.host}/ws",
            "config": {"static": {"url": "/static/"}},
            "application": {"name": self.title},
        }
        page = aiohttp_jinja2.render_string("app_index.html", request, context)
        page = page.replace("<head>", "<head>" + DOWNLOAD_SCRIPT, 1)
        return web.Response(text=page, content_type="text/html")

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """A browser connected: its own lictree process, for as long as the connection lasts."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        session: Session | None = None
        try:
            await websocket.prepare(request)
            session = Session(self.argv, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                              close=websocket.close, download_manager=self.download_manager, debug=self.debug)
            self.sessions[session] = websocket
            await session.start(width, height)
            self._say(f"a browser connected ({self._running()})")
            await self._process_messages(websocket, session)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:
            log.exception(error)
        finally:
            if session is not None:
                await session.stop()
                self.sessions.pop(session, None)
                self._say(f"a browser session ended ({self._running()})")
        return websocket

    def _running(self) -> str:
        count = len(self.sessions)
        return f"{count} session{'s' if count != 1 else ''} running"

    def _say(self, text: str) -> None:
        print(f"lictree serve: {text}", flush=True)

    async def _close_sessions(self, _app: web.Application | None = None) -> None:
        """Shutting down: close every browser connection and stop its app."""
        for websocket in list(self.sessions.values()):
            await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"lictree serve stopped")
        await asyncio.gather(*(session.stop() for session in list(self.sessions)), return_exceptions=True)

    async def run(self, announce: Callable[[int], None]) -> int:
        """Listen, call *announce* with the port, serve until SIGINT or SIGTERM, then stop every session.
        An address that cannot be listened on is one line on stderr and exit status 2."""
        runner = web.AppRunner(await self._make_app(), access_log=None, handle_signals=False, shutdown_timeout=5.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            where = f"{url_host(self.host)}:{self.port}"
            reason = exc.strerror or str(exc)
            if isinstance(exc, socket.gaierror):
                reason = f"no such host ({reason})"
            print(f"lictree: cannot listen on {where}: {reason}", file=sys.stderr)
            return EXIT_USAGE
        server = site._server
        sockets = getattr(server, "sockets", None) or ()
        if sockets:
            self.port = sockets[0].getsockname()[1]
        announce(self.port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            await self._close_sessions()
            await runner.cleanup()
        return EXIT_OK


def app_argv(tree_args: Sequence[str]) -> list[str]:
    """The command each browser connection runs: this Python, ``-P`` (the current directory is not put on
    the module path: the server may be started inside any tree), lictree's CLI."""
    return [sys.executable, "-P", "-m", "tui.cli", *tree_args]


def serve(tree_args: Sequence[str], title: str, host: str, port: int, token: str | None) -> int:
    """Serve the UI on *tree_args* (the arguments of ``lictree`` for the tree, already checked) until
    interrupted; returns the exit status."""
    if token is not None and (error := check_token(token)):
        print(f"lictree: {error}", file=sys.stderr)
        return EXIT_USAGE
    token = token or new_token()
    server = LictreeServer(app_argv(tree_args), host, port, token, title)
    server.initialize_logging()

    def announce(bound: int) -> None:
        if not is_loopback(host):
            print(f"lictree: WARNING: listening on {host or 'every address'}, not only this machine: anyone who "
                  f"can reach port {bound} and has the token can read the tree, and plain HTTP carries both "
                  "unencrypted", file=sys.stderr, flush=True)
        print(f"lictree serve: {title}\nOpen this URL in a browser (Ctrl-C stops the server):\n"
              f"    http://{url_host(host)}:{bound}/?token={token}", flush=True)

    try:
        return asyncio.run(server.run(announce))
    except KeyboardInterrupt:
        return EXIT_OK
