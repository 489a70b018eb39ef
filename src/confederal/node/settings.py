"""Settings for a Confederal node, all read from the environment.

CONFEDERAL_DATA_DIR       where the SQLite database, the signing key and the
                          generated secret live (default: ./var)
CONFEDERAL_PUBLIC_URL     the URL people reach this node at; ledger origins
                          are derived from it (default: http://127.0.0.1:8000)
CONFEDERAL_DATABASE_URL   postgres://user@host:port/name to use PostgreSQL
                          instead of SQLite
CONFEDERAL_SECRET_KEY     Django's secret (default: generated once, kept in
                          the data directory)
CONFEDERAL_ALLOWED_HOSTS  extra host names, comma-separated (the public URL's host and the
                          loopback names are always allowed)
CONFEDERAL_BEHIND_PROXY   1 when a reverse proxy in front of the node terminates TLS and says
                          so in X-Forwarded-Proto (only then is that header believed: set it
                          only if nothing but the proxy can reach the node's port); with an
                          https public URL the node then redirects plain HTTP there and sends HSTS
CONFEDERAL_HSTS_SUBDOMAINS  1 to extend HSTS to every subdomain of the public host (off: only
                          turn it on when every subdomain serves HTTPS)
CONFEDERAL_SIGNING_KEY_FILE  the node's Ed25519 key (default: signing.key in the data
                          directory); back it up, ledgers cannot be signed without it
CONFEDERAL_DEBUG          1 to show tracebacks
CONFEDERAL_LOG_LEVEL      WARNING by default
CONFEDERAL_TICK_SECONDS   how often votes close and terms end (default 30)
CONFEDERAL_FEDERATION_SECONDS  how often peers are pulled and witnesses asked (default 3)
CONFEDERAL_PEERS          peer node addresses to follow from the start, comma-separated
CONFEDERAL_MAX_PEERS      the most peers this node follows (default 50)
CONFEDERAL_ALLOW_PRIVATE_PEERS  1 to let peers live at loopback, private, link-local and other
                          non-public addresses (the demo and the tests on 127.0.0.1, or nodes
                          on one private network); by default a node fetches only public addresses
CONFEDERAL_TIME_ZONE      the zone of pages that belong to no assembly, and the one a new
                          assembly starts with (an IANA name; default UTC)
CONFEDERAL_PROXY_HOPS     how many reverse proxies of yours stand in front of the node (default 0:
                          a request's address is the connection's, X-Forwarded-For is ignored)
CONFEDERAL_EMAIL_URL      the mail server the node sends through: smtp://user:pass@host:port (plain,
                          port 25 by default), smtp+starttls://… (STARTTLS, port 587) or smtps://…
                          (implicit TLS, port 465); user and password percent-encoded. Unset: the
                          node sends no mail, and each person's mail settings say so
CONFEDERAL_EMAIL_FROM     the sender's address (default: confederal@ the public URL's host)
CONFEDERAL_EMAIL_TIMEOUT  seconds to wait for the mail server before trying again later (default 10)
CONFEDERAL_TEST_HOOKS     1 only in the test suite: the node's clock can then be moved
                          forward through POST /_test/clock (never set it in production;
                          without it the endpoint answers 404 and the clock is real time)
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envlist(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("CONFEDERAL_DATA_DIR", "var")).resolve()

PUBLIC_URL = os.environ.get("CONFEDERAL_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
_public = urlsplit(PUBLIC_URL)
if _public.scheme not in {"http", "https"} or not _public.netloc:
    raise ValueError(f"CONFEDERAL_PUBLIC_URL must be an http(s) URL, not {PUBLIC_URL!r}")
# A ledger's origin is its URL prefix without the scheme (C2SP tlog-tiles).
ORIGIN_BASE = _public.netloc + _public.path

SIGNING_KEY_FILE = Path(os.environ.get("CONFEDERAL_SIGNING_KEY_FILE", DATA_DIR / "signing.key"))


def _secret_key() -> str:
    configured = os.environ.get("CONFEDERAL_SECRET_KEY")
    if configured:
        return configured
    path = DATA_DIR / "secret.key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("CONFEDERAL_DEBUG", False)
# Set by `confederal demo`: the sign-in page lists the demo accounts.
DEMO = envbool("CONFEDERAL_DEMO", False)
ALLOWED_HOSTS = [
    _public.hostname or "127.0.0.1",
    "127.0.0.1",
    "localhost",
    "testserver",
    *envlist("CONFEDERAL_ALLOWED_HOSTS"),
]

# HTTPS, derived from the public URL. TLS is terminated in front of the node (waitress speaks plain
# HTTP), so with an https public URL: forms posted from that origin pass Django's CSRF origin check,
# cookies travel only over TLS, and — when the operator says a proxy is in front
# (CONFEDERAL_BEHIND_PROXY=1), so the node can tell a secure request from a plain one — plain requests
# are redirected to the public URL and browsers are told to use HTTPS for a year (HSTS). Nothing
# changes for an http public URL (the demo, the tests' loopback nodes).
HTTPS = _public.scheme == "https"
BEHIND_PROXY = envbool("CONFEDERAL_BEHIND_PROXY", False)
CSRF_TRUSTED_ORIGINS = [f"{_public.scheme}://{_public.netloc}"] if HTTPS else []
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# What `serve` (waitress) believes from a declared proxy: the scheme the browser used. Anyone could
# send the header, so without the operator's word waitress drops it. (The client's address is
# `web.client_address`'s business, by CONFEDERAL_PROXY_HOPS.)
TRUSTED_PROXY_HEADERS = ["x-forwarded-proto"] if BEHIND_PROXY else []
# Believed only from a proxy the operator declared: anyone could send the header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS and BEHIND_PROXY else None
# Without the proxy's word every request looks plain, and redirecting it would loop.
SECURE_SSL_REDIRECT = HTTPS and BEHIND_PROXY
SECURE_SSL_HOST = _public.netloc if SECURE_SSL_REDIRECT else None
# A monitor on the machine itself asks the node directly, past the proxy: the health check answers it there.
SECURE_REDIRECT_EXEMPT = [r"^health$"]
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("CONFEDERAL_HSTS_SUBDOMAINS", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# What pages may load: only this node's own files; no inline script or style, no eval, no framing.
# Pages are server-rendered forms and htmx is a static file, told not to inject styles (base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
    }
}


def _database() -> dict[str, object]:
    url = os.environ.get("CONFEDERAL_DATABASE_URL")
    if url:
        parts = urlsplit(url)
        if parts.scheme not in {"postgres", "postgresql"}:
            raise ValueError("CONFEDERAL_DATABASE_URL must be a postgres:// URL")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "confederal",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            # A ledger append must be on disk before its checkpoint is signed.
            "OPTIONS": {"options": "-c synchronous_commit=on"},
        }
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "confederal.sqlite3",
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so two appenders queue
            # instead of failing to upgrade a read lock. FULL syncs the WAL on
            # every commit: an acknowledged entry survives power loss.
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
        },
        # Tests use a real file, not a shared-cache memory database, so
        # concurrency tests see SQLite's real locking.
        "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
    }


DATABASES = {"default": _database()}
# Keep connections between requests (each waitress thread holds one): opening a
# PostgreSQL connection per request costs more than most pages' queries.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONFEDERAL_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "confederal.node.ledgers",
    "confederal.node.accounts",
    "confederal.node.assemblies",
    "confederal.node.decisions",
    "confederal.node.meetings",
    "confederal.node.roles",
    "confederal.node.federation",
    "confederal.node.books",
    "confederal.node.notices",
    "confederal.node.discussion",
    "confederal.node.once",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "confederal.node.csp_header.FixedPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in person's own language (their account page) wins over their cookie and browser.
    "confederal.node.accounts.language.PersonLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "confederal.node.zones.AssemblyTimeZoneMiddleware",
    # A write the disk or database refuses (full, read-only) answers 503 with a sentence, not a server error.
    "confederal.node.outage.StorageFailureMiddleware",
]

# Pages kept for visitors (node/pagecache.py): each process keeps its own, under keys every process computes alike
# from the database, so no shared cache server is needed. A kept assembly page is about 20 KB.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 2000}},
}

ROOT_URLCONF = "confederal.node.urls"
WSGI_APPLICATION = "confederal.node.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "confederal.node.web.demo_context",
                "confederal.node.notices.context.inbox_unread",
            ],
            # `{% once %}` in every form that acts, without a `{% load %}` in each template.
            "builtins": ["confederal.node.once.templatetags.once"],
        },
    },
]

LOGIN_URL = "/accounts/sign-in"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
SESSION_COOKIE_HTTPONLY = True
# How often the node closes due votes and ends finished terms (seconds).
TICK_SECONDS = float(os.environ.get("CONFEDERAL_TICK_SECONDS", "30"))
# The test suite's hooks (a movable clock): off unless CONFEDERAL_TEST_HOOKS=1, never on in production.
TEST_HOOKS = envbool("CONFEDERAL_TEST_HOOKS", False)
# How often the node pulls peers that signalled news, asks witnesses to cosign and writes sunsets
# (seconds); every peer is pulled at least once a minute regardless.
FEDERATION_SECONDS = float(os.environ.get("CONFEDERAL_FEDERATION_SECONDS", "3"))
# Peers to follow from the start (the demo starts three nodes that know each other this way).
PEERS = envlist("CONFEDERAL_PEERS")
# The most peers this node follows: each costs a pull every few seconds.
MAX_PEERS = int(os.environ.get("CONFEDERAL_MAX_PEERS", "50"))
# Peers at loopback, private, link-local… addresses are refused (when added and at every fetch) unless this is set.
ALLOW_PRIVATE_PEERS = envbool("CONFEDERAL_ALLOW_PRIVATE_PEERS", False)

# The health check (/health) answers 503 when the disk holding the data directory has less free than this.
MIN_FREE_MB = int(os.environ.get("CONFEDERAL_MIN_FREE_MB", "512"))

LANGUAGE_CODE = "en"
# Each language is named in its own tongue, so a reader finds theirs whatever the page's language.
LANGUAGES = [("en", "English"), ("es", "Español"), ("fr", "Français")]
# The catalogs: src/confederal/locale/<lang>/LC_MESSAGES/django.po, compiled to .mo by scripts/bootstrap
# (confederal.cli.catalogs) and refreshed from the code by scripts/translations.
LOCALE_PATHS = [PACKAGE_DIR.parent / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("CONFEDERAL_TIME_ZONE", "UTC")
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve straight from the package: no collectstatic step for a self-hoster.
WHITENOISE_USE_FINDERS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Each line says its level and where it came from; under systemd it also carries its priority (node/logs.py).
    "formatters": {"node": {"()": "confederal.node.logs.NodeFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "node"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CONFEDERAL_LOG_LEVEL", "WARNING")},
    # A peer asking about a ledger this node does not follow yet is routine, not a warning.
    "loggers": {"django.request": {"level": os.environ.get("CONFEDERAL_REQUEST_LOG_LEVEL", "ERROR")}},
}

# ── Signing in: passwords, guessing, two-factor codes ─────────────────────────────────────────
# (kept as one block: the proxy setting below is about whose address a request is, not HTTPS)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # 12 characters: a passphrase of three short words passes, a guessable word does not.
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
INSTALLED_APPS += ["axes", "django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
# django-axes counts failed sign-ins (and bad API tokens) in the database and refuses more once there are too many.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
# How many wrong passwords (or codes) one account may take within SIGN_IN_PAUSE before signing in to it pauses, and
# how many wrong passwords, codes or API tokens one address may send (it may be shared by a household or an office).
SIGN_IN_ACCOUNT_LIMIT = 5
SIGN_IN_ADDRESS_LIMIT = 20
SIGN_IN_PAUSE = timedelta(minutes=15)
# An operator lifts a pause early with `confederal manage axes_reset_username NAME` (or axes_reset_ip ADDRESS).
AXES_HANDLER = "confederal.node.accounts.services.SignInGuard"
AXES_FAILURE_LIMIT = SIGN_IN_ACCOUNT_LIMIT
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = SIGN_IN_PAUSE
AXES_RESET_ON_SUCCESS = True
# An attempt during a pause is refused but does not prolong it, so the time the person is told stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "confederal.node.accounts.views.paused"
AXES_CLIENT_IP_CALLABLE = "confederal.node.web.client_address"
AXES_USERNAME_CALLABLE = "confederal.node.accounts.services.attempted_name"
AXES_DISABLE_ACCESS_LOG = True  # no record of every sign-in's address and browser is kept
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "csrfmiddlewaretoken"]
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
# How many reverse proxies that the operator runs stand in front of the node. 0 (the default): a request's address is
# the connection's own, and X-Forwarded-For is never read (anyone can send it). N: the address is the Nth entry from
# the right of X-Forwarded-For, the one the nearest proxy of yours saw.
PROXY_HOPS = int(os.environ.get("CONFEDERAL_PROXY_HOPS", "0"))
if PROXY_HOPS < 0:
    raise ValueError("CONFEDERAL_PROXY_HOPS must be 0 or more")
# Two-factor codes: the issuer an authenticator app shows next to the code.
OTP_TOTP_ISSUER = "Confederal " + (_public.hostname or "node")

# ── Mail (node/notices): an outbox the ticker sends through SMTP; nothing when CONFEDERAL_EMAIL_URL is unset ──


def email_from_url(url: str) -> dict[str, object] | None:
    """The SMTP connection ``CONFEDERAL_EMAIL_URL`` names (host, port, user, password, TLS), or None if unset."""
    if not url:
        return None
    parts = urlsplit(url)
    ports = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
    if parts.scheme not in ports or not parts.hostname:
        raise ValueError("CONFEDERAL_EMAIL_URL must be smtp://, smtp+starttls:// or smtps://user:pass@host:port")
    return {
        "host": parts.hostname,
        "port": parts.port or ports[parts.scheme],
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "use_tls": parts.scheme == "smtp+starttls",
        "use_ssl": parts.scheme == "smtps",
    }


EMAIL_SERVER = email_from_url(os.environ.get("CONFEDERAL_EMAIL_URL", ""))
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_TIMEOUT = float(os.environ.get("CONFEDERAL_EMAIL_TIMEOUT", "10"))
# Message-IDs and the sender name the public host, never socket.getfqdn() (often "localhost").
EMAIL_DOMAIN = _public.hostname or "localhost"
DEFAULT_FROM_EMAIL = os.environ.get("CONFEDERAL_EMAIL_FROM", f"confederal@{EMAIL_DOMAIN}")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
