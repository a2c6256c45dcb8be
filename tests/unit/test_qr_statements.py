"""The per-person statement cache behind scans: one build per (role, company, user, crew)."""

from __future__ import annotations

import uuid

from api.db.models import Role, User
from api.lib.context import Actor
from api.lib.statements import PerActorStatements


def _actor(
    role: Role = Role.WORKER, crew: uuid.UUID | None = None, user_id: uuid.UUID | None = None
) -> Actor:
    user = User(id=user_id or uuid.uuid4(), company_id=uuid.uuid4(), role=role, crew_id=crew)
    return Actor(user=user)


def test_built_once_per_person_and_again_when_their_scope_changes() -> None:
    built: list[Actor] = []

    def build(actor: Actor) -> int:
        built.append(actor)
        return len(built)

    cache = PerActorStatements(build, maxsize=10)
    worker = _actor()
    assert cache.get(worker) == cache.get(worker) == 1
    # Same person, moved to a crew: what they may see changed, so the statement does.
    moved = Actor(
        user=User(
            id=worker.id, company_id=worker.user.company_id, role=Role.WORKER, crew_id=uuid.uuid4()
        )
    )
    assert cache.get(moved) == 2
    promoted = Actor(
        user=User(id=worker.id, company_id=worker.user.company_id, role=Role.FOREMAN, crew_id=None)
    )
    assert cache.get(promoted) == 3
    assert len(built) == 3


def test_least_recently_used_people_are_forgotten() -> None:
    cache = PerActorStatements(lambda a: object(), maxsize=2)
    first, second, third = _actor(), _actor(), _actor()
    kept = cache.get(first)
    cache.get(second)
    assert cache.get(first) is kept  # touched: now the most recent
    cache.get(third)  # evicts `second`
    assert cache.get(first) is kept
    assert len(cache._cache) == 2
