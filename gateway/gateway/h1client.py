"""A pooled HTTP/1.1 keep-alive client for the proxy's hot path, parsing with llhttp (httptools).

The gateway keeps its own small pool (one request at a time per connection, no pipelining, the
request written in one piece with ``Content-Length``, idle connections reused newest first and
dropped after ``keepalive_seconds``, at most ``limit`` connections, callers waiting for a free
one), but answers are parsed by llhttp, the fuzzed parser of Node.js, through httptools, in its
strict mode. On top of llhttp's checks the client refuses what a proxy must never pass on:

- a transfer coding other than exactly ``chunked`` (the gateway asks for none), a 101 upgrade;
- a response head over ``max_head_bytes`` or a body over ``max_body_bytes``;
- any byte after the end of the answer (a second answer, a 204 with a body): the answer is
  refused and the connection closed; bytes arriving on an idle connection close it too;
- an ``X-Request-ID`` other than the one the request carried (an answer meant for an earlier
  request on the same connection).

A connection that failed in any way is closed, never reused. Measured against aiohttp's client on
the gateway's proxy path (benchmarks/gateway_proxy.py) it needs clearly less CPU per request.

Errors::

    ClientFailure
    ├── ConnectFailed        no connection could be made (or the pool is closed)
    ├── ConnectionDropped    closed before a complete answer; ``reused`` says whether the
    │                        connection had served before (an idempotent request may be retried)
    └── BadResponse          not a well-formed HTTP/1.1 answer to this request
        └── ResponseTooLarge the head or the body exceeds its limit

and ``TimeoutError`` when no complete answer came within the request's time.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
import time
from typing import Any

import httptools

MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024
NO_BODY_STATUS = frozenset({204, 304})


class ClientFailure(Exception):
    pass


class ConnectFailed(ClientFailure):
    pass


class ConnectionDropped(ClientFailure):
    def __init__(self, message: str, *, reused: bool) -> None:
        super().__init__(message)
        self.reused = reused


class BadResponse(ClientFailure):
    pass


class ResponseTooLarge(BadResponse):
    pass


class Response:
    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = headers  # (name, value) in arrival order; values decoded UTF-8/surrogateescape
        self.body = body


class _Stop(Exception):
    """Raised inside a parser callback to stop parsing; the reason is kept on the connection."""


class _Connection(asyncio.Protocol):
    """One upstream connection; one request and its answer at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop, max_head_bytes: int, max_body_bytes: int) -> None:
        self.loop = loop
        self.max_head_bytes = max_head_bytes
        self.max_body_bytes = max_body_bytes
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reused = False
        self.idle_since = 0.0
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[Response] | None = None
        self._head_request = False
        self._request_id: bytes | None = None
        self._keep_alive = True
        self._reset_message()
        self._received = 0  # bytes of this request's answer(s) seen before the final head ended

    def _reset_message(self) -> None:
        self._status = 0
        self._headers: list[tuple[str, str]] = []
        self._head_size = 0
        self._chunks: list[bytes] = []
        self._body_size = 0
        self._framed = False  # Content-Length or chunked seen: the body does not end with the connection
        self._headers_done = False
        self._complete = False
        self._error: BadResponse | None = None

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter, self._waiter = self._waiter, None
        if waiter is None or waiter.done():
            return
        status = self._status
        if self._headers_done and not self._complete and not self._framed and status not in NO_BODY_STATUS:
            # An answer without Content-Length or chunked coding ends with the connection.
            waiter.set_result(Response(status, self._headers, b"".join(self._chunks)))
        else:
            waiter.set_exception(ConnectionDropped("closed the connection", reused=self.reused))

    def data_received(self, data: bytes) -> None:
        waiter = self._waiter
        if waiter is None or self._complete:  # bytes nobody asked for: the connection is unusable
            self.close()
            return
        if not self._headers_done:
            self._received += len(data)
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            if self._error is None:
                self._error = BadResponse(
                    "sent bytes after the end of its answer"
                    if self._complete
                    else f"sent a malformed answer ({exc})"
                )
        if self._error is None and not self._headers_done and self._received > self.max_head_bytes:
            self._error = ResponseTooLarge(f"sent a response head over {self.max_head_bytes} bytes")
        if self._error is not None:
            self._fail(self._error)
        elif self._complete:
            if self._head_request:
                self._parser = httptools.HttpResponseParser(self)
            self._finish()

    def eof_received(self) -> bool:
        return False  # close the transport; connection_lost settles the waiter

    # httptools callbacks
    def on_message_begin(self) -> None:
        if self._complete:
            self._error = BadResponse("sent bytes after the end of its answer")
            raise _Stop

    def on_status(self, status: bytes) -> None:
        self._head_size += len(status) + 15

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_size += len(name) + len(value) + 4
        if self._head_size > self.max_head_bytes:
            self._error = ResponseTooLarge(f"sent a response head over {self.max_head_bytes} bytes")
            raise _Stop
        lname = name.lower()
        if lname == b"content-length":
            self._framed = True
        elif lname == b"transfer-encoding":
            if value.strip().lower() != b"chunked" or self._framed:
                self._error = BadResponse(f"sent a transfer coding the gateway did not ask for ({value!r})")
                raise _Stop
            self._framed = True
        elif lname == b"x-request-id" and self._request_id is not None and value != self._request_id:
            self._error = BadResponse("sent the answer to another request")
            raise _Stop
        self._headers.append((name.decode("latin-1"), value.decode("utf-8", "surrogateescape")))

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if status == 101:
            self._error = BadResponse("switched protocols unasked")
            raise _Stop
        if 100 <= status < 200:
            return  # an interim answer (e.g. 103): the real one follows
        self._headers_done = True
        self._status = status
        if self._head_request:
            # The body a HEAD answer announces never comes, and llhttp cannot be told so: the
            # answer ends here, any byte that follows is refused (on_body), and the next request
            # gets a fresh parser.
            self._complete = True
            self._keep_alive = self._parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        if self._complete:
            self._error = BadResponse("sent bytes after the end of its answer")
            raise _Stop
        self._body_size += len(body)
        if self._body_size > self.max_body_bytes:
            self._error = ResponseTooLarge(f"sent an answer over {self.max_body_bytes} bytes")
            raise _Stop
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        if not self._headers_done:  # the end of an interim answer
            self._reset_message()
            return
        self._complete = True
        self._keep_alive = self._parser.should_keep_alive()

    # requests
    def send(self, data: bytes, head_request: bool, request_id: bytes | None) -> asyncio.Future[Response]:
        assert self.transport is not None
        self._reset_message()
        self._received = 0
        self._keep_alive = True
        self._head_request = head_request
        self._request_id = request_id
        waiter: asyncio.Future[Response] = self.loop.create_future()
        self._waiter = waiter
        self.transport.write(data)
        return waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _fail(self, error: BadResponse) -> None:
        waiter, self._waiter = self._waiter, None
        self.close()
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)

    def _finish(self) -> None:
        waiter, self._waiter = self._waiter, None
        if not self._keep_alive:
            self.close()
        if waiter is not None and not waiter.done():
            body = b"".join(self._chunks) if not self._head_request else b""
            waiter.set_result(Response(self._status, self._headers, body))


