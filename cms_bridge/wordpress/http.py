"""The HTTP layer under both adapters: one ``requests.Session``, error mapping, retries.

Every request to the site goes through :meth:`HttpClient.request`, so TLS verification, timeouts,
authentication, retries and the request counter (used by tests and benchmarks) live in one place.
"""

from __future__ import annotations

import base64
import io
import logging
import random
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests
import tenacity

from cms_bridge.version import __version__
from cms_bridge.config import Config
from cms_bridge.errors import (
    AuthenticationError,
    ConflictError,
    InvalidResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    SiteError,
    TransportError,
    redact_url,
)

log = logging.getLogger("cms_bridge.http")
USER_AGENT = f"cms-bridge/{__version__}"
_ERRNO = re.compile(r"\[Errno -?\d+\][^'\")]*|Name or service not known|certificate verify failed[^'\")]*")

def should_retry(error: BaseException) -> bool:
    """The retry policy, in one place.

    Args:
        error: what the last attempt raised.

    Returns:
        True when trying again may succeed.
    """
    # The network or the server flickered: no answer at all, so the same request may well work.
    if isinstance(error, TransportError):
        return True
    # The site asked us to slow down; the wait honours its Retry-After.
    if isinstance(error, RateLimitedError):
        return True
    # Gateways and overloaded PHP workers: transient by nature. A 500 is usually a bug in a
    # plugin or a bad request, and repeating it only adds load, so it is not retried.
    if isinstance(error, ServerError) and error.status in (502, 503, 504):
        return True
    # Anything else (other 4xx, invalid responses) will fail the same way again.
    return False


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter and a cap; honours a server's Retry-After."""

    initial: float
    cap: float
    rand: Callable[[], float] = random.random

    def delay(self, attempt: int, error: BaseException | None) -> float:
        """Seconds to wait after failed attempt number *attempt* (1-based)."""
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            return min(max(error.retry_after, 0.0), self.cap)
        ceiling = min(self.cap, self.initial * (2.0 ** (attempt - 1)))
        return ceiling * self.rand()

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        return self.delay(retry_state.attempt_number, error)


class HttpClient:
    """HTTP access to one WordPress site.

    Args:
        config: the loaded configuration (URL, user, TLS, timeouts, retry policy).
        session: a ``requests.Session`` to use (tests pass one; default a new one).
        sleep: how to wait between attempts (tests pass a recorder; never patched globally).
    """

    def __init__(
        self,
        config: Config,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.site = site = config.require_site()
        self.base_url = site.url
        self._password = site.app_password.get_secret_value() if site.app_password else ""
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        if self._password:
            self.session.auth = (site.username, self._password)
        self._verify: bool | str = str(site.ca_bundle) if site.ca_bundle else site.verify_tls
        self.session.verify = self._verify
        self.timeout = site.timeout_seconds
        self._sleep = sleep
        self.backoff = Backoff(config.retry.initial_backoff_seconds, config.retry.max_backoff_seconds)
        #: Number of HTTP requests actually sent (retries included).
        self.requests_sent = 0
        #: The site's clock, from the Date header of the last response (None before any).
        self.server_time: datetime | None = None

    @property
    def password(self) -> str:
        """The application password ('' when none is configured); never print it."""
        return self._password

    @property
    def secrets(self) -> tuple[str, ...]:
        """Strings that must never appear in messages: the password with and without spaces,
        and the ``user:password`` pair in base64 (what a Basic header carries) and URL-encoded."""
        if not self._password:
            return ()
        forms = {self._password, self._password.replace(" ", "")}
        site = self.config.site
        user = site.username if site is not None and site.username else ""
        for password in list(forms):
            pair = f"{user}:{password}".encode()
            forms |= {base64.b64encode(pair).decode(), base64.b64encode(password.encode()).decode(),
                      quote(password, safe=""), quote(password)}
        return tuple(sorted(forms, key=len, reverse=True))

    def request(
        self,
        method: str,
        url: str,
        *,
        retry: bool = True,
        authenticated: bool = True,
        **kwargs: Any,
    ) -> requests.Response:
        """Send one request, retrying transient failures; raise a :class:`SiteError` on failure.

        Args:
            method: HTTP method.
            url: absolute URL, or a path relative to the site's base URL.
            retry: False for non-idempotent requests whose effect must be checked before any retry.
            authenticated: False to send the request without credentials.
            **kwargs: passed to ``requests.Session.request`` (params, json, data, headers, stream…).

        Raises:
            SiteError: a subclass saying what went wrong, after the retries allowed.
        """
        if not url.startswith(("http://", "https://")):
            url = f"{self.base_url}/{url.lstrip('/')}"
        attempts = self.config.retry.attempts if retry else 1
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(attempts),
            wait=self.backoff,
            retry=tenacity.retry_if_exception(should_retry),
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(self._send_once, method, url, authenticated, kwargs)

    def pause(self, attempt: int, error: BaseException) -> None:
        """Wait as the retry policy says after failed attempt *attempt* (for callers' own loops)."""
        self._sleep(self.backoff.delay(attempt, error))

    def _send_once(self, method: str, url: str, authenticated: bool, kwargs: dict[str, Any]) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        # Per request: a Session's own `verify` loses to $REQUESTS_CA_BUNDLE (a requests quirk),
        # which would silently ignore the configured CA bundle.
        kwargs.setdefault("verify", self._verify)
        if not authenticated:
            kwargs["auth"] = _NoAuth()
        self.requests_sent += 1
        started = time.monotonic()
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.exceptions.SSLError as exc:
            raise TransportError(
                f"TLS verification failed: {_reason(exc)}", method=method, url=url, secrets=self.secrets
            ) from None
        except requests.exceptions.Timeout:
            raise TransportError(
                f"no answer within {self.timeout:g} s", method=method, url=url, secrets=self.secrets
            ) from None
        except requests.exceptions.RequestException as exc:
            raise TransportError(
                f"cannot reach the site: {_reason(exc)}", method=method, url=url, secrets=self.secrets
            ) from None
        self.server_time = _http_date(response.headers.get("Date")) or self.server_time
        # Method, URL and status only: bodies can carry credentials (XML-RPC sends them inline).
        log.debug("%s %s -> %s in %.0f ms", method, redact_url(url), response.status_code,
                  (time.monotonic() - started) * 1000)
        if response.status_code >= 400:
            raise error_from_response(response, sent_credentials=authenticated and bool(self._password),
                                      secrets=self.secrets)
        return response


def error_from_response(
    response: requests.Response, *, sent_credentials: bool, secrets: tuple[str, ...] = ()
) -> SiteError:
    """Map an HTTP error response to the matching :class:`SiteError` subclass."""
    status = response.status_code
    code, message = _wp_error(response)
    common: dict[str, Any] = {
        "method": response.request.method or "" if response.request is not None else "",
        "url": response.url,
        "status": status,
        "code": code,
        "body": response.text,
        "secrets": secrets,
    }
    text = message or f"HTTP {status} {response.reason or ''}".strip()
    if status == 401:
        # WordPress answers a wrong password and a missing Authorization header alike
        # (rest_not_logged_in); `cms-bridge check` tells them apart by asking XML-RPC too.
        if sent_credentials:
            text = f"the site did not accept the credentials: {text}"
        return AuthenticationError(text, **common)
    if status == 403:
        return PermissionDeniedError(text, **common)
    if status == 404:
        return NotFoundError(text, **common)
    if status == 409 or code == "term_exists":
        return ConflictError(text, **common)
    if status == 429:
        return RateLimitedError(text, retry_after=_retry_after(response), **common)
    if status >= 500:
        return ServerError(text, **common)
    return SiteError(text, **common)


def json_body(response: requests.Response) -> Any:
    """Decode a JSON response, or raise :class:`InvalidResponseError` saying what came instead."""
    try:
        return response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "unknown type")
        raise InvalidResponseError(
            f"expected JSON, got {kind} starting {response.text[:80]!r}",
            method=response.request.method or "" if response.request is not None else "",
            url=response.url,
            status=response.status_code,
            body=response.text,
        ) from None


