"""Process-stable JSON and hashing: the base of cache keys, seeds and dedup keys."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    """Stable JSON: sorted keys, no whitespace, UTF-8 kept. Used for hashing and seeding."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def stable_hash(*parts: Any) -> int:
    """A 64-bit hash that is the same in every process (unlike the salted built-in ``hash``)."""
    digest = hashlib.blake2b(canonical_json(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")
