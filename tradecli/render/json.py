"""``--format json``: the command's versioned JSON payload, unrounded, strictly valid."""

from __future__ import annotations

import json

from tradecli.document import Document


def render(document: Document, *, width: int = 100) -> str:
    # allow_nan=False: NaN or Infinity would make the output invalid JSON; the
    # builders turn non-finite values into null, and this guards the rule.
    return json.dumps(document.payload, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
