"""Every action the services write to the audit log has a label, so that the administrators'
audit viewer shows words, not internal codes."""

from __future__ import annotations

import ast
from pathlib import Path

from portal.labels import ACTION_NAMES

ROOT = Path(__file__).resolve().parents[2] / "portal"
# audit calls whose action is computed: the values they can take
COMPUTED = {"draw_up_contract", "change_contract_draft", "offer.active", "offer.withdraw"}


def audit_actions() -> tuple[set[str], int]:
    constants, computed = set(), 0
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or len(node.args) < 3:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name != "audit":
                continue
            action = node.args[2]
            if isinstance(action, ast.Constant):
                constants.add(action.value)
            else:
                computed += 1
    return constants, computed


def test_every_audit_action_has_a_label():
    constants, computed = audit_actions()
    assert len(constants) > 40
    assert computed == 2, "a new computed audit action: add its values to COMPUTED"
    missing = sorted((constants | COMPUTED) - set(ACTION_NAMES))
    assert not missing, f"give these audit actions a label in portal/labels.py: {missing}"
