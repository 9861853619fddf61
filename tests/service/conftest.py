"""Fixtures of the service tests: a throw-away PostgreSQL database."""

from __future__ import annotations

import pytest

from tests.db.conftest import PG_ADMIN_URL, PostgresAdmin, postgres  # noqa: F401 - fixture


@pytest.fixture
def postgres_url(postgres: PostgresAdmin):  # noqa: F811 - the imported fixture
    url = postgres.create()
    yield url
    postgres.drop(url)
