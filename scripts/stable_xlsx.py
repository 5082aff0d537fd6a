"""Saving openpyxl workbooks as the same bytes on every run (for generated data files)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

FIXED_TIMESTAMP = datetime(2026, 11, 20, 0, 0, 0)


def save_workbook(wb: Workbook, path: Path, creator: str) -> None:
    """Save with fixed timestamps, so reruns give identical bytes."""
    wb.properties.creator = creator
    wb.properties.created = FIXED_TIMESTAMP
    wb.properties.modified = FIXED_TIMESTAMP
    raw = io.BytesIO()
    wb.save(raw)  # openpyxl stamps docProps/core.xml and every zip entry with "now"
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\g<2>", data
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            zout.writestr(fixed, data)
    path.write_bytes(out.getvalue())
