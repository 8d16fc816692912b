"""The example in docs/python-api.md runs as written against the real WordPress."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from cms_bridge.config import Config

from ..conftest import ROOT


def test_the_documented_script_publishes_its_request(clean_site: Config, tmp_path: Path) -> None:
    code = re.search(r"```python\n(.*?)```", (ROOT / "docs" / "python-api.md").read_text(encoding="utf-8"), re.S)
    assert code is not None
    (tmp_path / "script.py").write_text(code.group(1), encoding="utf-8")
    site = clean_site.require_site()
    (tmp_path / "cms-bridge.toml").write_text(
        f'[site]\nurl = "{site.url}"\nusername = "{site.username}"\napp_password_file = "{site.app_password_file}"\n'
        f'[sync]\nledger = "ledger.sqlite3"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CMS_BRIDGE_")}
    result = subprocess.run([sys.executable, "script.py"], cwd=tmp_path, capture_output=True, text=True,
                            env={**env, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "recorded: added"
    assert "2570-finance-auto-10 create ok" in lines
    assert lines[-1].startswith("published http://")
