"""deploy/bin/wait-for: the demo launcher waits on it until the web server and its services answer."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.deploy.helpers import free_port, random_loopback, run_script


@pytest.fixture
def loopback() -> str:
    return random_loopback()


def listen_after(host: str, port: int, delay: float) -> threading.Event:
    """Start listening on host:port only after `delay` seconds, like a server that is still booting.

    The returned event is set once a client has connected.
    """
    connected = threading.Event()

    def serve() -> None:
        time.sleep(delay)
        with socket.create_server((host, port)) as server:
            server.settimeout(10)
            conn, _ = server.accept()
            connected.set()
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return connected


class StartingUp(http.server.BaseHTTPRequestHandler):
    """Answers 503 to the first requests (a proxy whose app is not up yet), then 200."""

    replies = [503, 503, 200]

    def do_GET(self) -> None:
        code = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        self.send_response(code)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def starting_web_server(loopback: str) -> Iterator[tuple[str, type[StartingUp]]]:
    handler = type("Handler", (StartingUp,), {"replies": [503, 503, 200]})
    server = http.server.HTTPServer((loopback, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{loopback}:{server.server_address[1]}/healthz", handler
    server.shutdown()
    server.server_close()


def test_waits_until_a_booting_server_listens(loopback: str) -> None:
    port = free_port()
    connected = listen_after(loopback, port, delay=1.0)
    result = run_script("wait-for", "--timeout", "10", f"{loopback}:{port}")
    assert result.returncode == 0, result.stderr
    word, target, seconds = result.stdout.split()
    assert (word, target) == ("ready", f"{loopback}:{port}")
    assert connected.wait(5), "wait-for said ready without ever reaching the server"
    assert float(seconds) > 0


def test_gives_up_after_the_timeout(loopback: str) -> None:
    result = run_script("wait-for", "--timeout", "1.5", f"tcp://{loopback}:{free_port()}")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "did not answer within 1.5s" in result.stderr


def test_url_is_ready_only_once_it_stops_answering_5xx(starting_web_server: tuple[str, type[StartingUp]]) -> None:
    url, handler = starting_web_server
    result = run_script("wait-for", "--timeout", "10", "--interval", "0.1", url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"ready {url} ")
    assert handler.replies == [200], "wait-for stopped before the server said 200"


def test_nonsense_target_is_a_usage_error() -> None:
    result = run_script("wait-for", "printer-room")
    assert result.returncode == 2
    assert "neither host:port nor an http(s) URL" in result.stderr
