"""`portal serve | db upgrade | db check | demo-data | idp | mail send`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from contextlib import ExitStack
from urllib.parse import urlparse

from portal.settings import Settings, SettingsError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        print(f"portal: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from portal.db import migrate

    settings = _settings()
    migrate.upgrade(settings.database_url)
    print("database is up to date")
    return 0


def cmd_db_check(args: argparse.Namespace) -> int:
    from portal.db import migrate

    migrate.check(_settings().database_url)
    print("models and migrations agree")
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    from portal.clock import Clock
    from portal.db.engine import make_engine, session_scope
    from portal.services.demo import load_demo_data

    settings = _settings()
    if settings.production:
        print("portal: demo data is refused in production mode", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    with session_scope(engine) as db:
        created = load_demo_data(db, Clock.from_settings(settings).today())
    engine.dispose()
    print(f"demo data loaded ({len(created)} new)" if created else "demo data already loaded")
    return 0


def _local_idp_port(settings: Settings) -> int | None:
    """The port of the local provider when the issuer names loopback in development."""
    parsed = urlparse(settings.oidc_issuer)
    if settings.dev_login and parsed.hostname in {"127.0.0.1", "localhost"}:
        return parsed.port or 80
    return None


def cmd_idp(args: argparse.Namespace) -> int:
    from portal.adapters.identity.local import refuse_in_production, running_provider
    from portal.services.demo import PERSONAS

    settings = _settings()
    refuse_in_production(settings)
    port = args.port or _local_idp_port(settings) or 8001
    with running_provider(port, [(p.subject, p.name) for p in PERSONAS]) as server:
        print(f"local sign-in provider on http://127.0.0.1:{server.server_port}", flush=True)
        try:
            import threading

            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from portal.adapters.identity.local import running_provider
    from portal.services.demo import PERSONAS

    settings = _settings()
    port = int(os.environ.get("PORT", args.port))
    with ExitStack() as stack:
        idp_port = _local_idp_port(settings)
        if idp_port is not None and not args.no_idp:
            stack.enter_context(running_provider(idp_port, [(p.subject, p.name) for p in PERSONAS]))
            print(f"local sign-in provider on {settings.oidc_issuer}", flush=True)
        print(f"portal on http://{args.host}:{port}", flush=True)
        uvicorn.run(
            "portal.asgi:app",
            host=args.host,
            port=port,
            workers=args.workers,
            loop="uvloop",
            http="httptools",
            proxy_headers=settings.production,
            log_level="info",
            access_log=args.access_log,
        )
    return 0


def cmd_mail_send(args: argparse.Namespace) -> int:
    from portal.adapters.mail import make_mailer
    from portal.clock import Clock
    from portal.db.engine import make_engine, session_scope
    from portal.services.notify import deliver_outbox

    settings = _settings()
    engine = make_engine(settings.database_url)
    with session_scope(engine) as db:
        sent = deliver_outbox(db, make_mailer(settings), Clock.from_settings(settings).now())
    print(f"{sent} e-mail(s) sent")
    return 0


def cmd_catalogs_compile(args: argparse.Namespace) -> int:
    from portal.i18n import compile_catalogs

    written = compile_catalogs()
    print(f"{len(written)} catalog(s) compiled")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the portal (uvicorn, uvloop, httptools)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-idp", action="store_true", help="do not start the local provider")
    serve.add_argument("--access-log", action="store_true")
    serve.set_defaults(func=cmd_serve)
    db = sub.add_parser("db", help="database commands")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)
    db_sub.add_parser("check", help="models and migrations agree").set_defaults(func=cmd_db_check)
    sub.add_parser("demo-data", help="load the demo personas").set_defaults(func=cmd_demo_data)
    idp = sub.add_parser("idp", help="run the local OpenID Connect provider alone")
    idp.add_argument("--port", type=int, default=0)
    idp.set_defaults(func=cmd_idp)
    mail = sub.add_parser("mail", help="e-mail commands")
    mail_sub = mail.add_subparsers(dest="mail_command", required=True)
    mail_sub.add_parser("send", help="send queued e-mails").set_defaults(func=cmd_mail_send)
    catalogs = sub.add_parser("catalogs", help="translation catalogs")
    catalogs_sub = catalogs.add_subparsers(dest="catalogs_command", required=True)
    catalogs_sub.add_parser("compile", help="compile .po to .mo").set_defaults(
        func=cmd_catalogs_compile
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
