"""create_app(settings): routes, middleware, exception handlers, lifespan."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import jinja2
from markupsafe import Markup
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from portal import i18n
from portal.adapters.mail import Mailer, make_mailer
from portal.clock import Clock
from portal.clock import install as install_clock
from portal.db.engine import make_engine, threads_for
from portal.services import dashboard, web_sessions
from portal.settings import BRUSSELS, ROOT, STATIC_DIR, Settings
from portal.web import text
from portal.web.context import Portal
from portal.web.static_files import PageGZipMiddleware

log = logging.getLogger("portal")

TEMPLATES_DIR = ROOT / "templates"


def static_manifest(directory: Path = STATIC_DIR) -> dict[str, str]:
    """Relative path → short content hash, for fingerprinted URLs cached for a year."""
    manifest: dict[str, str] = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            manifest[path.relative_to(directory).as_posix()] = digest
    return manifest


class Templates(jinja2.Environment):
    """Jinja as the pages use it: their contexts are mostly dicts read with dots
    (`task.status`), which Jinja looks up as an attribute first — for a dict, an AttributeError
    raised and caught every time, a sixth of a page's rendering. A dict's key is looked up
    first here; anything else, or a key the dict does not have (`.items()`), as Jinja does."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def make_templates(manifest: dict[str, str]) -> jinja2.Environment:
    env = Templates(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the code: no file checked at every render
    )

    def _gettext(message: str) -> str:
        return i18n.translations(i18n.current_language()).gettext(message)

    def _ngettext(singular: str, plural: str, num: int) -> str:
        return i18n.translations(i18n.current_language()).ngettext(singular, plural, num)

    # The i18n extension adds this method at run time (Environment.extend); Jinja's types
    # cannot declare it, so mypy does not know it.
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]

    def static_url(path: str) -> str:
        return f"/static/{manifest[path]}/{path}"

    sprite = static_url("img/pictograms.svg")

    @functools.lru_cache(maxsize=64)
    def pictogram(name: str) -> Markup:
        """A pictogram of the sprite (img/pictograms.svg), beside words and never instead of
        them: hidden from screen readers, so a link's, button's or label's accessible name
        stays its words. (A function, not a macro: a macro imported into a page is rendered
        anew for every page.)"""
        return Markup(
            '<svg class="pictogram" width="24" height="24" aria-hidden="true" '
            'focusable="false"><use href="{}#{}"></use></svg>'
        ).format(sprite, name)

    from datetime import date as _date

    env.filters["todate"] = _date.fromisoformat

    text.install(env)
    env.globals.update(
        static_url=static_url,
        pictogram=pictogram,
        brussels=BRUSSELS,
        format_date=i18n.format_date,
        format_datetime=i18n.format_datetime,
        format_money=i18n.format_money,
        relative_days=i18n.relative_days,
        language_names=i18n.LANGUAGE_NAMES,
        current_language=i18n.current_language,
        text_direction=i18n.text_direction,
        form_message=_form_message,
        pillar_name=_pillar_name,
        fact_kind_name=_label("fact_kind_name"),
        sanction_kind_name=_label("sanction_kind_name"),
        told_name=_label("told_name"),
        action_name=_label("action_name"),
        test_name=_label("test_name"),
        payment_status_name=_label("payment_status_name"),
        booking_status_name=_label("booking_status_name"),
        activity_kind_name=_label("activity_kind_name"),
        activity_status_name=_label("activity_status_name"),
        activity_event_name=_label("activity_event_name"),
        level_name=_label("level_name"),
        request_kind_name=_label("request_kind_name"),
        request_status_name=_label("request_status_name"),
    )
    return env


def _form_message(code: str, **variables: object) -> str:
    from portal.web.forms import message

    return message(code, **variables)


def _label(name: str) -> Any:
    def lookup(value: str, *more: str) -> str:
        from portal import labels

        return str(getattr(labels, name)(value, *more))

    return lookup


def _pillar_name(pillar: str, region: str = "flanders") -> str:
    from portal.labels import pillar_name

    return pillar_name(pillar, region)


