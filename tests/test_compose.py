"""docker-compose.yml: the distributed system's shape, and no secret defaults.

No Docker engine runs on these machines; the file is checked as data here, and
``docker-compose --env-file .env.example config`` validates it where Debian's
docker-compose is installed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr

from storage.settings import StoreSettings, checked_url

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]


def test_the_stack_has_every_part_with_health_checks():
    assert {"minio", "postgres", "redis", "api", "worker", "reaper", "worker-gpu"} <= set(SERVICES)
    for name in ("minio", "postgres", "redis", "api"):
        assert SERVICES[name]["healthcheck"]["test"], name
    for name in ("api", "worker", "reaper", "worker-gpu"):
        deps = SERVICES[name]["depends_on"]
        assert all(
            deps[d]["condition"] == "service_healthy" for d in ("postgres", "redis", "minio")
        )
    assert SERVICES["worker-gpu"]["profiles"] == ["gpu"]
    assert "ports" not in SERVICES["worker"] and "container_name" not in SERVICES["worker"]


def test_no_secret_has_a_default():
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for var in ("POSTGRES_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "JWT_SECRET"):
        uses = re.findall(r"\$\{" + var + r"([^}]*)\}", text)
        assert uses and all(u.startswith(":?") for u in uses), var


@pytest.mark.parametrize("secret", ["change-me", "minioadmin", ""])
def test_placeholder_secrets_are_refused(secret, tmp_path):
    store = StoreSettings(backend="s3", endpoint="minio:9000", access_key="courtrec")
    with pytest.raises(ValueError, match="placeholders are refused"):
        StoreSettings.model_validate(
            {**store.model_dump(), "secret_key": SecretStr(secret)}
        ).config(tmp_path)
    with pytest.raises(ValueError, match="placeholder password"):
        checked_url(f"postgresql+psycopg://courtrec:{secret or 'changeme'}@db/courtrec", "url")
    assert checked_url("postgresql+psycopg://courtrec:Xk3-long-real@db/c", "u").endswith("/c")


def test_docker_compose_validates_the_file_with_the_example_env(tmp_path):
    import shutil
    import subprocess

    binary = shutil.which("docker-compose")
    assert binary, "docker-compose is missing (scripts/install-system.sh installs it)"
    checked = subprocess.run(
        [binary, "--env-file", ".env.example", "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr
    empty = tmp_path / "empty.env"
    empty.write_text("")
    unset = subprocess.run(
        [binary, "--env-file", str(empty), "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unset.returncode != 0 and "set " in unset.stderr  # secrets have no defaults
