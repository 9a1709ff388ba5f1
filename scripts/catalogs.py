"""Extract messages, update every catalog, and keep the English catalog equal to its ids
(message ids are English). Run through `make extract`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> int:
    subprocess.run(
        [
            BIN / "pybabel",
            "-q",
            "extract",
            "-F",
            "locales/babel.cfg",
            "-k",
            "N_",
            "-k",
            "lazy_gettext",
            "-k",
            "Nn_:1,2",
            "-k",
            "lazy_ngettext:1,2",
            "--add-location=file",
            "--sort-by-file",
            "--no-wrap",
            "--project=portal",
            "--copyright-holder=Flemish Government",
            "-o",
            "locales/messages.pot",
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    subprocess.run(
        [
            BIN / "pybabel",
            "-q",
            "update",
            "-i",
            "locales/messages.pot",
            "-d",
            "locales",
            "-D",
            "messages",
            "--no-wrap",
            "--ignore-obsolete",
            "--no-fuzzy-matching",
        ],
        cwd=ROOT,
        check=True,
    )
    english = ROOT / "locales/en/LC_MESSAGES/messages.po"
    with english.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            message.string = (message.id[0], message.id[1])
        else:
            message.string = message.id
    with english.open("wb") as handle:
        write_po(handle, catalog, width=0, include_previous=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
