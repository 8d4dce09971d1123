"""The portal's agent API (`/agent/v1/`, docs/agent-protocol.md) over stdlib urllib: small enough for the zipapp.

TLS is verified (system store, or `ca_bundle`); a proxy comes from the config or HTTP(S)_PROXY, credentials in
its URL; bodies are gzip JSON. The token never appears in an exception or a log line.

Token rotation: when a heartbeat answer says `rotate_token`, the client takes a new token (`POST /token`) and hands
it to `save_token` (the config file) *before* using it; if either step fails it keeps the old token, which the
portal still accepts for its grace period, and is asked again at the next heartbeat.
"""

from __future__ import annotations

import gzip
import http.client
import json
import logging
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any, BinaryIO

from agent_client import __version__
from agent_client.errors import AgentError, PortalError, PortalUnavailable

API = "/agent/v1"
USER_AGENT = f"meterbridge-agent/{__version__}"
DOWNLOAD_MAX_BYTES = 64 * 2**20  # a release is ~1 MB; anything near this is not one
LONG_POLL_GRACE = 15.0  # seconds a long poll's socket waits past its `wait` for the portal's answer
TOKEN_RE = re.compile(r"^mbt_[a-z0-9-]+_[a-z2-7]{8}_[a-z2-7]{32}$")  # docs/agent-protocol.md, "Host and credentials"
log = logging.getLogger("meterbridge.agent")


class PortalClient:
    def __init__(
        self,
        base_url: str,
        token: str = "",
        ca_bundle: str = "",
        proxy: str = "",
        timeout: float = 30.0,
        save_token: Callable[[str], None] | None = None,
    ) -> None:
        if not base_url.startswith(("https://", "http://")):
            raise PortalError(f"the portal URL must start with https:// (got {base_url!r})")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.save_token = save_token  # without one (tests, `scan`), the client never swaps: a swap must persist
        self.opener = build_opener(ca_bundle, proxy)

    def enroll(self, license_key: str, hostname: str, os_name: str, name: str = "") -> dict[str, Any]:
        body = {"license_key": license_key, "hostname": hostname, "os": os_name, "agent_version": __version__}
        if name:  # absent: the portal names it "<hostname> @ <site>"
            body["name"] = name
        return self.call("POST", "/enroll", body, auth=False)

    def register(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self.call("POST", "/register", payload, auth=False)

    def heartbeat(self, payload: dict[str, Any]) -> dict[str, Any]:
        answer = self.call("POST", "/heartbeat", payload)
        if answer.get("rotate_token") is True:
            self.take_new_token()
        return answer

    def take_new_token(self) -> bool:
        """Swap tokens: saved first, used second, so a crash in between leaves a config that still works."""
        if self.save_token is None:
            return False
        try:
            token = self.call("POST", "/token", {}).get("token")
            if not isinstance(token, str) or not TOKEN_RE.match(token):
                raise PortalError("POST /agent/v1/token: the answer holds no agent token")
            self.save_token(token)
        except (AgentError, OSError) as exc:  # the portal, the network or the disk: all retried next poll
            log.warning("could not take a new agent token (%s); keeping the current one until the next poll", exc)
            return False
        self.token = token
        log.info("took a new agent token; the old one stops working after the portal's grace period")
        return True

    def directives(self, wait: int | None = None) -> dict[str, Any]:
        """A plain poll, or a long poll the portal holds up to `wait` seconds until the site has work (the socket
        waits LONG_POLL_GRACE longer: past that, something between us cut the request)."""
        if wait is None:
            return self.call("GET", "/directives")
        return self.call("GET", f"/directives?wait={int(wait)}", timeout=wait + LONG_POLL_GRACE)

    def post_result(self, directive_id: str, idempotency_key: str, gzip_body: bytes) -> dict[str, Any]:
        headers = {"Content-Encoding": "gzip", "Idempotency-Key": idempotency_key}
        return self.call("POST", f"/directives/{directive_id}/result", raw=gzip_body, headers=headers)

    def download(self, url: str, dest: BinaryIO) -> None:
        """Streams an agent-API file (a self-update release) into `dest`. Only the path of `url` is used, on this
        client's own portal: the token never goes to another host, whatever an answer names."""
        path = urllib.parse.urlsplit(url).path
        if not path.startswith(API + "/"):
            raise PortalError(f"the download {url!r} is not on the agent API")
        headers = {"User-Agent": USER_AGENT, "Authorization": f"Bearer {self.token}"}
        request = urllib.request.Request(self.base_url + path, headers=headers)  # noqa: S310 (http(s) only)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                _copy_capped(response, dest, f"GET {path}")
        except (AgentError, http.client.HTTPException, OSError) as exc:  # OSError: URLError, HTTPError, timeouts
            raise _failure(exc, f"GET {path}") from None

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        all_headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})}
        if body is not None:  # small control calls go plain; results (the bulk) come here already gzipped
            raw = json.dumps(body).encode()
        if raw is not None:
            all_headers["Content-Type"] = "application/json"
        if auth:
            all_headers["Authorization"] = f"Bearer {self.token}"
        url = self.base_url + API + path  # http(s) only: checked in __init__
        request = urllib.request.Request(url, data=raw, headers=all_headers, method=method)  # noqa: S310
        return self._send(request, f"{method} {API}{path}", timeout or self.timeout)

    def _send(self, request: urllib.request.Request, what: str, timeout: float) -> dict[str, Any]:
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return _json(response.read(), response.headers.get("Content-Encoding"))
        except (http.client.HTTPException, OSError) as exc:  # OSError: URLError, HTTPError, timeouts
            raise _failure(exc, what) from None


