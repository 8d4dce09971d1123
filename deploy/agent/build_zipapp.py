"""Build build/meterbridge-agent.pyz: the agent with pysnmp and pyasn1 vendored, runnable by a bare Python 3.11.

    python deploy/agent/build_zipapp.py [--output build/meterbridge-agent.pyz] [--public-key B64] [--version V]

The code sits under app/ in the archive; zipapp_main.py (the archive's __main__) unpacks it once into a
private cache because pysnmp cannot load its MIB modules from inside a zip.

--public-key writes the portal's Ed25519 release key into the archive (agent_client/update/trusted_key.txt): an
agent takes self-updates signed by it only, and one built without it does not update itself. --version builds a
release under another version number (the staged agent_client/__init__.py says it).

Pure-Python only: SNMPv3 privacy (AES/DES) needs the `cryptography` wheel, which is platform-specific; the
zipapp uses it when the host Python has it and otherwise says so for authPriv credentials.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import importlib.util
import re
import shutil
import sys
import tempfile
import zipapp
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENDORED = ("pysnmp", "pyasn1")
SKIP_DIRS = {"__pycache__", "tests", "test", "docs", "examples"}


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"{name} is not installed in {sys.executable}: run this with the project's virtualenv")
    return Path(next(iter(spec.submodule_search_locations)))


def copy_package(src: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)

    def ignore(directory: str, names: list[str]) -> set[str]:
        return {n for n in names if n in SKIP_DIRS or n.endswith((".pyc", ".pyo", ".pyi"))}

    shutil.copytree(src, dest / src.name, ignore=ignore)


def build(output: Path, public_key: str = "", version: str = "") -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp)
        copy_package(REPO / "agent_client", staging / "app")
        stamp_agent(staging / "app" / "agent_client", public_key, version)
        for name in VENDORED:
            copy_package(package_dir(name), staging / "app")
        shutil.copyfile(Path(__file__).with_name("zipapp_main.py"), staging / "__main__.py")
        output.parent.mkdir(parents=True, exist_ok=True)
        zipapp.create_archive(staging, output, interpreter="/usr/bin/env python3", compressed=True)
    return output


VERSION_LINE = re.compile(r'^__version__ = ".*"$', re.MULTILINE)
VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,31}$")


def stamp_agent(package: Path, public_key: str, version: str) -> None:
    if public_key:
        (package / "update" / "trusted_key.txt").write_text(public_key + "\n")
    if version:
        init = package / "__init__.py"
        init.write_text(VERSION_LINE.sub(f'__version__ = "{version}"', init.read_text(), count=1))


def public_key_arg(value: str) -> str:
    if not value:  # argparse passes the default through here too
        return value
    try:
        if len(base64.b64decode(value, validate=True)) == 32:
            return value
    except binascii.Error:
        pass
    raise argparse.ArgumentTypeError("not a base64 Ed25519 public key (32 bytes)")


def version_arg(value: str) -> str:
    if value and not VERSION_RE.match(value):
        raise argparse.ArgumentTypeError("a version is up to 32 letters, digits and . + _ -")
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=REPO / "build" / "meterbridge-agent.pyz")
    parser.add_argument("--public-key", type=public_key_arg, default="", help="the portal's release key, base64")
    parser.add_argument("--version", type=version_arg, default="", help="build under this version number")
    args = parser.parse_args()
    out = build(args.output, args.public_key, args.version)
    print(f"{out} {out.stat().st_size / 1024 / 1024:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
