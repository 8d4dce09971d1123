"""Ask a TCP port whether PostgreSQL or Redis answers there, and run the few SQL statements set-up needs.

A tiny client for PostgreSQL's frontend/backend protocol v3 (trust authentication, simple queries) and one RESP
PING: set-up runs before the project's virtualenv exists and must not depend on psql being installed.
"""

from __future__ import annotations

import contextlib
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass

PROTOCOL_V3 = 196608
TIMEOUT = 5.0


class NotListening(Exception):
    """Nothing accepts connections on the port."""


class WrongServer(Exception):
    """Something answers on the port, but not a server we can use (other protocol, or it wants a password)."""


@dataclass
class PgError(Exception):
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.message} (SQLSTATE {self.code})"


def connect(host: str, port: int) -> socket.socket:
    try:
        return socket.create_connection((host, port), timeout=TIMEOUT)
    except (ConnectionRefusedError, TimeoutError, OSError) as exc:
        raise NotListening(f"nothing answers on {host}:{port}") from exc


class PgConnection:
    """One trust-authenticated session; use as a context manager."""

    def __init__(self, host: str, port: int, user: str = "postgres", database: str = "postgres") -> None:
        self.where = f"{host}:{port}"
        self.sock = connect(host, port)
        try:
            self._startup(user, database)
        except BaseException:
            self.sock.close()
            raise

    def __enter__(self) -> PgConnection:
        return self

    def __exit__(self, *_: object) -> None:
        with contextlib.suppress(OSError):
            self.sock.sendall(b"X" + struct.pack("!I", 4))
        self.sock.close()

    def query(self, sql: str) -> list[list[str | None]]:
        """Run one simple-protocol statement; rows come back as text."""
        body = sql.encode() + b"\0"
        self.sock.sendall(b"Q" + struct.pack("!I", len(body) + 4) + body)
        rows: list[list[str | None]] = []
        error: PgError | None = None
        for kind, payload in self._messages():
            if kind == b"D":
                rows.append(_data_row(payload))
            elif kind == b"E":
                error = _error(payload)
            elif kind == b"Z":
                break
        if error is not None:
            raise error
        return rows

    def _startup(self, user: str, database: str) -> None:
        params = f"user\0{user}\0database\0{database}\0\0".encode()
        body = struct.pack("!I", PROTOCOL_V3) + params
        self.sock.sendall(struct.pack("!I", len(body) + 4) + body)
        for kind, payload in self._messages():
            if kind == b"R" and struct.unpack("!I", payload[:4])[0] != 0:
                raise WrongServer(f"PostgreSQL on {self.where} asks for a password; this set-up needs trust auth")
            if kind == b"E":
                raise _error(payload)
            if kind == b"Z":
                return

    def _messages(self) -> Iterator[tuple[bytes, bytes]]:
        while True:
            header = self._read(5)
            kind, length = header[:1], struct.unpack("!I", header[1:])[0]
            if kind not in b"RSKZEDTCNIs" or not 4 <= length < 1 << 24:
                raise WrongServer(f"what answers on {self.where} does not speak PostgreSQL")
            yield kind, self._read(length - 4)

    def _read(self, size: int) -> bytes:
        chunks = bytearray()
        while len(chunks) < size:
            chunk = self.sock.recv(size - len(chunks))
            if not chunk:
                raise WrongServer(f"{self.where} closed the connection mid-message: not a usable PostgreSQL")
            chunks += chunk
        return bytes(chunks)


def _data_row(payload: bytes) -> list[str | None]:
    count, offset, values = struct.unpack("!H", payload[:2])[0], 2, []
    for _ in range(count):
        (size,) = struct.unpack("!i", payload[offset : offset + 4])
        offset += 4
        values.append(None if size < 0 else payload[offset : offset + size].decode())
        offset += max(size, 0)
    return values


def _error(payload: bytes) -> PgError:
    fields = {item[:1].decode(): item[1:].decode(errors="replace") for item in payload.split(b"\0") if item}
    return PgError(fields.get("C", "?????"), fields.get("M", "unknown error"))


def postgres_answers(host: str, port: int) -> bool:
    """True when a trust-auth PostgreSQL answers, False when nothing listens; WrongServer otherwise."""
    try:
        with PgConnection(host, port) as conn:
            conn.query("SELECT 1")
    except NotListening:
        return False
    except (TimeoutError, OSError) as exc:
        raise WrongServer(f"{host}:{port} accepts connections but does not answer like PostgreSQL") from exc
    return True


def redis_answers(host: str, port: int) -> bool:
    """True when Redis answers PING, False when nothing listens; WrongServer otherwise."""
    try:
        sock = connect(host, port)
    except NotListening:
        return False
    with sock:
        try:
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            reply = sock.recv(64)
        except OSError as exc:
            raise WrongServer(f"{host}:{port} accepts connections but does not answer PING") from exc
    if reply.startswith(b"+PONG"):
        return True
    if reply.startswith((b"-NOAUTH", b"-WRONGPASS")):
        raise WrongServer(f"Redis on {host}:{port} wants a password; this set-up needs an open local Redis")
    raise WrongServer(f"what answers on {host}:{port} is not Redis (it replied {reply[:20]!r})")
