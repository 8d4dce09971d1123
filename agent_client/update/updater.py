"""Self-update: the heartbeat answer offers a signed release; the agent fetches it, checks it, swaps its own archive
atomically and restarts into it (docs/agent-protocol.md, "Self-update").

Checks, in order: the sha256 the offer names, the Ed25519 signature over name, version and sha256 with the key
built into this archive (trusted_key.txt; the portal's operator holds the private half), and that the new archive
starts and says the offered version. Any failure leaves the running archive untouched, is reported once, and the
same (version, sha256) is not tried again for REFUSAL_HOLD. A run from source has no archive to swap: it says
"unsupported" once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, Protocol

from agent_client import __version__
from agent_client.errors import AgentError
from agent_client.timeutil import now_iso
from agent_client.update.ed25519 import verify

log = logging.getLogger("meterbridge.agent")
ARCHIVE_ENV = "MB_AGENT_ARCHIVE"  # set by the zipapp's __main__: the .pyz this process runs from
TRUSTED_KEY_FILE = Path(__file__).with_name("trusted_key.txt")  # written into the archive by build_zipapp.py
REFUSAL_HOLD = 6 * 3600  # seconds before a refused (version, sha256) is tried again
RESTART_EXIT_CODE = 75  # Windows: the scheduled task starts the agent again (EX_TEMPFAIL)
START_CHECK_TIMEOUT = 120
REPORT, HOLD = "update_report", "update_hold"  # outbox state keys


class StateStore(Protocol):
    def get_state(self, key: str) -> str | None: ...
    def set_state(self, key: str, value: str) -> None: ...


class Downloader(Protocol):
    def download(self, path: str, dest: Any) -> None: ...


class UpdateRefused(AgentError):
    """The offered release is not taken; the message is the one-line reason the portal shows."""


def release_message(version: str, sha256: str) -> bytes:
    """What the portal signs: the name, the version and the archive's sha256 (agents/services/agent_releases.py)."""
    return f"meterbridge-agent\n{version}\n{sha256}\n".encode()


@dataclass(frozen=True)
class Offer:
    version: str
    url: str
    sha256: str
    signature: str

    @classmethod
    def from_answer(cls, answer: dict[str, Any]) -> Offer | None:
        update = answer.get("update")
        if not isinstance(update, dict):
            return None
        fields = [update.get(name) for name in ("version", "url", "sha256", "signature")]
        if not all(isinstance(value, str) and value for value in fields):
            return None
        return cls(*(str(value) for value in fields))

    @property
    def key(self) -> str:
        return f"{self.version} {self.sha256}"


def trusted_key() -> bytes | None:
    try:
        return base64.b64decode(TRUSTED_KEY_FILE.read_text().strip(), validate=True)
    except (OSError, binascii.Error):
        return None


def running_archive() -> Path | None:
    path = os.environ.get(ARCHIVE_ENV)
    return Path(path) if path and Path(path).is_file() else None


