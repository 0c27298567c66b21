"""JSON Schemas of reelcart's public outputs, generated from the pydantic models that write them.

``reelcart schema manifest`` prints the manifest's schema; ``schemas/manifest.schema.json`` in the
repository is the same text (a test keeps the two equal).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from ..models import Manifest

SCHEMAS: dict[str, type[BaseModel]] = {"manifest": Manifest}
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of output ``name``."""
    model = SCHEMAS[name]
    schema = model.model_json_schema(mode="serialization")
    return {
        "$schema": DIALECT,
        "$id": f"urn:reelcart:schema:{name}:v{model.model_fields['schema_version'].default}",
        "title": f"reelcart {name}",
        "description": (model.__doc__ or "").strip() or f"reelcart {name}",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def schema_text(name: str) -> str:
    return json.dumps(json_schema(name), indent=2, ensure_ascii=False) + "\n"
