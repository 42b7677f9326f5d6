"""Deterministic data generation: names, words, ids, timestamps and hostile strings."""

from __future__ import annotations

import random
import string
import time
import unicodedata
import uuid
from collections.abc import Sequence
from typing import Any

HOSTILE_EVERY = 37
"""Every record whose index is a multiple of this carries one hostile string."""

LONG_TEXT = (
    "Long note. "
    + " ".join(
        f"Paragraph {n}: the customer called about invoice {1000 + n} and asked for a callback."
        for n in range(80)
    )
)[:6000]

HOSTILE: tuple[str, ...] = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+2 leading tab",
    "\r=1+2 leading carriage return",
    LONG_TEXT,
    "مرحبا بالعالم — شركة الأمل للتجارة",
    "\u202egnp.exe",
    "🚀 Launch 🎉 👩🏽‍💻 👨‍👩‍👧‍👦",
    "Z\u0335\u0321a\u0336\u0327l\u0338g\u0334o\u0337 combining marks",
    "東京の顧客 北京客户 서울 고객",
    "Robert'); DROP TABLE records;--",
)

FIRST_NAMES = (
    "Olivia", "Liam", "Amelia", "Noah", "Sara", "Omar", "Fatima", "Yusuf", "Layla", "Ahmed",
    "Zoë", "José", "Søren", "Łukasz", "Chloé", "Hiroshi", "Mei", "Aarav", "Priya", "Emma",
    "Lucas", "Mia", "Mateo", "Nora", "Elias", "Hana", "Ivan", "Maria", "Jonas", "Leila",
    "Kofi", "Amara", "Diego", "Ingrid", "Rafael", "Aisha", "Tomás", "Yara", "Felix", "Nadia",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Al-Farsi", "Haddad", "Nguyen", "García", "Müller", "Kowalski", "Rossi",
    "Tanaka", "Kim", "Patel", "Okafor", "Dubois", "Jensen", "Novak", "Silva", "Cohen", "Ivanova",
    "O'Brien", "Van der Berg", "Larsen", "Mendes", "Yilmaz", "Chen", "Hughes", "Abbasi", "Moreau",
)  # fmt: skip
WORDS = (
    "account", "renewal", "meeting", "pricing", "follow", "up", "quarterly", "review", "budget",
    "proposal", "contract", "shipping", "delay", "urgent", "demo", "pilot", "training", "feedback",
    "integration", "invoice", "discount", "launch", "onboarding", "support", "escalation", "the",
    "with", "about", "next", "week", "team", "call", "email", "signed", "pending", "approved",
)  # fmt: skip
CITIES = (
    "Riyadh", "Jeddah", "Dammam", "Dubai", "Cairo", "Amman", "Berlin", "Lisbon", "Toronto",
    "Austin", "Osaka", "Seoul", "Nairobi", "São Paulo", "Kraków", "Zürich",
)  # fmt: skip
COMPANY_WORDS = (
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent",
    "Hooli", "Vandelay", "Wonka", "Aperture", "Oscorp", "Gringotts", "Monarch", "Nakatomi",
)  # fmt: skip
COMPANY_KINDS = ("Labs", "Trading", "Logistics", "Holdings", "Systems", "Foods", "Health", "Media")

START = 1672531200.0  # 2023-01-01T00:00:00Z
END = 1748736000.0  # 2025-06-01T00:00:00Z

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_BASE36 = string.ascii_lowercase + string.digits
_SLUGS = {
    name: unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    for name in FIRST_NAMES + LAST_NAMES
}


def secondary_size(records: int) -> int:
    """How many records a vendor's smaller collections hold next to a primary of `records`."""
    return max(10, records // 50)


def spice(
    record: dict[str, Any], index: int, fields: Sequence[str], unique: Sequence[str] = ()
) -> None:
    """Put one hostile string into one of `fields` of every HOSTILE_EVERY-th record, in place.

    Payloads rotate fastest and shift across fields from one cycle to the next, so every payload
    lands in every field eventually. A field in `unique` keeps its uniqueness with an index suffix.
    """
    if index % HOSTILE_EVERY:
        return
    n = index // HOSTILE_EVERY
    payload = HOSTILE[n % len(HOSTILE)]
    field = fields[(n + n // len(HOSTILE)) % len(fields)]
    record[field] = f"{payload} {index}" if field in unique else payload


def timeline(rng: random.Random, index: int, total: int) -> tuple[float, float]:
    """A (created, updated) pair; creation times ascend with `index` across START..END."""
    slot = (END - START) / max(total, 1)
    created = START + (index + rng.random()) * slot
    return created, created + rng.random() * (END - created) / 2


def iso(timestamp: float, *, millis: bool = False) -> str:
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(timestamp))
    return f"{text}.{int(timestamp * 1000) % 1000:03d}Z" if millis else f"{text}Z"


def ulid(rng: random.Random, timestamp: float) -> str:
    """A ULID: 48 bits of milliseconds and 80 random bits in Crockford base 32."""
    value = (int(timestamp * 1000) << 80) | rng.getrandbits(80)
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def uuid4(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def base36_id(rng: random.Random, length: int = 15) -> str:
    return "".join(rng.choices(_BASE36, k=length))


def person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def email(first: str, last: str, index: int, domain: str = "example.com") -> str:
    local = f"{_SLUGS[first]}.{_SLUGS[last]}".replace(" ", "").replace("'", "")
    return f"{local}.{index}@{domain}"


def sentence(rng: random.Random, low: int = 5, high: int = 14) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high))).capitalize() + "."


def company_name(rng: random.Random) -> str:
    return f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)}"


def phone(rng: random.Random) -> str:
    return f"+1 {rng.randint(201, 989)} 555 {rng.randint(0, 9999):04d}"
