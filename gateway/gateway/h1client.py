"""A minimal HTTP/1.1 keep-alive client for the proxy's hot path, on asyncio protocols.

It does only what the gateway needs from an upstream: one request at a time per connection
(no pipelining), the request written in one piece with ``Content-Length``, the whole answer read
into memory (``Content-Length``, chunked, or until the connection closes), idle connections reused
newest first and dropped after ``keepalive_seconds``, at most ``limit`` connections (callers wait
for a free one). Measured against aiohttp's client on the gateway's proxy path
(benchmarks/gateway_proxy.py), it needs about half the CPU per request.

Errors: :class:`ConnectFailed` (no connection), :class:`ConnectionDropped` (closed before a
complete answer; ``reused`` says whether the connection had served before, so an idempotent
request may be retried), :class:`BadResponse` (not HTTP/1.x), and ``TimeoutError``.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
import time
from typing import Any

MAX_HEAD_BYTES = 64 * 1024
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


class Response:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = headers  # (name, value) in arrival order; values decoded UTF-8/surrogateescape
        self.body = body


class _Connection(asyncio.Protocol):
    """One upstream connection; parses one answer per request."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reused = False
        self.idle_since = 0.0
        self._buf = bytearray()
        self._waiter: asyncio.Future[Response] | None = None
        self._head_request = False
        self._reset()

    def _reset(self) -> None:
        self._status = 0
        self._headers: list[tuple[str, str]] = []
        self._length = -1  # -1: unknown (read to close), else bytes still expected
        self._chunked = False
        self._keep_alive = True
        self._in_body = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            if self._in_body and self._length == -1 and not self._chunked:
                self._finish(bytes(self._buf))  # the answer ends with the connection
            else:
                waiter.set_exception(ConnectionDropped("closed the connection", reused=self.reused))
        self._waiter = None

    def data_received(self, data: bytes) -> None:
        if self._waiter is None:  # unsolicited bytes on an idle connection: unusable
            self.close()
            return
        self._buf += data
        try:
            self._parse()
        except BadResponse as exc:
            waiter, self._waiter = self._waiter, None
            if waiter is not None and not waiter.done():
                waiter.set_exception(exc)
            self.close()

    def eof_received(self) -> bool:
        return False  # close the transport; connection_lost settles the waiter

    # requests
    def send(self, data: bytes, head_request: bool) -> asyncio.Future[Response]:
        assert self.transport is not None
        self._reset()
        self._buf.clear()
        self._head_request = head_request
        waiter: asyncio.Future[Response] = self.loop.create_future()
        self._waiter = waiter
        self.transport.write(data)
        return waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    # parsing
    def _parse(self) -> None:
        while not self._in_body:
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buf) > MAX_HEAD_BYTES:
                    raise BadResponse("response head too large")
                return
            head = bytes(self._buf[:end])
            del self._buf[: end + 4]
            self._parse_head(head)
        buf = self._buf
        if self._chunked:
            self._parse_chunks()
        elif self._length >= 0 and len(buf) >= self._length:
            body = bytes(buf[: self._length])
            del buf[: self._length]
            self._finish(body)

    def _parse_head(self, head: bytes) -> None:
        lines = head.split(b"\r\n")
        status_line = lines[0]
        if not status_line.startswith(b"HTTP/1.") or len(status_line) < 12:
            raise BadResponse("not an HTTP/1.x answer")
        try:
            status = int(status_line[9:12])
        except ValueError as exc:
            raise BadResponse("bad status line") from exc
        http10 = status_line[7:8] == b"0"
        headers: list[tuple[str, str]] = []
        length = -1
        chunked = False
        keep_alive = not http10
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep or not name or name[-1:] in (b" ", b"\t"):
                raise BadResponse("bad header line")
            value = value.strip(b" \t")
            lname = name.lower()
            if lname == b"content-length":
                try:
                    length = int(value)
                except ValueError as exc:
                    raise BadResponse("bad Content-Length") from exc
                if length < 0:
                    raise BadResponse("bad Content-Length")
            elif lname == b"transfer-encoding":
                chunked = value.lower().endswith(b"chunked")
            elif lname == b"connection":
                tokens = value.lower()
                if b"close" in tokens:
                    keep_alive = False
                elif b"keep-alive" in tokens:
                    keep_alive = True
            headers.append((name.decode("latin-1"), value.decode("utf-8", "surrogateescape")))
        if 100 <= status < 200:  # an interim answer (e.g. 103): the real one follows
            return
        self._status = status
        self._headers = headers
        self._keep_alive = keep_alive
        self._in_body = True
        if self._head_request or status in NO_BODY_STATUS:
            self._length = 0
        elif chunked:
            self._chunked = True
            self._chunks: list[bytes] = []
        else:
            self._length = length
            if length < 0:
                self._keep_alive = False  # the body ends when the connection closes

    def _parse_chunks(self) -> None:
        buf = self._buf
        while True:
            line_end = buf.find(b"\r\n")
            if line_end < 0:
                return
            size_text = bytes(buf[:line_end]).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError as exc:
                raise BadResponse("bad chunk size") from exc
            if size == 0:
                trailer_end = buf.find(b"\r\n\r\n", line_end)
                if trailer_end < 0:
                    return
                del buf[: trailer_end + 4]
                self._finish(b"".join(self._chunks))
                return
            if len(buf) < line_end + 2 + size + 2:
                return
            start = line_end + 2
            self._chunks.append(bytes(buf[start : start + size]))
            del buf[: start + size + 2]

    def _finish(self, body: bytes) -> None:
        waiter, self._waiter = self._waiter, None
        self._in_body = False
        if self._buf or not self._keep_alive:
            self.close()  # extra bytes or a closing answer: not reusable
        if waiter is not None and not waiter.done():
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
    ) -> None:
        self.ssl_context = ssl_context
        self.host = host
        self.port = port
        self.limit = limit
        self.keepalive_seconds = keepalive_seconds
        self.connect_timeout = connect_timeout
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
        """Send one request and read its whole answer, within ``seconds``."""
        parts = [f"{method} {target} HTTP/1.1\r\nHost: ".encode("latin-1"), self.host_header]
        for name, value in headers:
            if "\r" in value or "\n" in value or "\r" in name or "\n" in name or ":" in name:
                raise ValueError(f"invalid header {name!r}")
            parts.append(f"\r\n{name}: {value}".encode("latin-1"))
        if body or method in ("POST", "PUT", "PATCH"):
            parts.append(b"\r\nContent-Length: %d\r\n\r\n" % len(body))
            parts.append(body)
        else:
            parts.append(b"\r\n\r\n")
        data = b"".join(parts)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        conn = await self._acquire(loop, deadline)
        waiter = conn.send(data, method == "HEAD")
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
                    lambda: _Connection(loop),
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
