"""A tiny client of headless Chromium's DevTools protocol, over --remote-debugging-pipe.

Enough to open a local page at a given window size, see what it loaded and
what went wrong (script exceptions, console errors, requests), evaluate an
expression and take a screenshot, with no package beyond the standard library.
Chromium reads commands from its fd 3 and writes answers and events to its
fd 4, each a JSON text ended by a NUL byte.
"""

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
         "--remote-debugging-pipe"]


def find_chromium():
    """Path of a Chromium executable, or None."""
    for candidate in (os.environ.get("CHROMIUM"), *CANDIDATES, shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _above_4(fd):
    """The same pipe end moved to a number above 4, so moving it to 3 or 4 in the child
    is a real dup2 (which clears close-on-exec) and never overwrites the other end."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class BrowserError(RuntimeError):
    pass


class Chromium:
    """One headless Chromium with a fresh profile; use as a context manager."""

    def __init__(self, executable, timeout=60.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="report-browser-")
        commands_read, self._commands = (_above_4(fd) for fd in os.pipe())
        self._answers, answers_write = (_above_4(fd) for fd in os.pipe())

        def give_pipes():  # runs in the child: Chromium expects the pipes at fds 3 and 4
            os.dup2(commands_read, 3, inheritable=True)
            os.dup2(answers_write, 4, inheritable=True)

        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=give_pipes, close_fds=False)
        os.close(commands_read)
        os.close(answers_write)
        self._buffer = b""
        self._next_id = 0
        self.events = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for fd in (self._commands, self._answers):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    # ---------------------------------------------------------------- protocol

    def send(self, method, params=None, session=None):
        """Send one command and return its result (events meanwhile go to self.events)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method, session=None):
        """The first event `method` (already received or coming)."""
        for event in self.events:
            if event.get("method") == method and event.get("sessionId") == session:
                return event
        while True:
            event = self._read()
            self.events.append(event)
            if event.get("method") == method and event.get("sessionId") == session:
                return event

    def _read(self):
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._answers], [], [], max(0.0, left))
            if not ready:
                raise BrowserError(f"Chromium did not answer within {self.timeout:.0f} s")
            chunk = os.read(self._answers, 1 << 20)
            if not chunk:
                error = self.process.stderr.read().decode(errors="replace")[-2000:]
                raise BrowserError(f"Chromium closed the pipe: {error}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    # ---------------------------------------------------------------- pages

    def open(self, path, width, height, mobile=False):
        """Load a local file in a new tab of the given size; returns a Page."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget",
                            {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
                  session=session)
        first_event = len(self.events)
        self.send("Page.navigate", {"url": Path(path).resolve().as_uri()}, session=session)
        self.wait_for("Page.loadEventFired", session=session)
        return Page(self, session, first_event, width, height)


class Page:
    """A loaded tab: what it did, what it shows."""

    def __init__(self, browser, session, first_event, width, height):
        self.browser, self.session = browser, session
        self.first_event, self.width, self.height = first_event, width, height

    def evaluate(self, expression):
        result = self.browser.send("Runtime.evaluate",
                                   {"expression": expression, "returnByValue": True,
                                    "awaitPromise": True}, session=self.session)
        if "exceptionDetails" in result:
            raise BrowserError(f"evaluation failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def _events(self, method):
        return [e["params"] for e in self.browser.events[self.first_event:]
                if e.get("method") == method and e.get("sessionId") == self.session]

    def script_errors(self):
        """Uncaught exceptions, console.error calls and error log entries (failed loads)."""
        errors = [e["exceptionDetails"].get("text", "exception")
                  + str(e["exceptionDetails"].get("exception", {}).get("description", ""))
                  for e in self._events("Runtime.exceptionThrown")]
        errors += [str(e.get("args")) for e in self._events("Runtime.consoleAPICalled")
                   if e.get("type") == "error"]
        errors += [e["entry"].get("text", "") for e in self._events("Log.entryAdded")
                   if e["entry"].get("level") == "error"]
        return errors

    def requested_urls(self):
        return [e["request"]["url"] for e in self._events("Network.requestWillBeSent")]

    def screenshot(self, path, full_page=True):
        """Save a PNG of the viewport, or of the whole page (as tall as its content)."""
        params = {"format": "png"}
        if full_page:
            size = self.browser.send("Page.getLayoutMetrics", session=self.session)
            content = size.get("cssContentSize") or size["contentSize"]
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": self.width,
                                "height": min(int(content["height"]) + 1, 16000), "scale": 1})
        data = self.browser.send("Page.captureScreenshot", params, session=self.session)["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)
