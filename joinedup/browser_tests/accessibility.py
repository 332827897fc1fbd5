"""WCAG 2.2 AA checks with axe-core, run inside the page the user is looking at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

REPOSITORY = Path(__file__).resolve().parents[2]
AXE_SCRIPT = REPOSITORY / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")

_RUN_AXE = """tags => axe.run(document, {runOnly: {type: "tag", values: tags}})"""


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations of the WCAG A and AA rules on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        raise AssertionError(
            f"axe-core is not loaded in {page.url}: open pages with the new_page fixture"
        )
    results: dict[str, Any] = page.evaluate(_RUN_AXE, list(WCAG_TAGS))
    violations: list[dict[str, Any]] = results["violations"]
    return violations


def describe_violations(where: str, url: str, violations: list[dict[str, Any]]) -> str:
    """One line per rule broken, with the elements that break it: enough to find and fix."""
    lines = [f"{len(violations)} accessibility rule(s) broken on the {where} ({url}):"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'no impact given'}): "
            f"{violation['help']} <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {_selector(node)}: {_fix(node)}")
            lines.append(f"       {_shorten(node.get('html', ''))}")
    return "\n".join(lines)


def _selector(node: dict[str, Any]) -> str:
    # A target inside an iframe or shadow root is a list of selectors, outermost first.
    return " >> ".join(str(part) for part in node["target"])


def _fix(node: dict[str, Any]) -> str:
    """axe's first suggestion for this element, e.g. "Element does not have an alt attribute"."""
    checks = [*node.get("any", []), *node.get("all", []), *node.get("none", [])]
    messages = [str(check["message"]) for check in checks if check.get("message")]
    return messages[0] if messages else "see the rule's help page"


def _shorten(html: str, limit: int = 160) -> str:
    flat = " ".join(html.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def assert_accessible(page: Page, where: str) -> None:
    """Fail with every broken rule, its help text and the selectors of the elements at fault."""
    violations = axe_violations(page)
    assert not violations, describe_violations(where, page.url, violations)
