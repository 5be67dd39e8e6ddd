"""What a broken or hostile upstream sends never reaches the caller as an answer: each malformed
answer is a 502 problem, the connection that carried it is discarded, and a connection that
received bytes nobody asked for is never reused. The gateway is served by uvicorn over real
sockets; the upstream is a raw socket server.

The malformed answers are checked on the default client (``h1``, llhttp in strict mode). aiohttp's
client, the alternative, refuses the framing errors too (:data:`AIOHTTP_REFUSES`) but its parser is
lenient on the rest by design (folded and bare-LF header lines, unknown transfer codings read to
the close, no limit on the whole head): the README says so. Reuse of a connection that received
bytes nobody asked for is checked, and fixed, on both."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from gateway.main import create_app
from hanke_libs.testing import bearer
from tests.gateway.conftest import gateway_settings
from tests.gateway.rawserver import RawUpstream, ok
from tests.gateway.servers import ServerThread

CLIENTS = ("h1", "aiohttp")
MALFORMED: dict[str, bytes] = {
    "two different Content-Length": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 7\r\n\r\nokextra",
    "Content-Length with chunked": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
    ),
    "Content-Length +2": b"HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok",
    "Content-Length 1_0": b"HTTP/1.1 200 OK\r\nContent-Length: 1_0\r\n\r\n0123456789",
    "chunk size -0": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-0\r\n\r\n",
    "chunk not ended by CRLF": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX0\r\n\r\n",
    "204 with a body": b"HTTP/1.1 204 No Content\r\n\r\nsmuggled",
    "Transfer-Encoding xchunked": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
    ),
    "70 KB response head": (
        b"HTTP/1.1 200 OK\r\n"
        + b"".join(b"X-Pad-%d: %s\r\n" % (i, b"a" * 1000) for i in range(70))
        + b"Content-Length: 2\r\n\r\nok"
    ),
    "folded header line": b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n set-cookie: x=1\r\nContent-Length: 2\r\n\r\nok",
    "bare LF in a header": b"HTTP/1.1 200 OK\r\nX-Evil: a\nSet-Cookie: x=1\r\nContent-Length: 2\r\n\r\nok",
    "body over the response limit": ok(b"x" * 5000),
}


@pytest.fixture(scope="module")
def upstream() -> Iterator[RawUpstream]:
    server = RawUpstream()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client_kind(request: pytest.FixtureRequest) -> str:
    """The upstream client under test (parametrised indirectly by each test)."""
    return str(request.param)


@pytest.fixture(scope="module")
def gateway(client_kind: str, upstream: RawUpstream) -> Iterator[tuple[ServerThread, str]]:
    urls = {"budget": upstream.url, "pilots": upstream.url, "participants": upstream.url}
    settings = gateway_settings(urls, upstream_client=client_kind, max_response_bytes=4096)
    server = ServerThread(create_app(settings)).start()
    yield server, bearer(settings, "admin")["Authorization"]
    server.stop()


def _reset(upstream: RawUpstream) -> None:
    upstream.answers.clear()
    upstream.requests.clear()


def _connection_of(upstream: RawUpstream, path: str) -> int:
    return next(n for n, head in reversed(upstream.requests) if head.split(b" ")[1].startswith(path.encode()))


AIOHTTP_REFUSES = {
    "two different Content-Length",
    "Content-Length with chunked",
    "Content-Length +2",
    "Content-Length 1_0",
    "chunk size -0",
    "chunk not ended by CRLF",
    "204 with a body",
    "body over the response limit",
}


@pytest.mark.parametrize(
    ("client_kind", "case"),
    [("h1", case) for case in MALFORMED]
    + [("aiohttp", case) for case in MALFORMED if case in AIOHTTP_REFUSES],
    indirect=["client_kind"],
)
def test_malformed_answer_is_502_and_its_connection_discarded(
    case: str, upstream: RawUpstream, gateway: tuple[ServerThread, str], client_kind: str
) -> None:
    server, token = gateway
    _reset(upstream)
    upstream.answers["/bad"] = MALFORMED[case]
    upstream.answers["/after"] = ok(b'{"after": true}')
    with httpx.Client(base_url=server.url, headers={"Authorization": token}, timeout=5) as client:
        assert client.get("/api/v1/budget/warm").status_code == 200
        bad = client.get("/api/v1/budget/bad")
        assert bad.status_code == 502, (case, bad.text)
        assert bad.headers["content-type"] == "application/problem+json"
        problem = bad.json()
        assert problem["type"].endswith("/bad-gateway") and problem["service"] == "budget"
        assert "smuggled" not in bad.text and "x=1" not in bad.headers.get("set-cookie", "")
        # The client's own connection to the gateway survives and serves the next call.
        after = client.get("/api/v1/budget/after")
    assert after.status_code == 200 and after.json() == {"after": True}
    # The connection that carried the broken answer was not used again (aiohttp may have read an
    # oversized but well-framed answer to its end, and then its connection is still in step).
    assert _connection_of(upstream, "/bad") == _connection_of(upstream, "/warm")
    if not (client_kind == "aiohttp" and case == "body over the response limit"):
        assert _connection_of(upstream, "/after") != _connection_of(upstream, "/bad")


STALE = ok(b'{"stale": "the previous caller\'s answer"}')


@pytest.mark.parametrize("client_kind", CLIENTS, indirect=True)
@pytest.mark.parametrize("delay", [0.0, 0.05], ids=["same-write", "while-idle"])
def test_an_extra_answer_is_never_given_to_a_later_call(
    delay: float, upstream: RawUpstream, gateway: tuple[ServerThread, str]
) -> None:
    server, token = gateway
    _reset(upstream)
    upstream.answers["/first"] = [(0.0, ok(b'{"first": true}')), (delay, STALE)]
    with httpx.Client(base_url=server.url, headers={"Authorization": token}, timeout=5) as client:
        first = client.get("/api/v1/budget/first")
        assert first.status_code in (200, 502)
        if first.status_code == 200:
            assert first.json() == {"first": True}
        time.sleep(0.2)  # the extra answer has arrived on the idle connection by now
        later = [client.get(f"/api/v1/budget/later/{i}") for i in range(5)]
    assert [r.json() for r in later] == [{"ok": True}] * 5
    assert all(
        _connection_of(upstream, f"/later/{i}") != _connection_of(upstream, "/first") for i in range(5)
    )


@pytest.mark.parametrize("client_kind", CLIENTS, indirect=True)
def test_an_answer_to_another_request_id_is_refused(
    upstream: RawUpstream, gateway: tuple[ServerThread, str]
) -> None:
    """An extra answer that arrives after the next request was written cannot be told apart by
    framing; the request id the gateway sent, which the services echo, tells it apart."""
    server, token = gateway
    _reset(upstream)
    upstream.answers["/stale"] = ok(b'{"stale": true}', b"X-Request-ID: an-earlier-request\r\n")

    def echo(head: bytes) -> bytes:
        rid = next(
            line.split(b":", 1)[1].strip()
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"x-request-id:")
        )
        return ok(b'{"mine": true}', b"X-Request-ID: " + rid + b"\r\n")

    upstream.answers["/mine"] = echo
    with httpx.Client(base_url=server.url, headers={"Authorization": token}, timeout=5) as client:
        assert client.get("/api/v1/budget/mine").json() == {"mine": True}
        stale = client.get("/api/v1/budget/stale")
        assert stale.status_code == 502 and "another request" in stale.json()["detail"]
        assert client.get("/api/v1/budget/mine").json() == {"mine": True}
    assert _connection_of(upstream, "/mine") != _connection_of(upstream, "/stale")


@pytest.mark.parametrize("client_kind", ["h1"], indirect=True)
def test_dot_segments_never_reach_the_upstream(
    upstream: RawUpstream, gateway: tuple[ServerThread, str]
) -> None:
    server, token = gateway
    _reset(upstream)
    for target in (b"/api/v1/budget/x/../y", b"/api/v1/budget/./y", b"/scim/v2/../../api/v1/pilots/y"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(
                b"GET "
                + target
                + b" HTTP/1.1\r\nHost: gw\r\nAuthorization: "
                + token.encode()
                + b"\r\nConnection: close\r\n\r\n"
            )
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 404 "), (target, answer[:200])
    assert upstream.requests == []
