"""An entry's fields, read with one XPath on the entry (its single transaction's too), are the
ones read level by level (the entry, then each transaction), whatever the layout: missing,
repeated or nested elements, blanks, several transaction details."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from paylater.bank import camt
from paylater.bank.camt import CamtEntry, MessageReader

NS = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
_TEXT = st.text(alphabet=" \t\nAB1-é", max_size=6)


def _leaf(tag: str, text: str) -> str:
    return f"<{tag}>{escape(text)}</{tag}>"


@st.composite
def _transaction(draw: st.DrawFn) -> str:
    parts: list[str] = []
    if draw(st.booleans()):
        refs = "".join(
            _leaf(tag, draw(_TEXT))
            for tag in draw(st.lists(st.sampled_from(["AcctSvcrRef", "EndToEndId"]), max_size=3))
        )
        parts.append(f"<Refs>{refs}</Refs>")
    if draw(st.booleans()):
        parts.append(f'<Amt Ccy="EUR">{draw(st.sampled_from(["1.00", " 2.5 ", "3"]))}</Amt>')
    for _ in range(draw(st.integers(0, 2))):
        name = _leaf("Nm", draw(_TEXT))
        debtor = f"<Pty>{name}</Pty>" if draw(st.booleans()) else name
        parts.append(f"<RltdPties><Dbtr>{debtor}</Dbtr></RltdPties>")
    for _ in range(draw(st.integers(0, 2))):
        remittance = "".join(_leaf("Ustrd", draw(_TEXT)) for _ in range(draw(st.integers(0, 3))))
        for _ in range(draw(st.integers(0, 2))):
            reference = _leaf("Ref", draw(_TEXT))
            remittance += f"<Strd><CdtrRefInf><Tp><Cd>SCOR</Cd></Tp>{reference}</CdtrRefInf></Strd>"
        parts.append(f"<RmtInf>{remittance}</RmtInf>")
    if draw(st.booleans()):
        parts.append(f"<RtrInf><Rsn>{_leaf('Cd', draw(_TEXT))}</Rsn></RtrInf>")
    return f"<TxDtls>{''.join(draw(st.permutations(parts)))}</TxDtls>"


@st.composite
def _entry(draw: st.DrawFn) -> str:
    blocks = "".join(
        f"<NtryDtls>{''.join(draw(st.lists(_transaction(), max_size=2)))}</NtryDtls>"
        for _ in range(draw(st.integers(0, 2)))
    )
    reversal = _leaf("RvslInd", draw(st.sampled_from(["true", " false", ""])))
    return (
        f'<Ntry><Amt Ccy="EUR">12.34</Amt><CdtDbtInd> CRDT </CdtDbtInd><Sts>\n<Cd>BOOK</Cd></Sts>'
        f"<BookgDt><Dt>2027-01-20</Dt></BookgDt>{_leaf('AcctSvcrRef', draw(_TEXT))}"
        f"{_leaf('NtryRef', draw(_TEXT)) if draw(st.booleans()) else ''}{reversal}{blocks}</Ntry>"
    )


def _document(entries: list[str]) -> bytes:
    return (
        f'<Document xmlns="{NS}"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>M</MsgId></GrpHdr>'
        f"<Ntfctn><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>{''.join(entries)}"
        "</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()


def _level_by_level(document: bytes) -> list[tuple[Any, ...]]:
    """The fields as read with one XPath for the entry and one per transaction."""

    def compiled(fields: tuple[str, ...]) -> Any:
        expression = "concat(" + ", '\t', ".join(fields) + ")"
        return etree.XPath(expression, namespaces={"c": NS}, smart_strings=False)

    entry_xpath, tx_xpath, amount_xpath = (
        compiled(camt._NTRY_FIELDS),
        compiled(camt._TX_FIELDS),
        compiled(camt._TX_AMOUNT_FIELDS),
    )
    found = []
    for entry in etree.fromstring(document).iter(f"{{{NS}}}Ntry"):
        fields = entry_xpath(entry).split("\t")
        details = entry.findall(f"{{{NS}}}NtryDtls/{{{NS}}}TxDtls")
        for tx in details or [None]:
            values = tx_xpath(tx).split("\t") if tx is not None else [""] * 8
            amounts = amount_xpath(tx).split("\t") if len(details) > 1 else []
            found.append((*fields, *values, *amounts))
    return found


def _as_read(entries: list[CamtEntry]) -> list[tuple[Any, ...]]:
    return [
        (
            entry.servicer_ref,
            entry.entry_ref,
            entry.reversal,
            entry.tx_servicer_ref,
            entry.end_to_end_id,
            entry.payer_name,
            entry.reference,
            entry.return_reason,
            entry.unstructured,
            entry.amount,
        )
        for entry in entries
    ]


def _expected(fields: tuple[Any, ...]) -> tuple[Any, ...]:
    _, _, _, _, _, servicer_ref, entry_ref, reversal = fields[:8]
    tx_ref, end_to_end, name_v2, name_v8, reference, reason, text1, text2 = fields[8:16]
    amount = 1234
    if len(fields) > 16:
        amount = {"1.00": 100, "2.5": 250, "3": 300}[fields[16]]
    return (
        servicer_ref[:140],
        entry_ref[:35],
        reversal.lower() == "true",
        tx_ref[:140],
        "" if end_to_end.upper() == "NOTPROVIDED" else end_to_end[:35],
        (name_v2 or name_v8)[:140],
        reference[:35],
        reason[:4],
        f"{text1} {text2}".strip()[:500] if text1 or text2 else "",
        amount,
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(_entry(), min_size=1, max_size=4))
def test_one_xpath_per_entry_reads_what_one_per_level_reads(entries: list[str]) -> None:
    document = _document(entries)
    expected = _level_by_level(document)
    if any(len(fields) > 16 and not fields[16] for fields in expected):
        return  # a batched transaction without an amount: the file is refused either way
    read = list(MessageReader(io.BytesIO(document)).items())
    assert all(isinstance(item, CamtEntry) for item in read)
    assert _as_read([item for item in read if isinstance(item, CamtEntry)]) == [
        _expected(fields) for fields in expected
    ]
