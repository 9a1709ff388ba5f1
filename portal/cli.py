"""`portal serve | db upgrade | db check | demo-data | idp | mail send | summaries refresh`."""

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
    from portal.app import file_store

    files = file_store(settings)
    engine = make_engine(settings.database_url)
    with session_scope(engine) as db:
        created = load_demo_data(
            db, Clock.from_settings(settings).today(), args.bookable, files=files
        )
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
    from portal.devtools.oidc_provider import refuse_in_production, running_provider
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


def _local_sandbox_port(settings: Settings) -> int | None:
    """The port of the local Mollie sandbox when payments go to loopback in development."""
    parsed = urlparse(settings.mollie_api_endpoint)
    if settings.payments_sandbox and parsed.hostname in {"127.0.0.1", "localhost"}:
        return parsed.port or 80
    return None


KEEP_ALIVE_SECONDS = 75
"""How long an idle keep-alive connection stays open: longer than the idle timeout of the
proxies and load balancers in front (60 s for most), so that the proxy, not the portal, closes
it (uvicorn's default of 5 s made proxies send requests on connections the portal had just
closed: errors under load)."""


def workers(asked: int | None) -> int:
    """Worker processes: as asked, else WEB_CONCURRENCY, else one per core this process may
    use."""
    if asked:
        return asked
    configured = os.environ.get("WEB_CONCURRENCY", "").strip()
    if configured:
        if not configured.isdigit() or int(configured) < 1:
            raise SystemExit(
                f"WEB_CONCURRENCY must be a whole number of at least 1: {configured!r}"
            )
        return int(configured)
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = _settings()
    port = int(os.environ.get("PORT", args.port))
    with ExitStack() as stack:
        sandbox_port = _local_sandbox_port(settings)
        if sandbox_port is not None and not args.no_idp:
            from portal.devtools.mollie_sandbox import refuse_in_production, running_sandbox

            refuse_in_production(settings)
            stack.enter_context(running_sandbox(sandbox_port))
            print(f"local Mollie sandbox on {settings.mollie_api_endpoint}", flush=True)
        idp_port = _local_idp_port(settings)
        if idp_port is not None and not args.no_idp:
            # development only: production never imports portal.devtools
            from portal.devtools.oidc_provider import running_provider
            from portal.services.demo import PERSONAS

            stack.enter_context(running_provider(idp_port, [(p.subject, p.name) for p in PERSONAS]))
            print(f"local sign-in provider on {settings.oidc_issuer}", flush=True)
        print(f"portal on http://{args.host}:{port}", flush=True)
        uvicorn.run(
            "portal.asgi:app",
            host=args.host,
            port=port,
            workers=workers(args.workers),
            timeout_keep_alive=args.keep_alive,
            loop="uvloop",
            http="httptools",
            proxy_headers=settings.production,
            log_level="info",
            access_log=args.access_log,
        )
    return 0


