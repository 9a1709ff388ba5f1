"""A second, independent OpenID Connect provider for the tests, configured the way a government
provider usually is: IdentityPython's pyop (on pyoidc, the certified `oic` library) behind a small
werkzeug app on loopback.

Unlike the development provider it
- gives an opaque, pairwise-style subject and puts name, e-mail and the national register number
  (scope `rrn`, claim `rrn`) only at the userinfo endpoint, never in the ID token;
- keeps its own sign-in session (a cookie): a browser that signed in once is signed in again
  without a form until that session ends (RP-initiated logout at `end_session_endpoint`);
- can be broken on purpose, to prove the portal never answers a broken provider with a 500:
  `faults` holds what to do wrong next (see `StandardIdp.faults`).
"""

from __future__ import annotations

import html
import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from Cryptodome.PublicKey import RSA
from jwkest.jwk import RSAKey
from jwkest.jws import JWS
from oic.oic.message import EndSessionRequest
from pyop.authz_state import AuthorizationState
from pyop.provider import Provider
from pyop.subject_identifier import HashBasedSubjectIdentifierFactory
from pyop.userinfo import Userinfo
from werkzeug.wrappers import Request, Response

from portal.devtools.serving import serving

CLIENT_ID = "portal-standard"
CLIENT_SECRET = "standard-secret-" + "s" * 24
COOKIE = "op_session"


@dataclass
class StandardIdp:
    url: str
    users: dict[str, dict[str, Any]]
    provider: Provider
    redirect_uris: list[str]
    # what to do wrong next, one-shot unless noted: "discovery_500", "discovery_issuer" (lasting
    # until cleared), "id_token_aud", "id_token_expired", "id_token_signature",
    # "userinfo_sub", "token_500"
    faults: set[str] = field(default_factory=set)
    sessions: dict[str, str] = field(default_factory=dict)  # cookie value → user id
    ended: list[str] = field(default_factory=list)  # subjects whose session ended by logout

    def rotate_keys(self) -> None:
        """A new signing key with a new key id (the old one is withdrawn from the JWKS)."""
        self.provider.signing_key = _new_key()


def _new_key() -> RSAKey:
    return RSAKey(key=RSA.generate(2048), alg="RS256", kid=secrets.token_hex(4))


def _resign(idp: StandardIdp, id_token: str, **changes: Any) -> str:
    """The same ID token with changed claims, signed with the provider's key (or another)."""
    verified = JWS().verify_compact(id_token, keys=[idp.provider.signing_key])
    claims = dict(verified) if isinstance(verified, dict) else json.loads(verified)
    claims.update(changes)
    key = idp.provider.signing_key
    if "id_token_signature" in idp.faults:
        idp.faults.discard("id_token_signature")
        key = RSAKey(key=RSA.generate(2048), alg="RS256", kid=key.kid)  # same kid, wrong key
    return JWS(json.dumps(claims), alg="RS256").sign_compact(keys=[key])


def _page(title: str, body: str, status: int = 200) -> Response:
    return Response(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><main><h1>{title}</h1>{body}</main></body></html>",
        status=status,
        mimetype="text/html",
    )


