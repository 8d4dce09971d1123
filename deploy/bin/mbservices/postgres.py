"""Make a trust-auth PostgreSQL answer on 127.0.0.1:<port> with the project's database in it.

Uses the server already there if one answers; otherwise starts a private cluster in <state dir>/postgres from
Debian's binaries, from a freshly apt-installed postgresql, or from the pgserver wheel, in that order.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import signal
import subprocess
from pathlib import Path

from . import common, probes
from .common import Fatal, log

HOST = "127.0.0.1"
PROGRAM = "postgres"
DB_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# A private, throw-away development cluster: speed matters more than surviving a power cut.
SERVER_SETTINGS = """
# Written by deploy/bin/ensure-services.
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
"""


def ensure(state_dir: Path, port: int, db_name: str) -> str:
    """Return the DATABASE_URL of a running server with db_name in it."""
    check_db_name(db_name)
    ours = common.our_server_pid(state_dir, "postgres", PROGRAM, port)
    if probes.postgres_answers(HOST, port):
        whose = "already" if ours is None else f"we started earlier (pid {ours}),"
        log(f"using the PostgreSQL {whose} answering on {HOST}:{port}")
    elif ours is not None:
        raise Fatal(
            f"the PostgreSQL we started (pid {ours}) does not answer; see {data_directory(state_dir)}/server.log"
        )
    else:
        start(state_dir, port)
    create_database(port, db_name)
    return f"postgres://postgres@{HOST}:{port}/{db_name}"


def start(state_dir: Path, port: int) -> None:
    bin_dir = find_binaries()
    data_dir = data_directory(state_dir)
    if not (data_dir / "PG_VERSION").exists():
        init_cluster(bin_dir, data_dir)
    check_cluster_version(bin_dir, data_dir)
    log(f"starting PostgreSQL ({bin_dir}) on {HOST}:{port}, data in {data_dir}")
    ctl = [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-l", str(data_dir / "server.log"), "-w", "-t", "60"]
    if common.run([*ctl, "-o", f"-p {port}", "start"], as_service_user=True, check=False, quiet=True) != 0:
        raise Fatal(f"PostgreSQL did not start; see {data_dir / 'server.log'}")
    pid = common.read_pid(data_dir / "postmaster.pid")
    if pid is None:
        raise Fatal(f"PostgreSQL started but wrote no pid to {data_dir / 'postmaster.pid'}")
    common.remember_started(state_dir, "postgres", pid, port)


def init_cluster(bin_dir: Path, data_dir: Path) -> None:
    log(f"creating a PostgreSQL cluster in {data_dir}")
    data_dir.mkdir(mode=0o700, exist_ok=True)
    common.chown_to_service_user(data_dir)
    initdb = [str(bin_dir / "initdb"), "-D", str(data_dir), "-U", "postgres", "--auth=trust"]
    common.run(
        [*initdb, "--encoding=UTF8", "--no-locale", "--no-sync", "--no-instructions"], as_service_user=True, quiet=True
    )
    with (data_dir / "postgresql.conf").open("a") as conf:
        conf.write(SERVER_SETTINGS)


def check_cluster_version(bin_dir: Path, data_dir: Path) -> None:
    """A cluster made by another major version (Debian's 15, pgserver's 16) cannot start: say so plainly."""
    cluster = (data_dir / "PG_VERSION").read_text().strip()
    version = subprocess.run([str(bin_dir / "postgres"), "--version"], capture_output=True, text=True, check=False)
    server = re.search(r"\) (\d+)", version.stdout)
    if server is not None and server.group(1) != cluster:
        raise Fatal(
            f"{data_dir} was made by PostgreSQL {cluster} but {bin_dir} holds PostgreSQL {server.group(1)}; "
            "delete it with deploy/bin/stop-services --purge (with the same --state-dir) and run again"
        )


def data_directory(state_dir: Path) -> Path:
    """<state dir>/postgres, or a symlink there to /var/lib/meterbridge when the service user cannot enter state_dir.

    Run as root, the server runs as an unprivileged user, which cannot reach a state dir under a private home
    (/root/…, pytest's /tmp/pytest-of-root/…).
    """
    link = state_dir / "postgres"
    if link.is_symlink() or common.service_user_can_enter(state_dir):
        return link.resolve()
    outside = Path("/var/lib/meterbridge") / ("pg-" + hashlib.sha256(str(state_dir).encode()).hexdigest()[:12])
    outside.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    link.symlink_to(outside)
    log(f"{common.SERVICE_USER} cannot enter {state_dir}; the cluster lives in {outside}")
    return outside


def find_binaries() -> Path:
    if not common.force_wheels():
        found = debian_binaries()
        if found is None and common.apt_available():
            apt_install_postgresql()
            found = debian_binaries()
        if found is not None:
            return found
    bin_dir = common.wheel_package_dir("pgserver") / "pginstall" / "bin"
    if not (bin_dir / "postgres").exists():
        raise Fatal(f"the pgserver wheel has no postgres binary in {bin_dir}")
    if not common.service_user_can_enter(bin_dir):
        raise Fatal(f"{common.SERVICE_USER} cannot run {bin_dir} (a virtualenv in a private home?); move the venv")
    return bin_dir


def debian_binaries() -> Path | None:
    """The newest /usr/lib/postgresql/<major>/bin that has a server in it."""
    versions = [path for path in Path("/usr/lib/postgresql").glob("*/bin") if (path / "postgres").exists()]
    return max(versions, key=lambda path: int(path.parent.name), default=None)


def apt_install_postgresql() -> None:
    """apt-get install postgresql, without letting the package create and start its own cluster on 5432.

    We only want the binaries; Debian's main cluster would take the port and ask for passwords.
    """
    drop_in = Path("/etc/postgresql-common/createcluster.d/zz-meterbridge-no-main-cluster.conf")
    drop_in.parent.mkdir(parents=True, exist_ok=True)
    drop_in.write_text(
        "# temporary, written by meterbridge's ensure-services during apt-get install\ncreate_main_cluster = false\n"
    )
    try:
        common.apt_install("postgresql")
    finally:
        drop_in.unlink(missing_ok=True)


def check_db_name(db_name: str) -> None:
    """Names are put into SQL and shell `eval` lines as they are, so only plain identifiers pass."""
    if not DB_NAME.match(db_name):
        raise Fatal(f"database name {db_name!r} must be lowercase letters, digits and underscores")


def create_database(port: int, db_name: str) -> None:
    check_db_name(db_name)
    with probes.PgConnection(HOST, port) as conn:
        if conn.query(f"SELECT 1 FROM pg_database WHERE datname = '{db_name}'"):  # noqa: S608 (checked above)
            return
        log(f"creating database {db_name}")
        try:
            conn.query(f'CREATE DATABASE "{db_name}"')
        except probes.PgError as exc:
            if exc.code != "42P04":  # duplicate_database: a parallel run created it first, which is fine
                raise Fatal(f"could not create database {db_name}: {exc}") from exc


def stop(state_dir: Path) -> int | None:
    """Stop the server this state dir started, if it runs; return its pid."""
    pid = common.our_running_pid(state_dir / "postgres.pid", PROGRAM)
    if pid is not None:
        log(f"stopping PostgreSQL (pid {pid})")
        # SIGINT is PostgreSQL's "fast" shutdown: it ends client sessions instead of waiting for them.
        common.stop_pid(pid, PROGRAM, signal.SIGINT)
    common.forget_started(state_dir, "postgres")
    return pid


def purge(state_dir: Path) -> None:
    """Delete the cluster's data (after stop): the next ensure-services starts from an empty one."""
    link = state_dir / "postgres"
    data_dir = link.resolve()
    if (data_dir / "postmaster.pid").exists():
        raise Fatal(f"a server still runs on {data_dir}; not deleting it")
    if data_dir.is_dir():
        log(f"deleting {data_dir}")
        shutil.rmtree(data_dir)
    if link.is_symlink():
        link.unlink()
