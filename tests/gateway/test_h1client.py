"""The gateway's minimal HTTP/1.1 client against a scripted raw TCP server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest

from gateway import h1client
from gateway.config import Settings
from gateway.upstreams import Upstream, UpstreamBadGateway, UpstreamTimeout, UpstreamUnavailable

Answer = Callable[[bytes, bytes], bytes | None]  # (head, body) -> raw answer; None: close without one


@dataclass
class Server:
    answer: Answer
    port: int = 0
    connections: int = 0
    requests: list[tuple[bytes, bytes]] = field(default_factory=list)
    trickle: bool = False  # send the answer one byte at a time
    close_after: bool = False  # close the connection after each answer
    writers: list[asyncio.StreamWriter] = field(default_factory=list)
    hold: asyncio.Event | None = None  # answer only once this is set

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length)
                self.requests.append((head, body))
                if self.hold is not None:
                    await self.hold.wait()
                raw = self.answer(head, body)
                if raw is None:
                    return
                if self.trickle:
                    for i in range(len(raw)):
                        writer.write(raw[i : i + 1])
                        await writer.drain()
                        await asyncio.sleep(0)
                else:
                    writer.write(raw)
                    await writer.drain()
                if self.close_after:
                    return
        finally:
            writer.close()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., asyncio.Future[Server]]]:
    servers: list[asyncio.Server] = []

    async def start(answer: Answer, **options: bool) -> Server:
        server = Server(answer, **options)
        tcp = await asyncio.start_server(server.handle, "127.0.0.1", 0)
        server.port = tcp.sockets[0].getsockname()[1]
        servers.append(tcp)
        return server

    yield start  # type: ignore[misc]
    for tcp in servers:
        tcp.close()


def ok(body: bytes = b'{"ok": true}', extra: bytes = b"") -> Answer:
    return lambda head, _: (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        + extra
        + b"content-length: %d\r\n\r\n" % len(body)
        + body
    )


async def test_request_is_written_in_one_piece_and_connection_reused(serve: Callable[..., object]) -> None:
    server: Server = await serve(ok())  # type: ignore[operator]
    pool = h1client.ConnectionPool("127.0.0.1", server.port)
    try:
        first = await pool.request("POST", "/a?x=1", [("Authorization", "Bearer t")], b'{"a": 1}', 5)
        second = await pool.request("GET", "/b", [], b"", 5)
    finally:
        await pool.close()
    assert first.status == 200 and first.body == b'{"ok": true}'
    assert ("content-type", "application/json") in first.headers
    assert second.body == b'{"ok": true}'
    assert server.connections == 1  # kept alive
    head, body = server.requests[0]
    assert head == (
        b"POST /a?x=1 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer t\r\nContent-Length: 8\r\n\r\n"
        % server.port
    )
    assert body == b'{"a": 1}'
    assert b"content-length" not in server.requests[1][0].lower()


async def test_chunked_trickled_and_non_ascii_headers(serve: Callable[..., object]) -> None:
    def chunked(head: bytes, body: bytes) -> bytes:
        return (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
            b'Content-Disposition: attachment; filename="v\xe4li.json"\r\n\r\n'
            b"5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer: x\r\n\r\n"
        )

    server: Server = await serve(chunked, trickle=True)  # type: ignore[operator]
    pool = h1client.ConnectionPool("127.0.0.1", server.port)
    try:
        first = await pool.request("GET", "/", [], b"", 5)
        second = await pool.request("GET", "/", [], b"", 5)
    finally:
        await pool.close()
    assert first.body == second.body == b"hello, world"
    disposition = dict(first.headers)["Content-Disposition"]
    assert disposition.encode("utf-8", "surrogateescape") == b'attachment; filename="v\xe4li.json"'
    assert server.connections == 1


async def test_body_until_close_head_no_content_and_interim(serve: Callable[..., object]) -> None:
    def answer(head: bytes, body: bytes) -> bytes:
        path = head.split(b" ")[1]
        if path == b"/close":
            return b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it"
        if path == b"/head":
            return b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"
        if path == b"/none":
            return b'HTTP/1.1 204 No Content\r\nETag: "2"\r\n\r\n'
        return b"HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"

    server: Server = await serve(answer)  # type: ignore[operator]
    pool = h1client.ConnectionPool("127.0.0.1", server.port)
    try:
        head = await pool.request("HEAD", "/head", [], b"", 5)
        none = await pool.request("GET", "/none", [], b"", 5)
        interim = await pool.request("GET", "/interim", [], b"", 5)
        assert server.connections == 1
    finally:
        await pool.close()
    closing: Server = await serve(answer, close_after=True)  # type: ignore[operator]
    pool = h1client.ConnectionPool("127.0.0.1", closing.port)
    try:
        until_close = await pool.request("GET", "/close", [], b"", 5)
    finally:
        await pool.close()
    assert head.status == 200 and head.body == b"" and ("Content-Length", "1234") in head.headers
    assert none.status == 204 and none.body == b""
    assert interim.status == 201 and interim.body == b"ok"
    # The HTTP/1.0 answer without a length ends at the close (the server closes as it returns).
    assert until_close.body == b"all of it"


async def test_timeout_closes_the_connection(serve: Callable[..., object]) -> None:

    def slow(head: bytes, body: bytes) -> bytes:
        return b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\npart"  # never completes

    server: Server = await serve(slow)  # type: ignore[operator]
    pool = h1client.ConnectionPool("127.0.0.1", server.port)
    try:
        with pytest.raises(TimeoutError):
            await pool.request("GET", "/", [], b"", 0.2)
        server.answer = ok()
        again = await pool.request("GET", "/", [], b"", 5)
    finally:
        await pool.close()
    assert again.status == 200
    assert server.connections == 2  # the timed-out connection was not reused


async def test_refused_and_broken_answers() -> None:
    pool = h1client.ConnectionPool("127.0.0.1", 1)
    with pytest.raises(h1client.ConnectFailed):
        await pool.request("GET", "/", [], b"", 5)
    await pool.close()
    with pytest.raises(ValueError):
        await h1client.ConnectionPool("127.0.0.1", 1).request("GET", "/", [("X", "a\r\nb: c")], b"", 5)


async def test_garbage_is_bad_response(serve: Callable[..., object]) -> None:
    server: Server = await serve(lambda h, b: b"SSH-2.0-OpenSSH\r\n\r\n")  # type: ignore[operator]
    pool = h1client.ConnectionPool("127.0.0.1", server.port)
    try:
        with pytest.raises(h1client.BadResponse):
            await pool.request("GET", "/", [], b"", 5)
    finally:
        await pool.close()


async def test_limit_makes_callers_wait(serve: Callable[..., object]) -> None:
    server: Server = await serve(ok(), trickle=True)  # type: ignore[operator]
    pool = h1client.ConnectionPool("127.0.0.1", server.port, limit=1)
    try:
        results = await asyncio.gather(*(pool.request("GET", f"/{i}", [], b"", 5) for i in range(5)))
    finally:
        await pool.close()
    assert [r.status for r in results] == [200] * 5
    assert server.connections == 1


async def test_upstream_retries_an_idempotent_call_on_a_dropped_keepalive_connection(
    serve: Callable[..., object],
) -> None:
    calls = {"n": 0}

    def answer(head: bytes, body: bytes) -> bytes | None:
        calls["n"] += 1
        if calls["n"] == 2:
            return None  # the reused connection closes instead of answering
        return ok()(head, body)

    server: Server = await serve(answer)  # type: ignore[operator]
    upstream = Upstream("pilots", f"http://127.0.0.1:{server.port}", Settings())
    await upstream.start()
    try:
        assert (await upstream.request("GET", "/a")).status == 200
        assert (await upstream.request("GET", "/b")).status == 200  # retried on a new connection
        assert server.connections == 2
        calls["n"] = 1
        with pytest.raises(UpstreamUnavailable):
            await upstream.request("POST", "/c", body=b"{}")  # not retried
        server.answer = lambda h, b: b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"
        with pytest.raises(UpstreamBadGateway):
            await upstream.request("GET", "/d")
        server.answer = lambda h, b: b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"
        with pytest.raises(UpstreamTimeout):
            await upstream.request("GET", "/e", timeout_seconds=0.2)
    finally:
        await upstream.close()


async def test_upstream_base_url_path_prefix(serve: Callable[..., object]) -> None:
    server: Server = await serve(ok())  # type: ignore[operator]
    upstream = Upstream("budget", f"http://127.0.0.1:{server.port}/budget/", Settings())
    await upstream.start()
    try:
        response = await upstream.request(
            "GET", "/projects/S21894?x=1", headers={"Accept": "application/json"}
        )
    finally:
        await upstream.close()
    assert response.status == 200 and response.json() == {"ok": True}
    assert response.headers["CONTENT-TYPE"] == "application/json"
    assert server.requests[0][0].startswith(b"GET /budget/projects/S21894?x=1 HTTP/1.1\r\n")


async def test_a_cancelled_waiter_does_not_block_the_others(serve: Callable[..., object]) -> None:

    server: Server = await serve(ok())  # type: ignore[operator]
    server.hold = asyncio.Event()
    pool = h1client.ConnectionPool("127.0.0.1", server.port, limit=1)
    try:
        first = asyncio.create_task(pool.request("GET", "/1", [], b"", 5))
        await asyncio.sleep(0.01)
        second = asyncio.create_task(pool.request("GET", "/2", [], b"", 5))
        third = asyncio.create_task(pool.request("GET", "/3", [], b"", 5))
        for _ in range(3):
            await asyncio.sleep(0)
        assert len(pool._waiters) == 2  # both wait for the one connection
        second.cancel()
        server.hold.set()
        assert (await first).status == 200
        assert (await asyncio.wait_for(third, 5)).status == 200
        assert second.cancelled()
    finally:
        await pool.close()
    assert server.connections == 1
