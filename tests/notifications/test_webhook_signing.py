from __future__ import annotations

import pytest

from paylater.notifications.signing import header_value, signature, verify
from paylater.notifications.ssrf import UnsafeDestination, check_url

BODY = b'{"id":"evt_1","type":"order.captured"}'
NOW = 1_800_000_000


def test_a_signed_body_verifies() -> None:
    header = header_value(["whsec_a"], NOW, BODY)
    assert header == f"t={NOW},v1={signature('whsec_a', NOW, BODY)}"
    assert verify(header, BODY, ["whsec_a"], now=NOW + 10)


def test_a_tampered_body_fails() -> None:
    header = header_value(["whsec_a"], NOW, BODY)
    assert not verify(header, BODY.replace(b"captured", b"refunded"), ["whsec_a"], now=NOW)


def test_a_wrong_secret_fails() -> None:
    header = header_value(["whsec_a"], NOW, BODY)
    assert not verify(header, BODY, ["whsec_b"], now=NOW)


@pytest.mark.parametrize("age", [301, -301, 3600])
def test_a_stale_or_future_timestamp_fails(age: int) -> None:
    header = header_value(["whsec_a"], NOW, BODY)
    assert not verify(header, BODY, ["whsec_a"], now=NOW + age)


def test_during_rotation_either_secret_verifies() -> None:
    header = header_value(["whsec_new", "whsec_old"], NOW, BODY)
    assert header.count("v1=") == 2
    assert verify(header, BODY, ["whsec_old"], now=NOW)
    assert verify(header, BODY, ["whsec_new"], now=NOW)


@pytest.mark.parametrize("header", ["", "t=abc,v1=00", f"v1={'0' * 64}", f"t={NOW}"])
def test_malformed_headers_fail(header: str) -> None:
    assert not verify(header, BODY, ["whsec_a"], now=NOW)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://172.16.5.4/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[fd00::1]/hook",
        "https://0.0.0.0/hook",
        "https://224.0.0.1/hook",
        "http://93.184.216.34/hook",
        "ftp://93.184.216.34/hook",
        "file:///etc/passwd",
        "https://user:pw@93.184.216.34/hook",
        "not a url",
    ],
)
def test_unsafe_destinations_are_refused(url: str) -> None:
    with pytest.raises(UnsafeDestination):
        check_url(url)


def test_a_public_address_is_allowed() -> None:
    assert check_url("https://93.184.216.34/hook") == ["93.184.216.34"]


def test_loopback_only_when_allowed_and_never_private() -> None:
    assert check_url("http://127.0.0.1:9/hook", allow_loopback=True) == ["127.0.0.1"]
    with pytest.raises(UnsafeDestination):
        check_url("http://10.0.0.1/hook", allow_loopback=True)
    with pytest.raises(UnsafeDestination):
        check_url("http://169.254.169.254/", allow_loopback=True)
