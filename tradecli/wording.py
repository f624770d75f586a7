"""Small English for generated sentences: possessives and plurals of names and counts.

"United States's" and "1 partners" were in reports; every sentence that puts a
country's name in the possessive or a count before a noun goes through here.
"""

from __future__ import annotations


def possessive(name: str) -> str:
    """ "Japan's", but "United States'" and "Philippines'": a name ending in s takes '."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """'1 partner', '2 partners' ('1 country', '3 countries' with ``nouns``)."""
    return f"{count:,} {noun if count == 1 else (nouns or noun + 's')}"
