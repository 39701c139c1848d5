"""Headless Chromium (Debian's `chromium`) driven over the DevTools protocol, and the reports it opens.

Nothing here renders or parses HTML itself: the page is opened by a real browser from `file://`, and the checks
ask that browser (its DOM, its console, its network log, its screenshot).
"""

from __future__ import annotations

import base64
import io
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import websocket

REPO = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("BACKFILL_BIN", REPO / ".build" / "debug" / "backfill"))
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or shutil.which("chromium-browser") or "chromium")
LISTENING = re.compile(r"sandbox listening on (http://[0-9.]+:\d+)")


class Page:
    """One tab: its DevTools session, and what it logged since it was opened."""

    def __init__(self, browser: "Chromium", session: str, load_seconds: float):
        self.browser = browser
        self.session = session
        self.load_seconds = load_seconds

    def evaluate(self, expression: str):
        answer = self.browser.call(
            "Runtime.evaluate", self.session, expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in answer:
            raise AssertionError(f"the page threw: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def errors(self) -> list:
        """Uncaught exceptions, console errors and warnings, and the browser's own error log entries."""
        found = []
        for event in self.browser.events_of(self.session):
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                found.append(params)
            elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
                found.append(params["entry"])
            elif method == "Page.javascriptDialogOpening":
                found.append(params)
        return found

    def requested_urls(self) -> list:
        return [
            e["params"]["request"]["url"]
            for e in self.browser.events_of(self.session)
            if e["method"] == "Network.requestWillBeSent"
        ]

    def screenshot(self):
        from PIL import Image

        data = self.browser.call("Page.captureScreenshot", self.session, format="png")["data"]
        return Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")

    def set_color_scheme(self, scheme: str) -> None:
        self.browser.call(
            "Emulation.setEmulatedMedia", self.session, features=[{"name": "prefers-color-scheme", "value": scheme}]
        )


class Chromium:
    """`chromium --headless --remote-debugging-port=0`, spoken to over its browser WebSocket."""

    def __init__(self):
        self.profile = Path(tempfile.mkdtemp(prefix="backfill-chromium."))
        self.process = subprocess.Popen(
            [
                CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--disable-dev-shm-usage", "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}", "--window-size=1200,900", "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and len(port_file.read_text().split()) >= 2):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                pytest.fail("chromium did not open its DevTools port within 60 s")
            time.sleep(0.05)
        port, path = port_file.read_text().split()[:2]
        self.socket = websocket.create_connection(f"ws://127.0.0.1:{port}{path}", suppress_origin=True, timeout=60)
        self.next_id = 0
        self.events: list = []

    def call(self, method: str, session: str | None = None, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        while True:
            answer = json.loads(self.socket.recv())
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise AssertionError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            if "method" in answer:
                self.record(answer)

    def record(self, event: dict) -> None:
        """Keeps an event; a dialog (an `alert` the page should never open) is kept and dismissed, or it would
        block the page and every later question."""
        self.events.append(event)
        if event["method"] == "Page.javascriptDialogOpening":
            self.next_id += 1
            self.socket.send(
                json.dumps(
                    {
                        "id": self.next_id, "method": "Page.handleJavaScriptDialog", "params": {"accept": False},
                        "sessionId": event.get("sessionId"),
                    }
                )
            )

    def wait_for(self, method: str, session: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        seen = len(self.events)
        for event in self.events:
            if event["method"] == method and event.get("sessionId") == session:
                return event
        while time.monotonic() < deadline:
            self.socket.settimeout(max(0.1, deadline - time.monotonic()))
            answer = json.loads(self.socket.recv())
            if "method" in answer:
                self.record(answer)
                if answer["method"] == method and answer.get("sessionId") == session:
                    return answer
        raise AssertionError(f"no {method} within {timeout} s (after {len(self.events) - seen} other events)")

    def events_of(self, session: str) -> list:
        return [e for e in self.events if e.get("sessionId") == session]

    def open(self, path: Path) -> Page:
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session)
        started = time.monotonic()
        self.call("Page.navigate", session, url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired", session, timeout=60)
        return Page(self, session, time.monotonic() - started)

    def close(self) -> None:
        try:
            self.socket.close()
        except Exception:
            pass
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    chromium = Chromium()
    yield chromium
    chromium.close()


def run_backfill(*arguments: str, home: Path, binary: Path = BINARY, ok=(0, 1), env_extra=None, cwd=None):
    """Runs `backfill …` with its own BACKFILL_HOME; returns the completed process."""
    if not binary.exists():
        pytest.exit(f"{binary} is missing: run `swift build --product backfill` first", returncode=2)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["BACKFILL_HOME"] = str(home)
    env.update(env_extra or {})
    done = subprocess.run(
        [str(binary), *arguments], env=env, capture_output=True, text=True, timeout=900, cwd=cwd or REPO
    )
    assert done.returncode in ok, f"backfill {' '.join(arguments)}: exit {done.returncode}\n{done.stderr[-3000:]}"
    return done


def start_sandbox(*arguments: str):
    """`backfill sandbox --port 0 …`: (process, url)."""
    process = subprocess.Popen(
        [str(BINARY), "sandbox", "--port", "0", *arguments], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
    match = LISTENING.search(lines.get(timeout=30))
    assert match, "the sandbox did not say where it listens"
    return process, match.group(1)