def _app(idp: StandardIdp) -> Any:
    def authorize(request: Request) -> Response:
        args = request.args if request.method == "GET" else request.form
        query = urlencode({k: v for k, v in args.items() if k != "user"})
        authn = idp.provider.parse_authentication_request(query, dict(request.headers))
        user = idp.sessions.get(request.cookies.get(COOKIE, ""))
        response = None
        if user is None and request.method == "POST" and args.get("user") in idp.users:
            user = args["user"]
            response = Response(status=302)
            cookie = secrets.token_urlsafe(16)
            idp.sessions[cookie] = user
            response.set_cookie(COOKIE, cookie, httponly=True, samesite="Lax")
        if user is None:
            hidden = "".join(
                f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                for k, v in args.items()
                if k != "user"
            )
            return _page(
                "Sign in at the standard provider",
                f'<form method="post" action="/authorize">{hidden}'
                '<label for="user">User</label><input id="user" name="user">'
                "<button>Sign in</button></form>",
            )
        answer = idp.provider.authorize(authn, user)
        location = answer.request(authn["redirect_uri"], False)
        response = response or Response(status=302)
        response.headers["Location"] = location
        return response

    def token(request: Request) -> Response:
        if "token_500" in idp.faults:
            idp.faults.discard("token_500")
            return Response("broken", status=500)
        answer = idp.provider.handle_token_request(
            request.get_data().decode("utf-8"), dict(request.headers)
        ).to_dict()
        if "id_token" in answer:
            if "id_token_aud" in idp.faults:
                idp.faults.discard("id_token_aud")
                answer["id_token"] = _resign(
                    idp, answer["id_token"], aud=["another-client"], azp=CLIENT_ID
                )
            elif "id_token_expired" in idp.faults:
                idp.faults.discard("id_token_expired")
                past = int(time.time()) - 3600
                answer["id_token"] = _resign(idp, answer["id_token"], exp=past, iat=past - 60)
            elif "id_token_signature" in idp.faults:
                answer["id_token"] = _resign(idp, answer["id_token"])
        return Response(json.dumps(answer), mimetype="application/json")

    def userinfo(request: Request) -> Response:
        answer = idp.provider.handle_userinfo_request(
            request.get_data().decode("utf-8"), dict(request.headers)
        ).to_dict()
        if "userinfo_sub" in idp.faults:
            idp.faults.discard("userinfo_sub")
            answer["sub"] = "someone-else"
        return Response(json.dumps(answer), mimetype="application/json")

    def end_session(request: Request) -> Response:
        args = request.args if request.method == "GET" else request.form
        end = EndSessionRequest().deserialize(urlencode(dict(args.items())))
        cookie = request.cookies.get(COOKIE, "")
        user = idp.sessions.pop(cookie, None)
        if "id_token_hint" in end:
            idp.provider.logout_user(end_session_request=end)
            idp.ended.append(user or "")
        target = idp.provider.do_post_logout_redirect(end)
        response = Response(status=302) if target else _page("You are signed out", "")
        if target:
            response.headers["Location"] = target
        response.delete_cookie(COOKIE)
        return response

    def discovery(request: Request) -> Response:
        if "discovery_500" in idp.faults:
            idp.faults.discard("discovery_500")
            return Response("down", status=500)
        configuration = idp.provider.provider_configuration.to_dict()
        if "discovery_issuer" in idp.faults:
            configuration["issuer"] = idp.url + "/elsewhere"
        return Response(json.dumps(configuration), mimetype="application/json")

    routes = {
        "/.well-known/openid-configuration": discovery,
        "/authorize": authorize,
        "/token": token,
        "/userinfo": userinfo,
        "/end_session": end_session,
        "/jwks": lambda request: Response(
            json.dumps(idp.provider.jwks), mimetype="application/json"
        ),
    }

    @Request.application  # type: ignore[arg-type]
    def application(request: Request) -> Response:
        handler = routes.get(request.path)
        if handler is None:
            return Response("not found", status=404)
        try:
            return handler(request)
        except Exception as error:  # pyop's errors: an OAuth error page, as providers do
            return Response(
                json.dumps({"error": "invalid_request", "error_description": str(error)}),
                status=400,
                mimetype="application/json",
            )

    return application


@contextmanager
def running_standard_idp(
    users: dict[str, dict[str, Any]], redirect_uris: list[str], post_logout_uris: list[str]
) -> Iterator[StandardIdp]:
    holder: dict[str, Any] = {}  # the app, made once the port (and so the issuer) is known
    with serving(lambda environ, respond: holder["app"](environ, respond)) as server:
        url = f"http://127.0.0.1:{server.server_port}"
        yield _provider(holder, url, users, redirect_uris, post_logout_uris)


def _provider(
    holder: dict[str, Any],
    url: str,
    users: dict[str, dict[str, Any]],
    redirect_uris: list[str],
    post_logout_uris: list[str],
) -> StandardIdp:
    configuration = {
        "issuer": url.replace("http://", "https://"),  # pyoidc insists on https: set below
        "authorization_endpoint": f"{url}/authorize",
        "token_endpoint": f"{url}/token",
        "userinfo_endpoint": f"{url}/userinfo",
        "jwks_uri": f"{url}/jwks",
        "end_session_endpoint": f"{url}/end_session",
        "response_types_supported": ["code"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "profile", "email"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "claims_parameter_supported": True,
        "grant_types_supported": ["authorization_code"],
    }
    clients = {
        CLIENT_ID: {
            "client_secret": CLIENT_SECRET,
            "redirect_uris": redirect_uris,
            "post_logout_redirect_uris": post_logout_uris,
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
        }
    }
    authz = AuthorizationState(HashBasedSubjectIdentifierFactory("salt-" + secrets.token_hex(8)))
    provider = Provider(
        _new_key(),
        configuration,
        authz,
        clients,
        Userinfo(users),
        extra_scopes={"rrn": ["rrn"]},
    )
    # Loopback has no TLS: after pyoidc checked the document, the issuer is the real address.
    provider.configuration_information["issuer"] = url
    idp = StandardIdp(url, users, provider, redirect_uris)
    holder["app"] = _app(idp)
    return idp
