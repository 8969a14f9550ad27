"""Reading YAML, one way for the whole package: libyaml's safe loader when PyYAML has it.

The C loader builds the same Python objects as ``yaml.safe_load`` about ten times faster;
every kernel reads the data catalog and the claims register, every build the table of
contents and each chapter's front matter.
"""

from __future__ import annotations

from typing import Any

import yaml

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load(text)`` (raises ``yaml.YAMLError`` for invalid YAML)."""
    return yaml.load(text, Loader=SAFE_LOADER)
