"""The replica pool's HTTP: a small keep-alive HTTP/1.1 client on asyncio streams and h11, or httpx.

Why not one httpx.AsyncClient for everything: with hundreds of requests in flight its connection pool
(httpcore) scans every connection, and polls each socket, whenever a request starts or ends -- O(n^2)
CPU per request. Measured here with 64 in flight against a 50 ms stub: one AsyncClient 70 req/s at 6 ms
CPU per request; h11 on asyncio streams 1,100 req/s at 0.1 ms (bench/results/client.md). h11 is the
parser httpx itself uses for HTTP/1.1, so answers are read the same way.

``H11Client`` serves http:// and https:// endpoints when no proxy is configured; ``HttpxClients`` (httpx,
in shards of 8 connections so that no shard grows large) serves the rest: proxies, and the transports
that tests inject. Both raise httpx's exception types, so the backend classifies failures one way.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

import h11
import httpx

READ_SIZE = 65536
DRAIN_S = 1.0  # a server that keeps a stream open after [DONE]: give up on keeping its connection


class Exchange(Protocol):
    status: int
    headers: httpx.Headers

    async def read(self) -> bytes: ...

    def lines(self) -> AsyncIterator[str]: ...

    async def drain(self) -> None:
        """Read what is left of the body (after ``[DONE]``), so the connection can be kept."""


class HttpClient(Protocol):
    def exchange(
        self, url: str, headers: Mapping[str, str], body: bytes
    ) -> contextlib.AbstractAsyncContextManager[Exchange]: ...

    async def aclose(self) -> None: ...


def make_client(
    base_urls: list[str], ceiling: int, timeout: httpx.Timeout, transport: httpx.AsyncBaseTransport | None
) -> HttpClient:
    """The fast client unless a transport is injected or a proxy variable is set for these URLs."""
    schemes = {urlsplit(u).scheme.lower() for u in base_urls}
    names = [f"{s}_proxy" for s in schemes] + ["all_proxy"]
    proxied = any(os.environ.get(n) or os.environ.get(n.upper()) for n in names)
    if transport is not None or proxied or not schemes <= {"http", "https"}:
        return HttpxClients(ceiling, timeout, transport)
    return H11Client(timeout)


# -- h11 on asyncio streams ------------------------------------------------------------------------------
@dataclass(eq=False)  # identity: connections go in a set
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    h11: h11.Connection = field(default_factory=lambda: h11.Connection(h11.CLIENT))
    used: int = 0

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class _H11Exchange:
    def __init__(self, conn: _Connection, response: h11.Response, read_timeout: float | None) -> None:
        self._conn = conn
        self.status = response.status_code
        self.headers = httpx.Headers(
            [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers]
        )
        self._timeout = read_timeout
        self.done = False

    async def _chunks(self) -> AsyncIterator[bytes]:
        conn = self._conn
        while True:
            event = _next_event(conn)
            if event is h11.NEED_DATA:
                conn.h11.receive_data(await _read(conn, self._timeout))
                continue
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self.done = True
                return
            elif isinstance(event, h11.ConnectionClosed):
                raise httpx.RemoteProtocolError("the server closed the connection mid-answer")

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self._chunks()])

    async def drain(self) -> None:
        if self.done:
            return
        with contextlib.suppress(httpx.HTTPError, TimeoutError):
            async with asyncio.timeout(DRAIN_S):
                async for _ in self._chunks():
                    pass

    async def lines(self) -> AsyncIterator[str]:
        pending = b""
        async for chunk in self._chunks():
            pending += chunk
            *whole, pending = pending.split(b"\n")
            for line in whole:
                yield line.rstrip(b"\r").decode("utf-8", errors="replace")
        if pending:
            yield pending.rstrip(b"\r").decode("utf-8", errors="replace")


def _next_event(conn: _Connection) -> object:
    try:
        return conn.h11.next_event()
    except h11.ProtocolError as exc:  # e.g. the peer closed before the whole body came
        raise httpx.RemoteProtocolError(str(exc)) from None


async def _read(conn: _Connection, timeout: float | None) -> bytes:
    try:
        async with asyncio.timeout(timeout):
            return await conn.reader.read(READ_SIZE)
    except TimeoutError:
        raise httpx.ReadTimeout(f"no data for {timeout:g} s") from None
    except (ConnectionError, OSError) as exc:
        raise httpx.ReadError(str(exc) or type(exc).__name__) from None


class H11Client:
    """Keep-alive connections per origin; one request at a time per connection (no pipelining)."""

    def __init__(self, timeout: httpx.Timeout) -> None:
        self._idle: dict[tuple[str, str, int], deque[_Connection]] = {}
        self._connect_timeout = timeout.connect
        self._read_timeout = timeout.read
        self._ssl: ssl.SSLContext | None = None
        self._open: set[_Connection] = set()

    async def _connect(self, scheme: str, host: str, port: int) -> _Connection:
        context = None
        if scheme == "https":
            self._ssl = self._ssl or ssl.create_default_context()
            context = self._ssl
        try:
            async with asyncio.timeout(self._connect_timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=context, server_hostname=host if context else None, limit=READ_SIZE * 4
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(f"connecting to {host}:{port} timed out") from None
        except (ConnectionError, OSError) as exc:
            raise httpx.ConnectError(f"{type(exc).__name__}: {exc}") from None
        conn = _Connection(reader, writer)
        self._open.add(conn)
        return conn

    @contextlib.asynccontextmanager
    async def exchange(self, url: str, headers: Mapping[str, str], body: bytes) -> AsyncIterator[Exchange]:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        port = parts.port or (443 if scheme == "https" else 80)
        origin = (scheme, parts.hostname or "", port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.netloc.rpartition("@")[2]
        fields = [("Host", host), *headers.items(), ("Content-Length", str(len(body)))]
        idle = self._idle.setdefault(origin, deque())
        for fresh in (False, True):  # a kept-alive connection the server closed meanwhile: once more, new
            conn = idle.pop() if idle and not fresh else await self._connect(*origin)
            reused = conn.used > 0
            try:
                request = conn.h11.send(h11.Request(method="POST", target=target, headers=fields))
                conn.writer.write(
                    request + conn.h11.send(h11.Data(data=body)) + conn.h11.send(h11.EndOfMessage())
                )
                await conn.writer.drain()
                response = await self._response(conn)
            except (
                httpx.ReadError,
                httpx.RemoteProtocolError,
                h11.ProtocolError,
                ConnectionError,
                OSError,
            ) as exc:
                self._drop(conn)
                if reused and not fresh:
                    continue
                if isinstance(exc, httpx.HTTPError):
                    raise
                raise httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}") from None
            except BaseException:
                self._drop(conn)
                raise
            break
        answer = _H11Exchange(conn, response, self._read_timeout)
        try:
            yield answer
        except BaseException:
            self._drop(conn)
            raise
        if answer.done and conn.h11.our_state is h11.DONE and conn.h11.their_state is h11.DONE:
            conn.h11.start_next_cycle()
            conn.used += 1
            idle.append(conn)
        else:  # not read to the end (a stream left early) or the server will close it
            self._drop(conn)

    async def _response(self, conn: _Connection) -> h11.Response:
        while True:
            event = _next_event(conn)
            if event is h11.NEED_DATA:
                data = await _read(conn, self._read_timeout)
                if not data:
                    raise httpx.RemoteProtocolError("the server closed the connection without an answer")
                conn.h11.receive_data(data)
                continue
            if isinstance(event, h11.Response):
                return event
            if isinstance(event, h11.InformationalResponse):
                continue
            raise httpx.RemoteProtocolError(f"unexpected {type(event).__name__} before the answer")

    def _drop(self, conn: _Connection) -> None:
        self._open.discard(conn)
        conn.close()

    async def aclose(self) -> None:
        for conn in list(self._open):
            self._drop(conn)
        self._idle.clear()


# -- httpx, in shards ------------------------------------------------------------------------------------
class _HttpxExchange:
    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self.status = response.status_code
        self.headers = response.headers

    async def read(self) -> bytes:
        return await self._response.aread()

    async def drain(self) -> None:
        pass  # httpx closes a stream left early on exit

    async def lines(self) -> AsyncIterator[str]:
        async for line in self._response.aiter_lines():
            yield line


class HttpxClients:
    """httpx AsyncClients of SHARD connections each, a request on the next free one (none queues)."""

    SHARD = 8

    def __init__(
        self, ceiling: int, timeout: httpx.Timeout, transport: httpx.AsyncBaseTransport | None
    ) -> None:
        n = max(1, -(-ceiling // self.SHARD))
        limits = httpx.Limits(max_connections=self.SHARD, max_keepalive_connections=self.SHARD)
        self._clients = [
            httpx.AsyncClient(limits=limits, timeout=timeout, transport=transport) for _ in range(n)
        ]
        self._free: deque[httpx.AsyncClient] = deque(c for _ in range(self.SHARD) for c in self._clients)

    @contextlib.asynccontextmanager
    async def exchange(self, url: str, headers: Mapping[str, str], body: bytes) -> AsyncIterator[Exchange]:
        client = self._free.popleft() if self._free else self._clients[0]
        try:
            async with client.stream("POST", url, content=body, headers=dict(headers)) as response:
                yield _HttpxExchange(response)
        finally:
            self._free.append(client)

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()
