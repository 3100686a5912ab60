"""MT940 bank statements as Polish banks write them: decoding, strict validation and the ``:86:`` sub-fields.

Pure (no ORM). The field grammar is the ``mt940`` library's (its tag patterns for ``:28C:``, the balances and
``:61:``); on top of it this module keeps the line number of every tag, so that a bad file is rejected as a whole
with the line and the reason, and checks what the library lets pass: tag order, the balance equation
(opening + Σ movements = closing), the currency, value dates in the future, the statement account. ``:86:`` is split
by the bank profile's separator (``~ < + ^``) into sub-fields (00 booking text, 20–29 title, 30/31 payer bank and
account, 32/33 payer name, 38 payer IBAN), and the credited virtual account is taken where the profile says.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import mt940.tags
from django.utils.translation import gettext as _

from finance.domain import nrb as nrb_domain

SEPARATORS = ("~", "<", "+", "^")
ENCODINGS = ("cp852", "cp1250", "utf-8")
VIRTUAL_FIELDS = ("86_29", "86_38", "title", "61_ref")

_FLAGS = re.IGNORECASE | re.VERBOSE | re.UNICODE
_RE_61 = re.compile(mt940.tags.Statement.pattern, _FLAGS)
_RE_BALANCE = re.compile(mt940.tags.BalanceBase.pattern + r"$", _FLAGS)
_RE_28C = re.compile(mt940.tags.StatementNumber.pattern, _FLAGS)
_RE_TAG = re.compile(r"^:(?P<tag>[0-9]{2}[A-Z]?):(?P<value>.*)$")
_RE_ACCOUNT_IN_TEXT = re.compile(r"(?<!\d)((?:PL)?\d{2}(?:\s?\d{4}){6})(?!\d)")

KNOWN_TAGS = {"20", "21", "25", "28", "28C", "60F", "60M", "61", "86", "62F", "62M", "64", "65", "13D", "NS"}
CONTINUED_TAGS = {"61", "86"}


class Mt940Error(ValueError):
    """The whole file is refused: ``line`` (1-based; 0 for the whole file) and a translated ``reason``."""

    def __init__(self, reason: str, *, line: int = 0, offset: int | None = None):
        self.reason = reason
        self.line = line
        self.offset = offset
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.line:
            return _("Line %(line)d: %(reason)s") % {"line": self.line, "reason": self.reason}
        return self.reason


_KEYS = [f"{n:02d}" for n in range(100)]  # sub-field numbers as they appear in :86:


@dataclass(frozen=True)
class Details:
    """The ``:86:`` field split into its sub-fields."""

    code: str
    subfields: dict[str, str]

    def joined(self, numbers) -> str:
        get = self.subfields.get
        return "".join([get(_KEYS[n], "") for n in numbers]).strip()


@dataclass
class Movement:
    index: int
    line: int
    value_date: datetime.date
    entry_date: datetime.date | None
    is_credit: bool
    amount: Decimal
    is_reversal: bool = False  # RC (a credit taken back: a debit) or RD (a debit taken back: a credit)
    transaction_code: str = ""
    customer_reference: str = ""
    bank_reference: str = ""
    supplementary: str = ""
    booking_text: str = ""
    title: str = ""
    counterparty_name: str = ""
    counterparty_account: str = ""
    virtual_account: str = ""
    details: Details | None = None


@dataclass
class ParsedStatement:
    line: int
    reference: str
    account: str
    sequence: str
    currency: str
    opening_balance: Decimal
    closing_balance: Decimal
    statement_date: datetime.date
    text: str
    movements: list[Movement] = field(default_factory=list)

    @property
    def content_sha256(self) -> str:
        return content_hash(self.text)

    @property
    def credits(self) -> list[Movement]:
        return [m for m in self.movements if m.is_credit]


def content_hash(text: str) -> str:
    """SHA-256 of the statement block with line endings and trailing blanks normalised."""
    lines = [x.rstrip() for x in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return hashlib.sha256("\n".join(x for x in lines if x).encode("utf-8")).hexdigest()


def decode(data: bytes, encoding: str) -> str:
    """Decode by the profile's encoding; an undecodable byte rejects the file naming its offset and line."""
    if encoding.lower().replace("_", "-") not in ENCODINGS:
        raise Mt940Error(_("Unknown encoding %(encoding)s.") % {"encoding": encoding})
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise Mt940Error(
            _("The file is not in the encoding %(encoding)s: byte 0x%(byte)02X at offset %(offset)d.")
            % {"encoding": encoding, "byte": data[exc.start], "offset": exc.start},
            line=line,
            offset=exc.start,
        ) from None
    if "\x00" in text:
        offset = text.index("\x00")
        raise Mt940Error(
            _("The file contains a NUL byte at offset %(offset)d: it is not a text statement.") % {"offset": offset},
            line=text[:offset].count("\n") + 1,
            offset=offset,
        )
    return text.lstrip("\ufeff")


