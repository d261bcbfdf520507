"""Bank files built for the tests: camt.053/054 (.001.02 and .001.08), pain.002, and the official
XSDs (tests/bank/xsd/) to validate them and the pain.008 files paylater writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

XSD = Path(__file__).parent / "xsd"
LENDER_IBAN = "DE89370400440532013000"


@dataclass
class Tx:
    amount: int  # minor units
    currency: str = "EUR"
    reference: str = ""
    unstructured: str = ""
    payer: str = ""
    servicer_ref: str = ""
    end_to_end_id: str = ""
    booked: date = date(2027, 1, 20)
    direction: str = "CRDT"
    status: str = "BOOK"
    return_reason: str = ""
    batch: list[Tx] = field(default_factory=list)


def _amount(minor: int, currency: str) -> str:
    return f'<Amt Ccy="{currency}">{Decimal(minor).scaleb(-2):.2f}</Amt>'


def _details(tx: Tx, version: str) -> str:
    refs = ""
    if tx.servicer_ref or tx.end_to_end_id:
        refs = "<Refs>"
        if tx.servicer_ref:
            refs += f"<AcctSvcrRef>{escape(tx.servicer_ref)}-T</AcctSvcrRef>"
        if tx.end_to_end_id:
            refs += f"<EndToEndId>{escape(tx.end_to_end_id)}</EndToEndId>"
        refs += "</Refs>"
    if version == "001.02":
        amount = f"<AmtDtls><TxAmt>{_amount(tx.amount, tx.currency)}</TxAmt></AmtDtls>"
        party = f"<RltdPties><Dbtr><Nm>{escape(tx.payer)}</Nm></Dbtr></RltdPties>"
    else:
        amount = _amount(tx.amount, tx.currency)
        party = f"<RltdPties><Dbtr><Pty><Nm>{escape(tx.payer)}</Nm></Pty></Dbtr></RltdPties>"
    remittance = ""
    if tx.unstructured or tx.reference:
        remittance = "<RmtInf>"
        if tx.unstructured:
            remittance += f"<Ustrd>{escape(tx.unstructured)}</Ustrd>"
        if tx.reference:
            kind = "SCOR"
            remittance += (
                "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>"
                f"{kind}</Cd></CdOrPrtry></Tp><Ref>{escape(tx.reference)}</Ref></CdtrRefInf></Strd>"
            )
        remittance += "</RmtInf>"
    returned = ""
    if tx.return_reason:
        returned = f"<RtrInf><Rsn><Cd>{tx.return_reason}</Cd></Rsn></RtrInf>"
    return f"<TxDtls>{refs}{amount}{party if tx.payer else ''}{remittance}{returned}</TxDtls>"


def _entry(tx: Tx, version: str) -> str:
    status = (
        f"<Sts>{tx.status}</Sts>" if version == "001.02" else f"<Sts><Cd>{tx.status}</Cd></Sts>"
    )
    total = sum(part.amount for part in tx.batch) if tx.batch else tx.amount
    servicer = f"<AcctSvcrRef>{escape(tx.servicer_ref)}</AcctSvcrRef>" if tx.servicer_ref else ""
    family = "RCDT" if tx.direction == "CRDT" else "RDDT"
    details = "".join(_details(part, version) for part in (tx.batch or [tx]))
    return (
        f"<Ntry>{_amount(total, tx.currency)}<CdtDbtInd>{tx.direction}</CdtDbtInd>{status}"
        f"<BookgDt><Dt>{tx.booked.isoformat()}</Dt></BookgDt>"
        f"<ValDt><Dt>{tx.booked.isoformat()}</Dt></ValDt>{servicer}"
        f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>ESCT</SubFmlyCd>"
        f"</Fmly></Domn></BkTxCd><NtryDtls>{details}</NtryDtls></Ntry>"
    )


def camt(
    transactions: list[Tx],
    *,
    message: str = "camt.054",
    version: str = "001.02",
    account: str = LENDER_IBAN,
    message_id: str = "MSG-1",
) -> bytes:
    namespace = f"urn:iso:std:iso:20022:tech:xsd:{message}.{version}"
    entries = "".join(_entry(tx, version) for tx in transactions)
    created = "<CreDtTm>2027-01-21T06:00:00</CreDtTm>"
    acct = f"<Acct><Id><IBAN>{account}</IBAN></Id></Acct>"
    if message == "camt.053":
        balance = (
            "<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>"
            '<Amt Ccy="EUR">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2027-01-20</Dt></Dt></Bal>'
        )
        body = (
            f"<BkToCstmrStmt><GrpHdr><MsgId>{message_id}</MsgId>{created}</GrpHdr>"
            f"<Stmt><Id>{message_id}-S</Id>{created}{acct}{balance}{entries}</Stmt></BkToCstmrStmt>"
        )
    else:
        body = (
            f"<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>{message_id}</MsgId>{created}</GrpHdr>"
            f"<Ntfctn><Id>{message_id}-N</Id>{created}{acct}{entries}</Ntfctn>"
            "</BkToCstmrDbtCdtNtfctn>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{namespace}">{body}</Document>'
    ).encode()


def pain002(rejections: list[tuple[str, str]], *, message_id: str = "STS-1") -> bytes:
    """A pain.002.001.03 report rejecting each ``(end_to_end_id, reason)``."""
    txs = "".join(
        f"<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>RJCT</TxSts>"
        f"<StsRsnInf><Rsn><Cd>{reason}</Cd></Rsn></StsRsnInf></TxInfAndSts>"
        for e2e, reason in rejections
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>'
        f"<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2027-01-22T06:00:00</CreDtTm></GrpHdr>"
        "<OrgnlGrpInfAndSts><OrgnlMsgId>X</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId>"
        "</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>P</OrgnlPmtInfId>"
        f"{txs}</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"
    ).encode()


@cache
def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD / f"{name}.xsd")))


def assert_valid(document: bytes, name: str) -> None:
    """Validate ``document`` against the official XSD ``name`` (e.g. ``camt.054.001.02``)."""
    xsd = schema(name)
    parsed = etree.fromstring(document, etree.XMLParser(resolve_entities=False))
    if not xsd.validate(parsed):
        raise AssertionError(f"{name}: {xsd.error_log}")
