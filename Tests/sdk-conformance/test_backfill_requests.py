"""The other direction: every request body Backfill itself sends must parse with the vendor SDK's own request
model and carry every field docs/API-CONTRACTS.md marks required. `backfill import samples` runs against the sandbox,
which records each write body as received (`GET /_sandbox/requests?target=…`).

Each test names the change that was made (and reverted) to see it fail ("broke: …").
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from datetime import datetime

import pytest
from goodmem.models.json_memory_creation_request import JsonMemoryCreationRequest
from goodmem.models.space_creation_request import SpaceCreationRequest
from maximem_synap.memories.models import BatchCreateRequest, CreateMemoryRequest
from mielto.types.memory import MemoryCreate

from conftest import BINARY, REPO

SAMPLES = str(REPO / "samples")


def backfill_import(tmp_path, *arguments: str, key: tuple) -> dict:
    """`backfill import samples … --json` with its own BACKFILL_HOME; returns the report."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["BACKFILL_HOME"] = str(tmp_path / "home")
    env[key[0]] = key[1]
    done = subprocess.run(
        [str(BINARY), "import", SAMPLES, "--json", "--progress", "none", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode in (0, 1), f"exit {done.returncode}: {done.stderr[-2000:]}"
    report = json.loads(done.stdout)
    assert report["documents"]["accepted"] > 0, report
    return report


def test_synap_bodies_parse_with_the_sdk_models(sandbox, tmp_path):
    # broke: the recorder line removed from SandboxRoutes' handlers → "the sandbox recorded no Synap request".
    # Failed before the contract fix: Backfill sent no "mode" unless --mode was given (56 of the 57 sample
    # bodies), while docs/API-CONTRACTS.md marks it required on the wire.
    backfill_import(tmp_path, "--target", "synap", "--base-url", sandbox.url, "--user-id", "wire-user",
                    key=("SYNAP_API_KEY", "synap_wire_test"))
    recorded = sandbox.requests("synap")
    assert recorded, "the sandbox recorded no Synap request"
    seen = set()
    for entry in recorded:
        body = entry["body"]
        assert isinstance(body, dict), entry
        # docs/API-CONTRACTS.md: document, document_type and mode are required on the wire; Backfill always sends a
        # stable document_id (and document_created_at when the source has a date).
        for field in ("document", "document_type", "mode", "document_id"):
            assert field in body, f"{field} missing from {entry['route']}: {sorted(body)}"
        parsed = CreateMemoryRequest.model_validate(body)
        assert parsed.document_id == body["document_id"] and parsed.document
        if "document_created_at" in body:
            assert datetime.fromisoformat(body["document_created_at"]).tzinfo is not None
        if entry["route"].endswith("/memories/batch"):
            assert isinstance(entry["envelope"].get("fail_fast"), bool)
            BatchCreateRequest.model_validate({**entry["envelope"], "documents": [body]})
        else:
            assert entry["route"] == "POST /api/v1/memories/create", entry["route"]
        seen.add(body["document_id"])
    # Every stored document came through a recorded body.
    assert set(sandbox.documents()) <= seen


def test_goodmem_bodies_parse_with_the_sdk_models(sandbox, tmp_path):
    # broke: the recorder lines removed from the GoodMem routes → no space body recorded (assert on []).
    report = backfill_import(
        tmp_path, "--target", "goodmem", "--base-url", f"{sandbox.url}/goodmem", "--space-name", "wire-space",
        "--create-space", key=("GOODMEM_API_KEY", "gm_wire_test"))
    recorded = sandbox.requests("goodmem")
    spaces = [e for e in recorded if e["route"] == "POST /goodmem/v1/spaces"]
    memories = [e for e in recorded if e["route"].endswith("/v1/memories:batchCreate")]
    assert len(spaces) == 1 and memories, [e["route"] for e in recorded]
    space = SpaceCreationRequest.model_validate(spaces[0]["body"])
    assert space.name == "wire-space" and space.space_embedders
    ids = set()
    for entry in memories:
        body = entry["body"]
        # docs/API-CONTRACTS.md: spaceId (uuid), originalContent or originalContentB64, contentType; metadata ≤ 50
        # properties; Backfill always sends a memoryId (UUIDv5 of the document id).
        for field in ("spaceId", "contentType", "memoryId", "metadata"):
            assert field in body, f"{field} missing: {sorted(body)}"
        assert ("originalContent" in body) != ("originalContentB64" in body)
        parsed = JsonMemoryCreationRequest.model_validate(body)
        assert parsed.space_id == space.space_id
        assert uuid.UUID(parsed.memory_id).version == 5
        assert len(parsed.metadata) <= 50 and parsed.metadata["backfill_document_id"]
        ids.add(parsed.memory_id)
    assert len(ids) >= report["documents"]["accepted"]


def test_mielto_bodies_parse_with_the_sdk_models(sandbox, tmp_path):
    # broke: the recorder line removed from the Mielto create route → 0 bodies for 57 accepted documents.
    report = backfill_import(
        tmp_path, "--target", "mielto", "--base-url", f"{sandbox.url}/mielto/api/v1", "--user-id", "wire-user",
        key=("MIELTO_API_KEY", "mk_wire_test"))
    recorded = sandbox.requests("mielto")
    assert len(recorded) >= report["documents"]["accepted"] > 0
    document_ids = set()
    for entry in recorded:
        assert entry["route"] == "POST /mielto/api/v1/memories", entry["route"]
        body = entry["body"]
        # docs/API-CONTRACTS.md: user_id and memory required; memory_type one of user|agent|team|workflow.
        for field in ("user_id", "memory"):
            assert field in body, f"{field} missing: {sorted(body)}"
        parsed = MemoryCreate.model_validate(body)
        # --user-id fills only requests without one (samples/requests carries its own).
        assert parsed.user_id and parsed.memory
        assert parsed.memory_type in ("user", "agent", "team", "workflow")
        # No client id exists: the source id and date go into metadata.
        assert parsed.metadata and parsed.metadata["backfill_document_id"]
        document_ids.add(parsed.metadata["backfill_document_id"])
    assert len(document_ids) == report["documents"]["accepted"]
