"""Proof of status for free social interpreting (§2J): share codes, checks, API keys.

The person makes a code (only its hash is kept) and sees every check of their status. An
interpreting service checks a code on the web page or through the API; both go through
`check_code`, which applies the shared rate limit and records the check.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from portal.db import models as m
from portal.db.engine import session_scope
from portal.domain import share_codes
from portal.domain.share_codes import CodeState, Outcome
from portal.domain.validity import Validity, ended_on, last_valid_day, validity_on
from portal.services import ratelimit
from portal.services.caller import Principal
from portal.services.dossier import load_dossier
from portal.services.errors import ServiceError, audit
from portal.settings import BRUSSELS

API_KEY_PREFIX = "isk_"


def today_in_brussels(now: datetime) -> date:
    return now.astimezone(BRUSSELS).date()


@dataclass(frozen=True)
class ProofState:
    """What the person's page says about their contract today."""

    validity: Validity
    last_valid_day: date | None
    ended_on: date | None = None

    @property
    def valid(self) -> bool:
        return self.validity is Validity.VALID


def proof_state(db: Session, person_id: int, today: date) -> ProofState:
    dossier = load_dossier(db, person_id)
    if dossier is None:
        raise ServiceError("unknown_person")
    facts = dossier.person_facts()
    return ProofState(
        validity=validity_on(facts, today),
        last_valid_day=last_valid_day(facts),
        ended_on=ended_on(facts),
    )


def _state(code: m.ShareCode) -> CodeState:
    return CodeState(code.created_at, code.expires_at, code.revoked_at)


def active_codes(db: Session, person_id: int, now: datetime) -> list[m.ShareCode]:
    rows = db.exec(
        select(m.ShareCode)
        .where(m.ShareCode.person_id == person_id, col(m.ShareCode.revoked_at).is_(None))
        .order_by(col(m.ShareCode.created_at).desc())
    ).all()
    return [c for c in rows if share_codes.code_usable(_state(c), now)]


def create_code(
    db: Session, person_id: int, now: datetime, *, days: int, actor: str, key: str
) -> tuple[m.ShareCode, str]:
    """A new code for the person, valid `days` days; returns the row and the code itself (shown
    once). Refused while the contract is not valid today."""
    state = proof_state(db, person_id, today_in_brussels(now))
    if not state.valid:
        raise ServiceError("contract_not_valid")
    if len(active_codes(db, person_id, now)) >= share_codes.MAX_ACTIVE:
        raise ServiceError("too_many_codes")
    while True:
        code = share_codes.generate()
        digest = share_codes.digest(code, key)
        taken = db.exec(select(m.ShareCode.id).where(m.ShareCode.code_hash == digest)).first()
        if taken is None:
            break
    row = m.ShareCode(
        person_id=person_id,
        code_hash=digest,
        hint=code[-3:],
        created_at=now,
        expires_at=share_codes.expires_at(now, days),
    )
    db.add(row)
    db.flush()
    audit(db, actor, "share_code.create", "share_code", row.id, person_id=person_id)
    return row, code


def revoke_code(
    db: Session, person_id: int, code_id: int, now: datetime, *, actor: str
) -> m.ShareCode:
    """Withdraw one of the person's own codes (someone else's code is 'unknown')."""
    row = db.get(m.ShareCode, code_id)
    if row is None or row.person_id != person_id:
        raise ServiceError("unknown_code")
    if row.revoked_at is None:
        row.revoked_at = now
        db.add(row)
        audit(db, actor, "share_code.revoke", "share_code", row.id, person_id=person_id)
    return row


def checks_of(db: Session, person_id: int, limit: int = 100) -> list[tuple[m.StatusCheck, str]]:
    """Who checked the person's status and when (newest first)."""
    rows = db.exec(
        select(m.StatusCheck, m.InterpretingService.name)
        .join(
            m.InterpretingService,
            col(m.InterpretingService.id) == col(m.StatusCheck.service_id),
        )
        .where(m.StatusCheck.person_id == person_id)
        .order_by(col(m.StatusCheck.checked_at).desc(), col(m.StatusCheck.id).desc())
        .limit(limit)
    ).all()
    return [(check, name) for check, name in rows]


@dataclass(frozen=True)
class CheckAnswer:
    """What an interpreting service is told: the minimum, and nothing for a wrong code."""

    outcome: Outcome
    name: str = ""
    birth_date: date | None = None
    valid_until: date | None = None
    retry_after_seconds: int = 0

    @property
    def valid_today(self) -> bool:
        return self.outcome is Outcome.VALID


