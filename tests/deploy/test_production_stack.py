"""How the portal runs for real: gunicorn with production settings behind nginx terminating TLS, from the files
in deploy/portal/. Dealers are reached by host name over HTTPS, agents on the central host, and the
systemd units name commands that exist."""

import os
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
from pathlib import Path
from string import Template

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from portal.queues import KINDS
from tests.support.live import free_tcp_port, wait_for_port
from tests.support.paths import REPO_ROOT
from tests.support.tls import self_signed

pytestmark = pytest.mark.slow
DEPLOY = REPO_ROOT / "deploy" / "portal"
HOSTS = ["localhost", "acme.localhost", "beta.localhost"]


@pytest.fixture(scope="module")
def nginx() -> str:
    if not shutil.which("nginx"):
        subprocess.run([str(REPO_ROOT / "deploy/bin/apt-ensure"), "nginx-light"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("nginx") or "/usr/sbin/nginx"


def production_env(live_env: dict[str, str], var: Path) -> dict[str, str]:
    settings = connection.settings_dict
    database = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    env = {key: value for key, value in live_env.items() if not key.startswith(("MB_TEST", "EMAIL_", "FIELD_"))}
    secret = secrets.token_urlsafe(40)
    production = {"DJANGO_SETTINGS_MODULE": "portal.settings.production", "DJANGO_SECRET_KEY": secret}
    # As an operator does once per install (deploy/portal/README.md): production refuses to start without it.
    (var.parent / "field-keys").write_text(Fernet.generate_key().decode() + "\n")
    production["FIELD_ENCRYPTION_KEYS_FILE"] = str(var.parent / "field-keys")
    return {**env, **production, "DATABASE_URL": database, "MB_VAR_DIR": str(var), "PORTAL_BASE_DOMAIN": "localhost"}


@pytest.fixture(scope="module")
def stack(nginx, live_env, tmp_path_factory):
    """gunicorn (production settings) on the suite's database, behind nginx rendered from the template."""
    root = tmp_path_factory.mktemp("production")
    env = production_env(live_env, root / "var")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=REPO_ROOT, env=env, check=True
    )
    web_port, https_port, http_port = free_tcp_port(), free_tcp_port(), free_tcp_port()
    web_log = root / "web.log"
    gunicorn = [str(Path(sys.executable).with_name("gunicorn")), "portal.wsgi", "-b", f"127.0.0.1:{web_port}"]
    web = subprocess.Popen(
        [*gunicorn, "-w", "2", "--forwarded-allow-ips", "127.0.0.1"],
        cwd=REPO_ROOT,
        env=env,
        stdout=web_log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    cert, key = self_signed(root, hosts=HOSTS)  # OpenSSL does not match *.localhost: name each host
    # As envsubst does with the variable list in the template's header: nginx's own $host etc. stay as they are.
    site = Template((DEPLOY / "nginx.conf.template").read_text()).safe_substitute(
        PORTAL_BASE_DOMAIN="localhost",
        TLS_CERT=cert,
        TLS_KEY=key,
        UPSTREAM=f"127.0.0.1:{web_port}",
        HTTPS_PORT=https_port,
        HTTP_PORT=http_port,
    )
    (root / "meterbridge.conf").write_text(site)
    (root / "nginx.conf").write_text(main_config(root))
    nginx_log = root / "error.log"
    proxy = subprocess.Popen(
        [nginx, "-p", str(root), "-c", str(root / "nginx.conf")], stdout=subprocess.DEVNULL, stderr=nginx_log.open("wb")
    )
    wait_for_port(web_port, web, web_log)
    wait_for_port(https_port, proxy, nginx_log)
    yield {"https": https_port, "http": http_port, "ca": cert}
    for process in (proxy, web):
        process.terminate()
        process.wait(timeout=15)


def main_config(root: Path) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the test's temp folders
    return f"""{user}worker_processes 1; daemon off; pid {root}/nginx.pid; error_log {root}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/body; proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fcgi; uwsgi_temp_path {root}/uwsgi; scgi_temp_path {root}/scgi;
    include {root}/meterbridge.conf;
}}
"""


def https(
    stack, host: str, path: str, method: str = "GET", body: bytes = b"", headers: str = ""
) -> tuple[int, str, str]:
    """One request over TLS to `host` (SNI and Host header), verifying the certificate: (status, headers, body)."""
    context = ssl.create_default_context(cafile=str(stack["ca"]))
    with (
        socket.create_connection(("127.0.0.1", stack["https"])) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        request = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{headers}"
        tls.sendall(f"{request}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        response = b"".join(iter(lambda: tls.recv(65536), b""))
    head, _, content = response.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    return status, head.decode(), content.decode(errors="replace")


def test_a_dealers_host_is_served_over_tls_with_secure_cookies(committed, stack):
    status, head, body = https(stack, "acme.localhost", "/accounts/sign-in/")
    assert status == 200 and "Sign in to Acme Copiers" in body
    csrf = next(line for line in head.splitlines() if line.lower().startswith("set-cookie: csrftoken"))
    assert "Secure" in csrf and "Strict-Transport-Security" in head


def test_plain_http_is_redirected_to_https(committed, stack):
    with socket.create_connection(("127.0.0.1", stack["http"])) as sock:
        sock.sendall(b"GET /customers/ HTTP/1.1\r\nHost: beta.localhost\r\nConnection: close\r\n\r\n")
        head = sock.recv(4096).decode()
    assert head.startswith("HTTP/1.1 301") and "Location: https://beta.localhost/customers/" in head


def test_agents_reach_the_central_host_over_tls(committed, stack):
    body = b'{"license_key": "mbl_acme_aaaaaaaa_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "hostname": "pc"}'
    status, _head, answer = https(
        stack, "localhost", "/agent/v1/enroll", "POST", body, "Content-Type: application/json\r\n"
    )
    assert status == 401 and "licence key" in answer


def test_static_files_are_served_by_the_portal(committed, stack):
    status, head, body = https(stack, "acme.localhost", "/static/portal/app.css")
    assert status == 200 and "text/css" in head and ".topbar" in body


def test_the_systemd_units_run_commands_that_exist(tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not on this machine")
    for unit in DEPLOY.glob("*.service"):
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/meterbridge", str(REPO_ROOT)))
    # The worker template is verified as the instances the README enables (one per queue).
    template = tmp_path / "meterbridge-worker@.service"
    instances = [f"meterbridge-worker@{kind}.service" for kind in KINDS]
    for name in instances:
        (tmp_path / name).symlink_to(template)
    units = sorted(str(path) for path in tmp_path.glob("*.service") if path != template)
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True)
    assert len(units) == 2 + len(KINDS) and result.returncode == 0, result.stderr
