import os
import subprocess
import sys

from tests.support.paths import REPO_ROOT


def run_check(**env):
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_SECRET_KEY")}
    environment = {**inherited, "DJANGO_SETTINGS_MODULE": "portal.settings.production", **env}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_production_refuses_the_development_secret_key():
    result = run_check(DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret_key_read_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("x" * 50)
    result = run_check(DJANGO_SECRET_KEY_FILE=str(secret))
    assert "Set DJANGO_SECRET_KEY" not in result.stderr
