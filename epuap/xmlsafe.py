"""The only way XML from outside is parsed in Magistrat (ePUAP, e-Doręczenia, documents dropped into a box).

Refuses: empty input, documents over ``settings.EPUAP_MAX_DOCUMENT_BYTES``, any DOCTYPE/DTD (so no entity
expansion — billion laughs — and no external entities such as ``file:///etc/passwd``), and never touches the
network. Whitespace and comments are kept: signed documents must stay byte-for-byte verifiable.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext as _
from lxml import etree


class XmlRejected(ValueError):
    """The input is not acceptable XML; ``reason`` is a translated, user-presentable message."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# A DOCTYPE or an entity declaration anywhere in the prolog, in the common single-byte-compatible encodings.
_DTD_MARKERS = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        remove_comments=False,
        remove_pis=False,
        strip_cdata=False,
        collect_ids=False,
    )


def _sniff_for_dtd(data: bytes) -> bool:
    if _DTD_MARKERS.search(data):
        return True
    # UTF-16/32 inputs: decode the start and look again.
    for bom, codec in (
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
        (b"<\x00", "utf-16-le"),
        (b"\x00<", "utf-16-be"),
    ):
        if data.startswith(bom):
            text = data.decode(codec, errors="ignore").encode("utf-8", errors="ignore")
            return bool(_DTD_MARKERS.search(text))
    return False


def parse_tree(data: bytes, *, max_bytes: int | None = None) -> etree._ElementTree:
    """Parse untrusted XML bytes into a tree, or raise :class:`XmlRejected`."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise XmlRejected(_("The XML document must be given as bytes."))
    data = bytes(data)
    limit = settings.EPUAP_MAX_DOCUMENT_BYTES if max_bytes is None else max_bytes
    if not data.strip():
        raise XmlRejected(_("The XML document is empty."))
    if len(data) > limit:
        raise XmlRejected(
            _("The XML document is too large (%(size)d bytes; the limit is %(limit)d bytes).")
            % {"size": len(data), "limit": limit}
        )
    if _sniff_for_dtd(data):
        raise XmlRejected(_("XML documents with a DOCTYPE or entity declarations are not accepted."))
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlRejected(_("The document is not well-formed XML: %(error)s") % {"error": exc}) from exc
    tree = root.getroottree()
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlRejected(_("XML documents with a DOCTYPE or entity declarations are not accepted."))
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise XmlRejected(_("XML documents with a DOCTYPE or entity declarations are not accepted."))
    return tree


def parse(data: bytes, *, max_bytes: int | None = None) -> etree._Element:
    """Parse untrusted XML bytes and return the root element, or raise :class:`XmlRejected`."""
    return parse_tree(data, max_bytes=max_bytes).getroot()
