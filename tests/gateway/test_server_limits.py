"""The request head limit of the gateway's server protocol (gateway.server): an oversized head,
even from a caller without a token, is refused with 431 before it has been read in full."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from gateway.config import Settings
from gateway.main import create_app
from gateway.server import HttpToolsProtocol
from hanke_libs.testing import bearer
from tests.gateway.servers import ServerThread

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = "gateway.server:HttpToolsProtocol"


@pytest.fixture
def gateway(settings: Settings) -> Iterator[ServerThread]:
    server = ServerThread(create_app(settings), http=HttpToolsProtocol).start()
    yield server
    server.stop()


def _read_answer(sock: socket.socket, timeout: float = 5.0) -> bytes:
    sock.settimeout(timeout)
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(65536)
        if not chunk:
            break
        answer += chunk
    head, _, rest = answer.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n" + rest


def test_an_8_mb_authorization_header_is_refused_early_with_431(
    gateway: ServerThread, caplog: pytest.LogCaptureFixture
) -> None:
    sent = {"bytes": 0}
    total = 8 * 1024 * 1024
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:

        def send() -> None:
            try:
                sock.sendall(b"GET /api/v1/budget/projects HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ")
                piece = b"a" * 65536
                while sent["bytes"] < total:
                    sock.sendall(piece)
                    sent["bytes"] += len(piece)
                sock.sendall(b"\r\n\r\n")
            except OSError:
                pass  # the gateway stopped reading and closed: expected

        sender = threading.Thread(target=send, daemon=True)
        with caplog.at_level(logging.WARNING, logger="hanke.gateway.server"):
            sender.start()
            answer = _read_answer(sock)
            time.sleep(0.1)
        sender.join(10)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    problem = json.loads(answer.partition(b"\r\n\r\n")[2])
    assert problem["status"] == 431 and "32768 bytes" in problem["detail"]
    refused = [r for r in caplog.records if r.getMessage().startswith("request head over")]
    assert refused, "the refusal is logged"
    assert refused[0].head_bytes_read < 1024 * 1024  # type: ignore[attr-defined]  # not read in full


def test_a_huge_head_arriving_at_once_is_refused(gateway: ServerThread) -> None:
    head = b"GET /livez HTTP/1.1\r\nHost: gw\r\n" + b"".join(
        b"X-Pad-%d: %s\r\n" % (i, b"b" * 4000) for i in range(12)
    )
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
        sock.sendall(head + b"\r\n")
        assert _read_answer(sock).startswith(b"HTTP/1.1 431 ")


def test_heads_within_the_limit_and_large_bodies_pass(gateway: ServerThread, settings: Settings) -> None:
    token = bearer(settings, "finance")["Authorization"]
    with httpx.Client(base_url=gateway.url, timeout=10) as client:
        # A 20 KB header is within the limit: it reaches the token check (and fails it there).
        assert (
            client.get(
                "/api/v1/budget/echo/x", headers={"Authorization": "Bearer " + "a" * 20000}
            ).status_code
            == 401
        )
        # The body does not count towards the head, on a kept-alive connection request after request.
        for _ in range(3):
            response = client.post(
                "/api/v1/budget/upload", content=b"x" * (1024 * 1024), headers={"Authorization": token}
            )
            assert response.status_code == 200 and response.json() == {"received": 1024 * 1024}


def test_hanke_up_and_docker_compose_run_the_gateway_with_the_protocol() -> None:
    from hanke_cli.apps import GATEWAY
    from hanke_cli.up import uvicorn_command

    assert PROTOCOL in " ".join(uvicorn_command(GATEWAY))
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["gateway"]["command"]
    assert command[command.index("--http") + 1] == PROTOCOL
