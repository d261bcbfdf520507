"""Streaming, hostile-file-safe reading of ISO 20022 bank messages.

camt.053 (statements) and camt.054 (debit/credit notifications) of versions .001.02 to .001.13 are
read entry by entry with lxml ``iterparse``: each ``Ntry`` is turned into one :class:`CamtEntry`
per transaction detail and then dropped from the tree, so memory stays flat whatever the file
size. pain.002 (payment status reports for direct debits) is read the same way.

A file is refused whole, with a message naming the problem, when it carries a DOCTYPE (and with it
any DTD or entity), is larger than the limit, is not well-formed, or is not a supported message.
The parser never resolves entities, never loads a DTD and never touches the network.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import IO, Any, NamedTuple

from lxml import etree

from paylater.kit.money import Money, UnknownCurrency, exponent

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
_PROLOG_SCAN = 64 * 1024
_MESSAGE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(camt\.05[34]|pain\.002)\.001\.(\d\d)$")
_SUPPORTED_VERSIONS = {f"{n:02d}" for n in range(2, 14)}
_STATUS_CODES = {"BOOK", "PDNG", "INFO", "FUTR"}


_NTRY_FIELDS = (
    "normalize-space(c:Amt)",
    "normalize-space(c:Amt/@Ccy)",
    "normalize-space(c:CdtDbtInd)",
    "normalize-space(c:Sts)",  # .001.02: the code itself; later: Sts/Cd
    "normalize-space(c:BookgDt)",  # Dt or DtTm
    "normalize-space(c:AcctSvcrRef)",
    "normalize-space(c:NtryRef)",
    "normalize-space(c:RvslInd)",
)
_TX_FIELDS = (
    "normalize-space(c:Refs/c:AcctSvcrRef)",
    "normalize-space(c:Refs/c:EndToEndId)",
    "normalize-space(c:RltdPties/c:Dbtr/c:Nm)",  # .001.02
    "normalize-space(c:RltdPties/c:Dbtr/c:Pty/c:Nm)",  # .001.08
    "normalize-space(c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref)",
    "normalize-space(c:RtrInf/c:Rsn/c:Cd)",
    "normalize-space(c:RmtInf/c:Ustrd[1])",
    "normalize-space(c:RmtInf/c:Ustrd[2])",
)
_TX_AMOUNT_FIELDS = (  # read only for the transactions of a batched entry
    "normalize-space(c:Amt)",  # .001.08
    "normalize-space(c:Amt/@Ccy)",
    "normalize-space(c:AmtDtls/c:TxAmt/c:Amt)",  # .001.02
    "normalize-space(c:AmtDtls/c:TxAmt/c:Amt/@Ccy)",
)


# Read on the entry itself: its fields, how many transaction details it has and, for an entry
# with at most one (nearly all), that one's fields; an entry with several reads each one's.
_ONE_TX = "c:NtryDtls/c:TxDtls/"
_ENTRY_FIELDS = (
    *_NTRY_FIELDS,
    "count(c:NtryDtls/c:TxDtls)",
    *(field.replace("normalize-space(", f"normalize-space({_ONE_TX}", 1) for field in _TX_FIELDS),
)


@lru_cache(maxsize=32)
def _extractors(namespace: str) -> tuple[etree.XPath, etree.XPath, etree.XPath]:
    def compiled(fields: tuple[str, ...]) -> etree.XPath:
        return etree.XPath(
            "concat(" + ", '\t', ".join(fields) + ")",
            namespaces={"c": namespace},
            smart_strings=False,
        )

    return compiled(_ENTRY_FIELDS), compiled(_TX_FIELDS), compiled(_TX_AMOUNT_FIELDS)


class BankFileError(ValueError):
    """The file was refused as a whole; nothing of it was imported."""


class FileTooLarge(BankFileError):
    pass


class HostileFile(BankFileError):
    pass


class CamtEntry(NamedTuple):
    """One booked transaction (an entry, or one transaction detail of a batched entry)."""

    account: str
    amount: int
    currency: str
    direction: str  # CRDT | DBIT
    status: str  # BOOK | PDNG | INFO | FUTR
    booking_date: date | None
    servicer_ref: str  # the entry's account-servicer reference
    entry_ref: str
    tx_index: int
    tx_servicer_ref: str
    end_to_end_id: str
    reference: str  # structured creditor reference (RmtInf/Strd/CdtrRefInf/Ref)
    unstructured: str
    payer_name: str
    return_reason: str
    reversal: bool

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    def identity(self) -> str:
        """What makes this transaction unique across files (the same booking in two files has
        the same identity)."""
        if self.servicer_ref or self.tx_servicer_ref:
            key = f"{self.servicer_ref}|{self.tx_servicer_ref}|{self.tx_index}"
        else:
            key = "|".join(
                (
                    self.entry_ref,
                    str(self.booking_date or ""),
                    self.direction,
                    str(self.amount),
                    self.currency,
                    self.end_to_end_id,
                    self.reference,
                    self.payer_name,
                    self.unstructured,
                    str(self.tx_index),
                )
            )
            key = "h:" + hashlib.sha256(key.encode()).hexdigest()
        return f"{self.account}|{self.status}|{key}"[:200]


@dataclass(frozen=True, slots=True)
class StatusReport:
    """One transaction of a pain.002 status report."""

    end_to_end_id: str
    status: str  # RJCT, ACCP, ...
    reason: str


class _Limited:
    """A binary reader that refuses to read past ``limit`` bytes and hashes what it reads."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self.raw = raw
        self.limit = limit
        self.count = 0
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size if size and size > 0 else 1 << 16)
        self.count += len(chunk)
        if self.count > self.limit:
            raise FileTooLarge(f"the file is larger than the limit of {self.limit} bytes")
        self.sha256.update(chunk)
        return chunk