def split_details(value: str, separator: str) -> Details:
    """``150~00PRZELEW~20tytuł…`` → code ``150`` and sub-fields {"00": "PRZELEW", "20": "tytuł…"}."""
    parts = value.split(separator)
    code = parts[0].strip()
    subfields: dict[str, str] = {}
    for part in parts[1:]:
        if len(part) >= 2 and part[:2].isdigit():
            key = part[:2]
            subfields[key] = subfields.get(key, "") + part[2:]
    return Details(code=code, subfields=subfields)


def _amount(text: str, line: int) -> Decimal:
    if not re.fullmatch(r"\d{1,12}(,\d{0,2})?", text or ""):
        raise Mt940Error(_("Invalid amount %(amount)s.") % {"amount": text}, line=line)
    try:
        return Decimal(text.replace(",", ".")).quantize(Decimal("0.01"))
    except InvalidOperation:  # pragma: no cover - the regex guards it
        raise Mt940Error(_("Invalid amount %(amount)s.") % {"amount": text}, line=line) from None


def _date(year: str, month: str, day: str, line: int) -> datetime.date:
    try:
        return datetime.date(2000 + int(year), int(month), int(day))
    except ValueError:
        raise Mt940Error(_("Invalid date %(date)s.") % {"date": f"{year}{month}{day}"}, line=line) from None


def _tokens(text: str):
    """(tag, value, line) for each tag; continuation lines are joined to ``:61:`` (newline) and ``:86:`` (as is)."""
    current: list | None = None
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        line = raw.rstrip()
        if not line.strip() or line.strip() in ("-", "-}") or line.startswith("{"):
            if current is not None:
                yield tuple(current)
                current = None
            continue
        m = _RE_TAG.match(line)
        if m:
            if current is not None:
                yield tuple(current)
            tag = m.group("tag").upper()
            if tag not in KNOWN_TAGS:
                raise Mt940Error(_("Unknown tag :%(tag)s:.") % {"tag": tag}, line=number)
            current = [tag, m.group("value"), number]
            continue
        if current is None or current[0] not in CONTINUED_TAGS:
            raise Mt940Error(_("Text outside a field: %(text)s") % {"text": line[:40]}, line=number)
        current[1] += ("\n" if current[0] == "61" else "") + line
    if current is not None:
        yield tuple(current)


def _balance(value: str, tag: str, line: int) -> tuple[Decimal, datetime.date, str]:
    m = _RE_BALANCE.match(value.strip())
    if not m:
        raise Mt940Error(_("Malformed balance field :%(tag)s:.") % {"tag": tag}, line=line)
    amount = _amount(m.group("amount"), line)
    day = _date(m.group("year"), m.group("month"), m.group("day"), line)
    return (amount if m.group("status").upper() == "C" else -amount), day, m.group("currency").upper()


def _virtual_account(movement: Movement, details: Details | None, where: str) -> str:
    sub = details.subfields if details else {}
    if where == "86_29":
        candidate = sub.get("29", "")
    elif where == "86_38":
        candidate = sub.get("38", "")
    elif where == "title":
        found = _RE_ACCOUNT_IN_TEXT.search(movement.title)
        candidate = found.group(1) if found else ""
    else:
        found = _RE_ACCOUNT_IN_TEXT.search(movement.customer_reference + " " + movement.supplementary)
        candidate = found.group(1) if found else ""
    candidate = nrb_domain.normalise(candidate)
    return candidate if nrb_domain.is_valid(candidate) else ""


