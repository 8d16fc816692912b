"""python-wordpress-xmlrpc, made to work on Python >= 3.10 and over our HTTP layer.

This is the only module that touches the library's internals. Two things are mended here:

* ``wordpress_xmlrpc.base`` tests results with ``collections.Iterable``, removed in Python 3.10, so
  every call returning a list (``GetPosts``, ``GetTerms``…) raised AttributeError. We give that one
  module a ``collections`` that has it, instead of patching the standard library for everyone.
* ``wordpress_xmlrpc.Client()`` makes a network call in its constructor and talks through
  ``xmlrpc.client``'s own transport (no TLS options, no timeout, no retries). :class:`XmlRpcClient`
  skips that call and sends every request through :class:`~cms_bridge.wordpress.http.HttpClient`.
"""

from __future__ import annotations

import collections.abc
import types
import xmlrpc.client
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import wordpress_xmlrpc
import wordpress_xmlrpc.base
import wordpress_xmlrpc.exceptions

from cms_bridge.errors import (
    ApiUnavailableError,
    AuthenticationError,
    InvalidResponseError,
    NotFoundError,
    PermissionDeniedError,
    SiteError,
)
from cms_bridge.wordpress.http import HttpClient

if TYPE_CHECKING:
    from _typeshed import SizedBuffer

wordpress_xmlrpc.base.collections = types.SimpleNamespace(
    Iterable=collections.abc.Iterable
)


class _HttpTransport(xmlrpc.client.Transport):
    """An ``xmlrpc.client`` transport that posts through our :class:`HttpClient`."""

    def __init__(self, http: HttpClient, url: str) -> None:
        super().__init__(use_builtin_types=False)
        self._http = http
        self._url = url
        #: Set per call by XmlRpcClient: False for calls that create something.
        self.retry = True

    def request(self, host: str | tuple[str, dict[str, str]], handler: str, request_body: SizedBuffer,
                verbose: bool = False) -> Any:
        response = self._http.request(
            "POST",
            self._url,
            data=request_body,
            headers={"Content-Type": "text/xml; charset=utf-8"},
            retry=self.retry,
            # XML-RPC carries its credentials in the body; Basic auth would only add a second check.
            authenticated=False,
        )
        parser, unmarshaller = self.getparser()
        try:
            parser.feed(response.content)
            parser.close()
            return unmarshaller.close()
        except xmlrpc.client.Fault:
            raise
        except Exception:
            raise InvalidResponseError(
                f"expected an XML-RPC response, got {response.text[:80]!r}",
                method="POST",
                url=self._url,
                status=response.status_code,
                body=response.text,
            ) from None


class XmlRpcClient(wordpress_xmlrpc.Client):  # type: ignore[misc]  # the library is untyped (Any base class)
    """A ``wordpress_xmlrpc.Client`` with no network call at construction and our transport.

    Args:
        http: the HTTP client (credentials, TLS, timeouts, retries, request counting).
        url: the ``xmlrpc.php`` endpoint.
    """

    def __init__(self, http: HttpClient, url: str) -> None:  # noqa: D107 - no super().__init__: it calls the site
        self.url = url
        self.username = http.site.username
        self.password = http.password
        self.blog_id = 0
        self._http = http
        self._transport = _HttpTransport(http, url)
        self.server = xmlrpc.client.ServerProxy(url, allow_none=True, transport=self._transport)
        self.supported_methods: Any = _AnyMethod()

    def __repr__(self) -> str:
        return f"XmlRpcClient(url={self.url!r}, username={self.username!r})"

    def call(self, method: Any, *, retry: bool = True) -> Any:
        """Run one ``wordpress_xmlrpc`` method object, mapping faults to our errors.

        Args:
            method: an instance of a ``wordpress_xmlrpc.methods`` class.
            retry: False for calls that create something (their effect is checked before retrying).

        Raises:
            SiteError: a subclass for each fault WordPress reports.
        """
        self._transport.retry = retry
        try:
            return super().call(method)
        except xmlrpc.client.Fault as fault:
            raise fault_to_error(fault, method.method_name, self.url, self._http.secrets) from None
        except wordpress_xmlrpc.exceptions.InvalidCredentialsError as exc:
            raise AuthenticationError(str(exc), method="XML-RPC " + method.method_name, url=self.url,
                                      status=403, secrets=self._http.secrets) from None
        except wordpress_xmlrpc.exceptions.XmlrpcDisabledError as exc:
            raise ApiUnavailableError(str(exc), method="XML-RPC " + method.method_name, url=self.url,
                                      status=405, secrets=self._http.secrets) from None


    def multicall(self, methods: Sequence[Any], *, retry: bool = True) -> list[Any]:
        """Run many method objects in one ``system.multicall`` request.

        Args:
            methods: ``wordpress_xmlrpc.methods`` instances.
            retry: False when any of them creates something.

        Returns:
            Each method's processed result in its place, or the :class:`SiteError` its fault
            maps to: one failed call does not fail the others (WordPress runs them in order).

        Raises:
            SiteError: when the request as a whole fails (then none, some or all of the calls
                may have run).
        """
        if not methods:
            return []
        self._transport.retry = retry
        calls = [{"methodName": m.method_name, "params": list(m.get_args(self))} for m in methods]
        try:
            raw = self.server.system.multicall(calls)
        except xmlrpc.client.Fault as fault:
            raise fault_to_error(fault, "system.multicall", self.url, self._http.secrets) from None
        if not isinstance(raw, list) or len(raw) != len(methods):
            raise InvalidResponseError("system.multicall answered a different number of results",
                                       method="POST", url=self.url)
        results: list[Any] = []
        for method, item in zip(methods, raw, strict=True):
            if isinstance(item, dict) and "faultCode" in item:
                failed = xmlrpc.client.Fault(item["faultCode"], item.get("faultString", ""))
                results.append(fault_to_error(failed, method.method_name, self.url, self._http.secrets))
            elif isinstance(item, list) and len(item) == 1:
                results.append(method.process_result(item[0]))
            else:
                results.append(InvalidResponseError(f"unexpected multicall result for {method.method_name}",
                                                    method="POST", url=self.url))
        return results


def fault_to_error(fault: xmlrpc.client.Fault, method_name: str, url: str, secrets: tuple[str, ...]) -> SiteError:
    """Map an XML-RPC fault to the :class:`SiteError` subclass REST would have given."""
    code = int(fault.faultCode) if str(fault.faultCode).lstrip("-").isdigit() else 0
    kind: type[SiteError] = {
        403: AuthenticationError,
        401: PermissionDeniedError,
        404: NotFoundError,
        405: ApiUnavailableError,
    }.get(code, SiteError)
    # WordPress uses 403 for a wrong password but 401 for "you may not do this".
    return kind(
        str(fault.faultString),
        method=f"XML-RPC {method_name}",
        url=url,
        status=code or None,
        code=f"xmlrpc_{code}",
        secrets=secrets,
    )


class _AnyMethod:
    """Stands in for the supported-methods list the library would fetch at construction."""

    def __contains__(self, item: object) -> bool:
        return True
