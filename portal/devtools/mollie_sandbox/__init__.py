"""A local Mollie-compatible payment sandbox for development and tests.

A small WSGI app (werkzeug, no framework) that speaks the subset of Mollie's v2 API the portal
uses, with Mollie's JSON shapes, validation and error responses, so the real `mollie-api-python`
client works against it unchanged (`Client(api_endpoint=sandbox.url)`):

    POST /v2/payments                               create a payment (201)
    GET  /v2/payments/{id}                          get a payment
    POST /v2/payments/{id}/refunds                  refund (part of) a paid payment (201)
    GET  /v2/payments/{id}/refunds                  list its refunds (newest first)
    GET  /v2/payments/{id}/refunds/{refund_id}      get one refund

Requests need `Authorization: Bearer test_...` (Mollie's test key format); live keys are refused.
`Idempotency-Key` works like Mollie's: the same key and body replay the first response (with
`Idempotent-Replayed: true`), the same key with another body is a 422.

The person paying sees `GET /checkout/{id}`: one button per outcome (Paid, Failed, Canceled,
Expired). Choosing one sets the status and its timestamp, calls the webhook the way Mollie does
(`POST <webhookUrl>` with the form body `id=tr_...`, 2 s timeout, the outcome recorded, errors
ignored) and redirects (303) to the payment's `redirectUrl`. The checkout offers only the methods
the payment was created with (`method`: a string or a list), like Mollie's hosted checkout; without
one it offers every method the sandbox knows, bank transfer included. A chargeback (the dashboard's
button, or the control API) sets `amountChargedBack`, lists it under
`GET /v2/payments/{id}/chargebacks` and calls the webhook, as Mollie does. The form field
`webhook=skip` changes the status without calling the webhook: a lost webhook.

Control API for tests (no key needed; the server binds to loopback only):

    POST /_sandbox/payments/{id}/status     {"status": "paid", "webhook": true}
                                            (also pending and authorized; Mollie's transitions)
    POST /_sandbox/refunds/{id}/status      {"status": "refunded" | "failed", "webhook": true}
    POST /_sandbox/payments/{id}/chargeback {"amount": "90.00", "webhook": true}: the bank takes
                                            a paid payment's money back (default: all of it)
    POST /_sandbox/webhooks/{id}/replay     call the payment's webhook again (a duplicate)
    GET  /_sandbox/webhook-calls            [{payment_id, url, status_code, error, at}, ...]
    GET  /_sandbox/dashboard/{id}           a small HTML page (the payment's `dashboard` link)

Refunds are created `pending` and stay `pending` until settled explicitly through the control API
(or `MollieSandbox.set_refund_status`), to `refunded` or `failed`; settling calls the payment's
webhook, as Mollie does for refund status changes. A failed refund no longer counts in
`amountRefunded`. Nothing settles by itself, so tests are deterministic.

An open payment expires when its `expiresAt` (creation + 15 minutes) has passed, checked
whenever it is read; the webhook for that expiry is delivered from a background thread.

Known differences from the real Mollie API, on purpose:
- Loopback webhook URLs (http://127.0.0.1:...) are accepted; Mollie refuses webhook URLs it
  cannot reach. This is the one allowed difference in what is accepted.
- Only EUR, only the methods bancontact, creditcard, applepay, googlepay and banktransfer (which
  expires after 15 minutes like the others here), and only JSON
  bodies (Mollie also accepts form-encoded parameters). Descriptions over 255 characters are
  refused (Mollie's absolute maximum) and shorter ones are never truncated per method.
- Any well-formed test key sees every payment (one profile, `pfl_sandbox`); webhooks are not
  retried (use the replay endpoint); there is no cancel, update or list-payments endpoint.

The package, by concern: `models` (payments, refunds and chargebacks in Mollie's shapes, and
SandboxError), `validation` (Mollie's rules for request parameters), `store` (the in-memory state,
the payment life cycle, webhook calls and the Python API), `api` (the `/v2` endpoints), `control`
(the `/_sandbox` control API), `pages` (checkout and dashboard) and `app` (the WSGI app that
routes to them, and `running_sandbox`).
"""

from portal.devtools.mollie_sandbox.app import (
    MollieSandbox,
    SandboxServer,
    refuse_in_production,
    running_sandbox,
)
from portal.devtools.mollie_sandbox.models import SandboxError

__all__ = [
    "MollieSandbox",
    "SandboxError",
    "SandboxServer",
    "refuse_in_production",
    "running_sandbox",
]
