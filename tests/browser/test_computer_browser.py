"""``BrowserComputer`` drives the system's Chromium for real: a small page served from
127.0.0.1, actions as a model sends them performed on it, the page's own report of what
it received, screenshots of the viewport's size, and a worker thread that ends on close.

The page reports what its button's handler saw by POSTing it back to the test's server,
so the test reads the page's state without any hook into the computer."""

from __future__ import annotations

import asyncio
import io
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from PIL import Image, ImageChops

from jupyter_responses.computer import BrowserComputer, actions_of, perform, perform_all

from .lab import CHROMIUM

WIDTH, HEIGHT = 800, 600
THREAD = "jupyter-responses-computer"

PAGE = b"""<!doctype html>
<html><body style="margin:0; font: 24px sans-serif; background: #fff">
<input id="name" style="position:absolute; left:20px; top:20px; width:300px; height:40px">
<button id="go" style="position:absolute; left:20px; top:100px; width:160px; height:50px">
  Go</button>
<p id="result" style="position:absolute; left:20px; top:180px; margin:0"></p>
<div style="position:absolute; top:1200px; left:20px">far below</div>
<div style="height:3000px"></div>
<script>
document.getElementById("go").addEventListener("click", () => {
  const text = document.getElementById("name").value;
  document.getElementById("result").textContent = "Hello, " + text + "!";
  fetch("/result", {method: "POST", body: text});
});
</script>
</body></html>"""


class Site:
    """The page's server: ``url`` serves it, ``received`` collects what it POSTs."""

    def __init__(self) -> None:
        self.received: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(PAGE)))
                self.end_headers()
                self.wfile.write(PAGE)

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                site.received.append(self.rfile.read(length).decode())
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def wait_for(self, count: int, timeout: float = 15) -> list[str]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received


@pytest.fixture
def site() -> Iterator[Site]:
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} is missing (apt-get install chromium fonts-liberation)"
        if os.environ.get("JR_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    served = Site()
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        served.server.shutdown()
        served.server.server_close()
        thread.join(timeout=10)


def _image(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(png)).convert("RGB")


def _workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD)]


def test_a_model_s_actions_fill_a_form_and_the_page_changes(site: Site) -> None:
    call = {
        "actions": [
            {"type": "click", "x": 170, "y": 40, "button": "left"},
            {"type": "type", "text": "hello"},
            {"type": "keypress", "keys": ["CTRL", "A"]},  # a chord: select all...
            {"type": "type", "text": "world"},  # ...so this replaces it
            {"type": "screenshot"},
        ]
    }
    with BrowserComputer(site.url, WIDTH, HEIGHT, executable_path=CHROMIUM) as computer:
        assert (computer.width, computer.height, computer.environment) == (800, 600, "browser")
        assert len(_workers()) == 1
        before = _image(perform_all(computer, actions_of(call)))
        assert before.size == (WIDTH, HEIGHT)  # the viewport, not the whole page

        perform(computer, {"type": "click", "x": 100, "y": 125, "button": "left"})
        assert site.wait_for(1) == ["world"]
        after = _image(computer.screenshot())
        assert after.size == (WIDTH, HEIGHT)
        line = (0, 170, WIDTH, 260)  # where the handler writes its result
        assert before.crop(line).getextrema() == ((255, 255),) * 3  # blank before
        assert ImageChops.difference(before.crop(line), after.crop(line)).getbbox()
    assert _workers() == []


def test_scrolling_moves_the_page(site: Site) -> None:
    with BrowserComputer(site.url, WIDTH, HEIGHT, executable_path=CHROMIUM) as computer:
        form = (10, 10, 340, 160)  # the input and the button, at the top of the page
        blank = ((255, 255),) * 3
        assert _image(computer.screenshot()).crop(form).getextrema() != blank
        perform(computer, {"type": "scroll", "x": 400, "y": 300, "scroll_x": 0, "scroll_y": 900})
        deadline = time.monotonic() + 10  # a wheel event scrolls after it returns
        while _image(computer.screenshot()).crop(form).getextrema() != blank:
            assert time.monotonic() < deadline, "the page did not scroll"
            time.sleep(0.1)


def test_it_runs_where_an_asyncio_loop_runs_and_close_ends_its_thread(site: Site) -> None:
    """A kernel's main thread runs an asyncio loop, where Playwright's sync API refuses
    to run: the computer's own thread makes that no matter."""

    async def in_a_loop() -> bytes:
        computer = BrowserComputer(site.url, 320, 240, executable_path=CHROMIUM)
        try:
            computer.click(170, 40)
            computer.type("from a loop")
            computer.click(100, 125)
            return computer.screenshot()
        finally:
            computer.close()
            computer.close()  # idempotent
            with pytest.raises(RuntimeError, match="closed"):
                computer.screenshot()

    # In a thread of its own: this process's main thread may run Playwright's loop
    # already (the session's browser page, for the tests before this one).
    done: dict[str, Any] = {}
    runner = threading.Thread(target=lambda: done.update(png=asyncio.run(in_a_loop())))
    runner.start()
    runner.join(timeout=120)
    png = done["png"]
    assert _image(png).size == (320, 240)
    assert site.wait_for(1) == ["from a loop"]
    assert _workers() == []
