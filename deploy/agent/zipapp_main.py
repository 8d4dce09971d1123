"""Entry point of meterbridge-agent.pyz: unpack the bundled code once into a private cache, then run it.

pysnmp loads its MIB modules with runpy.run_path(), which cannot read inside a zip archive, so the code runs
from a per-user directory keyed by the archive's hash (like shiv). The directory is created 0700: code is
never run from a place another user could write to.
"""

import hashlib
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

PREFIX = "app/"


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        is_root = hasattr(os, "geteuid") and os.geteuid() == 0
        base = "/var/cache" if is_root else os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "meterbridge-agent"


def unpack(archive: Path) -> Path:
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()[:16]
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = root / digest
    if (target / ".complete").exists():
        return target
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=root))
    with zipfile.ZipFile(archive) as bundle:
        for member in bundle.namelist():
            if member.startswith(PREFIX) and not member.endswith("/"):
                dest = staging / member[len(PREFIX) :]
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(bundle.read(member))
    (staging / ".complete").touch()
    try:
        staging.rename(target)
    except OSError:  # another run unpacked the same archive first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def main() -> None:
    archive = Path(os.path.dirname(os.path.abspath(__file__)))
    # Self-update swaps this file (agent_client/update/updater.py); the unpacked code cannot tell where it came from.
    os.environ["MB_AGENT_ARCHIVE"] = str(archive)
    sys.path.insert(0, str(unpack(archive)))
    from agent_client.cli import main as agent_main

    sys.exit(agent_main())


main()
