"""What every benchmark script shares: the project root, resetting the local site, and writing
a table into docs/benchmarks.md between its markers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def reset_site() -> None:
    """Put the local WordPress back to its freshly installed state."""
    subprocess.run([str(ROOT / "scripts" / "wordpress-local"), "reset"], check=True, capture_output=True)


def write_section(marker: str, lines: list[str]) -> None:
    """Replace what stands between <!-- MARKER:START --> and <!-- MARKER:END --> in the doc."""
    text = DOC.read_text(encoding="utf-8")
    start, end = f"<!-- {marker}:START -->", f"<!-- {marker}:END -->"
    before, rest = text.split(start)
    _, after = rest.split(end)
    DOC.write_text(f"{before}{start}\n" + "\n".join(lines) + f"\n{end}{after}", encoding="utf-8")
