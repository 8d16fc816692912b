"""Configuration: a TOML file, overridden by ``CMS_BRIDGE_<SECTION>_<KEY>`` environment variables.

The application password is the one secret. It is read only from the environment
(``CMS_BRIDGE_SITE_APP_PASSWORD``) or from a file that only its owner can read; a config file that
contains it, or a secret file readable by others, is refused with a message saying how to fix it.
"""

from __future__ import annotations

import ipaddress
import os
import stat
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

from cms_bridge.validation import field_problems
from cms_bridge.tomlfile import TomlFileError, read_toml
from cms_bridge.errors import ConfigError
from cms_bridge.messages import Said, say

ENV_PREFIX = "CMS_BRIDGE_"
CONFIG_ENV = "CMS_BRIDGE_CONFIG"
DEFAULT_CONFIG_NAME = "cms-bridge.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteConfig(_Section):
    """How to reach the WordPress site (the ``[site]`` table)."""

    url: str = Field(description="Base URL of the WordPress site.")
    username: str = Field(min_length=1, description="WordPress user the bridge acts as.")
    api: Literal["auto", "rest", "xmlrpc"] = "auto"
    app_password: SecretStr | None = Field(default=None, exclude=True)
    app_password_file: Path | None = None
    verify_tls: bool = True
    ca_bundle: Path | None = None
    allow_insecure_http: bool = False
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    #: Uploads through XML-RPC ``system.multicall`` (25 files a request instead of one each):
    #: "auto" uses it when the site's XML-RPC accepts the credentials (one probe per run),
    #: "on" without the probe, "off" never (REST uploads one by one, streamed).
    multicall: Literal["auto", "on", "off"] = "auto"
    #: Files per multicall, and the most bytes one multicall carries (base64, in PHP's memory);
    #: a larger file goes alone through a streamed REST upload.
    multicall_files: int = Field(default=25, ge=1, le=100)
    multicall_max_bytes: int = Field(default=8 * 1024 * 1024, ge=64 * 1024)
    #: Requests sent at once (uploads, post batches): about the web server's PHP workers.
    connections: int = Field(default=3, ge=1, le=16)

    @field_validator("url")
    @classmethod
    def _url_is_http(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(say("config.url_not_http", value=value))
        if parts.username or parts.password:
            raise ValueError(say("config.url_credentials"))
        return value.strip().rstrip("/")

    @property
    def is_loopback(self) -> bool:
        """True when the site is on this machine (plain http is then acceptable)."""
        host = urlsplit(self.url).hostname or ""
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False


class RetryConfig(_Section):
    """When and how to retry a failed request (the ``[retry]`` table)."""

    attempts: int = Field(default=5, ge=1, le=20)
    initial_backoff_seconds: float = Field(default=0.5, ge=0, le=60)
    max_backoff_seconds: float = Field(default=30.0, ge=0, le=600)


class IntakeConfig(_Section):
    """Where requests come from and what their attachments may be (the ``[intake]`` table)."""

    inbox: Path | None = None
    allowed_types: tuple[str, ...] = ("pdf", "docx", "xlsx", "pptx", "zip", "rar", "jpg", "png")
    max_attachment_mb: int = Field(default=100, ge=1, le=4096)
    #: CSV/XLSX export columns: request field (dotted, e.g. "requester.name") -> column header.
    columns: dict[str, str] = Field(default_factory=dict)
    #: Separator inside one CSV/XLSX cell holding a list (channels, attachments).
    list_separator: str = Field(default=";", min_length=1, max_length=3)

    @field_validator("allowed_types")
    @classmethod
    def _known_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from cms_bridge.intake.attachments import MEDIA_TYPES

        value = tuple(t.strip().lower().lstrip(".") for t in value)
        if unknown := sorted(set(value) - set(MEDIA_TYPES)):
            raise ValueError(say("config.unknown_types", types=", ".join(unknown), known=" ".join(MEDIA_TYPES)))
        return value


class SyncConfig(_Section):
    """How the bridge keeps the site in step (the ``[sync]`` table)."""

    #: The ledger: requests, decisions, publications and the audit trail (SQLite).
    ledger: Path = Path("cms-bridge.sqlite3")
    #: Where withdrawn posts of kinds whose policy is "archive" are moved; empty = unpublish.
    archive_category: str = "เอกสารที่สิ้นสุดการเผยแพร่"
    #: A human changed a bridge post on the site: "report" it, or "restore" the bridge's version.
    on_drift: Literal["report", "restore"] = "report"
    #: Minutes between two passes of the daemon (it also wakes at every window boundary).
    interval_minutes: int = Field(default=15, ge=1, le=1440)
    #: A file the daemon touches after every pass, for a supervisor to check.
    heartbeat: Path | None = None
    #: No longer used (``[site] connections`` says how many requests go at once); still accepted.
    upload_workers: int = Field(default=4, ge=1, le=16)
    #: Pictures (JPEG, PNG) larger than this many pixels are uploaded as a smaller copy (the store
    #: keeps the original); None uploads them as they are. E.g. 2_000_000 (about 1730×1150).
    max_image_pixels: int | None = Field(default=None, ge=10_000)
    #: Keep a withdrawn or superseded attachment at its public address (a risk: search engines
    #: index PDFs, and a rejected file stays downloadable); by default it is deleted from the
    #: site, the store keeping the bytes for a re-approval.
    keep_withdrawn_files: bool = False
    #: Let visitors comment on the bridge's posts (and send pings); closed by default, since an
    #: official notice is not a discussion and comments need moderating.
    comments_open: bool = False

    @field_validator("archive_category")
    @classmethod
    def _category_path(cls, value: str) -> str:
        from cms_bridge.wordpress.models import split_category_path

        return " / ".join(split_category_path(value)) if value.strip() else ""


def _one_line(value: object) -> object:
    """NFC, stripped, None when blank; a line break or control character is refused."""
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFC", value).strip()
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text):
        raise ValueError(say("config.one_line"))
    return text or None


