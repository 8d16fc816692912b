"""``cms-bridge desk serve``: the desk on waitress, a maintained pure-Python WSGI server."""

from __future__ import annotations

from typing import Any

from cms_bridge.config import Config
from cms_bridge.desk.setup import configure
from cms_bridge.errors import ConfigError


def serve(config: Config, *, host: str = "127.0.0.1", port: int = 8600, threads: int = 4) -> None:
    """Serve the desk until interrupted.

    Args:
        config: cms-bridge's configuration.
        host: the address to listen on (loopback by default: put a reverse proxy in front).
        port: the port.
        threads: requests handled at once.

    Raises:
        ConfigError: the desk's extra is missing or its database cannot be created.
    """
    configure(config)
    try:
        import waitress
    except ImportError:
        raise ConfigError("the desk needs its extra: pip install 'cms-bridge[desk]'") from None
    from django.core.wsgi import get_wsgi_application

    # trusted_proxy: only with [desk] https, where the proxy on this machine sets X-Forwarded-*.
    extra: dict[str, Any] = {"trusted_proxy": "127.0.0.1", "trusted_proxy_headers": {"x-forwarded-proto"}} \
        if config.desk.https else {}
    waitress.serve(get_wsgi_application(), host=host, port=port, threads=threads, ident="cms-bridge desk",
                   max_request_body_size=config.desk.max_upload_mb * 1024 * 1024 + 65536, **extra)
