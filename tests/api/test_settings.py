"""Settings come from CR_ variables when the app is built, never at import."""

from __future__ import annotations

from pathlib import Path

from api import ApiSettings
from storage.settings import embedded_broker_url, embedded_database_url


def test_settings_read_the_environment_with_nesting(monkeypatch, tmp_path):
    monkeypatch.setenv("CR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CR_MAX_UPLOAD_BYTES", "1000")
    monkeypatch.setenv("CR_UPLOAD_TTL_HOURS", "2")
    monkeypatch.setenv("CR_AUTO_MIGRATE", "false")
    monkeypatch.setenv("CR_STORE__BACKEND", "s3")
    monkeypatch.setenv("CR_STORE__ENDPOINT", "minio:9000")
    monkeypatch.setenv("CR_BROKER_TRANSPORT_OPTIONS", '{"global_keyprefix": "x:"}')
    settings = ApiSettings()
    assert settings.data_dir == tmp_path
    assert (settings.max_upload_bytes, settings.upload_ttl.total_seconds()) == (1000, 7200)
    assert settings.auto_migrate is False
    assert (settings.store.backend, settings.store.endpoint) == ("s3", "minio:9000")
    assert settings.broker_transport_options == {"global_keyprefix": "x:"}


def test_empty_urls_mean_the_embedded_mode(monkeypatch):
    for name in ("CR_DATA_DIR", "CR_DATABASE_URL", "CR_BROKER_URL", "CR_MAX_UPLOAD_BYTES"):
        monkeypatch.delenv(name, raising=False)
    settings = ApiSettings()
    assert settings.data_dir == Path("data")
    assert settings.max_upload_bytes == 8 * 1024**3
    assert settings.resolved_database_url() == embedded_database_url(Path("data"))
    assert settings.resolved_broker_url() == embedded_broker_url(Path("data"))
    explicit = ApiSettings(database_url="postgresql://db/x", broker_url="redis://r:6379/0")
    assert explicit.resolved_database_url() == "postgresql://db/x"
    assert explicit.resolved_broker_url() == "redis://r:6379/0"
