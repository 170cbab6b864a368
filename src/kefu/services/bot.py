"""The help-center bot's use cases (SPEC §4.1): one reply per customer message, and the
answer to "was this helpful?". The live chat calls these two functions and carries
`BotState` between turns (`to_dict`/`from_dict`).

The decisions are the pure dialogue policy in `kefu.triage.bot`; this module gathers what
it needs — the classifier's guess (`ctx.classifier`, optional: the bot works without it),
the search index of the published articles, the taxonomy and the policies.
"""

from __future__ import annotations

import logging

from kefu.domain.knowledge import parse_lang
from kefu.policies.knowledge import handoff_policy, knowledge_policy
from kefu.services.context import ServiceContext
from kefu.services.knowledge import kb_index
from kefu.services.ports import Classification
from kefu.triage.bot import BotState, BotTurn, Citation, Context, feedback, respond

__all__ = ["BotState", "BotTurn", "Citation", "bot_feedback", "bot_reply"]

log = logging.getLogger(__name__)


def _context(ctx: ServiceContext) -> Context:
    return Context(
        index=kb_index(ctx),
        taxonomy=ctx.policies.taxonomy,
        policy=knowledge_policy().bot,
        handoff=handoff_policy(),
    )


def _classify(ctx: ServiceContext, text: str) -> Classification | None:
    """The classifier's guess, or None (no classifier, no text, or it failed: logged)."""
    if ctx.classifier is None or not text.strip():
        return None
    try:
        guess = ctx.classifier.classify([text])[0]
    except Exception:
        log.exception("the classifier failed; the bot answers from search alone")
        return None
    if guess.label not in ctx.policies.taxonomy:
        return Classification(guess.label, guess.confidence, guess.top3, confident=False)
    return guess


def bot_reply(ctx: ServiceContext, state: BotState, text: str, lang: str) -> BotTurn:
    """The bot's turn for one customer message in a chat held in `lang` (zh-CN or en)."""
    language = parse_lang(lang)
    return respond(text, language, state, _classify(ctx, text), _context(ctx))


def bot_feedback(ctx: ServiceContext, state: BotState, helpful: bool, lang: str) -> BotTurn:
    """The answer to "was this helpful?": thanks, or a failed answer (the second hands off)."""
    return feedback(state, helpful, parse_lang(lang), _context(ctx))
