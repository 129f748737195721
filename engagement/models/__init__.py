"""Tables Tillit owns, one module per domain; all importable from here."""
from engagement.models.awards import AwardCredit, AwardIdea, AwardLike, AwardScore, AwardSnapshot, AwardSummary, AwardTally
from engagement.models.core import (ApiKey, Base, BigId, ConsumerPosition, DeadLetter, LedgerEvent,
                                    ParkedEvent, ProcessedEvent, utcnow)
from engagement.models.directory import Membership, Person, Team, TeamPlacement, TeamRecognition
from engagement.models.ideas import AbuseReport, Campaign, Contribution, Idea, IdeaCredit
from engagement.models.kudos import KudosFirst
from engagement.models.notifications import (MailOutbox, Notification, NotificationMark, NotifyIdeaPerson,
                                                NotifyLike, NotifyPreference, NotifyTitle)
from engagement.models.ownership import OwnerWaiting, TargetOwner
from engagement.models.profiles import ProfileCompletion, ProfileField, ProfileMilestone
from engagement.models.trust import RetentionHorizon, TrustActivity, TrustAudit, TrustContribution, TrustIdea
from engagement.models.recognition import LikeState, PersonRecognition, RecognitionPair, TargetStats

__all__ = ["AbuseReport", "AwardCredit", "AwardIdea", "AwardLike", "AwardScore", "AwardSnapshot", "AwardSummary", "AwardTally", "ApiKey", "Base", "BigId", "Campaign", "ConsumerPosition", "Contribution", "DeadLetter",
           "Idea", "IdeaCredit", "KudosFirst", "MailOutbox", "Notification", "NotificationMark", "NotifyIdeaPerson", "NotifyLike",
           "NotifyPreference", "NotifyTitle", "OwnerWaiting", "LedgerEvent", "LikeState", "Membership", "Person", "PersonRecognition",
           "ProfileCompletion", "ProfileField", "ProfileMilestone",
           "ParkedEvent", "ProcessedEvent", "RecognitionPair", "RetentionHorizon", "TargetOwner", "TargetStats", "Team",
           "TeamPlacement", "TeamRecognition",
           "TrustActivity", "TrustAudit", "TrustContribution", "TrustIdea", "utcnow"]
