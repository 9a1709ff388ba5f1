"""The versioned contract and declaration texts (portal/content/contract/<version>.json), and
the exact text a person signs: the contract, their plan and the declaration, in their language
with the authoritative Dutch text alongside."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from portal.services.dossier import Dossier

CONTENT = Path(__file__).resolve().parent.parent / "content" / "contract"
# the version a contract drawn up now gets; a signed contract keeps the version it was signed in
# (2022.2: the fees article lists every fee, "lestijd"; the agency *may* report, ABB decides)
CURRENT_VERSION = "2022.2"


@cache
def texts_for_version(version: str) -> dict[str, Any]:
    path = CONTENT / f"{version}.json"
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def text_language(version: str, language: str) -> str:
    """The language the text is shown in: the reader's, or Dutch when it is not translated."""
    data = texts_for_version(version)
    return language if language in data["languages"] else str(data["authoritative"])


def language_texts(version: str, language: str) -> dict[str, Any]:
    data = texts_for_version(version)
    languages: dict[str, dict[str, Any]] = data["languages"]
    return languages[text_language(version, language)]


def plan_lines(dossier: Dossier) -> list[dict[str, Any]]:
    lines = []
    for component in dossier.components:
        lines.append(
            {
                "pillar": component.pillar,
                "provider": component.provider,
                "provider_type": component.provider_type,
                "variant": component.variant,
                "schedule": component.schedule,
                "deadline": component.deadline.isoformat() if component.deadline else None,
                "modules": [
                    {
                        "name": mod.name,
                        "lesson_periods": mod.lesson_periods,
                        "planned_start": mod.planned_start.isoformat(),
                        "planned_end": mod.planned_end.isoformat(),
                    }
                    for mod in dossier.modules
                    if mod.component_id == component.id
                ],
            }
        )
    return lines


def contract_texts(dossier: Dossier, language: str) -> dict[str, Any]:
    """What is signed: kept with the contract, its SHA-256 recorded."""
    version = dossier.contract.text_version if dossier.contract else CURRENT_VERSION
    return {
        "version": version,
        "language": text_language(version, language),
        "person": {
            "name": f"{dossier.person.given_name} {dossier.person.family_name}",
            "birth_date": dossier.person.birth_date.isoformat(),
        },
        "agency": dossier.agency.name,
        "text": language_texts(version, language),
        "dutch": language_texts(version, "nl"),
        "plan": plan_lines(dossier),
        "exemptions": [{"pillar": e.pillar, "reason": e.reason} for e in dossier.exemptions],
    }