class ConnectionPool:
    """Keep-alive connections to one ``host:port``."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        limit: int = 100,
        keepalive_seconds: float = 30.0,
        connect_timeout: float = 5.0,
        ssl_context: ssl.SSLContext | None = None,
        max_head_bytes: int = MAX_HEAD_BYTES,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.ssl_context = ssl_context
        self.host = host
        self.port = port
        self.limit = limit
        self.keepalive_seconds = keepalive_seconds
        self.connect_timeout = connect_timeout
        self.max_head_bytes = max_head_bytes
        self.max_body_bytes = max_body_bytes
        default_port = 443 if ssl_context is not None else 80
        self.host_header = (host if port == default_port else f"{host}:{port}").encode("idna")
        self._idle: list[_Connection] = []
        self._open = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._closed = False

    async def request(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
        seconds: float,
    ) -> Response:
        """Send one request and read its whole answer, within ``seconds``.

        When ``headers`` carry an ``X-Request-ID``, an answer with a different one is refused.
        """
        if not target.startswith("/"):
            raise ValueError(f"invalid request target {target!r}")
        parts = [f"{method} {target} HTTP/1.1\r\nHost: ".encode("latin-1"), self.host_header]
        request_id = None
        for name, value in headers:
            if "\r" in value or "\n" in value or "\r" in name or "\n" in name or ":" in name:
                raise ValueError(f"invalid header {name!r}")
            parts.append(f"\r\n{name}: {value}".encode("latin-1"))
            if name.lower() == "x-request-id":
                request_id = value.encode("latin-1")
        if body or method in ("POST", "PUT", "PATCH"):
            parts.append(b"\r\nContent-Length: %d\r\n\r\n" % len(body))
            parts.append(body)
        else:
            parts.append(b"\r\n\r\n")
        data = b"".join(parts)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        conn = await self._acquire(loop, deadline)
        waiter = conn.send(data, method == "HEAD", request_id)
        handle = loop.call_at(deadline, _expire, waiter)
        try:
            response = await waiter
        except BaseException:
            conn.close()
            self._release(conn)
            raise
        finally:
            handle.cancel()
        self._release(conn)
        return response

    async def _acquire(self, loop: asyncio.AbstractEventLoop, deadline: float) -> _Connection:
        while True:
            if self._closed:
                raise ConnectFailed("the client is closed")
            now = time.monotonic()
            while self._idle:
                conn = self._idle.pop()
                if not conn.closed and now - conn.idle_since < self.keepalive_seconds:
                    return conn
                conn.close()
                self._open -= 1
            if self._open < self.limit:
                self._open += 1
                try:
                    return await self._connect(loop, deadline)
                except BaseException:
                    self._open -= 1
                    self._wake()
                    raise
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            handle = loop.call_at(deadline, _expire, waiter)
            try:
                await waiter
            except BaseException:
                self._wake()  # a wake-up this caller may have consumed goes to the next one
                raise
            finally:
                handle.cancel()
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    async def _connect(self, loop: asyncio.AbstractEventLoop, deadline: float) -> _Connection:
        timeout = max(0.0, min(self.connect_timeout, deadline - loop.time()))
        try:
            async with asyncio.timeout(timeout):
                _, conn = await loop.create_connection(
                    lambda: _Connection(loop, self.max_head_bytes, self.max_body_bytes),
                    self.host,
                    self.port,
                    ssl=self.ssl_context,
                    server_hostname=self.host if self.ssl_context is not None else None,
                )
        except TimeoutError:
            raise
        except OSError as exc:
            raise ConnectFailed(str(exc)) from exc
        return conn

    def _release(self, conn: _Connection) -> None:
        if conn.closed or self._closed:
            conn.close()
            self._open -= 1
        else:
            conn.reused = True
            conn.idle_since = time.monotonic()
            self._idle.append(conn)
        self._wake()

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def close(self) -> None:
        self._closed = True
        for conn in self._idle:
            conn.close()
        self._open -= len(self._idle)
        self._idle.clear()
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(ConnectFailed("the client is closed"))


def _expire(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())
