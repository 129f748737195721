"""On/off settings of sign-in, read strictly: a host app may set them as text ("off"), and
``bool("off")`` is True, so text is parsed and anything unreadable stops start-up."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engagement.config import RefusedSetting

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def flag(config: Mapping[str, Any], key: str) -> bool:
    """The setting ``key`` as a bool: a bool, 0 or 1, or text such as on/off, true/false, yes/no, 1/0."""
    value = config[key]
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
        return value.strip().lower() in TRUE
    raise RefusedSetting(f"{key} is {str(value)[:40]!r}; it must be on or off (true/false, yes/no, 1/0). "
                         "Tillit will not start.")


def hs256_enabled(config: Mapping[str, Any]) -> bool:
    """Whether HS256 user tokens (signed with ENGAGEMENT_TOKEN_SECRET) sign people in; anything that
    mints them (the demo, ``engagement token``) asks this first."""
    return flag(config, "ENGAGEMENT_HS256_TOKENS")
