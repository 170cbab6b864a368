"""Quotas on privileges (SPEC §4.3, §5): the urgent tag per month, materials per hour."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class QuotaPolicy:
    urgent_per_month: int = 3
    urgent_target_factor: float = 0.5
    urgent_flag: str = "urgent_tag_abuse"
    urgent_markers: tuple[str, ...] = ("【紧急】", "[紧急]", "紧急", "urgent")
    material_interval_minutes: int = 60
    material_categories: tuple[str, ...] = ("account", "safety")
    warn_share: float = 0.75
    compensation_factor: float = 1.0
    compensation_segments: tuple[str, ...] = (
        "enterprise_basic",
        "enterprise_industry",
        "enterprise_brand",
    )
    tz: str = "Asia/Shanghai"

    def urgent_requested(self, subject: str, tags: Iterable[str]) -> bool:
        """Does the subject or a tag carry the urgent marker (【紧急】 and its variants)?"""
        lowered = [t.strip().lower() for t in tags]
        if any(m.lower() in lowered for m in self.urgent_markers):
            return True
        # In a subject only the bracketed forms count: "紧急" alone is ordinary language.
        return any(m in subject for m in self.urgent_markers if m.startswith(("【", "[")))

    def month(self, now: datetime) -> str:
        """The calendar month a use counts in, in the operator's time zone: `2026-11`."""
        return now.astimezone(ZoneInfo(self.tz)).strftime("%Y-%m")

    def material_counts(self, category: str, last_raise: datetime | None, now: datetime) -> bool:
        """Does a new supplementary material raise priority now?"""
        if category not in self.material_categories:
            return False
        return last_raise is None or now - last_raise >= timedelta(
            minutes=self.material_interval_minutes
        )