def _failure(exc: Exception, what: str) -> Exception:
    """The agent's own error for what urllib raised; anything else (a bug) as it was."""
    if isinstance(exc, AgentError):
        return exc
    if isinstance(exc, urllib.error.HTTPError):
        return _http_error(exc, what)
    if isinstance(exc, http.client.HTTPException):  # a proxy that closed mid-answer (IncompleteRead, BadStatusLine)
        return PortalUnavailable(f"{what}: the answer was cut off ({type(exc).__name__})")
    if isinstance(exc, OSError):
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, ssl.SSLCertVerificationError):  # retrying will not help: say what to fix
            message = f"the portal's TLS certificate is not trusted ({reason.verify_message}); see --ca-bundle"
            return PortalError(f"{what}: {message}")
        return PortalUnavailable(f"{what}: portal unreachable ({reason})")
    return exc


def _copy_capped(response: Any, dest: BinaryIO, what: str) -> None:
    copied = 0
    while chunk := response.read(64 * 1024):
        copied += len(chunk)
        if copied > DOWNLOAD_MAX_BYTES:
            raise PortalError(f"{what}: larger than {DOWNLOAD_MAX_BYTES // 2**20} MB")
        dest.write(chunk)


def build_opener(ca_bundle: str, proxy: str) -> urllib.request.OpenerDirector:
    context = ssl.create_default_context(cafile=ca_bundle or None)
    # An explicit proxy wins; otherwise ProxyHandler() reads HTTPS_PROXY/HTTP_PROXY/NO_PROXY from the environment.
    proxies = urllib.request.ProxyHandler({"http": proxy, "https": proxy} if proxy else None)
    return urllib.request.build_opener(proxies, urllib.request.HTTPSHandler(context=context))


def _json(data: bytes, encoding: str | None) -> dict[str, Any]:
    if encoding == "gzip":
        data = gzip.decompress(data)
    if not data:
        return {}
    try:
        parsed = json.loads(data)
    except ValueError as exc:
        raise PortalUnavailable("the portal answered something that is not JSON") from exc
    return parsed if isinstance(parsed, dict) else {"data": parsed}


def _http_error(exc: urllib.error.HTTPError, what: str) -> PortalError | PortalUnavailable:
    try:
        detail = _json(exc.read(), exc.headers.get("Content-Encoding"))
    except (PortalUnavailable, OSError, EOFError):
        detail = {}
    message = f"{what}: HTTP {exc.code}: {detail.get('detail') or exc.reason}"
    if exc.code >= 500 or exc.code in (408, 429):
        return PortalUnavailable(message, exc.code)
    return PortalError(message, exc.code, str(detail.get("code", "")))
