"""The messy-site tier: one messy site built per session, restored from its dump before each test.

Uses the integration tier's site (tests/integration/conftest.py starts and resets it); see
tests/integration/messy_site.py for what the site holds and how it is read back.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cms_bridge.config import Config, load_config

from .. import messy_site
from ..conftest import run_script


@dataclass(frozen=True)
class MessySite:
    """The restored messy site: its configuration, a CLI config with a fresh ledger, the ids built."""

    config: Config
    cli_config: Path
    ledger: Path
    built: messy_site.Built

    def term(self, key: str) -> int:
        return self.built.terms[key]


def _reset() -> None:
    reset = run_script("reset")
    if reset.returncode != 0:
        pytest.fail(f"could not reset the local WordPress:\n{reset.stderr}", pytrace=False)


@pytest.fixture(scope="package")
def messy_dump(wordpress_site: Path) -> Iterator[Path]:
    """Build the messy site once per session (this package runs once) on a freshly reset site and
    dump it; leave the site as freshly installed afterwards, for the tests that follow."""
    _reset()
    try:
        messy_site.build(os.environ.get("CMS_BRIDGE_WP_PORT", "28080"))
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield messy_site.DUMP
    _reset()


@pytest.fixture
def messy(messy_dump: Path, wordpress_site: Path, tmp_path: Path) -> Iterator[MessySite]:
    """The messy site as built, with a ledger of its own for this test."""
    built = messy_site.restore()
    config = load_config(wordpress_site, environ={})
    site = config.require_site()
    ledger = tmp_path / "ledger.sqlite3"
    cli_config = tmp_path / "cms-bridge.toml"
    cli_config.write_text(f'[site]\nurl = "{site.url}"\nusername = "{site.username}"\n'
                          f'app_password_file = "{site.app_password_file}"\n'
                          f'[sync]\nledger = "{ledger}"\n', encoding="utf-8")
    yield MessySite(config=config, cli_config=cli_config, ledger=ledger, built=built)
