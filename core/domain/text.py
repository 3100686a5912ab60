"""Text folding for search: case- and accent-insensitive on every database (ł → l, Ż → z)."""

import unicodedata

_EXTRA = str.maketrans({"ł": "l", "Ł": "l", "đ": "d", "ß": "ss", "ø": "o"})


def fold(text: str) -> str:
    """'Żółkiewska-Łęcka' → 'zolkiewska-lecka'."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())
