"""The counsellor's workspace, one module per feature: the caseload and a person's page
(caseload), intake, contract and plan (contract), facts, sanction facts (sanctions) and the
certificate (attest). Every read and write goes through a service that takes the counsellor and
reaches only people of their agency; another agency's person is a 404 (common.scoped)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from portal.web.counsellor import attest, caseload, contract, facts, intake, requests, sanctions
from portal.web.routing import Audience, route


def routes() -> list[BaseRoute]:
    post = ("GET", "POST")
    return [
        route("/staff", caseload.caseload, Audience.COUNSELLOR),
        route("/staff/persons/new", intake.intake, Audience.COUNSELLOR, methods=post),
        route("/staff/persons/{person_id:id}", caseload.person_page, Audience.COUNSELLOR),
        route(
            "/staff/persons/{person_id:id}/contract",
            contract.contract_form,
            Audience.COUNSELLOR,
            methods=post,
        ),
        route(
            "/staff/persons/{person_id:id}/contract/paper",
            contract.paper_signature,
            Audience.COUNSELLOR,
            methods=("POST",),
        ),
        route(
            "/staff/persons/{person_id:id}/facts/new/{kind}",
            facts.fact_form,
            Audience.COUNSELLOR,
            methods=post,
        ),
        route(
            "/staff/persons/{person_id:id}/facts/{fact_id:id}/withdraw",
            facts.withdraw_fact,
            Audience.COUNSELLOR,
            methods=("POST",),
        ),
        route(
            "/staff/persons/{person_id:id}/attest",
            attest.attest,
            Audience.COUNSELLOR,
            methods=post,
        ),
        route("/staff/sanctions", sanctions.sanctions, Audience.COUNSELLOR),
        route(
            "/staff/sanctions/review",
            sanctions.review_sanction,
            Audience.COUNSELLOR,
            methods=("POST",),
        ),
        route("/staff/sanctions.csv", sanctions.sanctions_csv, Audience.COUNSELLOR),
        route("/staff/requests", requests.pending, Audience.COUNSELLOR),
        route("/staff/requests/{request_id:id}", requests.request_page, Audience.COUNSELLOR),
        route(
            "/staff/requests/{request_id:id}/approve",
            requests.approve,
            Audience.COUNSELLOR,
            methods=("POST",),
        ),
        route(
            "/staff/requests/{request_id:id}/refuse",
            requests.refuse,
            Audience.COUNSELLOR,
            methods=("POST",),
        ),
    ]
