"""The pictogram sprite (static/img/pictograms.svg): one cached file of simple line drawings,
shown beside words (never instead of them). Content that names a pictogram is checked against
the ids the sprite really has."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from xml.etree import ElementTree

from portal.settings import STATIC_DIR

SPRITE = "img/pictograms.svg"  # under static/, as templates name it: static_url(SPRITE)
SVG = "{http://www.w3.org/2000/svg}"


@cache
def pictogram_ids(path: Path = STATIC_DIR / SPRITE) -> frozenset[str]:
    """The ids of the sprite's symbols (what `<use href="…pictograms.svg#id">` can show)."""
    root = ElementTree.parse(path).getroot()  # noqa: S314 - the portal's own static file
    return frozenset(str(symbol.get("id")) for symbol in root.iter(f"{SVG}symbol"))
