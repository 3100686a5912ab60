"""Elixir-O transfer order files (refunds of overpayments sent to the bank) and NRB validation. Pure: no ORM.

Format implemented
------------------
Elixir-O is the text format of credit-transfer orders accepted by the electronic banking of Polish banks for
import (also known as "PLI"); it mirrors the KIR Elixir message fields. We followed the public bank descriptions of
the format (e.g. "Opis formatu pliku płatności krajowych PLI", Alior Bank / BusinessNet,
http://docplayer.pl/28038982-Bankowosc-elektroniczna-opis-formatu-pliku-platnosci-krajowych-pli-pld-ple-pls.html,
and the "Struktura pliku Elixir-O dla importu zleceń" descriptions of other banks); the field list below is what
those descriptions share. Banks differ in the optional fields, so check against the office's bank before go-live.

* One line per transfer, lines separated by CR LF, the file encoded in **Windows-1250** (cp1250).
* Fields separated by commas; text fields in double quotes (a double quote inside a text is replaced by an
  apostrophe, a ``|`` by ``/``, white space runs by one space); numeric fields without quotes.
* Multi-line texts (names with addresses, the title) are 4 parts of at most 35 characters joined by ``|``
  (always 4 parts, empty ones allowed): ``"Jan Kowalski|ul. Polna 1||"``. A name with an address is given as lines,
  each line starting a new part.

==  =========================================  ===========================================
#   Field                                      Written as
==  =========================================  ===========================================
1   message type                               ``110`` (polecenie przelewu)
2   execution date                             ``YYYYMMDD``
3   amount in grosze                           ``12345`` for 123,45 zł
4   sender's bank sort code                    8 digits (digits 3–10 of the sender's NRB)
5   (zero field)                               ``0``
6   sender's account                           ``"NRB"`` (26 digits)
7   recipient's account                        ``"NRB"`` (26 digits)
8   sender's name and address                  ``"4 × 35 joined by |"``
9   recipient's name and address               ``"4 × 35 joined by |"``
10  (zero field)                               ``0``
11  recipient's bank sort code                 8 digits (digits 3–10 of the recipient's NRB)
12  title                                      ``"4 × 35 joined by |"``
13  (empty)                                    ``""``
14  (empty)                                    ``""``
15  classification of the order                ``"51"`` (an ordinary transfer)
16  client–bank information (our reference)    ``"ZWROT/123"``
==  =========================================  ===========================================
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from finance.domain import nrb as nrb_domain

PART = 35
PARTS = 4
ENCODING = "cp1250"


def normalise_nrb(text: str) -> str:
    """``"PL 61 1090 1014 …"`` → ``"61109010140000071219812874"`` (``finance.domain.nrb.normalise``)."""
    return nrb_domain.normalise(text)


def nrb_is_valid(nrb: str) -> bool:
    """Already normalised (26 digits as they go into the file) and valid (MOD 97-10, ``finance.domain.nrb``)."""
    return bool(nrb) and nrb == nrb_domain.normalise(nrb) and nrb_domain.is_valid(nrb)


def sort_code(nrb: str) -> str:
    return nrb[2:10]


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").replace('"', "'").replace("|", "/")).strip()


def _wrap(text: str, width: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for word in _clean(text).split():
        while len(word) > width:  # a word longer than a part is cut
            if current:
                chunks.append(current)
                current = ""
            chunks.append(word[:width])
            word = word[width:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= width:
            current = candidate
        else:
            chunks.append(current)
            current = word
    if current:
        chunks.append(current)
    return chunks


def split_parts(text: str | Sequence[str], parts: int = PARTS, width: int = PART) -> str:
    """A text (or lines, each starting a new part) in ``parts`` chunks of at most ``width`` characters (at word
    boundaries where possible), joined by ``|``; what does not fit is cut off."""
    lines = [text] if isinstance(text, str) else list(text)
    chunks = [chunk for line in lines for chunk in _wrap(line, width)]
    return "|".join((chunks + [""] * parts)[:parts])


@dataclass(frozen=True)
class Transfer:
    execution_date: datetime.date
    amount: Decimal
    sender_account: str
    sender_name: str | tuple[str, ...]
    recipient_account: str
    recipient_name: str | tuple[str, ...]
    title: str
    reference: str = ""


def grosze(amount: Decimal) -> int:
    value = Decimal(amount)
    if value <= 0 or value != value.quantize(Decimal("0.01")):
        raise ValueError(f"not a positive amount in grosze: {amount}")
    return int(value * 100)


def elixir_line(transfer: Transfer) -> str:
    for nrb in (transfer.sender_account, transfer.recipient_account):
        if not nrb_is_valid(nrb):
            raise ValueError(f"invalid NRB: {nrb}")
    fields = [
        "110",
        transfer.execution_date.strftime("%Y%m%d"),
        str(grosze(transfer.amount)),
        sort_code(transfer.sender_account),
        "0",
        f'"{transfer.sender_account}"',
        f'"{transfer.recipient_account}"',
        f'"{split_parts(transfer.sender_name)}"',
        f'"{split_parts(transfer.recipient_name)}"',
        "0",
        sort_code(transfer.recipient_account),
        f'"{split_parts(transfer.title)}"',
        '""',
        '""',
        '"51"',
        f'"{_clean(transfer.reference)[:PART]}"',
    ]
    return ",".join(fields)


def elixir_file(transfers: Iterable[Transfer]) -> bytes:
    """The whole file, cp1250, CR LF after every line. Characters cp1250 cannot hold become ``?``."""
    text = "".join(elixir_line(t) + "\r\n" for t in transfers)
    return text.encode(ENCODING, errors="replace")
