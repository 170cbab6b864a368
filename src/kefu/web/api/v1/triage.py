"""/api/v1/triage — the subcategory classifier and the hand-off policy, for any text."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kefu.domain.errors import InvalidInput
from kefu.services import triage as svc
from kefu.services.ports import Classification
from kefu.web.deps import ActorDep, CtxDep
from kefu.web.schemas import Strict

router = APIRouter(tags=["triage"])


class ClassifyIn(Strict):
    """Either `text` or `texts` (at most 100, each at most 5,000 characters)."""

    text: str | None = Field(default=None, examples=["我的号被盗了，密码被改了"])
    texts: list[str] | None = Field(default=None, examples=[["怎么开发票", "转人工"]])


class Scored(BaseModel):
    label: str
    confidence: float


class ClassificationOut(BaseModel):
    label: str = Field(description="A subcategory code, e.g. `order.quality`.")
    confidence: float
    confident: bool = Field(
        description="At or above the policy threshold: a ticket with this text would be "
        "placed in this subcategory; below it, it goes to the triage queue."
    )
    top3: list[Scored]
    handoff: bool = Field(
        description="This text, as the first message of an in-app chat, goes to a human."
    )
    handoff_reasons: list[str]


class ClassifyOut(BaseModel):
    items: list[ClassificationOut]
    """One per input text, in order."""


def _out(c: Classification) -> ClassificationOut:
    return ClassificationOut(
        label=c.label,
        confidence=round(c.confidence, 4),
        confident=c.confident,
        top3=[Scored(label=label, confidence=round(p, 4)) for label, p in c.top3],
        handoff=c.handoff,
        handoff_reasons=list(c.handoff_reasons),
    )


@router.post("/triage/classify", response_model=ClassifyOut)
def classify(body: ClassifyIn, ctx: CtxDep, actor: ActorDep) -> ClassifyOut:
    """Classify texts into subcategories and apply the hand-off policy (staff, integrations)."""
    if (body.text is None) == (body.texts is None):
        raise InvalidInput("send either `text` or `texts`", details={"fields": ["text", "texts"]})
    texts = [body.text] if body.text is not None else list(body.texts or [])
    return ClassifyOut(items=[_out(c) for c in svc.classify_texts(ctx, actor, texts)])
