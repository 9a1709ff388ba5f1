"""Links to reach a place: a map of an address and a phone number to call."""

from __future__ import annotations

import re
from urllib.parse import quote

MAP_SEARCH = "https://www.openstreetmap.org/search?query="


def map_link(address: str) -> str:
    """A map of the address (OpenStreetMap: no account, no tracking); "" without an address."""
    return MAP_SEARCH + quote(address, safe="") if address.strip() else ""


def tel_href(phone: str) -> str:
    """`tel:` link for a Belgian number as staff type it ("09 265 78 40" → tel:+3292657840)."""
    digits = re.sub(r"[^0-9+]", "", phone)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif digits.startswith("0"):
        digits = "+32" + digits[1:]
    return f"tel:{digits}"