def _counterparty_account(sub: dict[str, str], where: str) -> str:
    if where != "86_38":
        iban = nrb_domain.normalise(sub.get("38", ""))
        if len(iban) == 26 and iban.isdigit():
            return iban
    bank, account = sub.get("30", "").strip(), nrb_domain.normalise(sub.get("31", ""))
    if len(account) == 26 and account.isdigit():
        return account
    bban = bank + account
    if len(bban) == 24 and bban.isdigit():
        return nrb_domain.check_digits(bban) + bban
    return (bank + account)[:34]


def _apply_details(movement: Movement, value: str, separator: str, where: str) -> None:
    details = split_details(value, separator)
    movement.details = details
    title_fields = range(20, 29) if where == "86_29" else range(20, 30)
    movement.booking_text = details.joined([0])[:300]
    movement.title = details.joined(title_fields)[:500]
    movement.counterparty_name = details.joined([32, 33])[:300]
    movement.counterparty_account = _counterparty_account(details.subfields, where)
    if details.code and details.code.isdigit():
        movement.transaction_code = details.code[:10]


def parse(
    text: str,
    *,
    separator: str,
    virtual_account_field: str,
    today: datetime.date,
    accounts=None,
) -> list[ParsedStatement]:
    """Parse and validate a whole file. Raises :class:`Mt940Error` on the first problem; returns the statements.

    ``accounts``: a predicate telling whether a ``:25:`` account (26 digits) is one of the office's."""
    if separator not in SEPARATORS:
        raise Mt940Error(_("Unknown :86: separator %(sep)s.") % {"sep": separator})
    if virtual_account_field not in VIRTUAL_FIELDS:
        raise Mt940Error(_("Unknown place of the virtual account %(where)s.") % {"where": virtual_account_field})
    text_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    statements: list[ParsedStatement] = []
    current: ParsedStatement | None = None
    state = "none"  # none → header → opened → closed
    header: dict[str, tuple[str, int]] = {}
    last_movement: Movement | None = None

    def finish(end_line: int) -> None:
        nonlocal current
        if current is None:
            return
        if state != "closed":
            raise Mt940Error(_("The statement has no closing balance :62F:."), line=end_line)
        total = sum((m.amount if m.is_credit else -m.amount) for m in current.movements)
        if current.opening_balance + total != current.closing_balance:
            raise Mt940Error(
                _("Balances do not reconcile: opening %(opening)s + movements %(total)s ≠ closing %(closing)s.")
                % {
                    "opening": current.opening_balance,
                    "total": total,
                    "closing": current.closing_balance,
                },
                line=current.line,
            )
        current.text = "\n".join(text_lines[current.line - 1 : end_line])
        statements.append(current)
        current = None

    for tag, value, line in _tokens(text):
        if tag == "20":
            finish(line - 1)
            header = {"20": (value.strip(), line)}
            state = "header"
            last_movement = None
            continue
        if state == "none":
            raise Mt940Error(_("The statement must begin with :20:, found :%(tag)s:.") % {"tag": tag}, line=line)
        if tag in ("21", "13D", "NS", "64", "65"):
            continue
        if tag in ("25", "28", "28C"):
            if state != "header":
                raise Mt940Error(_("Field :%(tag)s: out of place.") % {"tag": tag}, line=line)
            header["28C" if tag == "28" else tag] = (value.strip(), line)
            continue
        if tag in ("60F", "60M"):
            if state != "header":
                raise Mt940Error(_("Field :%(tag)s: out of place.") % {"tag": tag}, line=line)
            for required in ("25", "28C"):
                if required not in header:
                    raise Mt940Error(_("Field :%(tag)s: is missing.") % {"tag": required}, line=line)
            reference, _line20 = header["20"]
            if not reference:
                raise Mt940Error(_("The statement reference :20: is empty."), line=_line20)
            account_raw, account_line = header["25"]
            account = nrb_domain.normalise(account_raw.split("/")[-1] if "/" in account_raw[1:] else account_raw)
            if not (len(account) == 26 and account.isdigit()):
                raise Mt940Error(_("Invalid account number in :25:."), line=account_line)
            if accounts is not None and not accounts(account):
                raise Mt940Error(
                    _("The account %(account)s is not an account of this office.")
                    % {"account": nrb_domain.format_nrb(account)},
                    line=account_line,
                )
            seq_raw, seq_line = header["28C"]
            m = _RE_28C.match(seq_raw)
            if not m:
                raise Mt940Error(_("Malformed statement number :28C:."), line=seq_line)
            sequence = m.group("statement_number") + (
                "/" + m.group("sequence_number") if m.group("sequence_number") else ""
            )
            opening, day, currency = _balance(value, tag, line)
            if currency != "PLN":
                raise Mt940Error(
                    _("Currency %(currency)s: only PLN statements are accepted.") % {"currency": currency}, line=line
                )
            current = ParsedStatement(
                line=header["20"][1],
                reference=reference[:35],
                account=account,
                sequence=sequence,
                currency=currency,
                opening_balance=opening,
                closing_balance=opening,
                statement_date=day,
                text="",
            )
            state = "opened"
            continue
        if tag == "61":
            if state != "opened":
                raise Mt940Error(_("Field :61: out of place."), line=line)
            m = _RE_61.match(value)
            if not m or not m.group("id"):  # the type code (N152, …) is mandatory: it also pins the amount's end
                raise Mt940Error(_("Malformed transaction field :61:."), line=line)
            value_date = _date(m.group("year"), m.group("month"), m.group("day"), line)
            if value_date > today:
                raise Mt940Error(
                    _("Value date %(date)s is in the future.") % {"date": value_date.strftime("%d.%m.%Y")}, line=line
                )
            entry_date = None
            if (m.group("entry_month") or "").strip() and (m.group("entry_day") or "").strip():
                entry_date = _date(m.group("year"), m.group("entry_month"), m.group("entry_day"), line)
                if (entry_date - value_date).days > 200:
                    entry_date = entry_date.replace(year=entry_date.year - 1)
                elif (value_date - entry_date).days > 200:
                    entry_date = entry_date.replace(year=entry_date.year + 1)
            if m.group("funds_code") and m.group("funds_code").upper() != "N":
                raise Mt940Error(_("Only PLN movements are accepted."), line=line)
            amount = _amount(m.group("amount"), line)
            if amount <= 0:
                raise Mt940Error(_("A movement of zero."), line=line)
            status = m.group("status").upper()
            last_movement = Movement(
                index=len(current.movements) + 1,
                line=line,
                value_date=value_date,
                entry_date=entry_date,
                is_credit=status in ("C", "RD"),
                is_reversal=status in ("RC", "RD"),
                amount=amount,
                transaction_code=(m.group("id") or "").strip()[:10],
                customer_reference=(m.group("customer_reference") or "").strip(),
                bank_reference=(m.group("bank_reference") or "").strip()[:100],
                supplementary=(m.group("extra_details") or "").strip(),
            )
            current.movements.append(last_movement)
            continue
        if tag == "86":
            if state == "opened" and last_movement is not None and last_movement.details is None:
                _apply_details(last_movement, value, separator, virtual_account_field)
                continue
            if state == "closed":
                continue  # information to the owner of the account, after the closing balance
            raise Mt940Error(_("Field :86: does not follow a :61: transaction."), line=line)
        if tag in ("62F", "62M"):
            if state != "opened":
                raise Mt940Error(_("Field :%(tag)s: out of place.") % {"tag": tag}, line=line)
            closing, day, currency = _balance(value, tag, line)
            if currency != current.currency:
                raise Mt940Error(
                    _("Currency %(currency)s: only PLN statements are accepted.") % {"currency": currency}, line=line
                )
            current.closing_balance = closing
            current.statement_date = day
            state = "closed"
            continue
    finish(len(text_lines))
    if state == "header":
        raise Mt940Error(_("The statement has no opening balance :60F:."), line=header.get("20", ("", 0))[1])
    if not statements:
        raise Mt940Error(_("The file contains no statement."))
    for statement in statements:
        for movement in statement.movements:
            movement.virtual_account = _virtual_account(movement, movement.details, virtual_account_field)
    return statements
