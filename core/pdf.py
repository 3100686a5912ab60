"""HTML → PDF with WeasyPrint, one way for every printout: no resource outside the document is fetched (only
``data:`` URLs), so a template can never make the server read a file or call the network.

* :func:`render_pdf` — one HTML document → one PDF.
* :func:`render_pdfs` — many HTML documents of one template → one PDF each, laid out in batches as ONE document
  (mass printouts: tax decisions). Each part's PDF has the same pages, text and layout as :func:`render_pdf` of it.
"""

from __future__ import annotations

import copy
import gc
import html as html_lib
import logging
import re
from collections.abc import Sequence
from functools import cache

logger = logging.getLogger(__name__)

# <head>…<body …> | the body's content | </body></html>
_SPLIT = re.compile(r"\A(.*?<body[^>]*>)(.*)(</body>\s*</html>\s*)\Z", re.S | re.I)
_TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)
PART_ID = "magistrat-pdf-part-"
_MARKER = '<div id="{id}" style="margin:0;padding:0;border:0;height:0{brk}"></div>'


def _fetcher():
    from weasyprint import URLFetcher

    return URLFetcher(allowed_protocols=["data"])


@cache
def font_configuration():
    """One WeasyPrint ``FontConfiguration`` per process (the system fonts are looked up once)."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _split_selectors(text: str) -> list[str]:
    """``a, b:is(c, d)`` → ["a", "b:is(c, d)"] (commas inside parentheses do not split)."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()] if current.strip() else parts


_RULE = re.compile(r"^([^@{}/\s][^{}]*)\{([^{}]*)\}\s*$")


@cache
def _compact_ua():
    """WeasyPrint's HTML user-agent style sheet without the selectors that have an attribute or a pseudo-class
    (``[dir=rtl i] :is(ol, ul)``, ``[hidden]``, ``:link``, ``table[rules]…``, form controls' ``[type]``): cssselect2
    cannot index them by tag, so they are tried on every element (about 12 % of the time of a decision). What
    remains gives plain printouts (tags, classes, tables, ``br``) the very same defaults. For
    templates that use no ``hidden``/``dir``/``rules`` attributes, links, lists with ``::marker`` styling or forms.
    The page-margin boxes (``@top-left`` …) get no default alignment either (set it where they are used): the UA's
    16 empty margin-box rules cost a style computation each on every page (about 10 % of a decision)."""
    from pathlib import Path

    import weasyprint
    from weasyprint import CSS

    lines = []
    for line in (Path(weasyprint.__file__).parent / "css" / "html5_ua.css").read_text().splitlines():
        match = _RULE.match(line)
        if match is None:
            lines.append(line)
            continue
        kept = [s for s in _split_selectors(match.group(1)) if not re.search(r"[\[:]", s.replace("::before", ""))]
        if kept:
            lines.append(f"{', '.join(kept)} {{{match.group(2)}}}")
    text = re.sub(r"^@page \{.*?^\}", "@page { margin: 75px }", "\n".join(lines), count=1, flags=re.S | re.M)
    return CSS(string=text)


def _html(text: str, compact_ua: bool):
    from weasyprint import HTML

    document = HTML(string=text, url_fetcher=_fetcher())
    if compact_ua and hasattr(document, "_ua_stylesheets"):  # WeasyPrint's hook for the user-agent style sheets
        document._ua_stylesheets = lambda forms=False: [_compact_ua()]
    return document


def render_pdf(html: str, *, compact_ua: bool = False) -> bytes:
    """``compact_ua``: lay out with :func:`_compact_ua` (faster; for templates written for it, like decisions)."""
    return _html(html, compact_ua).write_pdf(font_config=font_configuration())


def _batchable(head: str) -> bool:
    """Page counters would count over the whole batch (``counter(pages)`` = the batch's pages), so a template that
    prints them is rendered one document at a time."""
    return "counter(page" not in head


