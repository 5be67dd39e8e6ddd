"""The gateway's HTTP server protocol: uvicorn's httptools (llhttp) protocol with a limit on the
request head.

llhttp, and so uvicorn's httptools protocol, puts no limit on the size of a request's head (only
uvicorn's h11 protocol has ``--h11-max-incomplete-event-size``, and h11 costs the proxy much of
its speed). The gateway answers every caller, including unauthenticated ones, so a request line
and headers over ``HANKE_GATEWAY_MAX_REQUEST_HEAD_BYTES`` (32 KiB) are refused with a
``431 Request Header Fields Too Large`` problem as soon as that many bytes have arrived without
the head ending (or the head that ends is longer); the connection stops being read and is closed. Run the gateway with it::

    uvicorn --factory gateway.main:create_app --http gateway.server:HttpToolsProtocol

(``hanke up`` and docker-compose.yml do.)
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _UvicornHttpToolsProtocol

from gateway.config import Settings
from hanke_libs.problems import TYPE_BASE

log = logging.getLogger("hanke.gateway.server")
LINGER_SECONDS = 1.0  # the refused connection stays open this long so the caller reads the 431


@functools.cache
def _head_limit() -> int:
    return Settings().max_request_head_bytes


class HttpToolsProtocol(_UvicornHttpToolsProtocol):
    """uvicorn's httptools protocol, refusing request heads over the gateway's limit with 431.

    The head is measured on the bytes as they arrive, before the parser sees them: from the end of
    the previous request to the blank line that ends this head (found with ``bytes.find``), so
    the hot path adds no Python call per header.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_limit = _head_limit()
        self._reading_head = True
        self._head_bytes = 0  # bytes received since the current head began
        self._refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._reading_head:
            end = data.find(b"\r\n\r\n")
            size = self._head_bytes + (len(data) if end < 0 else end + 4)
            if size > self.head_limit:
                self._head_bytes = size
                self._refuse()
                return
            self._head_bytes += len(data)
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._reading_head = True
        self._head_bytes = 0
        super().on_message_complete()

    def _refuse(self) -> None:
        self._refused = True
        log.warning(
            "request head over %d bytes refused",
            self.head_limit,
            extra={"head_limit": self.head_limit, "head_bytes_read": self._head_bytes},
        )
        body = json.dumps(
            {
                "type": TYPE_BASE + "request-head-too-large",
                "title": "Request header fields too large",
                "status": 431,
                "detail": f"The request line and headers are larger than {self.head_limit} bytes.",
            }
        ).encode()
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/problem+json\r\n"
            b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body) + body
        )
        self.transport.pause_reading()
        asyncio.get_running_loop().call_later(LINGER_SECONDS, self.transport.close)
