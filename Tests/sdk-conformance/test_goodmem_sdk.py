"""GoodMem (goodmem 0.1.43) against the sandbox's GoodMem contract (`/goodmem/v1/…`).

The SDK validates every answer with its pydantic models (Space, Memory, BatchMemoryResponse, …): a missing
required field or a wrong type fails the call. It maps 400 → BadRequestError, 404 → NotFoundError,
409 → ConflictError. List calls return a Page that follows `nextToken` when iterated.

Each test names the sandbox change that was made (and reverted) to see it fail ("broke: …").
"""

from __future__ import annotations

import uuid

import pytest
from goodmem import Goodmem, MemoryCreationRequest
from goodmem.errors import BadRequestError, ConflictError, NotFoundError

def client(sandbox) -> Goodmem:
    return Goodmem(base_url=f"{sandbox.url}/goodmem", api_key="gm_sdk_conformance", timeout=10.0)


def embedder(gm: Goodmem) -> str:
    """The sandbox's one embedder, as a space needs one."""
    return gm.embedders.list()[0].embedder_id


def new_space(gm: Goodmem, name: str):
    return gm.spaces.create(
        name=name,
        space_embedders=[{"embedderId": embedder(gm), "defaultRetrievalWeight": 1.0}],
        labels={"suite": "sdk-conformance"},
    )


def test_spaces_create_get_list(sandbox):
    # broke: the GET /v1/spaces/{id} route removed → NotFoundError on get; and (another run) the "at least one
    # embedder" check removed from createSpace → DID NOT RAISE BadRequestError.
    with client(sandbox) as gm:
        created = [new_space(gm, f"sdk-space-{n}") for n in range(5)]
        other = new_space(gm, "other-space")
        assert created[0].name == "sdk-space-0"
        assert created[0].labels == {"suite": "sdk-conformance"}
        assert [e.embedder_id for e in created[0].space_embedders] == [embedder(gm)]
        with pytest.raises(BadRequestError):  # a space needs at least one embedder
            gm.spaces.create(name="no-embedder", space_embedders=[])
        with pytest.raises(NotFoundError):  # …that exists
            gm.spaces.create(name="unknown-embedder", space_embedders=[{"embedderId": str(uuid.uuid4())}])
        assert uuid.UUID(created[0].space_id)

        fetched = gm.spaces.get(id=created[3].space_id)
        assert (fetched.space_id, fetched.name) == (created[3].space_id, "sdk-space-3")
        with pytest.raises(NotFoundError):
            gm.spaces.get(id=str(uuid.uuid4()))
        with pytest.raises(ConflictError):
            new_space(gm, "sdk-space-0")

        filtered = gm.spaces.list(name_filter="sdk-space-*")
        assert sorted(s.name for s in filtered) == [f"sdk-space-{n}" for n in range(5)]
        assert other.space_id not in {s.space_id for s in filtered}
        assert [s.name for s in gm.spaces.list(name_filter="other-*")] == ["other-space"]


def test_spaces_list_pages(sandbox):
    # broke: listSpaces ignored maxResults (every space, no nextToken) → the first page held 7, not 2.
    with client(sandbox) as gm:
        for n in range(7):
            new_space(gm, f"paged-{n}")
        page = gm.spaces.list(name_filter="paged-*", page_size=2)
        assert len(page.data) == 2 and page.next_token
        names = [s.name for s in page]  # iterating follows nextToken
        assert sorted(names) == [f"paged-{n}" for n in range(7)] and len(names) == 7
        # The default order is newest first.
        assert names[0] == "paged-6"


def test_memories_create_get_batch_list_delete(sandbox):
    # broke: memoryJSON returned originalContent as plain text, not base64 → pydantic ValidationError for
    # BatchMemoryResponse (the SDK's Memory.original_content is Base64Bytes).
    with client(sandbox) as gm:
        space = new_space(gm, "memories-space").space_id
        first_id = str(uuid.uuid4())
        memory = gm.memories.create(
            space_id=space, memory_id=first_id, original_content="the first memory", metadata={"n": 1}
        )
        assert (memory.memory_id, memory.space_id, memory.content_type) == (first_id, space, "text/plain")
        assert memory.processing_status == "PENDING" and memory.metadata == {"n": 1}
        with pytest.raises(ConflictError):
            gm.memories.create(space_id=space, memory_id=first_id, original_content="again")
        with pytest.raises(NotFoundError):
            gm.memories.create(space_id=str(uuid.uuid4()), original_content="no such space")
        with pytest.raises(BadRequestError):
            gm.memories.create(space_id=space, original_content="")

        ids = [str(uuid.uuid4()) for _ in range(4)]
        batch = gm.memories.batch_create(
            requests=[
                MemoryCreationRequest(space_id=space, memory_id=ids[0], original_content="batch zero"),
                MemoryCreationRequest(space_id=space, memory_id=ids[1], original_content="batch one"),
                MemoryCreationRequest(space_id=space, memory_id=ids[0], original_content="batch zero again"),
                MemoryCreationRequest(space_id=space, memory_id=ids[2], original_content="batch two"),
                MemoryCreationRequest(space_id=space, memory_id=ids[3], original_content="batch three"),
            ]
        )
        assert [r.success for r in batch.results] == [True, True, False, True, True]
        assert batch.results[2].memory_id == ids[0] and batch.results[2].error.code == 6  # ALREADY_EXISTS
        assert [r.memory.memory_id for r in batch.results if r.success] == [ids[0], ids[1], ids[2], ids[3]]

        unknown = str(uuid.uuid4())
        got = gm.memories.batch_get(memory_ids=[ids[1], unknown, first_id], include_content=True)
        assert [r.success for r in got.results] == [True, False, True]
        assert got.results[1].memory_id == unknown and got.results[1].error.code == 5  # NOT_FOUND
        assert got.results[0].memory.original_content == b"batch one"
        assert got.results[2].memory.original_content == b"the first memory"

        one = gm.memories.get(id=ids[2], include_content=True)
        assert (one.memory_id, one.original_content) == (ids[2], b"batch two")
        assert gm.memories.get(id=ids[2]).original_content is None

        page = gm.memories.list(space_id=space, page_size=2)
        assert len(page.data) == 2 and page.next_token
        listed = [m.memory_id for m in page]
        assert listed == [first_id, *ids] and len(set(listed)) == 5
        contents = [m.original_content for m in gm.memories.list(space_id=space, include_content=True)]
        assert contents == [b"the first memory", b"batch zero", b"batch one", b"batch two", b"batch three"]

        assert gm.memories.delete(id=ids[1]) is None
        with pytest.raises(NotFoundError):
            gm.memories.get(id=ids[1])
        with pytest.raises(NotFoundError):
            gm.memories.delete(id=ids[1])
        assert [m.memory_id for m in gm.memories.list(space_id=space)] == [first_id, ids[0], ids[2], ids[3]]
        with pytest.raises(NotFoundError):
            list(gm.memories.list(space_id=str(uuid.uuid4())))
