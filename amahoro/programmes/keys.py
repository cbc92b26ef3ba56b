"""Blind indexes of participants' names and phones: computed when a participant is written and when staff
search by name, so neither the services nor the selectors own them."""

from __future__ import annotations

import jellyfish

from amahoro.core.crypto import blind_index, normalise

NAME_PURPOSE = "programmes.participant.name"
PHONE_PURPOSE = "programmes.participant.phone"


def name_key(name: str) -> str:
    """A blind index of the name's phonetic key: Metaphone of each part, parts sorted (so "Jean Habimana"
    and "HABIMANA Jean" agree, and "Habimana"/"Habymana" usually do)."""
    parts = sorted(p for p in (normalise(t) for t in name.split()) if p)
    if not parts:
        return ""
    return blind_index(" ".join(jellyfish.metaphone(p) for p in parts), purpose=NAME_PURPOSE)


def phone_index(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return blind_index(digits[-9:], purpose=PHONE_PURPOSE) if digits else ""
