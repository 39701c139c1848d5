"""Mielto (mielto 0.1.7) against the sandbox's Mielto contract (`/mielto/api/v1/…`).

The SDK builds its Memory / MemoryListResponse / MemorySearchResponse models from every answer and maps
404 → NotFoundError, 422 → ValidationError. `list` sends `sort_by=updated_at&sort_order=desc` by default.

Each test names the sandbox change that was made (and reverted) to see it fail ("broke: …").
"""

from __future__ import annotations

import pytest
from mielto import Mielto
from mielto.client.exceptions import NotFoundError, ValidationError
from mielto.types.memory import MemoryCreate, MemorySearchRequest


def client(sandbox) -> Mielto:
    return Mielto(api_key="mk_sdk_conformance", base_url=f"{sandbox.url}/mielto/api/v1", timeout=10.0, max_retries=0)


TEXTS = [
    "Dana adopted a zebra finch",
    "Dana moved to Lisbon",
    "Dana's zebra finch is called Pip",
    "Dana prefers tea",
    "Dana works nights",
]


def test_create_list_pages(sandbox):
    # broke: list ignored sort_order (always ascending) → the walk returned the oldest first.
    with client(sandbox) as mielto:
        created = [
            mielto.memories.create(MemoryCreate(user_id="dana", memory=text, topics=["pets"], metadata={"i": i}))
            for i, text in enumerate(TEXTS)
        ]
        mielto.memories.create(MemoryCreate(user_id="someone-else", memory="Dana is not this user"))
        assert [m.memory for m in created] == TEXTS
        assert all(m.user_id == "dana" and m.memory_id for m in created)
        assert created[2].metadata == {"i": 2} and created[2].topics == ["pets"]

        seen, cursor, pages = [], None, 0
        while True:
            page = mielto.memories.list(user_id="dana", cursor=cursor, limit=2)
            pages += 1
            seen.extend(page.data)
            if not page.has_more:
                assert page.next_cursor is None
                break
            assert page.next_cursor and len(page.data) == 2
            cursor = page.next_cursor
        assert pages == 3
        # Newest first (the SDK's default order), every memory once, only Dana's.
        assert [m.memory for m in seen] == list(reversed(TEXTS))
        assert [m.memory_id for m in seen] == [m.memory_id for m in reversed(created)]

        ascending = mielto.memories.list(user_id="dana", limit=100, sort_order="asc")
        assert [m.memory for m in ascending.data] == TEXTS and not ascending.has_more
        with pytest.raises(ValidationError):
            mielto.memories.list(user_id="dana", limit=101)


def test_search_get_delete(sandbox):
    # broke: search ignored user_id → Frank's zebra memory was found too.
    with client(sandbox) as mielto:
        created = [mielto.memories.create(MemoryCreate(user_id="erin", memory=text)) for text in TEXTS]
        mielto.memories.create(MemoryCreate(user_id="frank", memory="Frank has a zebra too"))

        found = mielto.memories.search(MemorySearchRequest(query="zebra", user_id="erin"))
        assert found.query == "zebra" and found.retrieval_method == "agentic"
        assert sorted(m.memory for m in found.memories) == sorted(t for t in TEXTS if "zebra" in t)
        assert found.total_results == 2
        limited = mielto.memories.search(MemorySearchRequest(query="Dana", user_id="erin", limit=3))
        assert len(limited.memories) == 3 and all(m.user_id == "erin" for m in limited.memories)

        one = mielto.memories.get(created[1].memory_id)
        assert (one.memory_id, one.memory, one.user_id) == (created[1].memory_id, TEXTS[1], "erin")
        with pytest.raises(NotFoundError):
            mielto.memories.get("mem_does_not_exist")
        with pytest.raises(NotFoundError):
            mielto.memories.get(created[1].memory_id, user_id="frank")

        assert mielto.memories.delete(created[1].memory_id) is None
        with pytest.raises(NotFoundError):
            mielto.memories.get(created[1].memory_id)
        with pytest.raises(NotFoundError):
            mielto.memories.delete(created[1].memory_id)
        remaining = mielto.memories.list(user_id="erin", limit=100, sort_order="asc").data
        assert [m.memory_id for m in remaining] == [m.memory_id for i, m in enumerate(created) if i != 1]


def test_create_without_user_id_is_a_validation_error(sandbox):
    # broke: MieltoValidator accepted any memory_type → the "robot" create DID NOT RAISE.
    with client(sandbox) as mielto:
        with pytest.raises(ValidationError):
            mielto.memories.create({"memory": "nobody's memory"})
        with pytest.raises(ValidationError):
            mielto.memories.create({"user_id": "dana", "memory": "typed", "memory_type": "robot"})
