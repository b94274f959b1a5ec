"""A lean HTTP/1.1 client for the load generator: signed POSTs over keep-alive
connections, so that the generator, which shares the machine's two cores with the app
it measures, spends as little of them as it can (aiohttp's client costs several times
more per request)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.fakes.slack import sign


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def post(self, host: str, path: str, body: bytes, headers: dict[str, str]) -> int:
        head = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        status_line = await self.reader.readuntil(b"\r\n")
        length = 0
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        if length:
            await self.reader.readexactly(length)
        return int(status_line.split(b" ", 2)[1])

    def close(self) -> None:
        self.writer.close()


class Pool:
    """Keep-alive connections to one server, lent out one request at a time."""

    def __init__(self, host: str, port: int, secret: str) -> None:
        self.host, self.port, self.secret = host, port, secret
        self._idle: list[Connection] = []
        self._all: list[Connection] = []

    async def post_event(
        self, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> int:
        body = json.dumps(payload).encode()
        all_headers = {
            "Content-Type": "application/json",
            **sign(self.secret, body),
            **(headers or {}),
        }
        conn = self._idle.pop() if self._idle else await self._connect()
        try:
            status = await conn.post(f"{self.host}:{self.port}", "/slack/events", body, all_headers)
        except (OSError, asyncio.IncompleteReadError):
            conn.close()
            self._all.remove(conn)
            raise
        self._idle.append(conn)
        return status

    async def _connect(self) -> Connection:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        conn = Connection(reader, writer)
        self._all.append(conn)
        return conn

    def close(self) -> None:
        for conn in self._all:
            conn.close()
        self._all.clear()
        self._idle.clear()
