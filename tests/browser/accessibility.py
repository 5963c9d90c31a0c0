"""A small accessibility audit run inside the page: labelled controls, named buttons and links,
images with text alternatives, keyboard reachability and WCAG AA text contrast.

It covers the checks that matter most for people working on a phone in a yard or on a shop
floor; it is not a full WCAG audit.
"""

from pathlib import Path

AUDIT_SCRIPT = (Path(__file__).parent / "accessibility.js").read_text()


def accessibility_problems(page) -> list[str]:
    """What the audit finds wrong on the page as it is now rendered."""
    return page.evaluate(AUDIT_SCRIPT)
