"""Synap (maximem-synap 0.6.9) against the sandbox's SDK route profile (`/api/v1/memories/…`).

The SDK's own quirks these tests lean on (maximem_synap/memories/interface.py, transport/http_client.py):
only HTTP 200/204 are success; `batch_create` builds every result with `UUID(r["ingestion_id"])` and
`datetime.fromisoformat(r["queued_at"])`, failed items included; 409 raises ConflictError, 400/422
InvalidInputError, 404 ContextNotFoundError.

Each test names the sandbox change that was made (and reverted) to see it fail ("broke: …").
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from datetime import datetime, timezone

import pytest
from maximem_synap import MaximemSynapSDK, SDKConfig, TimeoutConfig
from maximem_synap.memories.models import CreateMemoryRequest, IngestStatus
from maximem_synap.models.errors import ConflictError, ContextNotFoundError, InvalidInputError

DUPLICATE_WORDING = re.compile(r"already|duplicate|exists|conflict", re.IGNORECASE)


def run_with_sdk(sandbox, body):
    """Runs `body(sdk)` with an initialized SDK pointed at the sandbox: no cache, no local model, no retries,
    short timeouts (telemetry, which has no switch, goes to the sandbox too and is refused there)."""

    async def main():
        config = SDKConfig(
            api_base_url=sandbox.url,
            cache_backend=None,
            history_search_model=None,
            retry_policy=None,
            timeouts=TimeoutConfig(connect=2.0, read=10.0, write=10.0),
        )
        sdk = MaximemSynapSDK(api_key="synap_sdk_conformance", config=config, _force_new=True)
        await asyncio.wait_for(sdk.initialize(), timeout=20)
        try:
            return await asyncio.wait_for(body(sdk), timeout=60)
        finally:
            await asyncio.wait_for(sdk.shutdown(), timeout=20)

    return asyncio.run(main())


def test_whoami_resolves_the_instance(sandbox):
    # broke: whoami's "instance_id" renamed to "instance" (SandboxRoutes) → the SDK's instance_id stayed "".
    async def body(sdk):
        return sdk.instance_id

    assert run_with_sdk(sandbox, body) == "sandbox"


def test_create_then_status(sandbox):
    # broke: the status route answered "done" instead of "completed" → ValueError: 'done' is not a valid
    # IngestStatus.
    created_at = datetime(2021, 3, 4, 5, 6, 7, tzinfo=timezone.utc)

    async def body(sdk):
        created = await sdk.memories.create(
            document="Dana prefers email over phone calls.",
            user_id="sdk-user-1",
            document_type="email",
            document_id="sdk-create-1",
            document_created_at=created_at,
            metadata={"source": "sdk-conformance"},
        )
        first = await sdk.memories.status(created.ingestion_id)
        await asyncio.sleep(1.0)  # the sandbox completes an ingestion 600 ms after queued_at
        final = await sdk.memories.status(created.ingestion_id)
        return created, first, final

    created, first, final = run_with_sdk(sandbox, body)
    assert isinstance(created.ingestion_id, uuid.UUID)
    assert created.document_id == "sdk-create-1"
    assert created.status == IngestStatus.QUEUED
    assert first.ingestion_id == created.ingestion_id and first.document_id == "sdk-create-1"
    assert first.status in (IngestStatus.QUEUED, IngestStatus.PROCESSING, IngestStatus.COMPLETED)
    assert final.status == IngestStatus.COMPLETED
    assert final.completed_at is not None and final.memories_created >= 1
    stored = sandbox.documents()["sdk-create-1"]
    assert (stored["submissions"], stored["stored"]) == (1, 1)
    assert stored["ingestion_id"] == str(created.ingestion_id)


def test_repeated_document_id_raises_conflict(sandbox):
    # broke: SandboxConfiguration.duplicates defaulted to .update → the second create succeeded, DID NOT RAISE.
    async def body(sdk):
        first = await sdk.memories.create(document="first text", user_id="sdk-user-1", document_id="sdk-dup-1")
        with pytest.raises(ConflictError):
            await sdk.memories.create(document="second text", user_id="sdk-user-1", document_id="sdk-dup-1")
        return first

    first = run_with_sdk(sandbox, body)
    stored = sandbox.documents()["sdk-dup-1"]
    assert stored["ingestion_id"] == str(first.ingestion_id)
    assert (stored["submissions"], stored["stored"]) == (2, 1)


def test_batch_create_with_a_duplicate_inside(sandbox):
    # Failed before the contract fix: failed batch items carried "ingestion_id": null, so the SDK's
    # UUID(r["ingestion_id"]) raised TypeError (they now carry a UUID and a queued_at).
    documents = [
        CreateMemoryRequest(document="batch one", user_id="sdk-user-2", document_id="sdk-batch-1"),
        CreateMemoryRequest(document="batch two", user_id="sdk-user-2", document_id="sdk-batch-2"),
        CreateMemoryRequest(document="batch one again", user_id="sdk-user-2", document_id="sdk-batch-1"),
    ]

    async def body(sdk):
        return await sdk.memories.batch_create(documents)

    batch = run_with_sdk(sandbox, body)
    assert (batch.total, batch.succeeded, batch.failed) == (3, 2, 1)
    by_id: dict = {}
    for result in batch.results:
        by_id.setdefault(result.document_id, []).append(result)
    assert sorted(by_id) == ["sdk-batch-1", "sdk-batch-2"]
    assert [r.status for r in by_id["sdk-batch-2"]] == [IngestStatus.QUEUED]
    statuses = sorted(r.status for r in by_id["sdk-batch-1"])
    assert statuses == sorted([IngestStatus.QUEUED, IngestStatus.FAILED])
    failed = next(r for r in by_id["sdk-batch-1"] if r.status == IngestStatus.FAILED)
    assert failed.error_message and DUPLICATE_WORDING.search(failed.error_message)
    stored = sandbox.documents()
    assert (stored["sdk-batch-1"]["submissions"], stored["sdk-batch-1"]["stored"]) == (2, 1)
    assert (stored["sdk-batch-2"]["submissions"], stored["sdk-batch-2"]["stored"]) == (1, 1)
    queued = next(r for r in by_id["sdk-batch-1"] if r.status == IngestStatus.QUEUED)
    assert stored["sdk-batch-1"]["ingestion_id"] == str(queued.ingestion_id)


@pytest.mark.parametrize("size", [0, 101])
def test_batch_size_out_of_bounds_is_invalid_input(sandbox, size):
    # broke: SandboxConfiguration.maxBatchDocuments raised to 1000 → [101] DID NOT RAISE; and (another run) the
    # "documents must not be empty" guard removed from SandboxRoutes → [0] DID NOT RAISE.
    documents = [
        CreateMemoryRequest(document=f"bound {i}", user_id="sdk-user-3", document_id=f"sdk-bound-{size}-{i}")
        for i in range(size)
    ]

    async def body(sdk):
        with pytest.raises(InvalidInputError):
            await sdk.memories.batch_create(documents)

    run_with_sdk(sandbox, body)
    assert not any(key.startswith(f"sdk-bound-{size}-") for key in sandbox.documents())


def test_status_of_an_unknown_ingestion_is_not_found(sandbox):
    # broke: the status route answered 200 {} for an unknown id → KeyError: 'ingestion_id' inside the SDK.
    async def body(sdk):
        with pytest.raises(ContextNotFoundError):
            await sdk.memories.status(uuid.uuid4())

    started = time.monotonic()
    run_with_sdk(sandbox, body)
    assert time.monotonic() - started < 30


CREATED_AT_CASES = [
    # Impossible fields that Foundation's ISO 8601 parser reads (rolling the day over) and pydantic refuses.
    "2023-02-29T00:00:00Z", "2023-04-31T10:00:00+02:00", "2023-02-29T00:00:00.5Z", "2100-02-29T12:00:00Z",
    "2024-01-01T24:00:00Z", "2024-01-01T23:59:60Z", "2024-01-01T10:61:00Z", "2024-13-01T10:00:00Z",
    # Well-formed ones both accept.
    "2024-02-29T23:59:59Z", "2000-02-29T00:00:00.250Z", "2024-04-30T08:00:00+05:30", "2024-01-01T10:00:00",
]


@pytest.mark.parametrize("created_at", CREATED_AT_CASES)
def test_created_at_the_sdk_refuses_the_sandbox_refuses(sandbox, created_at):
    # The SDK's own model is the oracle: what it refuses, a client bypassing it (curl) must not get stored.
    # broke: Timestamp.parse without the fieldsInRange guard → the sandbox stored 2023-02-29T00:00:00Z (201/200)
    # while pydantic refused it.
    import json
    import urllib.error
    import urllib.request

    try:
        CreateMemoryRequest(document="created at", document_created_at=created_at)
        sdk_accepts = True
    except ValueError:
        sdk_accepts = False
    document_id = f"sdk-created-{CREATED_AT_CASES.index(created_at)}"
    body = {
        "document": "created at", "document_type": "document", "mode": "long-range", "document_id": document_id,
        "document_created_at": created_at,
    }
    request = urllib.request.Request(
        sandbox.url + "/api/v1/memories/create", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": "Bearer synap_sdk_conformance", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    stored = document_id in sandbox.documents()
    if not sdk_accepts:
        assert status >= 400 and not stored, f"{created_at}: the SDK refuses it, the sandbox answered {status}"
    else:
        assert status < 300 and stored, f"{created_at}: the SDK accepts it, the sandbox answered {status}"
