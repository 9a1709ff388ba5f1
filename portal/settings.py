"""Every setting in one typed place, read from `PORTAL_...` environment variables.

The README lists them. `Settings.from_env()` validates them; production mode refuses the
development conveniences (local sign-in provider, sandboxes, plain http, no secret key).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, TypedDict
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")
ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "static"
LOCALES_DIR = ROOT / "locales"


def shipped_languages(directory: Path = LOCALES_DIR) -> tuple[str, ...]:
    """The interface languages: one per catalog in `locales/` (adding a language is adding its
    catalog). Dutch, English and French first, then the others by code."""
    found = {path.parent.parent.name for path in directory.glob("*/LC_MESSAGES/messages.po")}
    first = [code for code in ("nl", "en", "fr") if code in found]
    return (*first, *sorted(found - set(first)))


SHIPPED_LANGUAGES = shipped_languages()
RTL_LANGUAGES = frozenset({"ar", "fa", "ps", "he", "ur"})


class SettingsError(ValueError):
    """A setting is missing or wrong; the message says which and why."""


def _bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be true or false, not {value!r}")


def _int(value: str, name: str, minimum: int = 1) -> int:
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise SettingsError(f"{name} must be at least {minimum}")
    return number


def parse_now(value: str) -> datetime:
    """An ISO date-time (or date) in Europe/Brussels; an explicit offset is converted to it."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise SettingsError(
            f"PORTAL_NOW must be an ISO date-time such as 2026-03-15T10:00, not {value!r}"
        ) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=BRUSSELS)
    return parsed.astimezone(BRUSSELS)


# Development defaults: production refuses every one of them.
DEV_CLIENT_ID = "portal-dev"
DEV_CLIENT_SECRET = "portal-dev-secret"  # noqa: S105 - the local provider's, refused in production
DEV_MOLLIE_KEY = "test_sandboxsandboxsandboxsandbox00"

# Mollie's methods that suit a fee paid in Belgium ("banktransfer" takes days: only if chosen)
MOLLIE_METHODS = ("bancontact", "creditcard", "applepay", "googlepay", "banktransfer")


class _Given(TypedDict, total=False):
    """The settings the environment gives (the others keep their defaults)."""

    env: str
    database_url: str
    base_url: str
    now: datetime
    languages: tuple[str, ...]
    secret_key: str
    code_key: str
    oidc_issuer: str
    oidc_client_id: str
    oidc_client_secret: str
    oidc_scopes: str
    oidc_nrn_claim: str
    smtp_url: str
    mail_from: str
    mail_interval_seconds: int
    dev_login: bool
    payments_sandbox: bool
    mollie_api_key: str
    mollie_api_endpoint: str
    mollie_checkout_origin: str
    reconcile_after_minutes: int
    payment_methods: tuple[str, ...]
    job_round_seconds: int
    reminder_round_seconds: int
    session_idle_citizen_minutes: int
    session_idle_staff_minutes: int
    session_absolute_hours: int
    share_code_days: int
    check_limit: int
    check_window_minutes: int
    upload_max_bytes: int
    upload_max_files: int
    confirmation_link_days: int
    storage: str
    upload_dir: str
    s3_bucket: str
    s3_endpoint_url: str
    s3_region: str


