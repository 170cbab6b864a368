"""Agent corrections of the classifier: the table and its repository."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kefu.services.ports import TriageCorrection
from kefu.store.models import Base, Id


class TriageCorrectionRow(Base):
    __tablename__ = "triage_corrections"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    from_label: Mapped[str] = mapped_column(String(60))
    to_label: Mapped[str] = mapped_column(String(60))
    agent: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(index=True)


class SqlTriageRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add_correction(self, correction: TriageCorrection) -> None:
        self.s.add(
            TriageCorrectionRow(
                ticket_id=correction.ticket_id,
                text=correction.text,
                from_label=correction.from_label,
                to_label=correction.to_label,
                agent=correction.agent,
                at=correction.at,
            )
        )

    def corrections(self) -> list[TriageCorrection]:
        rows = self.s.scalars(
            select(TriageCorrectionRow).order_by(TriageCorrectionRow.at, TriageCorrectionRow.id)
        )
        return [
            TriageCorrection(r.text, r.from_label, r.to_label, r.agent, r.at, r.ticket_id)
            for r in rows
        ]
