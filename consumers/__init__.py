"""Read models, one module each, and the registry the runner and replay use."""
from __future__ import annotations

from typing import TYPE_CHECKING

from consumers.awards import Awards
from consumers.base import ReadModel
from consumers.ideas import Ideas
from consumers.ledger import Ledger
from consumers.notifications import Notifications
from consumers.profiles import Profiles
from consumers.recognition import Recognition
from consumers.trust import Trust

if TYPE_CHECKING:
    from engagement.extension import EngagementState


def builtin_read_models(st: "EngagementState") -> list[ReadModel]:
    """Every read model Tillit ships, ledger first."""
    return [Ledger(), Recognition(st.recognition_cache), Ideas(st.config["ENGAGEMENT_EDIT_WINDOW"],
                                                                    st.config["ENGAGEMENT_REPORTS_TO_HIDE"]),
            Profiles(st.checklist), Awards(st.config["ENGAGEMENT_TIMEZONE"], st.award_board),
            Trust(st.config["ENGAGEMENT_TIMEZONE"]), Notifications(st.config["ENGAGEMENT_TIMEZONE"])]
