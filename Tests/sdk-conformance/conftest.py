"""Fixtures: the built `backfill sandbox` as a subprocess, and helpers to read its admin routes."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import threading
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("BACKFILL_BIN", REPO / ".build" / "debug" / "backfill"))
LISTENING = re.compile(r"sandbox listening on (http://[0-9.]+:\d+)")

# No SDK may reach past the sandbox: no local models, no proxies.
os.environ["SYNAP_SDK_LOCAL_MODEL"] = "off"
for _proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_proxy, None)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


class Sandbox:
    """A running `backfill sandbox --port 0`."""

    def __init__(self, process: subprocess.Popen, url: str):
        self.process = process
        self.url = url

    def get(self, path: str):
        with urllib.request.urlopen(self.url + path, timeout=10) as answer:
            return json.loads(answer.read())

    def documents(self) -> dict:
        """`GET /_sandbox/documents` by document id."""
        return {d["document_id"]: d for d in self.get("/_sandbox/documents")["documents"]}

    def requests(self, target: str) -> list:
        """`GET /_sandbox/requests?target=…`: the write bodies as received."""
        return self.get(f"/_sandbox/requests?target={target}")["requests"]


def start_sandbox(*arguments: str) -> Sandbox:
    if not BINARY.exists():
        pytest.exit(f"{BINARY} is missing: run `swift build --product backfill` first", returncode=2)
    process = subprocess.Popen(
        [str(BINARY), "sandbox", "--port", "0", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
    try:
        first = lines.get(timeout=30)
    except queue.Empty:
        process.kill()
        pytest.fail("the sandbox printed nothing within 30 s")
    match = LISTENING.search(first)
    if not match:
        process.kill()
        pytest.fail(f"unexpected first line from the sandbox: {first!r}")
    return Sandbox(process, match.group(1))


def stop_sandbox(sandbox: Sandbox) -> None:
    sandbox.process.terminate()
    try:
        sandbox.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        sandbox.process.kill()
        sandbox.process.wait(timeout=10)


@pytest.fixture(scope="module")
def sandbox():
    """One sandbox per test module (each test uses its own ids, spaces and users)."""
    running = start_sandbox()
    yield running
    stop_sandbox(running)