class Updater:
    def __init__(
        self,
        client: Downloader,
        state: StateStore,
        *,
        archive: Path | None = None,
        public_key: bytes | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client, self.state, self.clock = client, state, clock
        self.archive, self.public_key = archive, public_key

    @classmethod
    def for_this_process(cls, client: Downloader, state: StateStore) -> Updater:
        return cls(client, state, archive=running_archive(), public_key=trusted_key())

    def wanted(self, answer: dict[str, Any]) -> Offer | None:
        """The offer in a heartbeat answer, unless it is this version or was refused lately."""
        offer = Offer.from_answer(answer)
        if offer is None or offer.version == __version__:
            return None
        if self.archive is None or self.public_key is None:
            self._unsupported()
            return None
        hold = self._json(HOLD)
        if hold.get("offer") == offer.key and self.clock() < float(hold.get("until") or 0):
            return None
        return offer

    def apply(self, offer: Offer) -> bool:
        """Swaps the archive for the offered release; False (reported, held) when any check fails."""
        return self.settle(offer, self.install(offer))

    def install(self, offer: Offer) -> str:
        """Fetches, checks and swaps in the release: "" when done, else the one-line reason it was refused.
        Touches no state (the outbox's SQLite connection belongs to the loop's thread): this may run in another."""
        assert self.archive is not None and self.public_key is not None  # wanted() said so
        try:
            self._install(offer, self.archive, self.public_key)
        except (UpdateRefused, OSError) as exc:
            return (str(exc).splitlines() or [type(exc).__name__])[0][:300]
        return ""

    def settle(self, offer: Offer, refusal: str) -> bool:
        """Records what install() did; True when the archive was swapped and the agent should restart."""
        if refusal:
            log.warning("update to %s refused: %s; still running %s", offer.version, refusal, __version__)
            self._record("failed", offer.version, error=refusal)
            self.state.set_state(HOLD, json.dumps({"offer": offer.key, "until": self.clock() + REFUSAL_HOLD}))
            return False
        log.info("updated from %s to %s; restarting", __version__, offer.version)
        self._record("updated", offer.version)
        return True

    def _install(self, offer: Offer, archive: Path, public_key: bytes) -> None:
        fd, name = tempfile.mkstemp(prefix=".meterbridge-agent-", suffix=".pyz", dir=archive.parent)
        candidate = Path(name)
        try:
            with os.fdopen(fd, "wb") as file:
                self._download(offer, file)
            check_release(candidate, offer, public_key)
            candidate.chmod(archive.stat().st_mode & 0o777)
            os.replace(candidate, archive)  # atomic: a crash leaves the old archive or the new one, never half
        finally:
            candidate.unlink(missing_ok=True)

    def _download(self, offer: Offer, file: Any) -> None:
        try:
            self.client.download(offer.url, file)
        except AgentError as exc:
            raise UpdateRefused(f"download failed: {exc}") from None

    def pending_report(self) -> dict[str, Any] | None:
        """The last report, until a heartbeat has carried it."""
        report = self._json(REPORT)
        return None if not report or report.pop("sent", False) else report

    def report_sent(self, report: dict[str, Any]) -> None:
        if self._json(REPORT) == report:  # not one recorded meanwhile
            self.state.set_state(REPORT, json.dumps({**report, "sent": True}))

    def _unsupported(self) -> None:
        if self._json(REPORT).get("state") == "unsupported":  # said once, not every beat
            return
        why = "running from source" if self.archive is None else "this agent file was built without the portal's key"
        log.info("the portal offers an update, which this agent cannot take: %s", why)
        self._record("unsupported", __version__, error=why)

    def _record(self, state: str, version: str, error: str = "") -> None:
        report = {"state": state, "version": version, "from_version": __version__, "error": error, "at": now_iso()}
        self.state.set_state(REPORT, json.dumps(report))

    def _json(self, key: str) -> dict[str, Any]:
        try:
            value = json.loads(self.state.get_state(key) or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def restart(self) -> NoReturn:
        """Into the new archive with this run's arguments; Windows: exit for the scheduled task to restart."""
        assert self.archive is not None
        if os.name == "nt":  # no exec on Windows that keeps the process: the task restarts on this exit code
            raise SystemExit(RESTART_EXIT_CODE)
        flags = ["-I"] if sys.flags.isolated else []
        logging.shutdown()
        os.execv(sys.executable, [sys.executable, *flags, str(self.archive), *sys.argv[1:]])  # noqa: S606


def check_release(candidate: Path, offer: Offer, public_key: bytes) -> None:
    """Raises UpdateRefused with the reason a technician reads on the agents page."""
    sha = hashlib.sha256(candidate.read_bytes()).hexdigest()
    if sha != offer.sha256.lower():
        raise UpdateRefused("checksum does not match the download (a damaged or altered file)")
    try:
        signature = base64.b64decode(offer.signature, validate=True)
    except binascii.Error:
        signature = b""
    if not verify(public_key, release_message(offer.version, sha), signature):
        raise UpdateRefused("signature does not match")
    started = _version_of(candidate)
    if started != offer.version:
        raise UpdateRefused(f"the new agent says version {started!r}, not {offer.version}")


def _version_of(archive: Path) -> str:
    flags = ["-I"] if sys.flags.isolated else []
    try:
        run = subprocess.run(
            [sys.executable, *flags, str(archive), "--version"],
            capture_output=True,
            text=True,
            timeout=START_CHECK_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UpdateRefused(f"the new agent did not start ({type(exc).__name__})") from None
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        raise UpdateRefused(f"the new agent did not start: {last[:200]}")
    return run.stdout.strip()
