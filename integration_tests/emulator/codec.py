"""JSON encoding: orjson when installed (fast), the standard library otherwise.

Both produce compact JSON without spaces, so a given data set serializes to the same bytes on every
run with the same library.
"""

from __future__ import annotations

import json
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - exercised only where orjson is absent
    orjson = None


def dumps(value: Any) -> bytes:
    """Serialize to compact UTF-8 JSON bytes."""
    if orjson is not None:
        return orjson.dumps(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def loads(data: bytes | str) -> Any:
    """Parse JSON bytes or text."""
    if orjson is not None:
        return orjson.loads(data)
    return json.loads(data)
