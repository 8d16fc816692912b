"""cms-bridge: publish an education office's approved disclosure requests to its WordPress site.

The front door for other office scripts is :class:`Bridge`; see docs/python-api.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cms_bridge.version import __version__

__all__ = ["Bridge", "__version__"]

if TYPE_CHECKING:
    from cms_bridge.bridge import Bridge


def __getattr__(name: str) -> Any:
    # Imported on first use so `cms-bridge --version` and small tools stay quick to start.
    if name == "Bridge":
        from cms_bridge.bridge import Bridge

        return Bridge
    raise AttributeError(name)
