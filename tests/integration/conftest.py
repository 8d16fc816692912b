"""Integration tier: a real WordPress, started by the project's own script.

The session fixture starts it (installing Debian packages if needed). If it cannot start, every
test here fails with the script's own message: this tier never skips, in CI or anywhere else.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cms_bridge.config import Config, load_config
from cms_bridge.wordpress.http import HttpClient

from ..conftest import ROOT

SCRIPT = ROOT / "scripts" / "wordpress-local"
SWITCHES = ROOT / ".local" / "wordpress" / "switches"
DEBIAN_TREE = Path("/usr/share/wordpress")


def wordpress_tree() -> Path:
    """The WordPress tree the local site is served from, chosen as scripts/wordpress-local does."""
    return Path(os.environ.get("CMS_BRIDGE_WP_TREE") or DEBIAN_TREE)


def declared_version(tree: Path) -> str:
    """The version a WordPress tree declares in its wp-includes/version.php."""
    text = (tree / "wp-includes" / "version.php").read_text(encoding="utf-8")
    found = re.search(r"^\$wp_version\s*=\s*'([^']+)'\s*;", text, re.MULTILINE)
    assert found, f"no $wp_version in {tree}/wp-includes/version.php"
    return found.group(1)


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def wordpress_site() -> Path:
    """Start the local WordPress once per session; return its generated config file."""
    started = run_script("start")
    if started.returncode != 0:
        pytest.fail(f"could not start the local WordPress:\n{started.stderr}", pytrace=False)
    return ROOT / ".local" / "wordpress" / "config.toml"


@pytest.fixture
def site_config(wordpress_site: Path) -> Config:
    """Configuration for the local site, as `cms-bridge` itself would load it."""
    return load_config(wordpress_site, environ={})


@pytest.fixture
def clean_site(site_config: Config) -> Iterator[Config]:
    """A site reset to its freshly installed state before the test."""
    reset = run_script("reset")
    if reset.returncode != 0:
        pytest.fail(f"could not reset the local WordPress:\n{reset.stderr}", pytrace=False)
    yield site_config


@pytest.fixture
def http(clean_site: Config) -> HttpClient:
    return HttpClient(clean_site)


@pytest.fixture
def site_switch(clean_site: Config) -> Iterator[Callable[[str], None]]:
    """Turn on a behaviour of the test site (see write_test_switches in scripts/wordpress-local)."""
    made: list[Path] = []

    def turn_on(name: str) -> None:
        flag = SWITCHES / name
        flag.touch()
        made.append(flag)

    yield turn_on
    for flag in made:
        flag.unlink(missing_ok=True)
