"""Helpers for the browser tests (tests/test_browser.py): the server subprocess, hostile
sample rows, and a PNG reader for checking that a canvas holds a drawing.

Nothing here imports the product: the server is started through its console script and
the data is written as plain CSV tables for `concentric load`.
"""

from __future__ import annotations

import contextlib
import csv
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: Debian's Chromium (never a browser downloaded by Playwright).
CHROMIUM = "/usr/bin/chromium"
#: Headless as root, offline: no sandbox, no GPU, and nothing that phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
#: Every wait in the browser tests stays at or under this (milliseconds).
TIMEOUT_MS = 30_000

#: Figure names that would run script if a page put them into HTML unescaped.
IMG_NAME = "<img src=x onerror=alert(1)>"
SCRIPT_NAME = "</script><script>alert(2)</script>"
#: Their rows: non-party figures in 敦煌路街道 (A02), assigned to leader L01 by a contact.
HOSTILE = {"FX901": IMG_NAME, "FX902": SCRIPT_NAME}
HOSTILE_LEADER = "L01"

#: Counts, in one frame, the elements a successful injection would leave behind: an
#: `<img src=x>`, any element with an `onerror` attribute, and a `<script>` whose code is
#: the injected `alert(...)` call (the JSON data block of a network page carries the name
#: as escaped text inside a non-executable `application/json` script, which is fine).
INJECTED_JS = """() => ({
  img: document.querySelectorAll('img[src="x"]').length,
  onerror: document.querySelectorAll('[onerror]').length,
  script: Array.from(document.scripts).filter(
    s => s.type !== 'application/json' && /alert\\(\\d\\)/.test(s.textContent)).length,
})"""


def write_hostile_tables(folder: Path) -> Path:
    """Write figures.csv and contacts.csv holding the two hostile figures; return folder."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "figures.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["编号", "姓名", "类别", "所在区域"])
        for figure_id, name in HOSTILE.items():
            writer.writerow([figure_id, name, "无党派人士", "A02"])
    with (folder / "contacts.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["领导编号", "对象编号", "开始日期", "结束日期", "分工"])
        for figure_id in HOSTILE:
            writer.writerow([HOSTILE_LEADER, figure_id, "2020-01-01", "", "主联系人"])
    return folder


# -- the server ---------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def concentric_command() -> list[str]:
    """The `concentric` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("concentric")
    if script.exists():
        return [str(script)]
    found = shutil.which("concentric")
    if found:
        return [found]
    return [sys.executable, "-c", "from concentric.api.cli import main; main()"]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str  # http://127.0.0.1:PORT, no trailing slash
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _answers(url: str) -> bool:
    # No proxy: the request must go straight to the loopback server.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start_server(store: Path, log: Path, attempts: int = 3) -> Server:
    """Run `concentric serve --store STORE --port P` on a free port; wait until /login
    answers 200 (at most 30 s). Retries on another port if the chosen one was taken."""
    for _ in range(attempts):
        port = free_port()
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [*concentric_command(), "serve", "--store", str(store), "--port", str(port)],
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        server = Server(process, f"http://127.0.0.1:{port}", log)
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while time.monotonic() < deadline and process.poll() is None:
            if _answers(f"{server.base_url}/login"):
                return server
            time.sleep(0.2)
        server.stop()
        if "address already in use" not in server.log_text().lower():
            break
    raise RuntimeError(f"concentric serve did not come up:\n{log.read_text(errors='replace')}")


@contextlib.contextmanager
def running_server(store: Path, log: Path) -> Iterator[Server]:
    server = start_server(store, log)
    try:
        yield server
    finally:
        server.stop()


# -- pictures -----------------------------------------------------------------------------


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    """(width, height, bytes per pixel, pixel bytes) of an 8-bit, non-interlaced RGB or
    RGBA PNG, which is what Chromium's toDataURL() and screenshots produce. Standard
    library only (Pillow is not a dependency of the project).

    >>> row = b"\\x00" + bytes([1, 2, 3, 4, 5, 6])  # filter 0, two RGB pixels
    >>> ihdr = struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0)
    >>> def chunk(kind, body):
    ...     crc = zlib.crc32(kind + body)
    ...     return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)
    >>> png = (b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", ihdr)
    ...        + chunk(b"IDAT", zlib.compress(row)) + chunk(b"IEND", b""))
    >>> decode_png(png)
    (2, 1, 3, b'\\x01\\x02\\x03\\x04\\x05\\x06')
    """
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, bytearray(), None
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("PNG without IHDR")
    width, height, depth, color, _, _, interlace = header
    if depth != 8 or color not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, color type {color}")
    bpp = 3 if color == 2 else 4
    stride = width * bpp
    raw = zlib.decompress(bytes(idat))
    prev = bytearray(stride)
    out = bytearray()
    for y in range(height):
        start = y * (stride + 1)
        kind_of_filter = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        if kind_of_filter == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind_of_filter == 2:
            line = bytearray((x + u) & 0xFF for x, u in zip(line, prev, strict=True))
        elif kind_of_filter == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif kind_of_filter == 4:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                corner = prev[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + _paeth(left, prev[i], corner)) & 0xFF
        elif kind_of_filter != 0:
            raise ValueError(f"bad PNG filter {kind_of_filter}")
        out += line
        prev = line
    return width, height, bpp, bytes(out)


@dataclass(frozen=True)
class Ink:
    """What a picture holds: its most common pixel is taken as the background."""

    pixels: int
    background: tuple[int, ...]
    ink: int  # pixels that differ from the background
    colors: Counter[tuple[int, ...]]  # every pixel value and how often it occurs

    @property
    def share(self) -> float:
        return self.ink / self.pixels if self.pixels else 0.0

    def opaque(self, rgb: tuple[int, int, int]) -> int:
        """How many pixels are exactly this colour (fully opaque, if the PNG has alpha)."""
        return self.colors.get(rgb, 0) + self.colors.get((*rgb, 255), 0)


def ink(png: bytes) -> Ink:
    width, height, bpp, data = decode_png(png)
    colors: Counter[tuple[int, ...]] = Counter(
        tuple(data[i : i + bpp]) for i in range(0, len(data), bpp)
    )
    background, count = colors.most_common(1)[0] if colors else ((), 0)
    return Ink(width * height, background, width * height - count, colors)


def hex_rgb(color: str) -> tuple[int, int, int]:
    """'#2f9e44' -> (47, 158, 68)."""
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
