"""Unit tier: no network. Every HTTP call goes to `responses`; an unexpected one fails the test."""

from __future__ import annotations

from datetime import datetime

from collections.abc import Iterator
from pathlib import Path

import pytest
import responses

from cms_bridge.config import Config, load_config

SITE = "https://www.example-office.go.th"
PASSWORD = "abcd EFGH 1234 ijkl MNOP 5678"


@pytest.fixture(autouse=True)
def http_mock() -> Iterator[responses.RequestsMock]:
    """Fake HTTP for every unit test: an unregistered request raises ConnectionError, an unused
    registration fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """A valid configuration for a made-up https site, password from the environment."""
    path = tmp_path / "cms-bridge.toml"
    path.write_text(f'[site]\nurl = "{SITE}"\nusername = "bridge"\n\n[retry]\nattempts = 4\n', encoding="utf-8")
    return load_config(path, environ={"CMS_BRIDGE_SITE_APP_PASSWORD": PASSWORD})


class Clock:
    """A clock the test sets by hand (``clock.now = ...``), for the bridge and the fake site."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
