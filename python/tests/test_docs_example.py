"""docs/python.md: its write and read examples run exactly as shown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "python.md"


def test_python_md_examples_run(tmp_path, monkeypatch, capsys):
    if not DOC.exists():
        pytest.skip(f"{DOC} not found")
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 2, "docs/python.md should show a write and a read example"
    monkeypatch.chdir(tmp_path)  # the examples use a relative snapshot path
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    out = capsys.readouterr().out
    assert "1000" in out
    assert "{1: b'user-1', 2: b'user-2', 5000: None}" in out
