"""Teams (business modules), their queues with lanes, and the agents who work them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from kefu.domain.errors import InvalidInput


class Lane(StrEnum):
    NORMAL = "normal"
    MERCHANT = "merchant"
    CREATOR = "creator"
    ENTERPRISE = "enterprise"
    VIP = "vip"
    URGENT = "urgent"
    LEGAL = "legal"
    TRIAGE = "triage"


class Presence(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"
    OFFLINE = "offline"


class Channel(StrEnum):
    """Channel names of SPEC §14."""

    INAPP = "inapp"
    HOTLINE = "hotline"
    EMAIL = "email"
    WECHAT = "wechat"
    WEIBO = "weibo"
    STATION_LETTER = "station_letter"
    WECOM = "wecom"
    ENTERPRISE_LINE = "enterprise_line"
    DISPUTE = "dispute"
    OFFLINE = "offline"


class WorkMedium(StrEnum):
    """What an agent's capacity is counted in: a call, a chat or an email-like ticket."""

    CALL = "call"
    CHAT = "chat"
    EMAIL = "email"


MEDIUM_OF_CHANNEL: Mapping[Channel, WorkMedium] = {
    Channel.INAPP: WorkMedium.CHAT,
    Channel.HOTLINE: WorkMedium.CALL,
    Channel.EMAIL: WorkMedium.EMAIL,
    Channel.WECHAT: WorkMedium.CHAT,
    Channel.WEIBO: WorkMedium.CHAT,
    Channel.STATION_LETTER: WorkMedium.EMAIL,
    Channel.WECOM: WorkMedium.CHAT,
    Channel.ENTERPRISE_LINE: WorkMedium.CALL,
    Channel.DISPUTE: WorkMedium.EMAIL,
    Channel.OFFLINE: WorkMedium.EMAIL,
}

DEFAULT_CAPACITY: Mapping[WorkMedium, int] = {
    WorkMedium.CALL: 1,
    WorkMedium.CHAT: 3,
    WorkMedium.EMAIL: 10,
}
"""SPEC §6: 1 call, 3 chats, 10 emails at once."""


def parse_channel(value: str) -> Channel:
    try:
        return Channel(value)
    except ValueError:
        names = ", ".join(c.value for c in Channel)
        raise InvalidInput(
            f"unknown channel '{value}': expected one of {names}", details={"channel": value}
        ) from None


@dataclass(frozen=True, slots=True)
class Team:
    code: str
    zh: str
    en: str
    lanes: tuple[Lane, ...]


@dataclass(slots=True)
class Queue:
    team: str
    lane: Lane
    name: str = ""
    id: int | None = None
    backup_queue_id: int | None = None

    @property
    def key(self) -> str:
        return f"{self.team}/{self.lane.value}"


@dataclass(slots=True)
class Agent:
    name: str
    teams: list[str]
    skills: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=lambda: ["zh-CN"])
    capacity: dict[WorkMedium, int] = field(default_factory=lambda: dict(DEFAULT_CAPACITY))
    presence: Presence = Presence.OFFLINE
    id: int | None = None

    def set_presence(self, presence: Presence) -> None:
        self.presence = presence

    def validate(self, known_teams: set[str]) -> None:
        unknown = [t for t in self.teams if t not in known_teams]
        if unknown:
            raise InvalidInput(f"unknown team(s) {', '.join(unknown)}", details={"teams": unknown})
        if not self.name.strip():
            raise InvalidInput("an agent needs a name")
        for medium, count in self.capacity.items():
            if count < 0:
                raise InvalidInput(f"capacity for {medium.value} cannot be negative")
