"""One exception tree for everything cms-bridge raises on purpose.

Every exception class of the package is defined here (a unit test keeps it so). Callers catch
:class:`CmsBridgeError` to handle any of them. Errors that come from the site carry the HTTP
method, URL, status, WordPress error code and the start of the body, with credentials redacted,
so a log line is enough to understand what happened without ever leaking a secret.

The tree (``cms-bridge`` prints one ``cms-bridge: error: ...`` line and exits 2 for a
:class:`UsageError`, :class:`ConfigError`, :class:`MappingError` or :class:`ThaiDateError` --
the command line or the configuration must change -- and 1 for the rest)::

    CmsBridgeError
    ├── UsageError (ValueError)          a call or command that cannot work as asked
    │   └── ReportError                  report options: format, digits, a group asked twice
    ├── ConfigError                      configuration missing, malformed or unsafe (.source)
    ├── ThaiDateError (ValueError)       a Thai date that cannot be read or does not exist
    ├── MappingError (ValueError)        a mappings file or entry is invalid
    │   └── UnknownMappingError (LookupError)  no group or kind has that key or name
    ├── IntakeError                      a request built in code is invalid (.problems)
    ├── TableError                       a CSV/XLSX export or one of its rows cannot be read
    ├── AttachmentError                  an attachment is missing, unreadable, wrong type, too big
    │   └── OcrError                     a picture or scanned page OCR could not read
    ├── RequestError                     a request cannot be used as asked (e.g. not approved)
    ├── LedgerError                      the ledger cannot do what was asked
    │   └── RequestIdTakenError          a new request's id is recorded already (the desk)
    ├── SyncLockedError                  another sync holds the ledger's lock
    ├── PlanError                        a migration plan is malformed or names what is not there
    ├── TomlFileError                    a TOML input unreadable, not UTF-8 or not TOML (.path .line)
    ├── DecisionError                    a decision cannot be recorded as given (no one named)
    ├── DaemonAlreadyRunningError        another daemon works on the same ledger
    ├── GateRefusedError                 the publish gate holds a request back (.reasons)
    ├── AuditError                       an audit fix cannot go on (a file changed, still served)
    └── SiteError                        a request to the site failed (.method .url .status
        │                                .code .body)
        ├── TransportError               no usable response: connection, DNS, timeout, TLS
        ├── AuthenticationError          HTTP 401
        ├── PermissionDeniedError        HTTP 403
        ├── NotFoundError                HTTP 404 or an invalid id
        ├── ConflictError                clashes with the site (e.g. the term exists)
        ├── RateLimitedError             HTTP 429 (.retry_after)
        ├── ServerError                  HTTP 5xx
        ├── InvalidResponseError         not what the API promises (HTML, bad XML)
        └── ApiUnavailableError          REST or XML-RPC switched off

The modules that used to define some of these re-export them (``from cms_bridge.intake.inbox
import IntakeError`` still works); new code imports them from here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cms_bridge.intake.inbox import Problem

_SECRET_QUERY = re.compile(r"(?i)([?&](?:password|pass|pwd|token|key|secret)=)[^&#]*")
_USERINFO = re.compile(r"(?i)(https?://)[^/@\s]+@")


def redact_url(url: str) -> str:
    """Return *url* with any user:password part and secret-looking query values removed."""
    url = _USERINFO.sub(r"\1***@", url)
    return _SECRET_QUERY.sub(r"\1***", url)


class CmsBridgeError(Exception):
    """Base class of every error cms-bridge raises on purpose."""


class ConfigError(CmsBridgeError):
    """The configuration is missing, malformed or unsafe (e.g. a world-readable secret file).

    Attributes:
        source: the file or environment variable the problem is in, when known.
    """

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class TomlFileError(CmsBridgeError):
    """A TOML input file cannot be read, is not UTF-8 or is not valid TOML.

    Attributes:
        path: the file.
        reason: what is wrong, without the path (callers that name the file themselves use it).
        line: the line of a decoding error, when known.
    """

    def __init__(self, path: object, reason: str, *, line: int | None = None) -> None:
        self.path = path
        self.reason = reason
        self.line = line
        super().__init__(f"{path}: {reason}")


class DaemonAlreadyRunningError(CmsBridgeError):
    """A second daemon was started on a ledger another daemon is already working on."""


class GateRefusedError(CmsBridgeError):
    """The publish gate refused to let a request's version reach the site.

    Attributes:
        reasons: each thing that must change first, one line each.
        takes_down: the refusal is about what the version is (an ID number, a file nobody
            looked at, an approval of another version), so a post already showing it must leave
            public view; False when only the means to check are missing (a file not in the store).
    """

    def __init__(self, request_id: str, reasons: list[str], *, takes_down: bool = False) -> None:
        self.reasons = reasons
        self.takes_down = takes_down
        super().__init__(f"{request_id}: held back by the publish gate: {'; '.join(reasons)}")


class DecisionError(CmsBridgeError):
    """A decision cannot be recorded as given (no one named, an unknown request)."""


class UsageError(CmsBridgeError, ValueError):
    """A function or command was called with arguments that cannot work (a user's mistake).

    A :class:`ValueError` too, so callers that caught ``ValueError`` before still do.
    """


class ReportError(UsageError):
    """A report cannot be written as asked: unknown format or digits, a group asked for twice."""


class ThaiDateError(CmsBridgeError, ValueError):
    """A Thai date could not be read, or names a day that does not exist."""


class MappingError(CmsBridgeError, ValueError):
    """A mappings file is missing, not valid TOML, or holds an invalid entry."""


class UnknownMappingError(MappingError, LookupError):
    """A group or kind was asked for by a key or name that no entry has."""


class IntakeError(CmsBridgeError):
    """A request given through the Python API is not valid.

    Attributes:
        problems: every problem found, as ``validate`` would print them.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("invalid request:\n  " + "\n  ".join(str(p) for p in problems))


class TableError(CmsBridgeError):
    """A spreadsheet or one of its rows cannot be read."""


class AttachmentError(CmsBridgeError):
    """An attachment is missing, unreadable, of the wrong or a disallowed type, or too large."""


class OcrError(AttachmentError):
    """A picture or scanned page could not be read by OCR (Tesseract missing, timed out, or the
    image is bad); the ID guard reports such a page unread, never clean."""


class RequestError(CmsBridgeError):
    """A request cannot be used the way it was asked to be (e.g. it is not approved)."""


class LedgerError(CmsBridgeError):
    """The ledger was asked for something it cannot do: unknown request, invalid value, bad file."""


class RequestIdTakenError(LedgerError):
    """A new request was to be recorded under an id another request holds already."""


class SyncLockedError(CmsBridgeError):
    """Another sync holds the ledger's lock."""


class PlanError(CmsBridgeError):
    """A plan file is malformed, or refers to something the site does not have."""


class AuditError(CmsBridgeError):
    """An audit fix cannot go on as asked: an unknown or clean file named, a file changed since
    the audit, a file still served after its removal."""


class SiteError(CmsBridgeError):
    """A request to the WordPress site failed.

    Attributes:
        method: HTTP method (or ``XML-RPC``), e.g. ``POST``.
        url: the URL, credentials redacted.
        status: HTTP status code, or ``None`` when no response arrived.
        code: WordPress error code (e.g. ``rest_forbidden``), when the site gave one.
        body: the start of the response body, for diagnosis.
    """

    #: Short advice printed after the message, when there is an obvious next step.
    hint: str = ""

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        url: str = "",
        status: int | None = None,
        code: str | None = None,
        body: str | None = None,
        secrets: tuple[str, ...] = (),
    ) -> None:
        self.method = method
        self.url = redact_url(url)
        self.status = status
        self.code = code
        self.body = redact_url(_scrub(body[:2000], secrets)) if body else body
        # Messages from requests quote the URL, user:password part included.
        self.message = redact_url(_scrub(message, secrets))
        super().__init__(self._render())

    def _render(self) -> str:
        where = " ".join(p for p in (self.method, self.url) if p)
        parts = [self.message]
        if where:
            parts.append(f"({where}")
            parts[-1] += f" -> {self.status})" if self.status is not None else ")"
        if self.code:
            parts.append(f"[{self.code}]")
        text = " ".join(parts)
        return f"{text}\n  hint: {self.hint}" if self.hint else text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(method={self.method!r}, url={self.url!r}, "
            f"status={self.status!r}, code={self.code!r}, message={self.message!r})"
        )

    def details(self) -> dict[str, Any]:
        """The error as a JSON-safe dict (for ``--json`` output and structured logs)."""
        return {
            "error": type(self).__name__,
            "message": self.message,
            "method": self.method,
            "url": self.url,
            "status": self.status,
            "code": self.code,
        }