def check_code(
    engine: Engine,
    text: str,
    now: datetime,
    *,
    service_id: int,
    actor: str,
    client_address: str,
    channel: str,
    limit: int,
    window: timedelta,
    key: str,
    api_key_id: int | None = None,
) -> CheckAnswer:
    """Check a typed or posted code for an interpreting service, and record the check."""
    attempt = ratelimit.begin(
        engine,
        (f"check:service:{service_id}", f"check:address:{client_address}"),
        now,
        limit=limit,
        window=window,
    )
    if not attempt.allowed:
        with session_scope(engine) as db:
            _record(
                db, service_id, api_key_id, actor, None, None, now, Outcome.RATE_LIMITED, channel
            )
        return CheckAnswer(Outcome.RATE_LIMITED, retry_after_seconds=attempt.retry_after_seconds)

    canonical = share_codes.canonical(text)
    with session_scope(engine) as db:
        row: m.ShareCode | None = None
        if canonical is not None:
            digest = share_codes.digest(canonical, key)
            found = db.exec(select(m.ShareCode).where(m.ShareCode.code_hash == digest)).first()
            if found is not None and share_codes.same_digest(found.code_hash, digest):
                row = found
        answer = CheckAnswer(Outcome.WRONG)
        if row is not None:
            usable = share_codes.code_usable(_state(row), now)
            dossier = load_dossier(db, row.person_id) if usable else None
            if dossier is not None:
                facts = dossier.person_facts()
                valid = validity_on(facts, today_in_brussels(now)) is Validity.VALID
                person = dossier.person
                answer = CheckAnswer(
                    share_codes.outcome(_state(row), now, valid),
                    name=f"{person.given_name} {person.family_name}",
                    birth_date=person.birth_date,
                    valid_until=last_valid_day(facts),
                )
        _record(
            db,
            service_id,
            api_key_id,
            actor,
            row.person_id if row else None,
            row.id if row else None,
            now,
            answer.outcome,
            channel,
        )
    if answer.outcome is not Outcome.WRONG:
        ratelimit.forgive(engine, attempt.ids)
    return answer


def _record(
    db: Session,
    service_id: int,
    api_key_id: int | None,
    actor: str,
    person_id: int | None,
    code_id: int | None,
    now: datetime,
    outcome: Outcome,
    channel: str,
) -> None:
    check = m.StatusCheck(
        service_id=service_id,
        api_key_id=api_key_id,
        actor=actor,
        person_id=person_id,
        share_code_id=code_id,
        checked_at=now,
        outcome=outcome.value,
        channel=channel,
    )
    db.add(check)
    db.flush()
    audit(
        db,
        actor,
        "status.check",
        "status_check",
        check.id,
        service_id=service_id,
        outcome=outcome.value,
        channel=channel,
    )


# --- API keys -------------------------------------------------------------------------------


def _key_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_api_key(
    db: Session, actor: str, service_id: int, label: str = ""
) -> tuple[m.ApiKey, str]:
    """A new key for an interpreting service; the key itself is returned once, never stored."""
    if db.get(m.InterpretingService, service_id) is None:
        raise ServiceError("unknown_service")
    if len(label) > 100:
        raise ServiceError("too_long")
    raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = m.ApiKey(
        service_id=service_id,
        prefix=raw[:12],
        key_hash=_key_digest(raw),
        label=label.strip(),
        created_by=actor,
    )
    db.add(key)
    db.flush()
    audit(db, actor, "api_key.issue", "api_key", key.id, service_id=service_id)
    return key, raw


def revoke_api_key(db: Session, actor: str, key_id: int, now: datetime) -> m.ApiKey:
    key = db.get(m.ApiKey, key_id)
    if key is None:
        raise ServiceError("unknown_api_key")
    if key.revoked_at is None:
        key.revoked_at = now
        db.add(key)
        audit(db, actor, "api_key.revoke", "api_key", key.id, service_id=key.service_id)
    return key


def authenticate_api_key(db: Session, raw: str, now: datetime) -> m.ApiKey | None:
    """The live key matching `raw`, or None (missing, wrong or revoked)."""
    if not raw.startswith(API_KEY_PREFIX) or len(raw) > 200:
        return None
    digest = _key_digest(raw)
    key = db.exec(select(m.ApiKey).where(m.ApiKey.key_hash == digest)).first()
    if key is None or key.revoked_at is not None:
        return None
    if not secrets.compare_digest(key.key_hash, digest):
        return None
    key.last_used_at = now
    db.add(key)
    return key


@dataclass(frozen=True)
class ApiCaller:
    """An interpreting service's own system, known by a live API key."""

    key_id: int
    service_id: int


def api_caller(db: Session, raw: str, now: datetime) -> ApiCaller | None:
    """Who calls the API with the key `raw` (None: missing, wrong or revoked)."""
    key = authenticate_api_key(db, raw, now)
    if key is None or key.id is None:
        return None
    return ApiCaller(key.id, key.service_id)


def service_of(db: Session, caller: Principal) -> m.InterpretingService | None:
    """The interpreting service the caller works for (None: not one)."""
    if caller.role != "interpreting" or caller.interpreting_service_id is None:
        return None
    return db.get(m.InterpretingService, caller.interpreting_service_id)


def code_holder(db: Session, person_id: int) -> m.Person | None:
    """The person a share code proves the status of (named on the printable proof)."""
    return db.get(m.Person, person_id)


def all_services(db: Session) -> list[m.InterpretingService]:
    return list(
        db.exec(select(m.InterpretingService).order_by(col(m.InterpretingService.name))).all()
    )


def api_keys(db: Session) -> list[tuple[m.ApiKey, str]]:
    rows = db.exec(
        select(m.ApiKey, m.InterpretingService.name)
        .join(
            m.InterpretingService,
            col(m.InterpretingService.id) == col(m.ApiKey.service_id),
        )
        .order_by(col(m.ApiKey.id))
    ).all()
    return [(k, n) for k, n in rows]


def count_checks(db: Session, service_id: int) -> int:
    return int(
        db.exec(
            select(func.count())
            .select_from(m.StatusCheck)
            .where(m.StatusCheck.service_id == service_id)
        ).one()
    )
