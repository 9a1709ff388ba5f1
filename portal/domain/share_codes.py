"""Share codes for free social interpreting (§2J; product default: valid 30 days, revocable).

A code is short, easy to read aloud and to type: nine characters from an alphabet without the
look-alikes 0/O, 1/I/L and U/V, shown in three groups (`K7M-29P-XQ4`). Nine characters from 29
give 43.7 bits of randomness. Only a keyed hash (HMAC) of the canonical form is stored; the
person sees the code once, when it is made. Pure: no I/O, the caller passes the time, the key
and the randomness source.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"  # no 0 O 1 I L U V
LENGTH = 9
GROUP = 3
MAX_ACTIVE = 5  # working codes a person may hold at once
# 29 ** 9 ≈ 1.45e13 ≈ 2 ** 43.7: at least the 40 bits the issue asks for


def generate(choice: Callable[[str], str] = secrets.choice) -> str:
    """A new code in its canonical form (no dashes)."""
    return "".join(choice(ALPHABET) for _ in range(LENGTH))


def formatted(code: str) -> str:
    """`K7MQ9PXQ4` → `K7M-Q9P-XQ4`."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


_SEPARATORS = {" ", "-", "‐", "‑", "‒", "–", "—", "−", ".", "_", "\u00a0", "\u202f"}


def canonical(text: str) -> str | None:
    """What a person typed, as a canonical code; None when it cannot be a code at all.

    Accepts lower case, spaces and dashes (any kind), and full-width forms (NFKC). Characters that
    no code contains (0, O, 1, I, L, U, V) make it "not a code" rather than being guessed.
    """
    if len(text) > 64:
        return None
    cleaned = "".join(
        ch for ch in unicodedata.normalize("NFKC", text) if ch not in _SEPARATORS
    ).upper()
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def digest(code: str, key: str) -> str:
    """The stored form: HMAC-SHA256 of the canonical code with the server's key (hex). Without
    the key, a copy of the database does not let anyone try all codes offline."""
    return hmac.new(key.encode("utf-8"), code.encode("ascii"), hashlib.sha256).hexdigest()


def same_digest(stored: str, candidate: str) -> bool:
    """Constant-time comparison of two digests."""
    return secrets.compare_digest(stored.encode("ascii"), candidate.encode("ascii"))


def expires_at(created_at: datetime, days: int) -> datetime:
    return created_at + timedelta(days=days)


@dataclass(frozen=True)
class CodeState:
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


class Outcome(StrEnum):
    VALID = "valid"  # the code is good and the contract is valid today
    NOT_VALID_TODAY = "not_valid_today"  # the code is good, the contract is not valid today
    WRONG = "wrong"  # unknown, expired or revoked: the answer does not say which
    RATE_LIMITED = "rate_limited"


def code_usable(state: CodeState, now: datetime) -> bool:
    """Not revoked and not expired at `now` (a code expires at its exact expiry time)."""
    if state.revoked_at is not None and state.revoked_at <= now:
        return False
    return state.created_at <= now < state.expires_at


def outcome(state: CodeState | None, now: datetime, contract_valid_today: bool) -> Outcome:
    """The answer an interpreting service gets. An unknown, expired or revoked code all answer
    WRONG, so the answer never tells whether a code existed for somebody."""
    if state is None or not code_usable(state, now):
        return Outcome.WRONG
    return Outcome.VALID if contract_valid_today else Outcome.NOT_VALID_TODAY
