"""A scripted raw-socket HTTP upstream in a thread: it answers each request with bytes the test
chose, however malformed, so the gateway's upstream clients can be shown what a broken or hostile
service might send."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# path -> raw answer; a callable gets the request head and returns the raw answer (or a list of
# (delay seconds, bytes) writes). None closes the connection without an answer.
Answer = (
    bytes | list[tuple[float, bytes]] | None | Callable[[bytes], "bytes | list[tuple[float, bytes]] | None"]
)


def ok(body: bytes = b'{"ok": true}', extra_headers: bytes = b"") -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        + extra_headers
        + b"content-length: %d\r\n\r\n" % len(body)
        + body
    )


@dataclass
class RawUpstream:
    answers: dict[str, Answer] = field(default_factory=dict)
    default: Answer = field(default_factory=ok)
    connections: int = 0
    closed_by_peer: int = 0
    requests: list[tuple[int, bytes]] = field(default_factory=list)  # (connection number, head)

    def __post_init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = int(self._sock.getsockname()[1])
        self._stopped = False
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True, name=f"raw-{self.port}").start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._stopped = True
        self._sock.close()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                number = self.connections
            threading.Thread(target=self._serve, args=(conn, number), daemon=True).start()

    def _serve(self, conn: socket.socket, number: int) -> None:
        buf = b""
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        with self._lock:
                            self.closed_by_peer += 1
                        return
                    buf += data
                head, _, buf = buf.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(buf) < length:
                    buf += conn.recv(65536)
                buf = buf[length:]
                self.requests.append((number, head))
                path = head.split(b" ")[1].split(b"?")[0].decode()
                answer = self.answers.get(path, self.default)
                if callable(answer):
                    answer = answer(head)
                if answer is None:
                    return
                writes = [(0.0, answer)] if isinstance(answer, bytes) else answer
                for delay, data in writes:
                    if delay:
                        time.sleep(delay)
                    conn.sendall(data)
        except OSError:
            return
        finally:
            conn.close()
