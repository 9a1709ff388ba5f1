"""The pages a person sees: the hosted checkout (`/checkout/{id}`, one button per outcome) and
the payment's dashboard (`/_sandbox/dashboard/{id}`, with its Charge back button)."""

from __future__ import annotations

import html

from werkzeug.wrappers import Request, Response

from portal.devtools.mollie_sandbox.models import Payment, SandboxError
from portal.devtools.mollie_sandbox.store import SandboxStore

CHECKOUT_OUTCOMES = ("paid", "failed", "canceled", "expired")


def page(
    title: str, body: str, status: int = 200, heading: str = "Mollie sandbox checkout"
) -> Response:
    document = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} – Mollie sandbox</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 36rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.5; color: #111; background: #fff; }}
fieldset {{ border: 1px solid #767676; padding: 1rem; }}
button {{ font: inherit; padding: .5rem 1rem; margin: .25rem .5rem .25rem 0; }}
button:focus-visible, a:focus-visible {{ outline: 3px solid #1a4fd6; outline-offset: 2px; }}
dt {{ font-weight: bold; }}
</style>
</head>
<body>
<main>
<h1>{html.escape(heading)}</h1>
{body}
</main>
</body>
</html>
"""
    response = Response(document, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"
    )
    return response


def _summary(payment: Payment) -> str:
    return (
        "<dl>"
        f"<dt>Amount</dt><dd>€ {payment.amount:.2f} ({html.escape(payment.currency)})</dd>"
        f"<dt>Description</dt><dd>{html.escape(payment.description)}</dd>"
        f"<dt>Payment</dt><dd><code>{html.escape(payment.id)}</code></dd>"
        "</dl>"
    )


class Pages(SandboxStore):
    """The checkout and the dashboard: each endpoint takes the request and the payment's id."""

    def _checkout(self, request: Request, payment_id: str) -> Response:
        with self._lock:
            try:
                payment = self._find_payment(payment_id)
            except SandboxError:
                return page("Unknown payment", "<p>This payment does not exist.</p>", 404)
            status, summary, redirect_url = payment.status, _summary(payment), payment.redirect_url
            offered = payment.offered_methods
        back = f'<p><a href="{html.escape(redirect_url)}">Return to the website</a></p>'
        if request.method == "GET":
            if status != "open":
                return page("Payment " + status, f"{summary}<p>This payment is {status}.</p>{back}")
            buttons = "\n".join(
                f'<button type="submit" name="status" value="{outcome}">{outcome.title()}</button>'
                for outcome in CHECKOUT_OUTCOMES
            )
            choices = "\n".join(
                f'<label><input type="radio" name="method" value="{method}"'
                f"{' checked' if index == 0 else ''}> {method}</label><br>"
                for index, method in enumerate(offered)
            )
            form = (
                '<form method="post">\n<fieldset id="methods">\n'
                f"<legend>Payment method</legend>\n{choices}\n</fieldset>\n<fieldset>\n"
                "<legend>This is a test payment: no money moves. Choose its outcome.</legend>\n"
                f"{buttons}\n</fieldset>\n</form>"
            )
            return page("Checkout", summary + form)
        outcome = request.form.get("status", "")
        if outcome not in CHECKOUT_OUTCOMES:
            return page("Bad request", "<p>Choose paid, failed, canceled or expired.</p>", 400)
        chosen = request.form.get("method") or offered[0]
        if chosen not in offered:
            return page("Bad request", "<p>This payment method is not offered.</p>", 400)
        with self._lock:
            payment = self._find_payment(payment_id)
            if payment.status != "open":
                return page(
                    "Payment not open",
                    f"{summary}<p>This payment is {payment.status}; it can no longer change.</p>"
                    f"{back}",
                    409,
                )
            if payment.method is None:
                payment.method = chosen
            notify = self._transition(payment, outcome)
        if notify and request.form.get("webhook") != "skip":
            self._deliver(payment_id)
        return Response(status=303, headers={"Location": redirect_url})

    def _dashboard(self, request: Request, payment_id: str) -> Response:
        with self._lock:
            try:
                payment = self._find_payment(payment_id)
            except SandboxError:
                return page("Unknown payment", "<p>This payment does not exist.</p>", 404)
            rows = "".join(
                f"<li><code>{html.escape(r.id)}</code>: € {r.amount:.2f}, {r.status}</li>"
                for r in payment.refunds
            )
            body = f"{_summary(payment)}<p>Status: {payment.status}.</p>"
            if rows:
                body += f"<h2>Refunds</h2><ul>{rows}</ul>"
            if payment.chargebacks:
                body += f"<p>Charged back: € {payment.amount_charged_back:.2f}.</p>"
            if payment.status == "paid" and payment.amount_remaining > 0:
                body += (
                    '<form method="post" action="/_sandbox/dashboard/'
                    f'{html.escape(payment.id)}/chargeback"><button type="submit">'
                    "Charge back (the bank takes the money back)</button></form>"
                )
        return page("Payment " + payment_id, body, heading="Mollie sandbox dashboard")

    def _dashboard_chargeback(self, request: Request, payment_id: str) -> Response:
        try:
            self.charge_back(payment_id)
        except SandboxError as error:
            return page("Not possible", f"<p>{html.escape(error.detail)}</p>", error.status)
        return Response(status=303, headers={"Location": f"/_sandbox/dashboard/{payment_id}"})