class OfficeConfig(_Section):
    """The office's own data (the ``[office]`` table)."""

    #: A folder whose groups.toml / kinds.toml override or extend the shipped mappings/.
    mappings_dir: Path | None = None
    #: The office's name as the report's second title line, e.g. "สำนักงานเขตพื้นที่การศึกษามัธยมศึกษา เขต ๑๑".
    name: str | None = None

    _name_one_line = field_validator("name", mode="before")(_one_line)


class ReportConfig(_Section):
    """Who signs the six-monthly report (the ``[report]`` table); ``report --signer/--position`` override."""

    #: The signer's name, printed in brackets under ลงชื่อ……; dotted lines when not set.
    signer: str | None = None
    #: The signer's position (ตำแหน่ง); dotted line when not set.
    position: str | None = None

    _one_line = field_validator("signer", "position", mode="before")(_one_line)


class DeskConfig(_Section):
    """The office desk, ``cms-bridge desk serve`` (the ``[desk]`` table; see docs/desk.md)."""

    #: The desk's own SQLite file for accounts and sessions (default: the ledger's path + ``.desk``).
    database: Path | None = None
    #: Served behind an HTTPS reverse proxy: cookies are sent only over HTTPS and the proxy's
    #: ``X-Forwarded-Proto`` is trusted. Leave off only for a desk on this machine.
    https: bool = False
    #: Host names the desk answers to (Django's ALLOWED_HOSTS).
    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "[::1]")
    #: The largest request body (all attachments of one upload together), in MB.
    max_upload_mb: int = Field(default=100, ge=1, le=4096)
    #: Failed logins of one user name from one address before it is locked out (django-axes).
    login_failures: int = Field(default=5, ge=1, le=100)
    #: Minutes a lockout lasts.
    lockout_minutes: int = Field(default=30, ge=1, le=10080)
    #: The desk's address as people open it, for the links in its e-mails.
    public_url: str = "http://127.0.0.1:8600"
    #: The SMTP server that sends "waiting for you" e-mails; none: the desk sends no e-mail.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    #: STARTTLS on the SMTP connection (port 587); false only for a relay on this machine.
    smtp_starttls: bool = True
    smtp_username: str | None = None
    #: A file holding the SMTP password, readable by its owner only (chmod 600).
    smtp_password_file: Path | None = None
    #: The sender of the desk's e-mails.
    mail_from: str = "cms-bridge@localhost"

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        # CMS_BRIDGE_DESK_ALLOWED_HOSTS="desk.example.go.th,localhost"
        return [h.strip() for h in value.split(",") if h.strip()] if isinstance(value, str) else value


class Config(_Section):
    """The whole configuration, as loaded by :func:`load_config`."""

    site: SiteConfig | None = None
    retry: RetryConfig = RetryConfig()
    intake: IntakeConfig = IntakeConfig()
    sync: SyncConfig = SyncConfig()
    office: OfficeConfig = OfficeConfig()
    report: ReportConfig = ReportConfig()
    desk: DeskConfig = DeskConfig()
    #: Where the configuration came from, for messages (not a setting).
    source: str = Field(default="environment", exclude=True)

    def require_site(self) -> SiteConfig:
        """The ``[site]`` settings, for commands that talk to WordPress.

        Raises:
            ConfigError: when no site is configured.
        """
        if self.site is None:
            raise ConfigError(say("config.no_site"), source=self.source)
        return self.site

    def app_password(self) -> str:
        """The application password.

        Raises:
            ConfigError: when no site is configured, or neither the environment nor a password
                file provides the password.
        """
        password = self.require_site().app_password
        if password is None:
            raise ConfigError(say("config.no_password"), source=self.source)
        return password.get_secret_value()


#: The tables of the configuration file and their models (also the environment's sections).
SECTIONS: dict[str, type[_Section]] = {
    "site": SiteConfig, "retry": RetryConfig, "intake": IntakeConfig, "sync": SyncConfig, "office": OfficeConfig,
    "report": ReportConfig,
    "desk": DeskConfig,
}


