"""Who signs in: an account per subject (name and e-mail from the provider's claims, the last
sign-in), and what the subject may do — a held staff grant, or their own person record. A person
registered at intake is bound to their subject the first time they sign in with the national
register number claim; a bound record is never taken over."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select, update

from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain.nrn import NrnError, parse_nrn
from portal.services.errors import audit

ROLE_PRIORITY = ("admin", "counsellor", "municipality", "interpreting")


def sign_in(
    engine: Engine,
    subject: str,
    claims: dict[str, Any],
    *,
    nrn_claim: str,
    chosen_language: str | None,
    now: datetime,
) -> tuple[dict[str, Any], str | None]:
    """Record the sign-in and decide what the subject may do. Returns the values the session
    keeps and the account's language (the language chosen before signing in, else the person's
    own, is kept as the account's preference the first time)."""
    with session_scope(engine) as db:
        account = _record_login(db, subject, claims, now)
        nrn = claims.get(nrn_claim)
        values = resolve_principal(db, subject, nrn if isinstance(nrn, str) else None)
        language = values.pop("language", None)
        if account.language is None:
            account.language = chosen_language or language
            db.add(account)
        return values, account.language


def resolve_principal(
    db: Session, subject: str, national_number: str | None = None
) -> dict[str, Any]:
    """What the signed-in subject may do: a staff grant, or their own person record. A person
    registered at intake is found by the national register number claim the first time they
    sign in, and bound to that subject from then on."""
    grants = db.exec(
        select(m.RoleGrant).where(
            m.RoleGrant.subject == subject,
            col(m.RoleGrant.active_key).is_not(None),  # held grants only, not ended ones
        )
    ).all()
    if grants:
        grant = sorted(grants, key=lambda g: ROLE_PRIORITY.index(g.role))[0]
        return {
            "role": grant.role,
            "name": grant.display_name,
            "grant_id": grant.id,
            "agency_id": grant.agency_id,
            "municipality_id": grant.municipality_id,
            "interpreting_service_id": grant.interpreting_service_id,
        }
    person = db.exec(select(m.Person).where(m.Person.subject == subject)).first()
    if person is None and national_number:
        try:
            digits = parse_nrn(national_number).digits
        except NrnError:
            digits = None
        if digits:
            person = db.exec(
                select(m.Person).where(
                    m.Person.national_number == digits,
                    col(m.Person.subject).is_(None),  # never take over a bound record
                )
            ).first()
            if person is not None:
                person.subject = subject
                db.add(person)
                db.flush()
                audit(db, subject, "bind_subject", "person", person.id)
    if person is not None:
        return {
            "role": "citizen",
            "name": f"{person.given_name} {person.family_name}",
            "person_id": person.id,
            "language": person.language,
        }
    return {"role": None, "name": ""}


def save_language(engine: Engine, subject: str, language: str) -> None:
    """The subject chose the language of the interface: kept on their account and their person
    record (messages and e-mails follow it)."""
    with session_scope(engine) as db:
        changed = db.exec(
            update(m.Account).where(col(m.Account.subject) == subject).values(language=language)
        ).rowcount
        changed += db.exec(
            update(m.Person).where(col(m.Person.subject) == subject).values(language=language)
        ).rowcount
        if changed:  # the subject is the actor (it can be longer than a record id)
            audit(db, subject, "choose_language", "account", language=language)


def _record_login(db: Session, subject: str, claims: dict[str, Any], now: datetime) -> m.Account:
    account = db.exec(select(m.Account).where(m.Account.subject == subject)).first()
    if account is None:
        account = m.Account(subject=subject)
    name = claims.get("name") or ""
    if isinstance(name, str) and name:
        account.display_name = name[:200]
    email = claims.get("email")
    if isinstance(email, str) and "@" in email:
        account.email = email[:200]
    account.last_login_at = now
    db.add(account)
    db.flush()
    return account
