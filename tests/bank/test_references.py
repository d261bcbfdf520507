"""Payment references: RF creditor references, Swedish OCR numbers, one per instalment."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st
from stdnum import iso11649, luhn

from paylater.bank import references
from paylater.bank.references import (
    BankSettings,
    bank_details,
    find_in_text,
    is_valid,
    ocr_reference,
    one_edit_apart,
    reference_for_instalment,
    rf_reference,
)
from paylater.db import Database
from tests.bank.conftest import AT, make_consumer, make_invoice


def test_rf_reference_is_valid_iso11649() -> None:
    assert rf_reference("539007547034") == "RF18539007547034"  # the standard's example
    assert iso11649.is_valid(rf_reference("ABC123"))


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=21))
def test_any_rf_body_gives_a_valid_reference(body: str) -> None:
    reference = rf_reference(body)
    assert iso11649.is_valid(reference) and is_valid(reference)


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ ", min_size=0, max_size=30))
@example("RLMF61UF0DR7V1")  # letters where the check digits go: stdnum says valid, ISO 11649 not
def test_validity_agrees_with_stdnum(text: str) -> None:
    for value in (text, "RF" + text, "RF" + text[:2] + text[2:].replace(" ", "")):
        if not value.upper().startswith("RF"):
            continue
        # ISO 11649's check digits are digits; python-stdnum also accepts two letters there
        # when the sum works out (RFRL…), which no bank issues.
        compact = value.replace(" ", "").upper()
        expected = bool(iso11649.is_valid(value)) and compact[2:4].isdigit()
        assert is_valid(value) == expected, value


def test_ocr_with_length_digit_and_luhn() -> None:
    number = ocr_reference("12345678")
    assert number[:-2] == "12345678"
    assert number[-2] == str(len(number) % 10)
    assert luhn.is_valid(number) and is_valid(number)
    assert luhn.is_valid(ocr_reference("987", length_digit=False))


def test_typos_fail_the_check() -> None:
    reference = rf_reference("PAYLATER42")
    typo = reference[:6] + ("1" if reference[6] != "1" else "2") + reference[7:]
    assert not is_valid(typo)
    assert one_edit_apart(reference, typo)
    swapped = reference[:5] + reference[6] + reference[5] + reference[7:]
    assert reference[5] == reference[6] or one_edit_apart(reference, swapped)
    assert one_edit_apart("RF1234", "RF124")
    assert not one_edit_apart("RF1234", "RF1234")
    assert not one_edit_apart("RF1234", "RF4321")


def test_reference_found_in_free_text() -> None:
    assert find_in_text("Invoice rf18 5390 0754 7034 thanks") == "RF18539007547034"
    assert find_in_text("order 4411 ocr 1234567897") == "1234567897"
    assert find_in_text("nothing here") == ""


def test_a_reference_followed_by_a_word_that_also_passes_the_check_is_found() -> None:
    # "RF2251FMILZIBSBQA4ZMERCI" is valid too (one token in 97 is): the issued length decides.
    assert is_valid("RF2251FMILZIBSBQA4ZMERCI")
    assert find_in_text("Paiement rf22 51fm ilzi bsbq a4z merci") == "RF2251FMILZIBSBQA4Z"


def test_reference_per_instalment_is_stable_and_per_country(database: Database, shop: str) -> None:
    def work(connection: object) -> tuple[str, str, str, str]:
        from sqlalchemy import Connection

        assert isinstance(connection, Connection)
        french = make_invoice(connection, shop, make_consumer(connection), [1000, 1000])
        swede = make_consumer(connection, "Anna", "Svensson", "SE", "sv-SE")
        swedish = make_invoice(connection, shop, swede, [50000], currency="SEK", country="SE")
        first = reference_for_instalment(connection, french.instalment_ids[0], AT)
        again = reference_for_instalment(connection, french.instalment_ids[0], AT)
        second = reference_for_instalment(connection, french.instalment_ids[1], AT)
        ocr = reference_for_instalment(connection, swedish.instalment_ids[0], AT)
        assert first == again
        return first, second, ocr, references.instalment_of(connection, first.lower()) or ""

    first, second, ocr, owner = database.run(work)
    assert first.startswith("RF") and iso11649.is_valid(first) and first != second
    assert ocr.isdigit() and luhn.is_valid(ocr)
    assert owner


def test_bank_details_per_country() -> None:
    config = BankSettings(accounts={"SE": ("SE4550000000058398257466", "ESSESESS")})
    assert bank_details("se", config) == (
        "SE4550000000058398257466",
        "ESSESESS",
        config.account_name,
    )
    assert bank_details("FR", config)[0] == config.iban
