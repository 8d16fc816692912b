"""Talking to WordPress: one interface (:class:`Cms`), two adapters (REST, XML-RPC)."""

from __future__ import annotations

from cms_bridge.config import Config
from cms_bridge.errors import SiteError
from cms_bridge.wordpress.http import HttpClient
from cms_bridge.wordpress.protocol import Cms
from cms_bridge.wordpress.rest import RestAdapter
from cms_bridge.wordpress.xmlrpc import XmlRpcAdapter

__all__ = ["Cms", "RestAdapter", "XmlRpcAdapter", "connect"]


def connect(config: Config, *, http: HttpClient | None = None) -> Cms:
    """The adapter the configuration asks for.

    With ``api = "auto"`` REST is used when the site answers it with credentials accepted, else
    XML-RPC (one or two requests to decide).

    Args:
        config: the loaded configuration.
        http: an HTTP client to use (default: one built from *config*).

    Raises:
        SiteError: with ``api = "auto"``, when neither API works (the REST error is raised).
    """
    http = http or HttpClient(config)
    api = config.require_site().api
    if api == "rest":
        return RestAdapter(http)
    if api == "xmlrpc":
        return XmlRpcAdapter(http)
    rest = RestAdapter(http)
    try:
        rest.site_info()
        return rest
    except SiteError as rest_error:
        xmlrpc = XmlRpcAdapter(http)
        try:
            xmlrpc.site_info()
        except SiteError:
            raise rest_error from None
        return xmlrpc
