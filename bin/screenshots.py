"""The README's screenshots: the home, finder, event and petition pages in Russian, on a
desktop (1280 x 860) and a phone (360 x 740), written to docs/screenshots/.

Run it with `make screenshots`, which migrates and loads the demo data first. It serves the
checkout on a free port with Django's development server, without map tiles (none can be
fetched offline, and a picture should not depend on a tile server: the maps show their
markers on a plain ground), and photographs the first screen of each page in Debian's
Chromium. Each PNG is reduced to a 256-colour palette, which keeps it small.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 360, "height": 740}}
# (file name, path): the demo data's London protest and the Sphere petition (events/demo.py).
PAGES = [
    ("home", "/ru/"),
    ("finder", "/ru/events/?q=London"),
    ("event", "/ru/events/london-embassy/"),
    ("petition", "/ru/petitions/safe-passage/"),
]
# As the browser tests launch it (tests/conftest.py).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port: int) -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "true", "MAP_TILES_URL": ""}
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 (a fixed command)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("The development server did not start") from None
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("The development server did not answer within 30 s")


def shoot(page: Page, url: str) -> bytes:
    page.goto(url)
    maps = page.locator("[data-finder-map], #event-map")
    for i in range(maps.count()):  # drawn (markers placed) before the picture is taken
        page.wait_for_function(
            "(map) => map.hasAttribute('data-finder-map')"
            " ? map.dataset.ready === 'true' : map.classList.contains('leaflet-container')",
            arg=maps.nth(i).element_handle(),
        )
    page.wait_for_timeout(300)  # the countdown's script and the markers' layout settle
    return page.screenshot()


def save(png: bytes, path: Path) -> None:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = serve(port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            for size, viewport in SIZES.items():
                context = browser.new_context(
                    viewport=viewport,  # type: ignore[arg-type]
                    reduced_motion="reduce",  # a still map
                    locale="ru-RU",
                )
                page = context.new_page()
                for name, path in PAGES:
                    save(shoot(page, f"http://127.0.0.1:{port}{path}"), OUT / f"{name}-{size}.png")
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
