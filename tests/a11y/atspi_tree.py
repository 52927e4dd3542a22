"""Read the page as assistive technologies receive it: Chromium's AT-SPI tree (the Linux
accessibility API that Orca reads), through the system's ``pyatspi`` (paquet python3-pyatspi).

``interactive(env, title)`` lists every focusable or actionable object of the web document whose
title is ``title``: role, accessible name, description and the states an assistive technology
announces (required, invalid, checked, expanded…). ``problems`` keeps those with no name (RGAA 7.1:
name, role, value of every component reachable by scripts and by the keyboard).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from typing import Any

#: Roles a person operates: they must carry a name.
ACTIONABLE = {
    "link",
    "push button",
    "toggle button",
    "check box",
    "radio button",
    "combo box",
    "entry",
    "password text",
    "spin button",
    "list box",
    "menu item",
    "page tab",
    "slider",
}
#: States worth reading aloud (the AT-SPI state name, the French word in the report).
STATES = {
    "required": "obligatoire",
    "invalid-entry": "invalide",
    "checked": "coché",
    "expanded": "déplié",
    "selected": "sélectionné",
    "focused": "focus",
    "multi-line": "multiligne",
    "read-only": "lecture seule",
}


@dataclass(frozen=True)
class Node:
    role: str
    name: str
    description: str
    states: tuple[str, ...]
    focusable: bool

    def line(self) -> str:
        states = f" [{', '.join(self.states)}]" if self.states else ""
        description = f" — description : « {self.description} »" if self.description else ""
        return f"{self.role} « {self.name} »{states}{description}"


def _pyatspi(env: dict[str, str]) -> Any:
    """Import the system's pyatspi against the desktop's buses (only in a fresh process: the
    library binds to the bus of its first use)."""
    for key in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"):
        os.environ[key] = env[key]
    if "/usr/lib/python3/dist-packages" not in sys.path:
        sys.path.append("/usr/lib/python3/dist-packages")
    import pyatspi  # type: ignore[import-not-found]

    return pyatspi


def read(env: dict[str, str], title: str) -> list[Node]:
    """``interactive`` in a fresh process of the system's Python (one desktop per journey)."""
    done = subprocess.run(
        ["/usr/bin/python3", __file__, title],
        env=env | {"PYTHONPATH": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise LookupError(done.stderr.strip().splitlines()[-1] if done.stderr else "échec")
    return [Node(**{**item, "states": tuple(item["states"])}) for item in json.loads(done.stdout)]


def find_document(env: dict[str, str], title: str) -> Any:
    """The ``document web`` object of Chromium whose name is the page title."""
    pyatspi = _pyatspi(env)
    desktop = pyatspi.Registry.getDesktop(0)
    stack = [desktop.getChildAtIndex(i) for i in range(desktop.childCount)]
    stack = [app for app in stack if app is not None and (app.name or "").lower() == "chromium"]
    seen = []
    while stack:
        node = stack.pop()
        try:
            role = node.getRoleName()
        except Exception:  # noqa: BLE001 - a node gone while walking
            continue
        if role == "document web":
            node.clearCache()  # the same object across navigations: its name is cached
        if role == "document web" and node.name == title:
            return node
        if role == "document web":
            seen.append(node.name)
        if role != "document web":
            stack.extend(node.getChildAtIndex(i) for i in range(node.childCount))
    raise LookupError(f"document « {title} » absent de l'arbre AT-SPI (vus : {seen})")


def interactive(env: dict[str, str], title: str) -> list[Node]:
    """Every focusable or actionable object of the document, in document order."""
    pyatspi = _pyatspi(env)
    document = find_document(env, title)
    found: list[Node] = []

    def walk(node: Any) -> None:
        try:
            role = node.getRoleName()
            state_set = node.getState()
            focusable = state_set.contains(pyatspi.STATE_FOCUSABLE)
        except Exception:  # noqa: BLE001
            return
        if focusable or role in ACTIONABLE:
            names = [pyatspi.stateToString(s) for s in state_set.getStates()]
            kept = tuple(STATES[s] for s in STATES if s in names)
            found.append(
                Node(
                    role,
                    (node.name or "").strip(),
                    (node.description or "").strip(),
                    kept,
                    focusable,
                )
            )
        if role in {"link", "push button", "entry", "combo box"}:  # names come from children
            return
        for index in range(node.childCount):
            child = node.getChildAtIndex(index)
            if child is not None:
                walk(child)

    walk(document)
    return found


def problems(nodes: list[Node]) -> list[Node]:
    """Objects a person can reach or operate that an assistive technology cannot name."""
    return [n for n in nodes if not n.name and n.role in ACTIONABLE]


if __name__ == "__main__":
    found = interactive(dict(os.environ), sys.argv[1])
    print(json.dumps([asdict(node) for node in found], ensure_ascii=False))
