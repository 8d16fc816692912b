"""Shared test setup: the project root, and no test ever sees the developer's own configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's exported CMS_BRIDGE_* settings must not change what a test sees.
    import os

    for name in list(os.environ):
        if name.startswith("CMS_BRIDGE_") and not name.startswith(("CMS_BRIDGE_WP_", "CMS_BRIDGE_DB_")):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def _restore_logging():
    """`cms_bridge.cli.main` configures the `cms_bridge` logger as a command line should; give the
    next test the logger as it was."""
    import logging

    logger = logging.getLogger("cms_bridge")
    handlers, level = logger.handlers[:], logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)
