"""Read models, one module each, and the registry the runner and replay use.

Modules here import each other relatively: installed, this package is ``engagement.consumers``
(pyproject's package-dir), a name mypy cannot follow through the editable install's import hook,
so relative imports are what lets it check every handler table against the base's ``Handler``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .awards import Awards
from .base import ReadModel
from .ideas import Ideas
from .ledger import Ledger
from .notifications import Notifications
from .profiles import Profiles
from .pulses import Pulses
from .recognition import Recognition
from .trust import Trust
from .webhooks import Webhooks

if TYPE_CHECKING:
    from engagement.state import EngagementState


def builtin_read_models(st: EngagementState) -> list[ReadModel]:
    """Every read model Tillit ships, ledger first."""
    return [Ledger(), Recognition(st.recognition_cache), Ideas(st.config["ENGAGEMENT_EDIT_WINDOW"],
                                                                    st.config["ENGAGEMENT_REPORTS_TO_HIDE"]),
            Profiles(st.checklist, st.config["ENGAGEMENT_TIMEZONE"]),
            Awards(st.config["ENGAGEMENT_TIMEZONE"], st.award_board),
            Trust(st.config["ENGAGEMENT_TIMEZONE"]), Notifications(st.config["ENGAGEMENT_TIMEZONE"]),
            Webhooks(st.config["ENGAGEMENT_PUBLIC_RANKING"], st.config["ENGAGEMENT_WEBHOOK_KEEP_DAYS"]), Pulses()]