def render_pdfs(documents: Sequence[str], *, batch_size: int = 10, compact_ua: bool = False) -> list[bytes | Exception]:
    """One PDF per HTML document of ``documents`` (in order); a document that cannot be rendered gets its exception
    in its place, the others are rendered anyway.

    Documents whose ``<head>`` is the same (but for the ``<title>``) are laid out together, ``batch_size`` at a
    time, as ONE document: their bodies one after the other, each starting on a new page after an empty marker
    element; each part's pages (found by its marker) are written as its own PDF (``Document.copy(pages)``, with the
    part's own title and only the fonts its pages use). Style sheet parsing, the fonts and the per-document
    overhead of WeasyPrint are shared by the batch. Requirements of the template (else a part would differ from a
    single render): no vertical margin, border or padding on ``<body>`` (``body { margin: 0 }``, the page margins
    come from ``@page``) and no page counters (documents whose head mentions ``counter(page`` are rendered alone).
    When a batch fails, its documents are rendered one by one, so one bad document costs only itself."""
    results: list[bytes | Exception | None] = [None] * len(documents)
    groups: dict[str, list[tuple[int, str, str, str]]] = {}
    for index, text in enumerate(documents):
        match = _SPLIT.match(text)
        if match is None or not _batchable(match.group(1)):
            results[index] = _render_one(text, compact_ua)
            continue
        head, body, tail = match.groups()
        title = _TITLE.search(head)
        key = _TITLE.sub("<title></title>", head, count=1) + "\x00" + tail
        groups.setdefault(key, []).append((index, html_lib.unescape(title.group(1)) if title else "", body, text))
    for key, parts in groups.items():
        head, tail = key.split("\x00", 1)
        for start in range(0, len(parts), batch_size):
            chunk = parts[start : start + batch_size]
            try:
                pdfs = _without_gc(_render_batch, head, tail, [(t, b) for _i, t, b, _d in chunk], compact_ua)
            except Exception as exc:  # isolate the bad document: render the chunk one by one
                logger.warning("PDF batch of %d failed (%s); rendering one by one", len(chunk), exc)
                pdfs = [_render_one(text, compact_ua) for _i, _title, _body, text in chunk]
            for (index, *_rest), pdf in zip(chunk, pdfs, strict=True):
                results[index] = pdf
    return results  # type: ignore[return-value]


def _without_gc(function, *args):
    """Run ``function`` with the cyclic garbage collector paused, then collect the youngest generation only: a
    batch makes hundreds of thousands of short-lived objects, and the collections they trigger on the way would
    scan them again and again (about 12 % of the time); all of them are still in generation 0 afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return function(*args)
    finally:
        if enabled:
            gc.enable()
            gc.collect(0)


def _render_one(text: str, compact_ua: bool) -> bytes | Exception:
    try:
        return render_pdf(text, compact_ua=compact_ua)
    except Exception as exc:  # reported in the document's place
        return exc


def _render_batch(head: str, tail: str, parts: list[tuple[str, str]], compact_ua: bool = False) -> list[bytes]:
    body = "".join(
        _MARKER.format(id=f"{PART_ID}{k}", brk=";break-before:page" if k else "") + content
        for k, (_title, content) in enumerate(parts)
    )
    document = _html(head + body + tail, compact_ua).render(font_config=font_configuration())
    starts = []
    for number, page in enumerate(document.pages):
        if len(starts) < len(parts) and f"{PART_ID}{len(starts)}" in page.anchors:
            del page.anchors[f"{PART_ID}{len(starts)}"]  # found; not a named destination of the part's PDF
            starts.append(number)
    if len(starts) != len(parts) or starts[0] != 0:
        raise RuntimeError(f"batch layout: {len(starts)} part starts found for {len(parts)} parts")
    starts.append(len(document.pages))
    pdfs = []
    for k, (title, _content) in enumerate(parts):
        part = document.copy(document.pages[starts[k] : starts[k + 1]])
        part.metadata = copy.copy(document.metadata)
        part.metadata.title = title or None
        pdfs.append(part.write_pdf())
    return pdfs
