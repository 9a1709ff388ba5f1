"""Settings from the environment; production refuses development conveniences."""

from __future__ import annotations

from datetime import datetime

import pytest

from portal.settings import BRUSSELS, Settings, SettingsError

PRODUCTION = {
    "PORTAL_ENV": "production",
    "PORTAL_SECRET_KEY": "k" * 40,
    "PORTAL_BASE_URL": "https://inburgering.example.be",
    "PORTAL_OIDC_ISSUER": "https://idp.example.be",
    "PORTAL_DATABASE_URL": "postgresql+psycopg://portal@db/portal",
    "PORTAL_SMTP_URL": "smtp://mail.example.be:587",
    "PORTAL_MOLLIE_API_KEY": "live_" + "k" * 30,
    "PORTAL_OIDC_CLIENT_ID": "inburgering-portal",
    "PORTAL_OIDC_CLIENT_SECRET": "s3cr3t-from-acm-idm-" + "x" * 12,
    "PORTAL_MAIL_FROM": "inburgering@vlaanderen.be",
}


def test_production_with_real_parts_starts():
    settings = Settings.from_env(PRODUCTION)
    assert settings.production and not settings.dev_login and not settings.payments_sandbox
    assert settings.session_cookie_name == "__Host-portal_session"


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"PORTAL_DEV_LOGIN": "true"}, "PORTAL_DEV_LOGIN"),
        ({"PORTAL_PAYMENTS_SANDBOX": "1"}, "PORTAL_PAYMENTS_SANDBOX"),
        ({"PORTAL_SECRET_KEY": ""}, "PORTAL_SECRET_KEY"),
        ({"PORTAL_SECRET_KEY": "short"}, "PORTAL_SECRET_KEY"),
        ({"PORTAL_BASE_URL": "http://inburgering.example.be"}, "PORTAL_BASE_URL"),
        ({"PORTAL_OIDC_ISSUER": "http://127.0.0.1:8001"}, "PORTAL_OIDC_ISSUER"),
        ({"PORTAL_NOW": "2026-03-16T10:00"}, "PORTAL_NOW"),
        ({"PORTAL_DATABASE_URL": "sqlite:///var/portal.sqlite3"}, "PORTAL_DATABASE_URL"),
        ({"PORTAL_SMTP_URL": ""}, "PORTAL_SMTP_URL"),
        ({"PORTAL_MOLLIE_API_KEY": ""}, "PORTAL_MOLLIE_API_KEY"),
        ({"PORTAL_MOLLIE_API_ENDPOINT": "http://127.0.0.1:8002"}, "PORTAL_MOLLIE_API_ENDPOINT"),
        ({"PORTAL_OIDC_CLIENT_SECRET": "portal-dev-secret"}, "PORTAL_OIDC_CLIENT_SECRET"),
        ({"PORTAL_OIDC_CLIENT_SECRET": "short"}, "PORTAL_OIDC_CLIENT_SECRET"),
        ({"PORTAL_OIDC_CLIENT_ID": "portal-dev"}, "PORTAL_OIDC_CLIENT_ID"),
        ({"PORTAL_MAIL_FROM": "inburgering@example.invalid"}, "PORTAL_MAIL_FROM"),
        (
            {"PORTAL_MOLLIE_API_KEY": "test_sandboxsandboxsandboxsandbox00"},
            "PORTAL_MOLLIE_API_KEY",
        ),
    ],
)
def test_production_refuses_development_conveniences(change, complaint):
    with pytest.raises(SettingsError, match=complaint):
        Settings.from_env({**PRODUCTION, **change})


def test_clock_setting_is_brussels_time():
    settings = Settings.from_env({"PORTAL_NOW": "2026-03-29T02:30"})
    assert settings.now.tzinfo is not None
    assert settings.now.utcoffset() is not None
    assert Settings.from_env({"PORTAL_NOW": "2026-07-01T12:00+00:00"}).now == datetime(
        2026, 7, 1, 14, 0, tzinfo=BRUSSELS
    )


@pytest.mark.parametrize(
    "env",
    [
        {"PORTAL_NOW": "yesterday"},
        {"PORTAL_ENV": "staging"},
        {"PORTAL_DEV_LOGIN": "maybe"},
        {"PORTAL_SESSION_IDLE_CITIZEN_MINUTES": "0"},
        {"PORTAL_SESSION_IDLE_STAFF_MINUTES": "ten"},
        {"PORTAL_LANGUAGES": "nl,xx"},
    ],
)
def test_bad_settings_are_clear_errors(env):
    with pytest.raises(SettingsError):
        Settings.from_env(env)


def test_port_sets_the_default_base_url():
    assert Settings.from_env({"PORT": "8123"}).base_url == "http://127.0.0.1:8123"


def test_production_app_refuses_to_start_with_the_local_provider():
    from portal.devtools.oidc_provider import refuse_in_production

    with pytest.raises(RuntimeError):
        refuse_in_production(Settings.from_env(PRODUCTION))


def test_forms_may_redirect_to_mollies_checkout_and_the_providers_sign_out_and_nowhere_else():
    from portal.web.security import content_security_policy

    production = content_security_policy(Settings.from_env(PRODUCTION))
    assert production.endswith("form-action 'self' https://www.mollie.com https://idp.example.be")
    local = content_security_policy(
        Settings.from_env({"PORTAL_MOLLIE_API_ENDPOINT": "http://127.0.0.1:8002"})
    )
    assert local.endswith("form-action 'self' http://127.0.0.1:8002 http://127.0.0.1:8001")


def test_the_share_code_key_is_the_secret_key_or_a_stable_development_value():
    from portal.settings import Settings

    first = Settings.from_env({"PORTAL_ENV": "development"})
    second = Settings.from_env({"PORTAL_ENV": "development"})
    assert first.secret_key != second.secret_key  # random per process in development
    assert first.code_key == second.code_key  # but codes survive a restart
    keyed = Settings.from_env({"PORTAL_ENV": "development", "PORTAL_SECRET_KEY": "k" * 40})
    assert keyed.code_key == "k" * 40
    assert "k" * 40 not in repr(keyed)
