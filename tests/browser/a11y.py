"""Checks the browser tests make of a page: axe-core (vendored in tests/browser/vendor/, injected here, never
served by the app), horizontal overflow, and whether a table's key columns are in view."""
from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def axe_violations(page, *, impacts=SERIOUS) -> list[str]:
    """axe-core's WCAG 2.x A/AA violations of the page as it is now, of the given impacts, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("""() => axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
        resultTypes: ['violations']})""")
    return [f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:5]]}"
            for v in result["violations"] if v["impact"] in impacts]


def overflows(page) -> bool:
    """True when the page scrolls sideways (a table or a word wider than the viewport)."""
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def hidden_columns(page, table: str, names: list[str]) -> list[str]:
    """The `names` (header text starts) of `table` whose header cell is not in view: cut off by the viewport or
    scrolled out of the box the table scrolls in."""
    return page.evaluate("""([selector, names]) => {
        const table = document.querySelector(selector);
        if (!table) return names;
        const box = (table.closest('.table-scroll, .results') || document.documentElement).getBoundingClientRect();
        const right = Math.min(box.right, window.innerWidth) + 1, left = Math.max(box.left, 0) - 1;
        const heads = [...table.querySelectorAll('thead th')];
        return names.filter(name => {
            const th = heads.find(h => h.textContent.trim().toLowerCase().startsWith(name.toLowerCase()));
            if (!th) return true;
            const r = th.getBoundingClientRect();
            return !(r.width > 0 && r.left >= left && r.right <= right);
        });
    }""", [table, names])


def too_wide(page, *, shown: int = 5) -> list[str]:
    """The outermost elements reaching past the viewport's right edge (what makes a page scroll sideways)."""
    return page.evaluate("""(shown) => {
        const out = [];
        const walk = (el) => {
            for (const child of el.children) {
                const r = child.getBoundingClientRect();
                if (r.right > window.innerWidth + 1 && r.width > 0) {
                    const name = child.tagName.toLowerCase() + (child.id ? '#' + child.id : '')
                        + (child.className && typeof child.className === 'string'
                           ? '.' + child.className.trim().split(/\\s+/).join('.') : '');
                    out.push(`${name} (${Math.round(r.right)} px)`);
                } else if (getComputedStyle(child).overflowX === 'visible') {
                    walk(child);
                }
            }
        };
        walk(document.body);
        return out.slice(0, shown);
    }""", shown)
