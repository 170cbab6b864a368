"""The problem taxonomy (SPEC §2): categories, subcategories and their policy rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from kefu.domain.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Subcategory:
    category: str
    sub: str
    zh: str
    en: str
    team: str
    human_required: bool
    bot_resolvable: bool
    base_priority: int
    sla_class: str

    @property
    def code(self) -> str:
        """The stable API code, `<category>.<subcategory>`."""
        return f"{self.category}.{self.sub}"


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    zh: str
    en: str
    subcategories: tuple[Subcategory, ...]


class Taxonomy:
    """All categories and subcategories, looked up by code."""

    FALLBACK = "usage.howto"
    """Where a ticket goes when nobody (customer, classifier) says what it is about."""

    def __init__(self, categories: Iterable[Category]) -> None:
        self.categories: tuple[Category, ...] = tuple(categories)
        self._by_code: dict[str, Subcategory] = {}
        for category in self.categories:
            for sub in category.subcategories:
                if sub.code in self._by_code:
                    raise ValueError(f"duplicate subcategory code {sub.code}")
                self._by_code[sub.code] = sub
        if self.FALLBACK not in self._by_code:
            raise ValueError(f"the taxonomy must define the fallback {self.FALLBACK}")

    def __iter__(self) -> Iterator[Subcategory]:
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Subcategory:
        try:
            return self._by_code[code]
        except KeyError:
            raise InvalidInput(
                f"unknown subcategory '{code}': use a code like 'account.ban_appeal' "
                "from GET /api/v1/taxonomy",
                details={"subcategory": code},
            ) from None

    @property
    def codes(self) -> list[str]:
        return list(self._by_code)