def file_store(settings: Settings) -> Any:
    """Where uploads are kept, as the settings say (a local folder, or S3-compatible storage)."""
    from pathlib import Path

    from portal.adapters.storage import open_store

    return open_store(
        settings.storage,
        local_root=Path(settings.upload_dir),
        s3_bucket=settings.s3_bucket,
        s3_endpoint_url=settings.s3_endpoint_url or None,
        s3_region=settings.s3_region,
    )


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    mailer: Mailer | None = None,
    payments: Any = None,
    files: Any = None,
) -> Starlette:
    from portal.web import auth, errors, routes
    from portal.web.locale import LocaleMiddleware
    from portal.web.security import BodyLimitMiddleware, SecurityHeadersMiddleware
    from portal.web.sessions import SessionMiddleware

    settings = settings or Settings.from_env()
    settings.check()
    clock = clock or Clock.from_settings(settings)
    install_clock(clock)
    engine = engine or make_engine(settings.database_url)
    manifest = static_manifest()
    portal = Portal(
        settings=settings,
        clock=clock,
        engine=engine,
        templates=make_templates(manifest),
        manifest=manifest,
        mailer=mailer or make_mailer(settings),
    )
    portal.oauth = auth.make_oauth(settings)
    if payments is None:
        from portal.adapters.payments.mollie import MolliePayments

        payments = MolliePayments(settings.mollie_api_key, settings.mollie_api_endpoint)
    portal.payments = payments
    portal.files = files if files is not None else file_store(settings)

    # the session lookup on the loop, and the kept pages of "My integration" (services.dashboard)
    session_reader = web_sessions.AsyncReader(engine, watch=(dashboard.CHANNEL,))
    portal.reader = session_reader  # and reads of pages that answer on the loop (/my)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if (threads := threads_for(engine)) is not None:  # not more threads than connections
            anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        await session_reader.open()
        try:
            async with anyio.create_task_group() as tasks:
                if settings.mail_interval_seconds > 0:
                    tasks.start_soon(_housekeeping, portal)
                yield
                tasks.cancel_scope.cancel()
        finally:
            await session_reader.close()
            engine.dispose()

    all_routes: list[BaseRoute] = list(routes.all_routes())
    app = Starlette(
        debug=False,
        routes=all_routes,
        middleware=[
            Middleware(SecurityHeadersMiddleware, settings=settings),
            Middleware(
                BodyLimitMiddleware,
                limit=1024 * 1024,
                large_limit=settings.upload_max_files * settings.upload_max_bytes + 512 * 1024,
                large_paths=re.compile(r"^/my/participation/activities/\d+/edit$"),
            ),
            Middleware(PageGZipMiddleware, minimum_size=400),
            Middleware(
                SessionMiddleware,
                settings=settings,
                engine=engine,
                clock=clock,
                reader=session_reader,
            ),
            Middleware(LocaleMiddleware, settings=settings),
        ],
        exception_handlers={
            HTTPException: errors.http_exception,
            Exception: errors.server_error,
        },
        lifespan=lifespan,
    )
    app.state.portal = portal
    return app


async def _housekeeping(portal: Portal) -> None:
    """Now and then: send queued e-mails, drop expired sessions, free expired seat holds and
    check payments with Mollie. Every process runs this loop, but each job runs once per round
    per deployment (services/jobs.py: the first process to claim the round does it)."""
    from datetime import timedelta

    from portal.services import jobs
    from portal.services.booking import expire_holds
    from portal.services.notify import deliver_outbox
    from portal.services.payments import reconcile
    from portal.services.ratelimit import sweep as sweep_rate_limits
    from portal.services.reminders import send_round as send_reminders
    from portal.services.summaries import refresh_stale
    from portal.web.sessions import delete_expired_sessions

    settings = portal.settings

    def mail() -> None:
        deliver_outbox(portal.engine, portal.mailer, portal.clock.now())

    def tidy() -> None:
        delete_expired_sessions(portal.engine, settings, portal.clock.now())
        expire_holds(portal.engine, portal.clock.now())
        sweep_rate_limits(
            portal.engine,
            portal.clock.now(),
            timedelta(minutes=settings.check_window_minutes),
        )
        jobs.sweep(portal.engine)

    def payments() -> None:
        reconcile(
            portal.engine,
            portal.payments,
            portal.clock.now(),
            timedelta(minutes=settings.reconcile_after_minutes),
            settings.mollie_mode,
        )

    def reminders() -> None:
        send_reminders(portal.engine, portal.clock.now())

    def summaries() -> None:  # the counsellor's lists, as days pass (services/summaries.py)
        refresh_stale(portal.engine, portal.clock.today())

    def run_once() -> None:
        jobs.run_once_per_round(portal.engine, "mail", settings.mail_interval_seconds, mail)
        jobs.run_once_per_round(portal.engine, "tidy", settings.job_round_seconds, tidy)
        jobs.run_once_per_round(portal.engine, "payments", settings.job_round_seconds, payments)
        jobs.run_once_per_round(
            portal.engine, "reminders", settings.reminder_round_seconds, reminders
        )
        jobs.run_once_per_round(portal.engine, "summaries", settings.job_round_seconds, summaries)

    while True:
        await anyio.sleep(settings.mail_interval_seconds)
        try:
            await anyio.to_thread.run_sync(run_once)
        except Exception:  # logged; the next round tries again
            log.exception("housekeeping failed")
