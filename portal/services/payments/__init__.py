"""Fees and payments, by concern:

- `owed`: what a person owes and why (the fee rules over their dossier), and the payments and
  receipts they see;
- `paying`: paying a charge online (one live attempt per charge at Mollie);
- `settling` and `ledger`: one state machine for every status change, settling exactly once,
  chargebacks, and the payment's event log;
- `sync` and `refunds`: following the provider (webhook, return page, reconciliation) and
  refunds;
- `staff`: what a counsellor records (waivers, payments made elsewhere).

`from portal.services import payments` gives every public name below."""

from __future__ import annotations

from portal.services.errors import ServiceError
from portal.services.payments.ledger import can_move
from portal.services.payments.owed import (
    MO_COURSE_KEY,
    TEST_CHARGES,
    About,
    Line,
    PersonStatement,
    Receipt,
    Statement,
    fee_sources,
    own_payment,
    receipt,
    statement,
    statement_for,
)
from portal.services.payments.paying import CREATION_WAIT_SECONDS, PayStart, start_payment
from portal.services.payments.refunds import refresh_refund, refund, refund_surplus
from portal.services.payments.settling import (
    REFUND_REFUSED,
    SURPLUS_REASONS,
    apply_provider_status,
)
from portal.services.payments.staff import (
    WAIVER_CATEGORIES,
    record_external_payment,
    record_waiver,
)
from portal.services.payments.sync import handle_webhook, reconcile, refresh_from_provider

__all__ = [
    "CREATION_WAIT_SECONDS",
    "MO_COURSE_KEY",
    "REFUND_REFUSED",
    "SURPLUS_REASONS",
    "TEST_CHARGES",
    "WAIVER_CATEGORIES",
    "About",
    "Line",
    "PayStart",
    "PersonStatement",
    "Receipt",
    "ServiceError",
    "Statement",
    "apply_provider_status",
    "can_move",
    "fee_sources",
    "handle_webhook",
    "own_payment",
    "receipt",
    "reconcile",
    "record_external_payment",
    "record_waiver",
    "refresh_from_provider",
    "refresh_refund",
    "refund",
    "refund_surplus",
    "start_payment",
    "statement",
    "statement_for",
]
