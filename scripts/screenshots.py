"""Screenshots of the main pages at desktop and phone width, for the README.

Loads the sample district into a temporary store with ``concentric load``, creates a
planner token, serves it with ``concentric serve`` on a free 127.0.0.1 port and drives
Debian's Chromium (through Playwright) over the dashboard, the gap list, a leader's page, a
unit's page and a network view, each at 1366 px and at 390 px (a phone), into
``docs/screenshots/<page>-<width>.png``.

Usage::

    python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import (  # noqa: E402  (the helpers live with the tests)
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    concentric_command,
    running_server,
)

#: File stem -> page path. The leader is L01 (under quota), the unit U01 (a university).
PAGES: dict[str, str] = {
    "dashboard": "/",
    "gaps": "/gaps",
    "leader": "/leaders/L01",
    "entity": "/entities/U01",
    "network": "/viz/leader/L01",
}
#: Viewport sizes: a common laptop screen and a phone.
SIZES: dict[str, tuple[int, int]] = {"1366": (1366, 900), "390": (390, 844)}
#: The tallest picture (pixels): the top of a long page is what a reader sees first.
MAX_HEIGHT = 1800


def concentric(*args: str | Path) -> str:
    result = subprocess.run(
        [*concentric_command(), *(str(a) for a in args)],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def shoot(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "sample.db"
        concentric("load", "--store", store, ROOT / "data" / "sample")
        token = concentric("token", "create", "--role", "planner", "--store", store)
        token = token.strip().splitlines()[-1].strip()
        with running_server(store, Path(tmp) / "serve.log") as server, sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
            )
            for size, (width, height) in SIZES.items():
                context = browser.new_context(
                    viewport={"width": width, "height": height},
                    locale="zh-CN",
                    is_mobile=width < 600,
                    device_scale_factor=1,
                )
                context.set_default_timeout(TIMEOUT_MS)
                page = context.new_page()
                page.goto(f"{server.base_url}/login")
                page.fill("input[name=token]", token)
                with page.expect_navigation(wait_until="load"):
                    page.click("button[type=submit]")
                for stem, path in PAGES.items():
                    page.goto(f"{server.base_url}{path}", wait_until="load")
                    # Let the network pictures settle (they mark <body> when drawn).
                    page.wait_for_timeout(2500)
                    target = out / f"{stem}-{size}.png"
                    # The whole page, cut at MAX_HEIGHT (the gap list runs to 500 rows).
                    tall = page.evaluate("() => document.scrollingElement.scrollHeight")
                    clip = {"x": 0, "y": 0, "width": width, "height": min(tall, MAX_HEIGHT)}
                    page.screenshot(path=str(target), full_page=True, clip=clip)
                    written.append(target)
                context.close()
            browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    for path in shoot(args.out):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
