"""Django settings, read only from environment variables (12-factor).

Secure by default: DEBUG is off and SECRET_KEY is required unless SPORTELLO_DEMO=1,
where a key is generated once under $SPORTELLO_HOME so the embedded default just runs.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

# Generic admin classes (ModelAdmin[Model]) at run time, as the type checker sees them.
# The mail pipe's lean start (sportello.mail.pipe) patches only once such a module loads.
if os.environ.get("SPORTELLO_LEAN_START") != "1":
    import django_stubs_ext

    django_stubs_ext.monkeypatch()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_json(name: str, default: str) -> Any:
    try:
        return json.loads(os.environ.get(name, default))
    except ValueError as error:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"{name} is not valid JSON: {error}") from None


PACKAGE_DIR = Path(__file__).resolve().parent
SPORTELLO_HOME = Path(os.environ.get("SPORTELLO_HOME", "var")).resolve()
DEMO = env_bool("SPORTELLO_DEMO")
TESTING = "PYTEST_VERSION" in os.environ
# Generated history tickets on the demo's first start (`sportello demo --tickets N` adds
# more); the tests ask for them explicitly.
DEMO_TICKETS = int(os.environ.get("SPORTELLO_DEMO_TICKETS", "0" if TESTING else "300"))
DEBUG = env_bool("SPORTELLO_DEBUG")


def _secret_key() -> str:
    key = os.environ.get("SPORTELLO_SECRET_KEY", "")
    if key:
        return key
    if TESTING:
        return "test-only-" + "k" * 50
    if not DEMO:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SPORTELLO_SECRET_KEY must be set (or SPORTELLO_DEMO=1 for a local demo)."
        )
    # Demo: one generated key, kept so sessions survive restarts.
    key_file = SPORTELLO_HOME / "secret_key"
    if not key_file.exists():
        SPORTELLO_HOME.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("SPORTELLO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("SPORTELLO_CSRF_TRUSTED_ORIGINS")

# Behind a TLS-terminating proxy, cookies are Secure and HTTP redirects to HTTPS.
SECURE_TLS = env_bool("SPORTELLO_TLS", default=not (DEMO or DEBUG or TESTING))
SESSION_COOKIE_SECURE = SECURE_TLS
CSRF_COOKIE_SECURE = SECURE_TLS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE_TLS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SPORTELLO_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SPORTELLO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SPORTELLO_HSTS_SUBDOMAINS")
    SECURE_HSTS_PRELOAD = env_bool("SPORTELLO_HSTS_PRELOAD")
    # Probes and scrapers may ask over plain HTTP on the private side of the proxy.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

INSTALLED_APPS = [
    "sportello.core",
    "sportello.accounts",
    "sportello.customers",
    "sportello.queues",
    "sportello.tickets",
    "sportello.mail",
    "sportello.notifications",
    "sportello.sla",
    "sportello.search",
    "sportello.reports",
    "sportello.kb",
    "sportello.portal",
    "sportello.api",
    "sportello.web",
    "sportello.importer",
    "sportello.ops",
    "sportello.accounts.admin_site.SportelloAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_prose_editor",
    "ninja",
    "csp",
    "huey.contrib.djhuey",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sportello.ops.logs.RequestContextMiddleware",
    "sportello.web.middleware.AgentPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "sportello.urls"
WSGI_APPLICATION = "sportello.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "sportello.web.context_processors.unread_notifications",
                "sportello.web.context_processors.ticket_counters",
            ],
        },
    },
]


def _databases() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        SPORTELLO_HOME.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{SPORTELLO_HOME / 'sportello.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue on busy_timeout instead of failing on upgrade.
        config["CONN_MAX_AGE"] = 0 if TESTING else config["CONN_MAX_AGE"]
        config["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;PRAGMA busy_timeout=30000;"
            ),
        }
    databases = {"default": config}
    # Stale-tolerant reads (overview counts, statistics): sportello.core.replica.
    replica = os.environ.get("DATABASE_REPLICA_URL", "")
    if replica:
        databases["replica"] = dj_database_url.parse(replica, conn_max_age=config["CONN_MAX_AGE"])
        databases["replica"]["TEST"] = {"MIRROR": "default"}
    return databases


DATABASES = _databases()
DATABASE_ROUTERS = ["sportello.core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    # Hashes carried over by the Znuny import; upgraded to the first one at login.
    "sportello.accounts.hashers.ZnunyPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Local passwords first (the break-glass admin works while a directory is down), then the
# agents' LDAP directories (sportello.accounts.ldap; none unless SPORTELLO_AGENT_LDAP).
AUTHENTICATION_BACKENDS = [
    "sportello.accounts.backends.LocalPasswordBackend",
    "sportello.accounts.ldap.AgentLDAPBackend",
]
# Local agent passwords off (with single sign-on or a directory), except for the
# break-glass logins listed (comma-separated).
SPORTELLO_AGENT_LOCAL_PASSWORDS = env_bool("SPORTELLO_AGENT_LOCAL_PASSWORDS", default=True)
SPORTELLO_AGENT_BREAK_GLASS = env_list("SPORTELLO_AGENT_BREAK_GLASS")
# Requests per API token (per agent for session calls), in ninja's rate notation.
SPORTELLO_API_RATE = os.environ.get("SPORTELLO_API_RATE", "600/m")
# Lifetime of a GenericInterface SessionID (SessionCreate), as Znuny's SessionMaxTime.
SPORTELLO_GI_SESSION_HOURS = int(os.environ.get("SPORTELLO_GI_SESSION_HOURS", "16"))
# Failed log-ins per login name and client address before the form refuses for a while.
SPORTELLO_LOGIN_FAILURES = int(os.environ.get("SPORTELLO_LOGIN_FAILURES", "5"))
SPORTELLO_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("SPORTELLO_LOGIN_LOCKOUT_MINUTES", "15"))
SESSION_COOKIE_AGE = int(os.environ.get("SPORTELLO_SESSION_HOURS", "12")) * 3600
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = os.environ.get("SPORTELLO_LANGUAGE", "en")
LANGUAGES = [("en", _("English")), ("de", _("German")), ("it", _("Italian"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("SPORTELLO_TIME_ZONE", "Europe/Berlin")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = SPORTELLO_HOME / "static"
MEDIA_ROOT = SPORTELLO_HOME / "media"
# Stored files (attachments, raw mails): the file system under MEDIA_ROOT, or an
# S3-compatible object store (django-storages) with SPORTELLO_STORAGE=s3. Both stores are
# named ("filesystem", "s3" when configured) so `sportello move_files` can move between them.
SPORTELLO_STORAGE = os.environ.get("SPORTELLO_STORAGE", "filesystem")
_filesystem = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES: dict[str, Any] = {
    "default": _filesystem,
    "filesystem": _filesystem,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if os.environ.get("SPORTELLO_S3_BUCKET"):
    STORAGES["s3"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["SPORTELLO_S3_BUCKET"],
            "endpoint_url": os.environ.get("SPORTELLO_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("SPORTELLO_S3_REGION") or None,
            "access_key": os.environ.get("SPORTELLO_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("SPORTELLO_S3_SECRET_KEY") or None,
            "location": os.environ.get("SPORTELLO_S3_PREFIX", ""),
            # Never replace an object: a name is one file for ever, as on the disk.
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
        },
    }
if SPORTELLO_STORAGE not in STORAGES or SPORTELLO_STORAGE == "staticfiles":
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "SPORTELLO_STORAGE must be filesystem, or s3 with SPORTELLO_S3_BUCKET set."
    )
STORAGES["default"] = STORAGES[SPORTELLO_STORAGE]
if TESTING or DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# A strict policy on every page: no inline script, nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Background jobs: SQLite-backed Huey embedded, Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
# Shared cache (log-in throttle): Redis when configured, else files under SPORTELLO_HOME
# (shared by the processes of one host); tests use process memory.
CACHES: dict[str, Any] = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(SPORTELLO_HOME / "cache"),
    }
}
# The name of this installation's keys in a shared Redis (job queue and cache).
SPORTELLO_REDIS_NAME = os.environ.get("SPORTELLO_REDIS_NAME", "sportello")
if REDIS_URL:
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": SPORTELLO_REDIS_NAME,
    }
if TESTING:
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
HUEY: dict[str, Any]
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": SPORTELLO_REDIS_NAME,
        "url": REDIS_URL,
        "immediate": False,
    }
else:
    SPORTELLO_HOME.mkdir(parents=True, exist_ok=True)
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "sportello",
        "filename": str(SPORTELLO_HOME / "huey.sqlite3"),
        "immediate": False,
    }
if TESTING:
    HUEY = {"huey_class": "huey.MemoryHuey", "name": "sportello-test", "immediate": True}
# Poll at least once a second: an answer should leave within a second of its commit.
HUEY.setdefault(
    "consumer",
    {
        "workers": int(os.environ.get("SPORTELLO_WORKERS", "2")),
        "initial_delay": 0.1,
        "backoff": 1.15,
        "max_delay": 1.0,
    },
)

# Domain configuration.
SPORTELLO_SYSTEM_ID = os.environ.get("SPORTELLO_SYSTEM_ID", "10")
SPORTELLO_TICKET_HOOK = os.environ.get("SPORTELLO_TICKET_HOOK", "Ticket#")
SPORTELLO_BASE_URL = os.environ.get("SPORTELLO_BASE_URL", "http://127.0.0.1:8000")

# Incoming mail.
# A process asks the job queue to drain the search index queue at most twice per this many
# seconds (the drain takes all that is waiting); 0: after every article (the tests).
SPORTELLO_INDEX_WAKE_SECONDS = float(
    os.environ.get("SPORTELLO_INDEX_WAKE_SECONDS", "0" if TESTING else "1")
)
# The dashboard's created/closed chart is computed at most once per this many seconds for
# the same readable queues (as OTRS caches its ticket statistics widget); 0: always fresh.
SPORTELLO_STATS_CACHE_SECONDS = int(
    os.environ.get("SPORTELLO_STATS_CACHE_SECONDS", "0" if TESTING else "300")
)
# Fernet keys for secrets at rest (sportello.core.crypto), comma-separated: the first
# encrypts, all decrypt. Empty: one key derived from SECRET_KEY.
SPORTELLO_ENCRYPTION_KEYS = env_list("SPORTELLO_ENCRYPTION_KEYS")
# Statistics: agents with ro on this group run them, rw creates and edits them; results
# are cached this many seconds (a definition's change invalidates them at once).
SPORTELLO_REPORTS_GROUP = os.environ.get("SPORTELLO_REPORTS_GROUP", "stats")
SPORTELLO_REPORTS_CACHE_SECONDS = int(os.environ.get("SPORTELLO_REPORTS_CACHE_SECONDS", "900"))
# Accounted time (OTRS's time units): minutes per unit typed, and whether the note,
# answer, phone call and forward dialogs insist on it.
SPORTELLO_TIME_UNIT_MINUTES = int(os.environ.get("SPORTELLO_TIME_UNIT_MINUTES", "1"))
SPORTELLO_TIME_ACCOUNTING_REQUIRED = env_bool("SPORTELLO_TIME_ACCOUNTING_REQUIRED", default=False)
SPORTELLO_MAIL_MAX_SIZE = int(os.environ.get("SPORTELLO_MAIL_MAX_SIZE", str(50 * 1024 * 1024)))
# Raw messages up to this size are kept in the article's row, larger ones as files under
# MEDIA_ROOT (0: always files).
SPORTELLO_RAW_IN_DATABASE_MAX = int(os.environ.get("SPORTELLO_RAW_IN_DATABASE_MAX", str(64 * 1024)))
# Follow-up detection: the ticket number after the hook in the subject, and/or the
# In-Reply-To / References headers matching a stored Message-ID.
SPORTELLO_FOLLOWUP_BY_SUBJECT = env_bool("SPORTELLO_FOLLOWUP_BY_SUBJECT", default=True)
SPORTELLO_FOLLOWUP_BY_REFERENCES = env_bool("SPORTELLO_FOLLOWUP_BY_REFERENCES", default=True)
# X-Sportello-* headers are honoured from trusted sources only: mail accounts marked
# trusted, and ``ingest_mail --trusted`` (e.g. a local MTA pipe that strips them).
SPORTELLO_MAIL_TRUST_HEADERS = env_bool("SPORTELLO_MAIL_TRUST_HEADERS", default=False)
# Outgoing mail: SMTP when SPORTELLO_SMTP_HOST is set, else .eml files under
# $SPORTELLO_HOME/outbox-sent so a demo shows what would have gone out.
SPORTELLO_SMTP_HOST = os.environ.get("SPORTELLO_SMTP_HOST", "")
SPORTELLO_SMTP_PORT = int(os.environ.get("SPORTELLO_SMTP_PORT", "25"))
SPORTELLO_SMTP_SECURITY = os.environ.get("SPORTELLO_SMTP_SECURITY", "none")  # none|tls|starttls
SPORTELLO_SMTP_USER = os.environ.get("SPORTELLO_SMTP_USER", "")
SPORTELLO_SMTP_PASSWORD = os.environ.get("SPORTELLO_SMTP_PASSWORD", "")
SPORTELLO_SMTP_TIMEOUT = float(os.environ.get("SPORTELLO_SMTP_TIMEOUT", "30"))
# Temporary failures are retried with exponential backoff for this long, then given up.
SPORTELLO_SMTP_RETRY_HOURS = float(os.environ.get("SPORTELLO_SMTP_RETRY_HOURS", "48"))
SPORTELLO_MAIL_DOMAIN = os.environ.get("SPORTELLO_MAIL_DOMAIN", "sportello.localhost")
SPORTELLO_AUTO_RESPONSES_PER_DAY = int(os.environ.get("SPORTELLO_AUTO_RESPONSES_PER_DAY", "10"))
# Our own X-Loop value; mail carrying it is never answered automatically.
SPORTELLO_LOOP_ID = os.environ.get("SPORTELLO_LOOP_ID", "sportello")
# Printing: the folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf (fonts-dejavu-core).
SPORTELLO_PDF_FONT_DIR = os.environ.get(
    "SPORTELLO_PDF_FONT_DIR", "/usr/share/fonts/truetype/dejavu"
)
# What an agent may attach to one article, all files together (a queue may set its own);
# uploads of an unfinished form are kept this long for the form's next submit.
# FAQ (sportello.kb): with approval on, new and changed articles reach customers and the
# public only after an agent with rw on the approval group approved them.
SPORTELLO_FAQ_APPROVAL = env_bool("SPORTELLO_FAQ_APPROVAL", default=False)
SPORTELLO_FAQ_APPROVAL_GROUP = os.environ.get("SPORTELLO_FAQ_APPROVAL_GROUP", "faq-approval")
SPORTELLO_MAX_ATTACHMENT_SIZE = int(
    os.environ.get("SPORTELLO_MAX_ATTACHMENT_SIZE", str(25 * 1024 * 1024))
)
# An image pasted into the editor travels in the form as a data: URL (within
# DATA_UPLOAD_MAX_MEMORY_SIZE) and becomes an inline attachment of at most this size.
SPORTELLO_INLINE_IMAGE_MAX_SIZE = int(
    os.environ.get("SPORTELLO_INLINE_IMAGE_MAX_SIZE", str(5 * 1024 * 1024))
)
SPORTELLO_FORM_UPLOAD_HOURS = int(os.environ.get("SPORTELLO_FORM_UPLOAD_HOURS", "24"))

# Customer portal: login throttling (failures per account and per IP in a window),
# link lifetimes, request-form spam guards and upload limits.
SPORTELLO_PORTAL_LOGIN_FAILURES_PER_ACCOUNT = int(
    os.environ.get("SPORTELLO_PORTAL_LOGIN_FAILURES_PER_ACCOUNT", "5")
)
SPORTELLO_PORTAL_LOGIN_FAILURES_PER_IP = int(
    os.environ.get("SPORTELLO_PORTAL_LOGIN_FAILURES_PER_IP", "20")
)
SPORTELLO_PORTAL_LOGIN_WINDOW_MINUTES = int(
    os.environ.get("SPORTELLO_PORTAL_LOGIN_WINDOW_MINUTES", "15")
)
SPORTELLO_PORTAL_LINK_MINUTES = 15  # passwordless login links
SPORTELLO_PORTAL_RESET_MINUTES = int(os.environ.get("SPORTELLO_PORTAL_RESET_MINUTES", "60"))
SPORTELLO_PORTAL_CONFIRM_HOURS = int(os.environ.get("SPORTELLO_PORTAL_CONFIRM_HOURS", "24"))
SPORTELLO_PORTAL_MAILS_PER_IP_HOUR = int(os.environ.get("SPORTELLO_PORTAL_MAILS_PER_IP_HOUR", "10"))
SPORTELLO_PORTAL_FORMS_PER_IP_HOUR = int(os.environ.get("SPORTELLO_PORTAL_FORMS_PER_IP_HOUR", "10"))
SPORTELLO_PORTAL_MIN_FILL_SECONDS = int(os.environ.get("SPORTELLO_PORTAL_MIN_FILL_SECONDS", "3"))
SPORTELLO_PORTAL_MAX_UPLOAD_SIZE = int(
    os.environ.get("SPORTELLO_PORTAL_MAX_UPLOAD_SIZE", str(20 * 1024 * 1024))
)
# Sender of login links and confirmations; default: the Raw queue's system address.
SPORTELLO_PORTAL_SENDER = os.environ.get("SPORTELLO_PORTAL_SENDER", "")

# Customers from LDAP (django-auth-ldap), on when the server URI is set. The attribute
# map names CustomerUser fields and the LDAP attributes they come from (JSON).
SPORTELLO_CUSTOMER_LDAP_SERVER_URI = os.environ.get("SPORTELLO_CUSTOMER_LDAP_SERVER_URI", "")
SPORTELLO_CUSTOMER_LDAP_BIND_DN = os.environ.get("SPORTELLO_CUSTOMER_LDAP_BIND_DN", "")
SPORTELLO_CUSTOMER_LDAP_BIND_PASSWORD = os.environ.get("SPORTELLO_CUSTOMER_LDAP_BIND_PASSWORD", "")
SPORTELLO_CUSTOMER_LDAP_USER_SEARCH_BASE = os.environ.get(
    "SPORTELLO_CUSTOMER_LDAP_USER_SEARCH_BASE", ""
)
SPORTELLO_CUSTOMER_LDAP_USER_FILTER = os.environ.get(
    "SPORTELLO_CUSTOMER_LDAP_USER_FILTER", "(uid=%(user)s)"
)
SPORTELLO_CUSTOMER_LDAP_USER_ATTR_MAP = json.loads(
    os.environ.get(
        "SPORTELLO_CUSTOMER_LDAP_USER_ATTR_MAP",
        '{"first_name": "givenName", "last_name": "sn", "email": "mail",'
        ' "phone": "telephoneNumber"}',
    )
)
# An LDAP attribute holding the customer ID of the user's company (empty: none).
SPORTELLO_CUSTOMER_LDAP_COMPANY_ATTR = os.environ.get("SPORTELLO_CUSTOMER_LDAP_COMPANY_ATTR", "")

# Agents from LDAP: a JSON list of directories tried in order (keys in
# sportello.accounts.ldap). Directory groups (and OIDC/SAML group values) to roles and
# grants: a JSON object (sportello.accounts.role_mapping).
SPORTELLO_AGENT_LDAP: list[dict[str, Any]] = env_json("SPORTELLO_AGENT_LDAP", "[]")
SPORTELLO_SSO_GROUP_MAP: dict[str, Any] = env_json("SPORTELLO_SSO_GROUP_MAP", "{}")
# OpenID Connect for agents and, separately, for portal customers (sportello.core.oidc):
# {"discovery_url", "client_id", "client_secret", "scope", "claims", "label",
#  "create_agents" / "create_customers"}; empty: off.
SPORTELLO_AGENT_OIDC: dict[str, Any] = env_json("SPORTELLO_AGENT_OIDC", "{}")
SPORTELLO_CUSTOMER_OIDC: dict[str, Any] = env_json("SPORTELLO_CUSTOMER_OIDC", "{}")
# SAML 2.0 (Shibboleth: DFN-AAI, IDEM) for agents and for customers (sportello.core.saml):
# {"idp_metadata_file" or "idp_metadata_url", "idp_metadata_cert", "idp_entity_id",
#  "key_file", "cert_file", "attributes", "label", "create_agents" / "create_customers"}.
SPORTELLO_AGENT_SAML: dict[str, Any] = env_json("SPORTELLO_AGENT_SAML", "{}")
SPORTELLO_CUSTOMER_SAML: dict[str, Any] = env_json("SPORTELLO_CUSTOMER_SAML", "{}")

# Search: PostgreSQL text search configuration (german, italian, english or simple:
# simple does no stemming and finds the same tickets as SQLite's FTS5); closed tickets
# unchanged for this many days are archived (left out unless a search asks for them).
SPORTELLO_SEARCH_CONFIG = os.environ.get("SPORTELLO_SEARCH_CONFIG", "simple")
SPORTELLO_ARCHIVE_AFTER_DAYS = int(os.environ.get("SPORTELLO_ARCHIVE_AFTER_DAYS", "183"))

# Operators: /metrics for a full administrator's login or this bearer token, and only
# from these networks when listed (comma-separated addresses or CIDR networks).
SPORTELLO_METRICS_TOKEN = os.environ.get("SPORTELLO_METRICS_TOKEN", "")
SPORTELLO_OPERATOR_ALLOWED_IPS = env_list("SPORTELLO_OPERATOR_ALLOWED_IPS")

# Logs: plain text, or one JSON object per line (SPORTELLO_LOG_FORMAT=json) with the
# request id, agent id and ticket number (sportello.ops.logs).
SPORTELLO_LOG_FORMAT = os.environ.get("SPORTELLO_LOG_FORMAT", "text")
_console: dict[str, Any] = {"class": "logging.StreamHandler"}
if SPORTELLO_LOG_FORMAT == "json":
    _console.update(formatter="json", filters=["context"])
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "sportello.ops.logs.JsonFormatter"}},
    "filters": {"context": {"()": "sportello.ops.logs.ContextFilter"}},
    "handlers": {"console": _console},
    "root": {"handlers": ["console"], "level": os.environ.get("SPORTELLO_LOG_LEVEL", "INFO")},
    "loggers": {
        "huey": {"level": "WARNING"},
        # pysaml2 and its schema library narrate every message at INFO.
        "saml2": {"level": "WARNING"},
        "xmlschema": {"level": "WARNING"},
    },
}
