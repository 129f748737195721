"""What a leader can do about a weak statement: reflection questions and suggested actions.

In the spirit of "leaders go first": the leader shares their own answers and a mistake of their
own before asking anything of the team, asks what would make it easier rather than why it is
hard, and comes back to say what changed. Each library statement has a question and an action
of its own; every weak statement (custom ones too) gets the shared ones. The texts are English
msgids; the catalogs say them in bokmål, nynorsk, Danish and English.
"""
from __future__ import annotations

from engagement.translations import N_, translations

# statement key: (a reflection question for the leader, a suggested action)
OWN: dict[str, tuple[str, str]] = {
    "leader.respect_differences": (
        N_("Whose way of working do you find hardest to make room for, and what does the team notice of that?"),
        N_("Ask each person in a one-to-one what they do differently from the others that the team benefits from, "
           "and say it aloud in the next team meeting.")),
    "leader.safe_to_try": (
        N_("What happened the last time something new that someone tried did not work out?"),
        N_("Tell the team about something you tried that failed and what you learnt, then pick one small "
           "experiment together that is allowed to fail.")),
    "leader.open_about_challenges": (
        N_("Which of your own challenges at work does the team not know about, and why?"),
        N_("Share one challenge you are working on now at the next meeting, and ask for advice on it.")),
    "leader.easy_to_ask_for_help": (
        N_("When did you last ask someone in the team for help where the others could see it?"),
        N_("Ask for help yourself, openly, and thank the person who helped where the team hears it.")),
    "leader.talk_about_problems": (
        N_("Which problem or disagreement in the team is talked about in the corridor but not in meetings?"),
        N_("Put one known disagreement on the agenda, say your own view last, and let everyone speak first.")),
    "climate.wish_well": (
        N_("How do you react, in the moment, when someone says something you did not want to hear?"),
        N_("Thank the next person who raises a concern, before you answer what they said.")),
    "climate.listen_openly": (
        N_("In meetings, who speaks the most, and whose views are seldom heard?"),
        N_("Give everyone a turn before the discussion opens, and repeat back what you heard before you reply.")),
    "climate.disagreement_welcome": (
        N_("When did a disagreement in the team last change a decision?"),
        N_("Ask for the strongest argument against your own proposal before the team decides.")),
    "climate.curiosity": (
        N_("What do you do when new information does not fit the plan?"),
        N_("Start with a question when someone brings news that upsets the plan: what else do we not know?")),
    "climate.room_for_uncertainty": (
        N_("Can people in the team say \"I don't know\" without losing face, and do you?"),
        N_("Say \"I don't know\" yourself when you do not, and say what you will do to find out.")),
    "climate.easy_to_ask_for_help": (
        N_("What does it cost a new member of the team to ask a question?"),
        N_("Set aside a regular slot where questions and requests for help are the agenda.")),
    "climate.no_punishing_reactions": (
        N_("What happened to the last person who reported a mistake or bad news?"),
        N_("When a mistake is reported, talk about what the team learns and thank the person who raised it.")),
}
# For every weak statement: the leader goes first, asks what would help, and closes the loop.
SHARED_QUESTIONS = (N_("Ask the team: what would make it easier for you to speak up about this?"),)
SHARED_ACTIONS = (
    N_("Go first: share your own answers to this pulse with the team, and a mistake of your own."),
    N_("Come back to the team within a month and say what you changed after their answers."),
)


def for_statement(key: str, lang: str) -> dict[str, list[str]]:
    """The reflection questions and suggested actions for a weak statement, in ``lang``."""
    gettext = translations(lang).gettext
    question, action = OWN.get(key, (None, None))
    questions = ([question] if question else []) + list(SHARED_QUESTIONS)
    actions = ([action] if action else []) + list(SHARED_ACTIONS)
    return {"questions": [gettext(q) for q in questions], "actions": [gettext(a) for a in actions]}
