"""Django configured in code from cms-bridge's configuration (no settings module, no project tree).

Why Django: accounts with argon2 password hashing, sessions with rotation at login, CSRF
protection, forms, template auto-escaping and Thai i18n all come from one long-maintained
framework; login throttling from django-axes and static files from whitenoise.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from cms_bridge.config import Config, read_secret_file
from cms_bridge.wordpress.protocol import Cms
from cms_bridge.errors import ConfigError

HERE = Path(__file__).parent

_config: Config | None = None
_cms: Cms | None = None


def desk_database(config: Config) -> Path:
    """The desk's own SQLite file: ``[desk] database``, else the ledger's path + ``.desk``."""
    return config.desk.database or Path(str(config.sync.ledger) + ".desk")


def current_config() -> Config:
    """The configuration the desk was set up with.

    Raises:
        ConfigError: :func:`configure` was not called.
    """
    if _config is None:
        raise ConfigError("the desk is not configured: call cms_bridge.desk.setup.configure(config) first")
    return _config


#: The desk's Content-Security-Policy (django-csp): its pages have no scripts, inline styles or
#: outside resources, only the one stylesheet and forms posted back to the desk, so everything
#: else is refused; injected markup that slipped past escaping could run or load nothing.
CONTENT_SECURITY_POLICY: dict[str, list[str]] = {
    "default-src": ["'none'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
}


def use_config(config: Config, *, cms: Cms | None = None) -> None:
    """Serve another configuration's ledger from now on (tests; the desk's database stays).

    Args:
        config: the configuration.
        cms: the site to use instead of connecting to ``[site]`` (tests pass a fake).
    """
    global _config, _cms
    _config, _cms = config, cms


def current_cms() -> Cms | None:
    """The site given to :func:`use_config`, if any (else the Bridge connects to ``[site]``)."""
    return _cms


def _secret_key(database: Path) -> str:
    # Signs sessions and CSRF tokens; made once beside the desk's database, readable by its owner only.
    path = Path(str(database) + ".secret")
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def settings_for(config: Config, *, testing: bool = False) -> dict[str, Any]:
    """Django's settings for *config* (see docs/desk.md for the ``[desk]`` table).

    Args:
        config: cms-bridge's configuration.
        testing: also answer to Django's test client host (``testserver``).
    """
    desk = config.desk
    database = desk_database(config)
    hosts = list(desk.allowed_hosts) + (["testserver"] if testing else [])
    return {
        "DEBUG": False,
        "SECRET_KEY": _secret_key(database),
        "ALLOWED_HOSTS": hosts,
        "INSTALLED_APPS": [
            "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
            "django.contrib.messages", "axes", "cms_bridge.desk",
        ],
        "MIDDLEWARE": [
            "django.middleware.security.SecurityMiddleware",
            "whitenoise.middleware.WhiteNoiseMiddleware",
            "cms_bridge.desk.middleware.UploadLimitMiddleware",
            "cms_bridge.desk.middleware.MaskIdNumbersMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
            "csp.middleware.CSPMiddleware",
            "axes.middleware.AxesMiddleware",
        ],
        "AUTHENTICATION_BACKENDS": ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"],
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.Argon2PasswordHasher"],
        "AUTH_PASSWORD_VALIDATORS": [
            {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
            {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
            {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
        ],
        "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(database)}},
        "DEFAULT_AUTO_FIELD": "django.db.models.AutoField",
        "ROOT_URLCONF": "cms_bridge.desk.urls",
        "TEMPLATES": [{
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "APP_DIRS": True,
            "OPTIONS": {"context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]},
        }],
        "LANGUAGE_CODE": "th",
        "TIME_ZONE": "Asia/Bangkok",
        "USE_I18N": True,
        "USE_TZ": True,
        "STATIC_URL": "/static/",
        # The package's own folder: whitenoise serves it as it is, no collectstatic step.
        "STATIC_ROOT": str(HERE / "static"),
        "LOGIN_URL": "/login/",
        "LOGIN_REDIRECT_URL": "/",
        "SESSION_COOKIE_AGE": 8 * 3600,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "SESSION_COOKIE_SECURE": desk.https,
        "CSRF_COOKIE_SECURE": desk.https,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https") if desk.https else None,
        "CSRF_TRUSTED_ORIGINS": [f"https://{h}" for h in desk.allowed_hosts] if desk.https else [],
        "SECURE_HSTS_SECONDS": 31536000 if desk.https else 0,
        "X_FRAME_OPTIONS": "DENY",
        "CONTENT_SECURITY_POLICY": {"DIRECTIVES": CONTENT_SECURITY_POLICY},
        "CSRF_FAILURE_VIEW": "cms_bridge.desk.views.csrf_failure",
        "DESK_MAX_UPLOAD_BYTES": desk.max_upload_mb * 1024 * 1024,
        "AXES_FAILURE_LIMIT": desk.login_failures,
        "AXES_COOLOFF_TIME": timedelta(minutes=desk.lockout_minutes),
        "AXES_LOCKOUT_PARAMETERS": [["username", "ip_address"]],
        "AXES_RESET_ON_SUCCESS": True,
        "AXES_LOCKOUT_TEMPLATE": "desk/locked.html",
        "AXES_VERBOSE": False,
        "LOGGING_CONFIG": None,
        **_mail_settings(config),
    }


def _mail_settings(config: Config) -> dict[str, Any]:
    desk = config.desk
    if desk.smtp_host is None:
        return {"EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend", "DESK_SENDS_MAIL": False}
    password = read_secret_file(desk.smtp_password_file) if desk.smtp_password_file is not None else ""
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "DESK_SENDS_MAIL": True,
        "EMAIL_HOST": desk.smtp_host, "EMAIL_PORT": desk.smtp_port, "EMAIL_USE_TLS": desk.smtp_starttls,
        "EMAIL_HOST_USER": desk.smtp_username or "", "EMAIL_HOST_PASSWORD": password,
        "EMAIL_TIMEOUT": 20, "DEFAULT_FROM_EMAIL": desk.mail_from,
    }


def configure(config: Config, *, testing: bool = False) -> None:
    """Set Django up for *config* once per process and bring the desk's database up to date.

    Args:
        config: cms-bridge's configuration.
        testing: also answer to Django's test client host.

    Raises:
        ConfigError: the desk's extra is not installed, or its database cannot be written.
    """
    try:
        import django
        from django.conf import settings
        from django.core.management import call_command
    except ImportError:
        raise ConfigError("the desk needs its extra: pip install 'cms-bridge[desk]'") from None
    use_config(config)
    if settings.configured:
        return
    database = desk_database(config)
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        settings.configure(**settings_for(config, testing=testing))
    except OSError as exc:
        raise ConfigError(f"{database}: cannot create the desk's database: {exc.strerror or exc}") from None
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    # Password hashes and sessions: for the desk's own account only.
    database.chmod(0o600)
