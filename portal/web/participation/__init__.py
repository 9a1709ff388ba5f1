"""Pillar 4, participation and network, one module per audience: the newcomer's activities
(`citizen`, with the form in `forms` and its saving in `drafts`), the proof files (`files`),
the host organisation's confirmation link (`host`), the municipality's queue, decisions and
export (`municipality`), the questions about hours it answers (`questions`) and its activity
offer (`offers`)."""

from __future__ import annotations

from typing import Any

from portal.web.participation import citizen, files, host, municipality, offers, questions


def routes() -> list[Any]:
    return [
        *citizen.routes(),
        *files.routes(),
        *host.routes(),
        *municipality.routes(),
        *offers.routes(),
        *questions.routes(),
    ]
