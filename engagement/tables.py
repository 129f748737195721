"""Every table Tillit owns, one model module per domain: importing this registers them all on
``Base.metadata`` (Alembic and the tests compare against it)."""
from engagement.awards.model import (
                                     AwardCredit,
                                     AwardIdea,
                                     AwardLike,
                                     AwardScore,
                                     AwardSnapshot,
                                     AwardSummary,
                                     AwardTally,
)
from engagement.db import Base, BigId, utcnow
from engagement.directory.model import Membership, Person, Team, TeamPlacement, TeamRecognition
from engagement.ideas.model import AbuseReport, Campaign, Contribution, Idea, IdeaCredit
from engagement.ledger.model import ApiKey, ConsumerPosition, DeadLetter, LedgerEvent, ParkedEvent, ProcessedEvent
from engagement.notifications.model import (
                                     MailOutbox,
                                     Notification,
                                     NotificationMark,
                                     NotifyIdeaPerson,
                                     NotifyLike,
                                     NotifyPreference,
                                     NotifyTitle,
)
from engagement.ownership.model import OwnerWaiting, TargetOwner
from engagement.profiles.model import ProfileCompletion, ProfileField, ProfileMilestone
from engagement.recognition.model import KudosFirst, LikeState, PersonRecognition, RecognitionPair, TargetStats
from engagement.trust.model import RetentionHorizon, TrustActivity, TrustAudit, TrustContribution, TrustIdea

__all__ = ["AbuseReport", "AwardCredit", "AwardIdea", "AwardLike", "AwardScore", "AwardSnapshot", "AwardSummary",
           "AwardTally", "ApiKey", "Base", "BigId", "Campaign", "ConsumerPosition", "Contribution", "DeadLetter",
           "Idea", "IdeaCredit", "KudosFirst", "MailOutbox", "Notification", "NotificationMark", "NotifyIdeaPerson",
           "NotifyLike", "NotifyPreference", "NotifyTitle", "OwnerWaiting", "LedgerEvent", "LikeState", "Membership",
           "Person", "PersonRecognition",
           "ProfileCompletion", "ProfileField", "ProfileMilestone",
           "ParkedEvent", "ProcessedEvent", "RecognitionPair", "RetentionHorizon", "TargetOwner", "TargetStats", "Team",
           "TeamPlacement", "TeamRecognition",
           "TrustActivity", "TrustAudit", "TrustContribution", "TrustIdea", "utcnow"]