def load_config(path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Load the configuration.

    The file is *path*, else ``$CMS_BRIDGE_CONFIG``, else ``./cms-bridge.toml`` when it exists; with
    none, the environment alone must provide the settings. ``CMS_BRIDGE_<SECTION>_<KEY>`` variables
    override the file, e.g. ``CMS_BRIDGE_SITE_URL``.

    Args:
        path: explicit config file path.
        environ: the environment to read (default ``os.environ``).

    Raises:
        ConfigError: unreadable or malformed file, unknown or invalid keys, a secret in the file,
            an unsafe password file, or plain http to a remote host.
    """
    env = os.environ if environ is None else environ
    file = _choose_file(path, env)
    data: dict[str, Any] = {}
    source = "environment"
    if file is not None:
        source = str(file)
        data = _read_toml(file)
        if "app_password" in data.get("site", {}):
            raise ConfigError(say("config.password_in_file"), source=source)
        _resolve_relative_paths(data, file.parent)
    origin = _apply_env(data, env)
    try:
        config = Config.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise ConfigError(_explain(exc, origin, source)) from None
    site = config.site
    if site is None:
        return config
    if urlsplit(site.url).scheme == "http" and not site.is_loopback and not site.allow_insecure_http:
        raise ConfigError(
            say("config.plain_http", url=site.url),
            source=origin.get(("site", "url"), source),
        )
    if site.app_password is None and site.app_password_file is not None:
        secret = read_secret_file(site.app_password_file)
        config = config.model_copy(update={"site": site.model_copy(update={"app_password": SecretStr(secret)})})
    return config


def read_secret_file(path: Path) -> str:
    """Read a secret from a file that only its owner may read.

    Args:
        path: the file.

    Raises:
        ConfigError: missing, empty, not owned by the current user, or readable by group/others.
    """
    try:
        info = path.stat()
    except OSError as exc:
        raise ConfigError(say("config.secret_unreadable", error=exc.strerror), source=str(path)) from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(say("config.secret_not_regular"), source=str(path))
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise ConfigError(say("config.secret_owner", path=path), source=str(path))
    if info.st_mode & 0o077:
        raise ConfigError(say("config.secret_readable", mode=f"{stat.S_IMODE(info.st_mode):04o}", path=path),
                          source=str(path))
    secret = path.read_text(encoding="utf-8").strip()
    if not secret:
        raise ConfigError(say("config.secret_empty"), source=str(path))
    return secret


def _choose_file(path: str | os.PathLike[str] | None, env: Mapping[str, str]) -> Path | None:
    if path is not None:
        return Path(path)
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV])
    default = Path(DEFAULT_CONFIG_NAME)
    return default if default.is_file() else None


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        return read_toml(file)
    except TomlFileError as exc:
        reason = exc.reason
        if isinstance(reason, Said) and reason.key == "toml.unreadable":
            reason = say("config.unreadable", **reason.fields)
        raise ConfigError(reason, source=str(file)) from None


_PATH_KEYS = {"site": ("app_password_file", "ca_bundle"), "intake": ("inbox",), "sync": ("ledger", "heartbeat"),
              "office": ("mappings_dir",), "desk": ("database", "smtp_password_file")}


def _resolve_relative_paths(data: dict[str, Any], base: Path) -> None:
    # Paths in a config file mean "next to this file", wherever cms-bridge is started from.
    for section, keys in _PATH_KEYS.items():
        table = data.get(section)
        if not isinstance(table, dict):
            continue
        for key in keys:
            value = table.get(key)
            if isinstance(value, str) and value and not Path(value).is_absolute():
                table[key] = os.path.normpath(base / value)


def _apply_env(data: dict[str, Any], env: Mapping[str, str]) -> dict[tuple[str, str], str]:
    """Overlay ``CMS_BRIDGE_<SECTION>_<KEY>`` variables on *data*; return which keys they set."""
    origin: dict[tuple[str, str], str] = {}
    for section, model in SECTIONS.items():
        for key in model.model_fields:
            var = f"{ENV_PREFIX}{section}_{key}".upper()
            if var in env:
                table = data.setdefault(section, {})
                if not isinstance(table, dict):
                    raise ConfigError(say("config.not_a_table", section=section))
                table[key] = env[var]
                origin[(section, key)] = var
    return origin


def _explain(exc: ValidationError, origin: dict[tuple[str, str], str], source: str) -> str:
    lines = []
    for problem in field_problems(exc, unknown=say("config.unknown_setting"),
                                  missing=say("config.missing_setting")):
        loc = tuple(str(p) for p in problem.loc)
        where = origin.get((loc[0], loc[1])) if len(loc) >= 2 else None
        if where is None:
            where = f"{source}: " + (f"[{loc[0]}] {'.'.join(loc[1:])}" if len(loc) > 1 else f"[{loc[0]}]")
        lines.append(f"{where}: {problem.message}")
    # One problem a line; cms_bridge.i18n.reason says a message of several lines line by line.
    return say("config.invalid") + "\n  " + "\n  ".join(lines)