def cmd_payments_reconcile(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from portal.adapters.payments.mollie import MolliePayments
    from portal.clock import Clock
    from portal.db.engine import make_engine
    from portal.services.payments import reconcile

    settings = _settings()
    engine = make_engine(settings.database_url)
    gateway = MolliePayments(settings.mollie_api_key, settings.mollie_api_endpoint)
    minutes = args.minutes if args.minutes is not None else settings.reconcile_after_minutes
    count = reconcile(
        engine,
        gateway,
        Clock.from_settings(settings).now(),
        timedelta(minutes=minutes),
        settings.mollie_mode,
    )
    engine.dispose()
    print(f"{count} payment(s) checked with Mollie")
    return 0


def cmd_course_load(args: argparse.Namespace) -> int:
    from pathlib import Path

    from portal.db.engine import make_engine, session_scope
    from portal.services.course import CONTENT, ContentError, load_course

    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as db:
            report = load_course(db, "cli", Path(args.directory) if args.directory else CONTENT)
    except (ContentError, OSError, ValueError, KeyError) as error:
        print(f"portal: the course was not loaded: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"course {report['version']} loaded: {report['modules']} modules")
    for module_id, languages in sorted(report["fallbacks"].items()):
        print(f"  {module_id}: shown in Dutch for {', '.join(languages)} (translation missing)")
    return 0


def cmd_mail_send(args: argparse.Namespace) -> int:
    from portal.adapters.mail import make_mailer
    from portal.clock import Clock
    from portal.db.engine import make_engine
    from portal.services.notify import deliver_outbox

    settings = _settings()
    engine = make_engine(settings.database_url)
    sent = deliver_outbox(engine, make_mailer(settings), Clock.from_settings(settings).now())
    print(f"{sent} e-mail(s) sent")
    return 0


def cmd_reminders_send(args: argparse.Namespace) -> int:
    from portal.clock import Clock
    from portal.db.engine import make_engine
    from portal.services.reminders import send_round

    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        sent = send_round(engine, Clock.from_settings(settings).now())
    finally:
        engine.dispose()
    print(f"{sent} reminder(s) sent")
    return 0


def cmd_summaries_refresh(args: argparse.Namespace) -> int:
    from portal.clock import Clock
    from portal.db.engine import make_engine, session_scope
    from portal.services import summaries

    settings = _settings()
    engine = make_engine(settings.database_url)
    today = Clock.from_settings(settings).today()
    try:
        if args.stale:
            done = total = summaries.refresh_stale(engine, today, limit=2**31)
        else:
            with session_scope(engine) as db:
                ids = summaries.all_people(db)
            total = len(ids)
            done = 0
            for start in range(0, total, summaries.BATCH):
                with session_scope(engine) as db:
                    done += summaries.refresh(db, ids[start : start + summaries.BATCH], today)
    finally:
        engine.dispose()
    print(f"{done} of {total} person(s) recomputed for the staff lists")
    return 0


def cmd_catalogs_compile(args: argparse.Namespace) -> int:
    from portal.i18n import compile_catalogs

    written = compile_catalogs()
    print(f"{len(written)} catalog(s) compiled")
    return 0


def cmd_admin(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from portal.db.engine import make_engine, session_scope
    from portal.services import admin
    from portal.services.errors import ServiceError

    settings = _settings()
    engine = make_engine(settings.database_url)
    actor = f"cli:{os.environ.get('USER', 'admin')}"
    try:
        with session_scope(engine) as db:
            if args.admin_command == "agency":
                admin.add_agency(
                    db, actor, args.code, args.name, args.office, args.address, args.phone
                )
            elif args.admin_command == "municipality":
                admin.add_municipality(
                    db, actor, args.nis, args.name_nl, args.region, args.name_fr, args.province
                )
            elif args.admin_command == "service":
                admin.add_interpreting_service(db, actor, args.name)
            elif args.admin_command == "grant":
                admin.grant(
                    db,
                    actor,
                    args.subject,
                    args.role,
                    args.name or args.subject,
                    agency=args.agency,
                    municipality=args.municipality,
                    service=args.service,
                )
            elif args.admin_command == "revoke":
                admin.revoke(
                    db,
                    actor,
                    args.subject,
                    args.role,
                    now=datetime.now(UTC),
                    reason=args.reason,
                    successor=args.successor,
                )
            elif args.admin_command == "api-key":
                from sqlmodel import select

                from portal.db import models as m
                from portal.services import interpreting

                if args.key_action == "issue":
                    service = db.exec(
                        select(m.InterpretingService).where(
                            m.InterpretingService.name == args.service
                        )
                    ).first()
                    if service is None:
                        raise ServiceError("unknown_service")
                    key, raw = interpreting.issue_api_key(
                        db, actor, int(service.id or 0), args.label
                    )
                    print(f"API key {key.id} for {service.name} (shown once, keep it secret):")
                    print(raw)
                    return 0
                if args.key_action == "revoke":
                    interpreting.revoke_api_key(db, actor, args.id, datetime.now(UTC))
                else:
                    for key, name in interpreting.api_keys(db):
                        state = "revoked" if key.revoked_at else "active"
                        print(f"{key.id}\t{key.prefix}…\t{name}\t{key.label}\t{state}")
                    return 0
            elif args.admin_command == "list":
                from sqlmodel import select

                from portal.db import models as m

                for g in db.exec(select(m.RoleGrant).order_by(m.RoleGrant.subject)).all():
                    held = "held" if g.ended_at is None else f"ended {g.ended_at:%Y-%m-%d}"
                    print(f"{g.subject}\t{g.role}\t{g.display_name}\t{held}")
                return 0
    except ServiceError as error:
        print(f"portal: {error} (nothing was changed)", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print("done")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the portal (uvicorn, uvloop, httptools)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default: WEB_CONCURRENCY, else one per core)",
    )
    serve.add_argument(
        "--keep-alive",
        type=int,
        default=KEEP_ALIVE_SECONDS,
        help=f"seconds an idle connection stays open (default {KEEP_ALIVE_SECONDS}: longer than "
        "a proxy's idle timeout)",
    )
    serve.add_argument("--no-idp", action="store_true", help="do not start the local provider")
    serve.add_argument("--access-log", action="store_true")
    serve.set_defaults(func=cmd_serve)
    db = sub.add_parser("db", help="database commands")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)
    db_sub.add_parser("check", help="models and migrations agree").set_defaults(func=cmd_db_check)
    demo = sub.add_parser("demo-data", help="load the demo personas")
    demo.add_argument(
        "--bookable",
        type=int,
        default=0,
        metavar="N",
        help="also N persons ready to book the MO test (demo-bookable-1 ...)",
    )
    demo.set_defaults(func=cmd_demo_data)
    idp = sub.add_parser("idp", help="run the local OpenID Connect provider alone")
    idp.add_argument("--port", type=int, default=0)
    idp.set_defaults(func=cmd_idp)
    payments = sub.add_parser("payments", help="payment commands")
    payments_sub = payments.add_subparsers(dest="payments_command", required=True)
    reconcile = payments_sub.add_parser(
        "reconcile", help="apply Mollie's real status to payments still open or pending"
    )
    reconcile.add_argument(
        "--minutes",
        type=int,
        default=None,
        help="only payments older than this (default: the setting)",
    )
    reconcile.set_defaults(func=cmd_payments_reconcile)
    course = sub.add_parser("course", help="the online MO course")
    course_sub = course.add_subparsers(dest="course_command", required=True)
    load = course_sub.add_parser("load", help="load (publish) the course content version")
    load.add_argument("--directory", default="", help="the content folder (default: built in)")
    load.set_defaults(func=cmd_course_load)
    mail = sub.add_parser("mail", help="e-mail commands")
    mail_sub = mail.add_subparsers(dest="mail_command", required=True)
    mail_sub.add_parser("send", help="send queued e-mails").set_defaults(func=cmd_mail_send)
    reminders = sub.add_parser("reminders", help="reminders before deadlines, tests and fees")
    reminders_sub = reminders.add_subparsers(dest="reminders_command", required=True)
    reminders_sub.add_parser("send", help="send the reminders due now (each once)").set_defaults(
        func=cmd_reminders_send
    )
    adm = sub.add_parser("admin", help="agencies, municipalities, services and role grants")
    adm_sub = adm.add_subparsers(dest="admin_command", required=True)
    p = adm_sub.add_parser("agency", help="add an agency")
    p.add_argument("code")
    p.add_argument("name")
    p.add_argument("--office", default="")
    p.add_argument("--address", default="")
    p.add_argument("--phone", default="")
    p = adm_sub.add_parser("municipality", help="add a municipality")
    p.add_argument("nis")
    p.add_argument("name_nl")
    p.add_argument("--region", required=True, choices=["flanders", "brussels"])
    p.add_argument("--name-fr", default="")
    p.add_argument("--province", default="")
    p = adm_sub.add_parser("service", help="add an interpreting service")
    p.add_argument("name")
    p = adm_sub.add_parser("grant", help="grant a role to a subject")
    p.add_argument("subject")
    p.add_argument("role", choices=["counsellor", "municipality", "interpreting", "admin"])
    p.add_argument("--name", default="")
    p.add_argument("--agency")
    p.add_argument("--municipality")
    p.add_argument("--service")
    p = adm_sub.add_parser("revoke", help="take a role back (it keeps its history)")
    p.add_argument("subject")
    p.add_argument("role")
    p.add_argument("--reason", default="")
    p.add_argument("--successor", help="the counsellor (subject) who takes over the caseload")
    adm_sub.add_parser("list", help="list the role grants")
    p = adm_sub.add_parser("api-key", help="API keys of interpreting services")
    key_sub = p.add_subparsers(dest="key_action", required=True)
    issue = key_sub.add_parser("issue", help="issue a key (printed once)")
    issue.add_argument("service", help="the interpreting service's name")
    issue.add_argument("--label", default="", help="what the key is for, e.g. the system's name")
    revoke = key_sub.add_parser("revoke", help="revoke a key")
    revoke.add_argument("id", type=int)
    key_sub.add_parser("list", help="list the keys")
    adm.set_defaults(func=cmd_admin)
    summaries = sub.add_parser("summaries", help="the lines of the counsellor's lists")
    summaries_sub = summaries.add_subparsers(dest="summaries_command", required=True)
    refresh = summaries_sub.add_parser(
        "refresh", help="recompute every person's lines for today (after the migration)"
    )
    refresh.add_argument(
        "--stale", action="store_true", help="only the lines missing or computed before today"
    )
    refresh.set_defaults(func=cmd_summaries_refresh)
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
