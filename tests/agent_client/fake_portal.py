"""A tiny real HTTP portal for agent tests (stdlib http.server in a thread): speaks /agent/v1 as the
protocol doc says, records every request, can go away and come back on the same port, and can lose an ack.
"""

from __future__ import annotations

import gzip
import json
import socket
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LICENSE_KEY = "mbl_acme_abcdefgh_" + "K" * 32
TOKEN = "mbt_acme_abcdefgh_" + "T" * 32


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakePortal:
    poll_interval: int = 1
    requests: list[Recorded] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # idempotency key -> stored result
    duplicates: list[str] = field(default_factory=list)
    unknown_directives: set[str] = field(default_factory=set)  # result posts for these get 404
    lose_next_acks: int = 0  # store the result, then drop the connection without answering
    tokens: list[str] = field(default_factory=lambda: [TOKEN])  # accepted agent tokens; the last is the newest
    rotate_token: bool = False  # heartbeat answers ask for a new token until one is handed out
    lose_next_token_answers: int = 0  # issue a token, then drop the connection without answering
    refuse: dict[str, int] = field(default_factory=dict)  # directive id -> status its result posts get, unstored
    fail_after_storing: dict[str, int] = field(default_factory=dict)  # directive id -> 5xx answered once stored
    read_schedule: dict[str, Any] | None = None  # sent with every poll when set
    features: list[str] = field(default_factory=lambda: ["compact_deltas"])  # [] answers as an older portal
    clock_offset: float = 0.0  # seconds added to the Date header of every answer (a portal whose clock is off)
    tls: ssl.SSLContext | None = None
    port: int = 0
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> FakePortal:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        self.server.daemon_threads = True
        if self.tls:
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def add_directive(self, kind: str, params: dict[str, Any]) -> str:
        directive_id = str(uuid.uuid4())
        self.pending.append(
            {"id": directive_id, "kind": kind, "lease_expires_at": "2099-01-01T00:00:00Z", "params": params}
        )
        return directive_id

    def calls(self, path_end: str) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith(path_end)]


def _handler(portal: FakePortal) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def date_time_string(self, timestamp: float | None = None) -> str:
            return super().date_time_string((timestamp or time.time()) + portal.clock_offset)

        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_POST(self) -> None:
            self._dispatch("POST")

        def _dispatch(self, method: str) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Content-Encoding") == "gzip":
                raw = gzip.decompress(raw)
            body = json.loads(raw) if raw else None
            portal.requests.append(Recorded(method, self.path, dict(self.headers), body))
            if self.path == "/healthz":  # the real portal serves it on every host, before any agent auth
                return self._reply(200, {"status": "ok"})
            path = self.path.removeprefix("/agent/v1")
            if path in ("/enroll", "/register"):
                return self._enroll(body) if path == "/enroll" else self._reply(201, {"license_key": LICENSE_KEY})
            if self.headers.get("Authorization") not in [f"Bearer {token}" for token in portal.tokens]:
                return self._reply(401, {"detail": "Unknown or revoked agent token.", "code": "bad_token"})
            if path == "/heartbeat":
                beat = {"poll_interval": portal.poll_interval, "server_time": "2026-11-21T10:00:00Z"}
                return self._reply(200, {**beat, "rotate_token": portal.rotate_token, "features": portal.features})
            if path == "/token":
                return self._new_token()
            if path == "/directives":
                leased, portal.pending[:] = list(portal.pending), []
                answer: dict[str, Any] = {"poll_interval": portal.poll_interval, "directives": leased}
                if portal.read_schedule is not None:
                    answer["read_schedule"] = portal.read_schedule
                return self._reply(200, answer)
            if path.endswith("/result"):
                return self._result(path.split("/")[2], body)
            if path == "/reads":  # an offline read: stored like a result, under a directive of its own
                return self._result("offline-read", body)
            return self._reply(404, {"detail": "No such call.", "code": "not_found"})

        def _enroll(self, body: dict[str, Any]) -> None:
            if body.get("license_key") != LICENSE_KEY:
                return self._reply(401, {"detail": "Unknown license key.", "code": "bad_key"})
            self._reply(
                201,
                {
                    "agent_id": "a-1",
                    "token": TOKEN,
                    "poll_interval": portal.poll_interval,
                    "dealer": {"code": "acme", "name": "Acme"},
                    "site": {"id": "s-1", "name": "Head office", "customer": "Contoso"},
                },
            )

        def _new_token(self) -> None:
            portal.tokens.append(f"mbt_acme_{'abcdefgh'[len(portal.tokens)] * 8}_{'n' * 32}")
            if portal.lose_next_token_answers > 0:  # issued, but the answer never reaches the agent
                portal.lose_next_token_answers -= 1
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            portal.rotate_token = False
            answer = {"token": portal.tokens[-1], "issued_at": "2026-11-21T10:00:00Z"}
            self._reply(200, {**answer, "previous_token_expires_at": "2026-11-22T10:00:00Z"})

        def _result(self, directive_id: str, body: dict[str, Any]) -> None:
            if directive_id in portal.unknown_directives:
                return self._reply(404, {"detail": "Unknown directive.", "code": "unknown_directive"})
            if directive_id in portal.refuse:
                return self._reply(portal.refuse[directive_id], {"detail": "Refused by the test.", "code": "refused"})
            key = self.headers.get("Idempotency-Key", "")
            duplicate = key in portal.results
            if duplicate:
                portal.duplicates.append(key)
            else:
                portal.results[key] = {"directive_id": directive_id, "body": body}
            if directive_id in portal.fail_after_storing:  # e.g. the broker down after the row committed
                return self._reply(portal.fail_after_storing.pop(directive_id), {"detail": "Stored, then failed."})
            if portal.lose_next_acks > 0:  # stored, but the answer never reaches the agent
                portal.lose_next_acks -= 1
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self._reply(200, {"status": "accepted", "result_id": key, "duplicate": duplicate})

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
