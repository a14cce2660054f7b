"""axe-core in a Selenium page: the WCAG 2.0, 2.1 and 2.2 A and AA failures it finds.

axe-core comes from the npm registry, pinned in package-lock.json; ``make axe`` (a step of
``make test``) installs it into node_modules/.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from selenium.webdriver.remote.webdriver import WebDriver

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa")
"""axe's tags for the success criteria of levels A and AA (a tag no rule carries yet, such as
``wcag22a`` today, selects nothing and is harmless)."""
SCRIPT_TIMEOUT_SECONDS = 60

RUN = """
const [tags, done] = arguments;
axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]}).then(
  (results) => done(results.violations.map((rule) => ({
    rule: rule.id,
    impact: rule.impact || "",
    help: rule.help,
    nodes: rule.nodes.map((node) => ({
      target: node.target.map(String).join(" > "),
      html: node.html,
      failure: node.failureSummary || "",
    })),
  }))),
  (error) => done({error: String(error)}),
);
"""


@dataclass(frozen=True)
class Node:
    """One element that fails a rule: its selector, its markup and what axe says to fix."""

    target: str
    html: str
    failure: str


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    nodes: tuple[Node, ...]

    def __str__(self) -> str:
        lines = [f"{self.rule} ({self.impact}): {self.help}"]
        for node in self.nodes:
            lines.append(f"  - {node.target}")
            lines.append(f"    {' '.join(node.html.split())[:200]}")
            lines.extend(f"    {line.strip()}" for line in node.failure.splitlines())
        return "\n".join(lines)


@cache
def source() -> str:
    if not AXE.is_file():
        raise FileNotFoundError(f"{AXE} is missing: `make axe` installs axe-core from npm")
    return AXE.read_text(encoding="utf-8")


def violations(driver: WebDriver) -> list[Violation]:
    """What axe finds in the page as it is now (injected once per loaded document)."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(source())
    driver.set_script_timeout(SCRIPT_TIMEOUT_SECONDS)
    found: Any = driver.execute_async_script(RUN, list(TAGS))
    if isinstance(found, dict):
        raise RuntimeError(f"axe.run failed: {found['error']}")
    return [
        Violation(
            rule=item["rule"],
            impact=item["impact"],
            help=item["help"],
            nodes=tuple(Node(**node) for node in item["nodes"]),
        )
        for item in found
    ]


def described(state: str, found: list[Violation]) -> str:
    """An assertion message: the page's state, then each rule with the elements that fail it."""
    return "\n".join([f"axe: {len(found)} WCAG A/AA violation(s) in {state}:", *map(str, found)])