class TransportError(SiteError):
    """No usable response: connection refused or reset, DNS failure, timeout, TLS failure."""


class AuthenticationError(SiteError):
    """The site did not accept the credentials (HTTP 401)."""

    hint = (
        "check the user name and the application password (WordPress: Users -> Profile -> "
        "Application Passwords); if they are right, the web server may be removing the "
        "Authorization header: `cms-bridge check` tells which"
    )


class PermissionDeniedError(SiteError):
    """The user is known but may not do this (HTTP 403)."""

    hint = "give the bridge's WordPress user the Editor role (or a role that may publish posts)"


class NotFoundError(SiteError):
    """The thing asked for does not exist on the site (HTTP 404 or an invalid id)."""


class ConflictError(SiteError):
    """The change clashes with what is on the site (e.g. the term already exists)."""


class RateLimitedError(SiteError):
    """The site asked us to slow down (HTTP 429).

    Attributes:
        retry_after: seconds the site asked us to wait, when it said.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class ServerError(SiteError):
    """The site failed (HTTP 5xx)."""


class InvalidResponseError(SiteError):
    """The site answered, but not with what the API promises (HTML instead of JSON, bad XML)."""


class ApiUnavailableError(SiteError):
    """The API the configuration asks for (REST or XML-RPC) is switched off on this site."""


# A credential a server may echo back whatever cms-bridge knows of it: an Authorization header
# (Basic, Bearer, Digest, any scheme), PHP's view of Basic auth, a cookie or token in a dump.
_CREDENTIAL_PATTERNS = (
    re.compile(r"(?i)(authorization[\"']?\s*(?:[:=]|=>)\s*[\"']?\s*)(?:basic|bearer|digest|token)?\s*[^\s\"'<>,;]+"),
    re.compile(r"(?i)(\b(?:php_auth_pw|php_auth_user|http_authorization|x-wp-nonce|cookie|set-cookie)"
               r"[\"'\]]*\s*(?:[:=]|=>)\s*[\"']?)[^\r\n\"'<]+"),
    re.compile(r"(?i)(\b(?:basic|bearer)\s+)[A-Za-z0-9+/=_.~-]{8,}"),
)


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    for pattern in _CREDENTIAL_PATTERNS:
        text = pattern.sub(r"\1***", text)
    return text