def _wp_error(response: requests.Response) -> tuple[str | None, str | None]:
    try:
        payload = response.json()
    except ValueError:
        return None, None
    if isinstance(payload, Mapping):
        code = payload.get("code")
        message = payload.get("message")
        return (str(code) if code else None, str(message) if message else None)
    return None, None


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _reason(exc: Exception) -> str:
    # requests buries the useful part ("[Errno 111] Connection refused") inside a long repr.
    text = str(exc)
    found = _ERRNO.search(text)
    return found.group(0) if found else text[:300]


class MultipartFile:
    """A one-file ``multipart/form-data`` body read from disk in chunks as it is sent.

    ``requests`` builds multipart bodies in memory; this streams instead, with a known length so
    the request is not chunked (PHP's built-in server and many hosts reject chunked uploads).

    Args:
        path: the file to send.
        field: the form field name.
        filename: the file name to declare (sent as UTF-8).
        content_type: the file's media type.
    """

    def __init__(self, path: Path, *, field: str, filename: str, content_type: str) -> None:
        boundary = f"cms-bridge-{uuid.uuid4().hex}"
        self.content_type = f"multipart/form-data; boundary={boundary}"
        self._head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                      f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n').encode()
        self._tail = f"\r\n--{boundary}--\r\n".encode()
        self._size = path.stat().st_size
        self._file = path.open("rb")
        self._parts: list[io.BufferedIOBase] = [io.BytesIO(self._head), self._file, io.BytesIO(self._tail)]

    def __len__(self) -> int:
        return len(self._head) + self._size + len(self._tail)

    def read(self, size: int = -1) -> bytes:
        """Read up to *size* bytes across the header, the file and the closing boundary."""
        out = bytearray()
        while self._parts and (size < 0 or len(out) < size):
            chunk = self._parts[0].read(-1 if size < 0 else size - len(out))
            if chunk:
                out += chunk
            else:
                self._parts.pop(0)
        return bytes(out)

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self.read(64 * 1024):
            yield chunk

    def __enter__(self) -> MultipartFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()


class _NoAuth(requests.auth.AuthBase):
    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.pop("Authorization", None)
        return request
