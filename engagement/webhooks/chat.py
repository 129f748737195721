"""A post for a chat channel, as a Microsoft Teams Adaptive Card or a Slack Block Kit message.

Both are made from one :class:`Post` (a title, an intro, sections of lines, a note), so what a
Teams channel and a Slack channel see is the same text. Names and reasons are text from the
directory and the report: Slack's three control characters are escaped, and nothing is a link.
Headings and lines are shown as written, never as markup: a team called "*R&D*" or "1. linje"
is neither bold nor a list (Teams' Markdown takes backslash escapes; Slack's mrkdwn has none, so
a zero-width space beside each of its formatting characters keeps it from pairing up).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.4"
SLACK_SECTION_LIMIT = 3000  # characters in one section's text
SLACK_HEADER_LIMIT = 150


@dataclass(frozen=True)
class Post:
    title: str
    intro: str
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    note: str = ""

    def as_text(self) -> str:
        """Plain text: Slack's notification fallback."""
        lines = [self.title, self.intro]
        for heading, items in self.sections:
            lines += [heading, *(f"- {item}" for item in items)]
        return "\n".join(line for line in [*lines, self.note] if line)


def teams(post: Post) -> dict:
    """A Teams Workflows webhook's body: a message with one Adaptive Card attachment."""
    body: list[dict] = [{"type": "TextBlock", "text": post.title, "size": "Large", "weight": "Bolder", "wrap": True},
                        {"type": "TextBlock", "text": post.intro, "wrap": True}]
    for heading, items in post.sections:
        body.append({"type": "TextBlock", "text": _teams_literal(heading), "weight": "Bolder", "wrap": True,
                     "spacing": "Medium"})
        body += [{"type": "TextBlock", "text": f"- {_teams_literal(item)}", "wrap": True, "spacing": "Small"}
                 for item in items]
    if post.note:
        body.append({"type": "TextBlock", "text": post.note, "isSubtle": True, "size": "Small", "wrap": True})
    card = {"type": "AdaptiveCard", "version": CARD_VERSION, "body": body}
    return {"type": "message", "attachments": [{"contentType": ADAPTIVE_CARD, "contentUrl": None, "content": card}]}


def slack(post: Post) -> dict:
    """A Slack incoming webhook's body: fallback text and Block Kit blocks."""
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": post.title[:SLACK_HEADER_LIMIT]}},
                          {"type": "section", "text": {"type": "mrkdwn", "text": _escaped(post.intro)}}]
    for heading, items in post.sections:
        text = f"*{_slack_literal(heading)}*\n" + "\n".join(f"• {_slack_literal(item)}" for item in items)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:SLACK_SECTION_LIMIT]}})
    if post.note:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _escaped(post.note)}]})
    return {"text": post.as_text()[:SLACK_SECTION_LIMIT], "blocks": blocks}


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_TEAMS_MARKUP = re.compile(r"([\\`*_~\[\]])")
_TEAMS_BLOCK_START = re.compile(r"^(\s*\d*)([#>+.)-])")
_SLACK_MARKUP = re.compile(r"([*_~`])")


def _teams_literal(text: str) -> str:
    """Text an Adaptive Card's Markdown shows as written: its emphasis, link and code characters
    escaped, and a heading, quote or list marker at the start too."""
    return _TEAMS_BLOCK_START.sub(r"\1\\\2", _TEAMS_MARKUP.sub(r"\\\1", text))


def _slack_literal(text: str) -> str:
    """Text Slack's mrkdwn shows as written: its control characters escaped, and each formatting
    character set apart by zero-width spaces, so no two of them enclose a word."""
    return _SLACK_MARKUP.sub("\u200b\\1\u200b", _escaped(text))


BUILDERS = {"teams": teams, "slack": slack}