_Text = Literal[
    "oidc_issuer",
    "oidc_client_id",
    "oidc_client_secret",
    "oidc_scopes",
    "oidc_nrn_claim",
    "smtp_url",
    "mail_from",
    "mollie_api_key",
    "mollie_api_endpoint",
    "mollie_checkout_origin",
    "storage",
    "upload_dir",
    "s3_bucket",
    "s3_endpoint_url",
    "s3_region",
]
_Flag = Literal["dev_login", "payments_sandbox"]
_Number = Literal[
    "session_idle_citizen_minutes",
    "session_idle_staff_minutes",
    "session_absolute_hours",
    "share_code_days",
    "check_limit",
    "check_window_minutes",
    "upload_max_bytes",
    "upload_max_files",
    "confirmation_link_days",
]
# The variables that set one setting each, by kind: (variable, setting).
_TEXTS: tuple[tuple[str, _Text], ...] = (
    ("PORTAL_OIDC_ISSUER", "oidc_issuer"),
    ("PORTAL_OIDC_CLIENT_ID", "oidc_client_id"),
    ("PORTAL_OIDC_CLIENT_SECRET", "oidc_client_secret"),
    ("PORTAL_OIDC_SCOPES", "oidc_scopes"),
    ("PORTAL_OIDC_NRN_CLAIM", "oidc_nrn_claim"),
    ("PORTAL_SMTP_URL", "smtp_url"),
    ("PORTAL_MAIL_FROM", "mail_from"),
    ("PORTAL_MOLLIE_API_KEY", "mollie_api_key"),
    ("PORTAL_MOLLIE_API_ENDPOINT", "mollie_api_endpoint"),
    ("PORTAL_MOLLIE_CHECKOUT_ORIGIN", "mollie_checkout_origin"),
    ("PORTAL_STORAGE", "storage"),
    ("PORTAL_UPLOAD_DIR", "upload_dir"),
    ("PORTAL_S3_BUCKET", "s3_bucket"),
    ("PORTAL_S3_ENDPOINT_URL", "s3_endpoint_url"),
    ("PORTAL_S3_REGION", "s3_region"),
)
_FLAGS: tuple[tuple[str, _Flag], ...] = (
    ("PORTAL_DEV_LOGIN", "dev_login"),
    ("PORTAL_PAYMENTS_SANDBOX", "payments_sandbox"),
)
_NUMBERS: tuple[tuple[str, _Number], ...] = (
    ("PORTAL_SESSION_IDLE_CITIZEN_MINUTES", "session_idle_citizen_minutes"),
    ("PORTAL_SESSION_IDLE_STAFF_MINUTES", "session_idle_staff_minutes"),
    ("PORTAL_SESSION_ABSOLUTE_HOURS", "session_absolute_hours"),
    ("PORTAL_SHARE_CODE_DAYS", "share_code_days"),
    ("PORTAL_CHECK_LIMIT", "check_limit"),
    ("PORTAL_CHECK_WINDOW_MINUTES", "check_window_minutes"),
    ("PORTAL_UPLOAD_MAX_BYTES", "upload_max_bytes"),
    ("PORTAL_UPLOAD_MAX_FILES", "upload_max_files"),
    ("PORTAL_CONFIRMATION_LINK_DAYS", "confirmation_link_days"),
)


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    database_url: str = f"sqlite:///{ROOT / 'var' / 'portal.sqlite3'}"
    secret_key: str = field(default="", repr=False)
    base_url: str = "http://127.0.0.1:8000"
    now: datetime | None = None
    languages: tuple[str, ...] = SHIPPED_LANGUAGES
    default_language: str = "nl"
    # sign-in (OpenID Connect)
    oidc_issuer: str = "http://127.0.0.1:8001"
    oidc_client_id: str = DEV_CLIENT_ID
    oidc_client_secret: str = field(default=DEV_CLIENT_SECRET, repr=False)
    oidc_scopes: str = "openid profile email"
    oidc_nrn_claim: str = "rrn"  # the claim that carries the national register number
    dev_login: bool = True
    # sessions
    session_idle_citizen_minutes: int = 30
    session_idle_staff_minutes: int = 15
    session_absolute_hours: int = 12
    # mail
    smtp_url: str = ""
    mail_from: str = "inburgering@example.invalid"
    mail_interval_seconds: int = (
        15  # how often queued e-mails are sent (0: only `portal mail send`)
    )
    # payments: Mollie (the local sandbox speaks the same API in development and tests)
    payments_sandbox: bool = True
    mollie_api_key: str = field(default=DEV_MOLLIE_KEY, repr=False)
    mollie_api_endpoint: str = "http://127.0.0.1:8002"
    reconcile_after_minutes: int = 10
    # the Mollie methods the checkout offers (never an open-ended bank transfer by accident)
    payment_methods: tuple[str, ...] = ("bancontact", "creditcard")
    # how long a periodic job's round lasts (each job runs once per round per deployment)
    job_round_seconds: int = 60
    # how often the reminder round runs (each reminder is sent once whatever the rounds)
    reminder_round_seconds: int = 3600
    # the origin of Mollie's hosted checkout (allowed as a form-action target); empty: derived
    mollie_checkout_origin: str = ""
    # proof for interpreting (§2J): share codes and the check rate limit
    share_code_days: int = 30
    # the key of the share codes' HMAC: PORTAL_SECRET_KEY when set (required in production), a
    # fixed development value otherwise (so codes survive a restart and work across processes)
    code_key: str = field(default="development-only-share-code-key", repr=False)
    check_limit: int = 10  # wrong codes per window, per service and per client address
    check_window_minutes: int = 15
    # pillar-4 evidence uploads
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_max_files: int = 5
    storage: str = "local"  # local | s3
    upload_dir: str = str(ROOT / "var" / "uploads")
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = "eu-west-1"
    confirmation_link_days: int = 14

    @property
    def mollie_mode(self) -> str:
        return "live" if self.mollie_api_key.startswith("live_") else "test"

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def session_cookie_name(self) -> str:
        # The __Host- prefix needs Secure, which plain http in development cannot have.
        return "__Host-portal_session" if self.https else "portal_session"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        get = env.get
        mode = get("PORTAL_ENV", "development").strip().lower()
        if mode not in {"development", "production", "test"}:
            raise SettingsError("PORTAL_ENV must be development, test or production")
        port = get("PORT", "8000")
        given: _Given = {"env": mode}
        if "PORTAL_DATABASE_URL" in env:
            given["database_url"] = env["PORTAL_DATABASE_URL"]
        given["base_url"] = get("PORTAL_BASE_URL", f"http://127.0.0.1:{port}").rstrip("/")
        if get("PORTAL_NOW"):
            given["now"] = parse_now(env["PORTAL_NOW"])
        if get("PORTAL_LANGUAGES"):
            langs = tuple(x.strip() for x in env["PORTAL_LANGUAGES"].split(",") if x.strip())
            unknown = [x for x in langs if x not in SHIPPED_LANGUAGES]
            if unknown or not langs:
                raise SettingsError(
                    f"PORTAL_LANGUAGES may only name shipped languages {SHIPPED_LANGUAGES}"
                )
            given["languages"] = langs
        for key, text in _TEXTS:
            if key in env:
                given[text] = env[key].strip()
        for key, flag in _FLAGS:
            if key in env:
                given[flag] = _bool(env[key], key)
            elif mode == "production":
                given[flag] = False
        for key, number in _NUMBERS:
            if key in env:
                given[number] = _int(env[key], key)
        if "PORTAL_RECONCILE_AFTER_MINUTES" in env:
            given["reconcile_after_minutes"] = _int(
                env["PORTAL_RECONCILE_AFTER_MINUTES"], "PORTAL_RECONCILE_AFTER_MINUTES"
            )
        if "PORTAL_PAYMENT_METHODS" in env:
            methods = tuple(
                x.strip() for x in env["PORTAL_PAYMENT_METHODS"].split(",") if x.strip()
            )
            unknown = [x for x in methods if x not in MOLLIE_METHODS]
            if unknown or not methods:
                raise SettingsError(
                    "PORTAL_PAYMENT_METHODS must list Mollie methods among "
                    + ", ".join(MOLLIE_METHODS)
                )
            given["payment_methods"] = tuple(dict.fromkeys(methods))
        if "PORTAL_REMINDER_ROUND_SECONDS" in env:
            given["reminder_round_seconds"] = _int(
                env["PORTAL_REMINDER_ROUND_SECONDS"], "PORTAL_REMINDER_ROUND_SECONDS", minimum=1
            )
        if "PORTAL_JOB_ROUND_SECONDS" in env:
            given["job_round_seconds"] = _int(
                env["PORTAL_JOB_ROUND_SECONDS"], "PORTAL_JOB_ROUND_SECONDS", minimum=1
            )
        if mode == "production":
            given.setdefault("mollie_api_key", "")
            given.setdefault("mollie_api_endpoint", "")
        if "PORTAL_MAIL_INTERVAL_SECONDS" in env:
            given["mail_interval_seconds"] = _int(
                env["PORTAL_MAIL_INTERVAL_SECONDS"], "PORTAL_MAIL_INTERVAL_SECONDS", minimum=0
            )
        secret = get("PORTAL_SECRET_KEY", "")
        if secret:
            given["code_key"] = secret
        if not secret and mode != "production":
            # Development and tests: a fresh key per process is fine (sessions live in the DB).
            secret = secrets.token_urlsafe(32)
        given["secret_key"] = secret
        settings = cls(**given)
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse unsafe combinations; production refuses every development convenience."""
        if self.default_language not in self.languages:
            raise SettingsError("the default language must be one of PORTAL_LANGUAGES")
        if self.storage not in {"local", "s3"}:
            raise SettingsError("PORTAL_STORAGE must be local or s3")
        if self.storage == "s3" and not self.s3_bucket:
            raise SettingsError("PORTAL_STORAGE=s3 needs PORTAL_S3_BUCKET")
        if not self.production:
            return
        problems = []
        if self.dev_login:
            problems.append("PORTAL_DEV_LOGIN must be off (the local sign-in provider)")
        if self.payments_sandbox:
            problems.append("PORTAL_PAYMENTS_SANDBOX must be off")
        if len(self.secret_key) < 32:
            problems.append("PORTAL_SECRET_KEY must be set (at least 32 characters)")
        if not self.https:
            problems.append("PORTAL_BASE_URL must be an https:// URL")
        if urlparse(self.oidc_issuer).scheme != "https":
            problems.append("PORTAL_OIDC_ISSUER must be an https:// URL")
        if self.oidc_client_id == DEV_CLIENT_ID:
            problems.append(
                "PORTAL_OIDC_CLIENT_ID must be the portal's registration, not the development one"
            )
        if self.oidc_client_secret == DEV_CLIENT_SECRET or len(self.oidc_client_secret) < 16:
            problems.append(
                "PORTAL_OIDC_CLIENT_SECRET must be the provider's secret (not the development one)"
            )
        if self.mail_from.endswith(".invalid"):
            problems.append("PORTAL_MAIL_FROM must be a real sender address")
        if self.mollie_api_key == DEV_MOLLIE_KEY:
            problems.append("PORTAL_MOLLIE_API_KEY must be the portal's own key")
        if self.now is not None:
            problems.append("PORTAL_NOW (the fixed clock) is for demos and tests only")
        if not self.mollie_api_key.startswith(("live_", "test_")):
            problems.append("PORTAL_MOLLIE_API_KEY must be set (live_... or test_...)")
        if self.mollie_api_endpoint and not self.mollie_api_endpoint.startswith("https://"):
            problems.append("PORTAL_MOLLIE_API_ENDPOINT must be https (or empty for Mollie)")
        if not self.smtp_url:
            problems.append("PORTAL_SMTP_URL must be set (the development mailbox sends nothing)")
        if self.database_url.startswith("sqlite"):
            problems.append("PORTAL_DATABASE_URL must name PostgreSQL, not the embedded SQLite")
        if problems:
            raise SettingsError("production mode refuses to start: " + "; ".join(problems))
