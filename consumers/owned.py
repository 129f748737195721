"""Read models that credit a target's owner (recognition, awards, notifications) share one shape:
the batch learns owners in the log's order (engagement/ownership/waiting.py), keeps like states by
the one like rule (consumers/likes.py) and counts a Bra! once per giver and subject
(engagement/recognition/kudos.py). This is that shape, once.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from sqlalchemy.orm import Session

from engagement.events import Event, Target
from engagement.ownership.waiting import TEACHING, Owners
from engagement.recognition import kudos

from .base import Batch, Pairs, ReadModel
from .likes import Likes, LikeTable


class OwnedBatch(Batch):
    """A batch whose events carry their target's authoritative owner ("" while none is known)."""

    def __init__(self, session: Session, batch: Pairs, model: str,
                 likes: LikeTable):
        super().__init__(session, batch)
        self.owners = Owners(session, model, [event for event, _ in batch])
        self.events = [event for event, _ in self.owners.resolved]
        self.likes = Likes(session, likes, self.owners)
        self.kudos = kudos.FirstKudos(session, model, self.events)  # locks its givers first, always

    def load(self) -> None:
        self.likes.load(self.events)

    def ordered(self) -> Iterable[tuple[Event, Sequence[Target]]]:
        return self.owners.resolved


OB = TypeVar("OB", bound=OwnedBatch)


class OwnedReadModel(ReadModel[OB]):
    """Keeps, besides the types it handles, every event that may teach an owner: any from the
    intranet's back end (an API key states its target's owner) and the authoring types."""

    def wants(self, event: Event) -> bool:
        return (self.handler(event) is not None or event.type in TEACHING
                or not event.submitted_by.startswith("user:"))

    def reset(self, session: Session) -> None:
        super().reset(session)
        kudos.forget(session, self.name)
