"""Every table Tillit owns: importing this module imports each domain's model module, which
registers its tables on ``Base.metadata`` (Alembic's migrations and the tests compare against it)."""
from engagement.awards import model as awards
from engagement.db import Base
from engagement.directory import model as directory
from engagement.ideas import model as ideas
from engagement.ledger import model as ledger
from engagement.lottery import model as lottery
from engagement.notifications import model as notifications
from engagement.ownership import model as ownership
from engagement.privacy import model as privacy
from engagement.profiles import model as profiles
from engagement.pulses import model as pulses
from engagement.recognition import model as recognition
from engagement.trust import model as trust
from engagement.webhooks import model as webhooks

DOMAINS = (awards, directory, ideas, ledger, lottery, notifications, ownership, privacy, profiles, pulses, recognition,
           trust, webhooks)
__all__ = ["Base", "DOMAINS"]
