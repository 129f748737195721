"""Read models, one module each, and the registry the runner and replay use."""
from __future__ import annotations

from typing import TYPE_CHECKING

from engagement.consumers.awards import Awards
from engagement.consumers.base import ReadModel
from engagement.consumers.ideas import Ideas
from engagement.consumers.ledger import Ledger
from engagement.consumers.notifications import Notifications
from engagement.consumers.profiles import Profiles
from engagement.consumers.recognition import Recognition
from engagement.consumers.trust import Trust

if TYPE_CHECKING:
    from engagement.state import EngagementState


def builtin_read_models(st: "EngagementState") -> list[ReadModel]:
    """Every read model Tillit ships, ledger first."""
    return [Ledger(), Recognition(st.recognition_cache), Ideas(st.config["ENGAGEMENT_EDIT_WINDOW"],
                                                                    st.config["ENGAGEMENT_REPORTS_TO_HIDE"]),
            Profiles(st.checklist), Awards(st.config["ENGAGEMENT_TIMEZONE"], st.award_board),
            Trust(st.config["ENGAGEMENT_TIMEZONE"]), Notifications(st.config["ENGAGEMENT_TIMEZONE"])]
