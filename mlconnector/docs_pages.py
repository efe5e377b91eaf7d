"""The repository's guides (docs/*.md) served at /docs/<page>, so the API docs and messages link to a URL a
customer can open, not to a path in a repository they do not have. Only files that exist under docs/ and
look like guide names are served; nothing else of the disk is reachable."""
from __future__ import annotations

import re

from django.conf import settings
from django.http import Http404, HttpResponse

PAGE = re.compile(r"^(?:[a-z0-9-]+/)?[a-z0-9-]+\.md$")


def docs_page(request, name: str):
    folder = (settings.BASE_DIR / "docs").resolve()
    path = (folder / name).resolve()
    if not PAGE.match(name) or folder not in path.parents or not path.is_file():
        raise Http404("No such guide")
    return HttpResponse(path.read_text(encoding="utf-8"), content_type="text/markdown; charset=utf-8")
