"""Reading admin pages the way the browser tests will: by id and data-test attribute."""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict
    text: str = ""
    _parts: list = field(default_factory=list, repr=False)

    def __getitem__(self, name: str) -> str:
        return self.attrs[name]

    def get(self, name: str, default=None):
        return self.attrs.get(name, default)


class _Finder(HTMLParser):
    def __init__(self, wanted: dict):
        super().__init__(convert_charrefs=True)
        self.wanted = wanted
        self.found: list[Element] = []
        self.open: list[tuple[Element, int]] = []  # (element, depth at which it opened)
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if all(attrs.get(k) == v for k, v in self.wanted.items()):
            element = Element(tag, attrs)
            self.found.append(element)
            if tag not in VOID:
                self.open.append((element, self.depth))
        if tag not in VOID:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        self.depth -= 1
        while self.open and self.open[-1][1] >= self.depth:
            element, _ = self.open.pop()
            element.text = " ".join("".join(element._parts).split())

    def handle_data(self, data):
        for element, _ in self.open:
            element._parts.append(data)


def find_all(response, **wanted) -> list[Element]:
    """Elements whose attributes equal `wanted` (data_test="x" means data-test="x")."""
    finder = _Finder({k.replace("_", "-"): str(v) for k, v in wanted.items()})
    finder.feed(response.content.decode() if hasattr(response, "content") else response)
    return finder.found


def find(response, **wanted) -> Element:
    found = find_all(response, **wanted)
    assert len(found) == 1, f"{len(found)} elements match {wanted}"
    return found[0]


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []
