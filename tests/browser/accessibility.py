"""axe-core in every browser context: each page a test visits passes WCAG 2.1 AA.

axe-core comes from npm into ``tests/browser/npm/node_modules`` (``npm ci`` there; `.ci/run`
does it). It is added to every page of a context as an init script, which Chromium runs
before the page's own scripts and outside its Content-Security-Policy, so the pages stay
as strict as in production. The page checks itself after ``load`` and after each htmx swap
and reports through a binding. When the test is done, :meth:`Audit.finish` waits for the
pending checks, checks each open page once more, and opens again (GET) every visited
address that was left before its check ran, so no visited page escapes. Any violation
fails the test with the rule, the address and the offending elements.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parent / "npm" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BINDING = "__sportelloAxeReport"

# Runs in the top frame of every page: one check at a time (axe refuses a second run while
# one is going), after load and after htmx has settled a swap.
RUNNER = """
(() => {
  if (window.top !== window || !/^https?:/.test(location.protocol)) return;
  let queue = Promise.resolve();
  const options = { runOnly: { type: "tag", values: __TAGS__ }, resultTypes: ["violations"] };
  const summary = (result) => result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, html: n.html.slice(0, 200),
      summary: (n.failureSummary || "").slice(0, 300) })),
  }));
  const check = (reason) => {
    // Icon fonts first: axe tells an icon ligature ("format_bold") from text only once
    // its font has loaded, as the reader sees it.
    queue = queue.then(() => (document.fonts ? document.fonts.ready : null)).then(() => {
      if (document.contentType !== "text/html") return null;
      const url = location.href;
      return window.axe.run(document, options).then((result) =>
        window.__BINDING__({ url: url, reason: reason, violations: summary(result) }));
    }).catch((error) => window.__BINDING__({ url: location.href, reason: "error",
      violations: [{ id: "axe-error", impact: "critical", help: String(error), nodes: [] }] }));
    return queue;
  };
  window.__sportelloAxeCheck = check;
  window.addEventListener("load", () => check("load"));
  let timer = null;
  document.addEventListener("htmx:afterSettle", () => {
    clearTimeout(timer);
    timer = setTimeout(() => check("swap"), 50);
  });
})();
""".replace("__TAGS__", json.dumps(TAGS)).replace("__BINDING__", BINDING)


def available() -> bool:
    return AXE_JS.exists()


def _address(url: str) -> str:
    return url.split("#", 1)[0]


class Audit:
    """The accessibility record of one browser context."""

    def __init__(self, context: Any, origin: str, *, javascript: bool = True) -> None:
        # Without JavaScript axe cannot run in the page (and evaluating hangs): such a
        # context's pages are checked by the same addresses opened in a normal context.
        self.enabled = javascript
        self.context = context
        self.origin = origin
        self.visited: list[str] = []
        self.checked: set[str] = set()
        self.violations: list[tuple[str, str, dict[str, Any]]] = []
        context.add_init_script(path=str(AXE_JS))
        context.add_init_script(script=RUNNER)
        context.expose_binding(BINDING, self._report)
        context.on("page", self._watch)

    def _watch(self, page: Any) -> None:
        page.on("load", lambda loaded: self._loaded(loaded.url))

    def _loaded(self, url: str) -> None:
        if url.startswith(self.origin):
            self.visited.append(_address(url))

    def _report(self, source: Any, payload: dict[str, Any]) -> None:
        url = str(payload["url"])
        if not url.startswith(self.origin):
            return
        self.checked.add(_address(url))
        for violation in payload["violations"]:
            self.violations.append((url, str(payload["reason"]), violation))

    def _check_now(self, page: Any) -> None:
        for _attempt in range(3):  # a page that reloads itself may go away meanwhile
            try:
                page.wait_for_load_state()
                if page.evaluate("typeof window.__sportelloAxeCheck === 'function'"):
                    page.evaluate("window.__sportelloAxeCheck('end of test')")
                return
            except Exception as error:
                if "context was destroyed" not in str(error):
                    return  # closed: its addresses are revisited below

    def finish(self) -> list[str]:
        """Checks what is left; returns one line per violation (empty: all pass)."""
        if not self.enabled:
            return []
        for page in list(self.context.pages):
            if not page.is_closed() and page.url.startswith(self.origin):
                self._check_now(page)
        missed = [url for url in dict.fromkeys(self.visited) if url not in self.checked]
        if missed:
            page = self.context.new_page()
            for url in missed:
                try:
                    response = page.goto(url)
                except Exception:  # a download or an aborted navigation: no document
                    continue
                content_type = response.headers.get("content-type", "") if response else ""
                if content_type.startswith("text/html"):
                    self._check_now(page)
            page.close()
        return [
            f"{v['id']} ({v['impact']}) on {url} [{reason}]: {v['help']}\n"
            + "\n".join(f"    {n['target']} {n['html']}\n      {n['summary']}" for n in v["nodes"])
            for url, reason, v in self.violations
        ]
