"""What every use case gets: the unit of work factory, the policies and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from kefu.domain.clock import Clock
from kefu.policies import Policies
from kefu.services.cache import TtlCache
from kefu.services.ports import BlobStore, Classifier, UnitOfWorkFactory


@dataclass(frozen=True)
class ServiceContext:
    uow: UnitOfWorkFactory
    policies: Policies
    clock: Clock
    blobs: BlobStore
    cache: TtlCache = field(default_factory=TtlCache)
    """Rarely changing configuration (SLA rules, calendar overrides) for hot paths."""
    classifier: Classifier | None = None
    """Subcategory classifier (kefu.triage, loaded once per process); None: none."""
