"""The demo personas: who anyone trying the portal can sign in as, and what each shows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Persona:
    subject: str
    name: str
    description: str


PERSONAS: tuple[Persona, ...] = (
    Persona("demo-gent-new", "Amina Haddad", "obliged, Ghent, not working, contract just signed"),
    Persona("demo-brussels", "Yusuf Demir", "voluntary, Brussels (no fees)"),
    Persona("demo-worker", "Olena Kovalenko", "Ghent, works: VDAB and participation not required"),
    Persona("demo-lowlit", "Abdi Warsame", "Ghent, low-literate learner (adapted NT2 level)"),
    Persona(
        "demo-asylum", "Tesfay Gebremariam", "Ghent, application for protection pending: NT2 only"
    ),
    Persona("demo-complete", "Maria Santos", "Ghent, completed everything: attest reached"),
    Persona("demo-vdab-soon", "Karim Benali", "Ghent, VDAB registration deadline in 5 days"),
    Persona("demo-antwerp", "Nadia Rahimi", "obliged, Antwerp"),
    Persona("demo-intake", "Samir Haidari", "Ghent, registered at intake, no contract yet"),
    Persona(
        "demo-mo-done", "Fatima Zahra", "Ghent, MO course followed and paid: may book the MO test"
    ),
    Persona("demo-booked", "Jonas Mekonnen", "Ghent, holds a confirmed MO-test booking next month"),
    Persona(
        "demo-mo-failed",
        "Leila Karimi",
        "Ghent, failed the MO test once, repeat course followed: may book a paid retake",
    ),
    Persona(
        "demo-b1",
        "Ahmad Noori",
        "Ghent, attest 10 months ago, no work, training or study recorded: the spoken B1 test"
        " is due and bookable",
    ),
    Persona(
        "demo-nt2-failed",
        "Mariam Osman",
        "Ghent, failed the NT2 test, no Dutch module since: a retest waits for a module",
    ),
    Persona("demo-counsellor", "Sofie Claes", "counsellor at In-Gent (the Ghent personas)"),
    Persona("demo-counsellor-brussels", "Luc Dubois", "counsellor at the agency's Brussels office"),
    Persona("demo-gent-officer", "Pieter De Smet", "officer of the municipality of Ghent"),
    Persona("demo-antwerp-officer", "Els Peeters", "officer of the municipality of Antwerp"),
    Persona("demo-interpreter", "Hanna Vermeulen", "interpreting service"),
    Persona("demo-admin", "Admin Demo", "administrator"),
)


PERSONAS_BY_SUBJECT: dict[str, Persona] = {}
