"""Render the application icon from its SVG: the 256 px PNG the app and Linux use, and the
Windows .ico and macOS .icns the binary build embeds.

    python packaging/make_icons.py            # writes the three files
    python packaging/make_icons.py --check    # exit 1 if any is missing or out of date

Inputs and outputs (paths from the repository root):
    resources/icons/llm-planner.svg   the drawing (edit this one)
    resources/icons/llm-planner.png   256 x 256, bundled with the app
    packaging/llm-planner.ico         PNG-encoded entries 16..256 px (Windows Vista and later)
    packaging/llm-planner.icns        PNG-encoded ic07/ic08/ic09/ic10 (128..1024 px)

Both containers are written by hand (they are tiny formats), so only PySide6 is needed.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icons" / "llm-planner.svg"
PNG = ROOT / "resources" / "icons" / "llm-planner.png"
ICO = ROOT / "packaging" / "llm-planner.ico"
ICNS = ROOT / "packaging" / "llm-planner.icns"

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# icns types holding PNG data: ic07 128, ic08 256, ic09 512, ic10 1024 (512@2x).
ICNS_TYPES = ((b"ic07", 128), (b"ic08", 256), (b"ic09", 512), (b"ic10", 1024))


def render_png(svg: Path, size: int) -> bytes:
    """The SVG rendered at size x size, transparent background, as PNG bytes."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    if QGuiApplication.instance() is None:
        _keep.append(QGuiApplication(sys.argv[:1]))
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    buf.close()
    return bytes(data.data())


_keep: list[object] = []


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO container of PNG-encoded images (ICONDIR, one ICONDIRENTRY each, the data)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = b"", b""
    for s in sizes:
        data = pngs[s]
        dim = 0 if s >= 256 else s  # 0 means 256
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    return header + entries + blobs


def icns_bytes(pngs: dict[bytes, bytes]) -> bytes:
    """An ICNS container: 'icns' + total length, then (type, length incl. header, PNG data)."""
    body = b"".join(t + struct.pack(">I", 8 + len(d)) + d for t, d in pngs.items())
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def outputs() -> dict[Path, bytes]:
    cache: dict[int, bytes] = {}

    def png(size: int) -> bytes:
        if size not in cache:
            cache[size] = render_png(SVG, size)
        return cache[size]

    return {
        PNG: png(256),
        ICO: ico_bytes({s: png(s) for s in ICO_SIZES}),
        ICNS: icns_bytes({t: png(s) for t, s in ICNS_TYPES}),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="only check the files are up to date")
    args = p.parse_args(argv)
    stale = []
    for path, data in outputs().items():
        if path.exists() and path.read_bytes() == data:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ROOT)} ({len(data):,} bytes)")
    if args.check and stale:
        print("out of date: " + ", ".join(str(p.relative_to(ROOT)) for p in stale))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