def _check_prolog(head: bytes) -> None:
    """Refuse DOCTYPE and ENTITY declarations before the parser sees them."""
    texts = [head]
    for encoding in ("utf-16", "utf-16-le", "utf-16-be", "utf-32"):
        try:
            texts.append(head.decode(encoding, errors="ignore").encode("utf-8", errors="ignore"))
        except LookupError:  # pragma: no cover
            continue
    for text in texts:
        upper = text.upper()
        if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
            raise HostileFile("DOCTYPE and ENTITY declarations are refused in bank files")


class MessageReader:
    """Reads one bank message from a binary stream; see :meth:`entries` and :meth:`statuses`."""

    def __init__(self, source: IO[bytes], *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._source = _Limited(source, max_bytes)
        self._head = self._source.read(_PROLOG_SCAN)
        _check_prolog(self._head)
        self.message = ""
        self.version = ""
        self._ns = ""
        self._containers: set[str] = set()
        self._details: tuple[str, str] = ("", "")
        self._ntry_fields: Any = None
        self._tx_fields: Any = None
        self._tx_amounts: Any = None

    # --- the reader fed to lxml: the head already read, then the rest of the stream
    def read(self, size: int = -1) -> bytes:
        if self._head:
            head, self._head = self._head, b""
            return head
        return self._source.read(size)

    def finish(self) -> None:
        """Read what the parser left after the document, so the hash covers the whole file."""
        while self.read(1 << 16):
            pass

    @property
    def bytes_read(self) -> int:
        return self._source.count

    @property
    def sha256(self) -> str:
        return self._source.sha256.hexdigest()

    def _events(self, tags: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
        # End events only; the root is checked when the group header (always first) ends,
        # before any entry is looked at.
        context = etree.iterparse(
            self,
            events=("end",),
            tag=("{*}GrpHdr", *tags),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        try:
            for event, element in context:
                if not self.message:
                    self._start(element.getroottree().getroot())
                yield event, element
        except etree.XMLSyntaxError as error:
            raise BankFileError(f"not well-formed XML: {error}") from error
        if not self.message:
            raise BankFileError("no ISO 20022 group header found")

    def _start(self, root: Any) -> None:
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:
            raise HostileFile("DOCTYPE and ENTITY declarations are refused in bank files")
        namespace = etree.QName(root).namespace or ""
        found = _MESSAGE.match(namespace)
        if etree.QName(root).localname != "Document" or not found:
            raise BankFileError(f"not a camt.053, camt.054 or pain.002 message: {namespace!r}")
        if found.group(2) not in _SUPPORTED_VERSIONS:
            raise BankFileError(f"unsupported version {found.group(1)}.001.{found.group(2)}")
        self.message, self.version = found.group(1), f"001.{found.group(2)}"
        self._ns = namespace
        self._containers = {self._q("Stmt"), self._q("Ntfctn"), self._q("Rpt")}
        self._details = (self._q("NtryDtls"), self._q("TxDtls"))
        self._ntry_fields, self._tx_fields, self._tx_amounts = _extractors(namespace)

    def _q(self, path: str) -> str:
        return "/".join(f"{{{self._ns}}}{part}" for part in path.split("/"))

    def items(self) -> Iterator[CamtEntry | StatusReport]:
        """Every transaction of a camt.053 or camt.054, or every status of a pain.002, in file
        order."""
        account = ""
        entry_tag = ""
        for _event, element in self._events(("{*}Acct", "{*}Ntry", "{*}TxInfAndSts")):
            tag = element.tag
            if tag == entry_tag:  # an entry of the message's namespace: nearly every element
                yield from self._entry(element, account)
                _drop(element)
                continue
            entry_tag = "" if self.message == "pain.002" else self._q("Ntry")
            name = tag.rpartition("}")[2]
            if self.message == "pain.002":
                if name == "TxInfAndSts":
                    _check_entities(element)
                    yield StatusReport(
                        end_to_end_id=_text(element, self._q("OrgnlEndToEndId"), 35),
                        status=_text(element, self._q("TxSts"), 4),
                        reason=_text(element, self._q("StsRsnInf/Rsn/Cd"), 4),
                    )
                    _drop(element)
                continue
            parent = element.getparent()
            if name == "Acct" and parent is not None and parent.tag in self._containers:
                account = (element.findtext(self._q("Id/IBAN")) or "").strip()
                if not account:
                    account = (element.findtext(self._q("Id/Othr/Id")) or "").strip()
            elif name == "Ntry":
                yield from self._entry(element, account)
                _drop(element)

    def _entry(self, ntry: Any, account: str) -> Iterator[CamtEntry]:
        # One compiled XPath reads every field at once (far cheaper than a look-up per field),
        # those of the entry's one transaction too; values come back tab-separated, tabs inside
        # values being normalized away. A batched entry's transactions are read one by one.
        fields = self._ntry_fields(ntry).split("\t")
        amount, currency, direction, status, booked, servicer_ref, entry_ref, reversal = fields[:8]
        minor, currency = _money(amount, currency)
        if direction not in ("CRDT", "DBIT"):
            raise BankFileError(f"an entry has no valid CdtDbtInd: {direction!r}")
        if status not in _STATUS_CODES:
            raise BankFileError(f"an entry has an unknown status {status!r}")
        booking_date = _date(booked)
        batched = fields[8] not in ("0", "1")
        details: list[list[str]] = [fields[9:]]
        if batched:
            block_tag, tx_tag = self._details
            details = [
                self._tx_fields(tx).split("\t") + self._tx_amounts(tx).split("\t")
                for block in ntry.iterchildren(block_tag)
                for tx in block.iterchildren(tx_tag)
            ]
        for index, values in enumerate(details):
            tx_ref, end_to_end, name_v2, name_v8, reference, reason, text1, text2 = values[:8]
            if batched:
                tx_amount, tx_currency, detail_amount, detail_currency = values[8:]
                if tx_amount:
                    minor, currency = _money(tx_amount, tx_currency)
                elif detail_amount:
                    minor, currency = _money(detail_amount, detail_currency)
                else:
                    raise BankFileError("a batched entry's transaction has no amount")
            yield CamtEntry(
                account,
                minor,
                currency,
                direction,
                status,
                booking_date,
                servicer_ref[:140],
                entry_ref[:35],
                index,
                tx_ref[:140],
                _clean_id(end_to_end[:35]),
                reference[:35],
                f"{text1} {text2}".strip()[:500] if text1 or text2 else "",
                (name_v2 or name_v8)[:140],
                reason[:4],
                reversal.lower() == "true",
            )


def _check_entities(element: Any) -> None:
    for node in element.iter():
        if not isinstance(node.tag, str):
            raise HostileFile("entity references are refused in bank files")


def _drop(element: Any) -> None:
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _text(element: Any, path: str, limit: int) -> str:
    if element is None:
        return ""
    return (element.findtext(path) or "").strip()[:limit]


def _clean_id(value: str) -> str:
    return "" if value.upper() == "NOTPROVIDED" else value


_AMOUNT = re.compile(r"^(\d{1,15})(?:\.(\d{1,3}))?$")


@lru_cache(maxsize=64)
def _exponent(currency: str) -> int:
    try:
        return exponent(currency)
    except UnknownCurrency as error:
        raise BankFileError(f"bad amount currency {currency!r}") from error


@lru_cache(maxsize=1 << 16)  # files repeat the same amounts (instalments) over and over
def _money(text: str, currency: str) -> tuple[int, str]:
    """An amount in minor units of ``currency`` (ISO 4217), from its decimal text."""
    digits = _exponent(currency)
    found = _AMOUNT.match(text)
    if found is None or len(found.group(2) or "") > digits:
        raise BankFileError(f"bad amount {text!r} {currency!r}")
    fraction = (found.group(2) or "").ljust(digits, "0")
    return int(found.group(1)) * 10**digits + int(fraction or 0), currency


@lru_cache(maxsize=64)
def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError as error:
        raise BankFileError(f"bad booking date {text!r}") from error
