"""Build build/meterbridge-agent.pyz: the agent with pysnmp and pyasn1 vendored, runnable by a bare Python 3.11.

    python deploy/agent/build_zipapp.py [--output build/meterbridge-agent.pyz]

The code sits under app/ in the archive; zipapp_main.py (the archive's __main__) unpacks it once into a
private cache because pysnmp cannot load its MIB modules from inside a zip.

Pure-Python only: SNMPv3 privacy (AES/DES) needs the `cryptography` wheel, which is platform-specific; the
zipapp uses it when the host Python has it and otherwise says so for authPriv credentials.
"""

from __future__ import annotations

import argparse
import importlib.util
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


def build(output: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp)
        copy_package(REPO / "agent_client", staging / "app")
        for name in VENDORED:
            copy_package(package_dir(name), staging / "app")
        shutil.copyfile(Path(__file__).with_name("zipapp_main.py"), staging / "__main__.py")
        output.parent.mkdir(parents=True, exist_ok=True)
        zipapp.create_archive(staging, output, interpreter="/usr/bin/env python3", compressed=True)
    return output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=REPO / "build" / "meterbridge-agent.pyz")
    out = build(parser.parse_args().output)
    print(f"{out} {out.stat().st_size / 1024 / 1024:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
