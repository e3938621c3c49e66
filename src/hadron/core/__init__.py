"""The ground floor: the few names every layer shares, importing nothing of hadron but ``errors``.

    from hadron.core import Reject, Row, canonical_json, stable_hash

``rows`` holds the row and the on-purpose reject; ``hashing`` the process-stable JSON and hash that
seeds, cache keys and dedup hang off; ``hadron.core.config`` (imported on its own: it needs yaml and
pydantic) the one YAML loader and pydantic validator.
"""

from __future__ import annotations

from hadron.core.hashing import canonical_json, stable_hash
from hadron.core.rows import Reject, Row

__all__ = ["Reject", "Row", "canonical_json", "stable_hash"]
