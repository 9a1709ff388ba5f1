"""The local OpenID Connect provider for development and tests: oidc-provider-mock (built on
Authlib), with the demo personas listed on its sign-in page. A real OIDC server speaking the real
protocol (discovery, RS256 ID tokens, userinfo), bound to loopback only, refused in production.
Its authorization endpoint takes a form POST whose field `sub` is the subject to sign in as."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import werkzeug.serving

from portal.devtools.serving import serving
from portal.settings import Settings

LOOPBACK = "127.0.0.1"


def persona_users(personas: Sequence[tuple[str, str]]) -> list[Any]:
    from oidc_provider_mock import User

    return [
        User(sub=sub, claims={"name": name, "email": f"{sub}@example.invalid"})
        for sub, name in personas
    ]


def make_provider_app(personas: Sequence[tuple[str, str]] = (), wrap: Any = None) -> Any:
    """The provider as a WSGI app, without Werkzeug's interactive debugger."""
    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on loopback only
    import flask
    from oidc_provider_mock import init_app

    app = flask.Flask("oidc_provider_mock")  # its templates live in that package
    init_app(app, require_nonce=True, user_claims=persona_users(personas))
    app.debug = False
    app.secret_key = os.urandom(16)
    debugged = app.wsgi_app  # init_app wraps it in Werkzeug's interactive debugger
    plain = getattr(debugged, "app", debugged)  # the Flask app's own WSGI callable
    return wrap(plain) if wrap else plain


@contextmanager
def running_provider(
    port: int = 0, personas: Sequence[tuple[str, str]] = (), wrap: Any = None
) -> Iterator[werkzeug.serving.BaseWSGIServer]:
    """Serve the provider on 127.0.0.1 in a background thread for the `with` block."""
    with serving(make_provider_app(personas, wrap), port, LOOPBACK) as server:
        yield server


def refuse_in_production(settings: Settings) -> None:
    if settings.production:
        raise RuntimeError("the local sign-in provider never runs in production mode")
