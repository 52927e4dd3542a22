"""Issue 18: the demo accounts are the same in the README, on the demo login page and in the demo
content that ``make run`` loads (and prints)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
EMAIL = re.compile(r"[a-z.]+@demo\.commons\.fr")


def test_the_same_demo_accounts_everywhere() -> None:
    demo = yaml.safe_load((ROOT / "content/demo/demo.yaml").read_text(encoding="utf-8"))
    loaded = {user["email"] for user in demo["users"]}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("`make run` affiche les comptes de démonstration", 1)[1].split("\n\n")[1]
    login = (ROOT / "commons/accounts/templates/accounts/login.html").read_text(encoding="utf-8")
    panel = login.split("Comptes de démonstration", 1)[1]
    assert len(loaded) == 6
    assert set(EMAIL.findall(table)) == loaded
    assert set(EMAIL.findall(panel)) == loaded
    assert "Les mêmes six comptes" in readme
    assert "demo-commons-2026" in readme and "demo-commons-2026" in panel
    assert demo["password"] == "demo-commons-2026"
