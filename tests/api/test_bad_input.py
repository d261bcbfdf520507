"""Bad input is a 400 BAD_VALUE that writes nothing; never a 500 (PRODUCT.md §2)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paylater.db import Database
from tests.api.flows import WRITTEN_TABLES, assert_error, count_rows, place_order, session_body

SESSIONS = "/payments/v1/sessions"
HUGE = "x" * 100_000


def _raw(
    client: TestClient,
    path: str,
    body: bytes,
    headers: dict[str, str],
    content_type: str = "application/json",
) -> Any:
    return client.post(path, content=body, headers={**headers, "Content-Type": content_type})


def _with(body: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(body))
    target = copy
    for part in path[:-1]:
        target = target[part]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return dict(copy)


_DELETE = object()
GOOD = session_body(10_000)
BAD_SESSIONS = {
    "amount as string": (("order_amount",), "10000"),
    "amount as float": (("order_amount",), 10_000.0),
    "amount as fraction": (("order_amount",), 100.5),
    "amount negative": (("order_amount",), -10_000),
    "amount huge": (("order_amount",), 10**16),
    "amount enormous": (("order_amount",), 10**40),
    "amount boolean": (("order_amount",), True),
    "amount null": (("order_amount",), None),
    "amount object": (("order_amount",), {"value": 10_000}),
    "amount missing": (("order_amount",), _DELETE),
    "country missing": (("purchase_country",), _DELETE),
    "currency missing": (("purchase_currency",), _DELETE),
    "lines missing": (("order_lines",), _DELETE),
    "lines empty": (("order_lines",), []),
    "lines not a list": (("order_lines",), "Rain jacket"),
    "unknown country": (("purchase_country",), "XX"),
    "country too long": (("purchase_country",), "SWE"),
    "country digits": (("purchase_country",), "S1"),
    "country huge": (("purchase_country",), HUGE),
    "currency huge": (("purchase_currency",), HUGE),
    "locale huge": (("locale",), HUGE),
    "reference huge": (("merchant_reference1",), HUGE),
    "merchant data huge": (("merchant_data",), HUGE),
    "line name huge": (("order_lines", 0, "name"), HUGE),
    "line name empty": (("order_lines", 0, "name"), ""),
    "line name number": (("order_lines", 0, "name"), 12),
    "line name NUL": (("order_lines", 0, "name"), "Rain\x00jacket"),
    "reference NUL": (("merchant_reference1",), "A\x00"),
    "quantity zero": (("order_lines", 0, "quantity"), 0),
    "quantity float": (("order_lines", 0, "quantity"), 1.0),
    "unit price string": (("order_lines", 0, "unit_price"), "10000"),
    "tax rate negative": (("order_lines", 0, "tax_rate"), -1),
    "line total missing": (("order_lines", 0, "total_amount"), _DELETE),
    "intent unknown": (("intent",), "steal"),
    "customer birth date": (("customer",), {"date_of_birth": "1990-02-30"}),
    "billing country": (("billing_address",), {"country": "Sweden"}),
}


@pytest.mark.parametrize("case", BAD_SESSIONS)
def test_bad_session_bodies(
    client: TestClient, merchant: dict[str, Any], database: Database, case: str
) -> None:
    path, value = BAD_SESSIONS[case]
    before = count_rows(database, *WRITTEN_TABLES)
    answer = client.post(SESSIONS, json=_with(GOOD, path, value), headers=merchant["headers"])
    assert_error(answer, 400, "BAD_VALUE")
    assert count_rows(database, *WRITTEN_TABLES) == before


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"purchase_country": "SE",', "application/json"),
        (b"not json at all", "application/json"),
        (b"[]", "application/json"),
        (b"null", "application/json"),
        (b'"SE"', "application/json"),
        (b"", "application/json"),
        (b'{"order_amount": 1e400}', "application/json"),
        (b'{"order_amount": NaN}', "application/json"),
        (b"\xff\xfe\x00{", "application/json"),
        (json.dumps(GOOD).encode(), "text/plain"),
        (b'{"order_lines": [{"name": "\\ud800"}]}', "application/json"),
    ],
)
def test_malformed_bodies(
    client: TestClient, merchant: dict[str, Any], database: Database, body: bytes, content_type: str
) -> None:
    before = count_rows(database, *WRITTEN_TABLES)
    assert_error(_raw(client, SESSIONS, body, merchant["headers"], content_type), 400, "BAD_VALUE")
    assert count_rows(database, *WRITTEN_TABLES) == before


def test_an_integer_too_long_to_parse(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    before = count_rows(database, *WRITTEN_TABLES)
    body = b'{"order_amount": ' + b"9" * 5000 + b"}"
    assert_error(_raw(client, SESSIONS, body, merchant["headers"]), 400, "BAD_VALUE")
    assert count_rows(database, *WRITTEN_TABLES) == before


BAD_CAPTURES = [
    {"captured_amount": "100"},
    {"captured_amount": 100.0},
    {"captured_amount": -100},
    {"captured_amount": 10**16},
    {"captured_amount": None},
    {},
    {"captured_amount": 100, "description": HUGE},
    {"captured_amount": 100, "reference": "R\x00"},
    {"captured_amount": 100, "shipping_info": [{"tracking_number": HUGE}]},
    {"captured_amount": 100, "shipping_info": "PostNord"},
    {"captured_amount": 100, "order_lines": [{"name": "x"}]},
    {"captured_amount": 2},  # three instalments need at least three minor units
]


@pytest.mark.parametrize("body", BAD_CAPTURES, ids=range(len(BAD_CAPTURES)))
def test_bad_capture_bodies(
    client: TestClient, merchant: dict[str, Any], database: Database, body: dict[str, Any]
) -> None:
    order_id = place_order(client, merchant["headers"], 100_000)
    before = count_rows(database, *WRITTEN_TABLES)
    answer = client.post(
        f"/ordermanagement/v1/orders/{order_id}/captures", json=body, headers=merchant["headers"]
    )
    assert_error(answer, 400, "BAD_VALUE")
    assert count_rows(database, *WRITTEN_TABLES) == before


def test_smallest_captures_per_plan(client: TestClient, merchant: dict[str, Any]) -> None:
    headers = merchant["headers"]
    for plan, parts in [("pay_later", 1), ("pay_in_3", 3), ("pay_in_4", 4)]:
        order_id = place_order(client, headers, 100_000, plan=plan)
        path = f"/ordermanagement/v1/orders/{order_id}/captures"
        if parts > 1:
            assert_error(
                client.post(path, json={"captured_amount": parts - 1}, headers=headers),
                400,
                "BAD_VALUE",
            )
        answer = client.post(path, json={"captured_amount": parts}, headers=headers)
        assert answer.status_code == 201, (plan, answer.text)
        schedule = client.get(f"/ordermanagement/v1/orders/{order_id}", headers=headers).json()[
            "payment_schedule"
        ]
        assert [i["amount"] for i in schedule] == [1] * parts


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/ordermanagement/v1/orders/{order}/refunds", {"refunded_amount": -1}),
        ("post", "/ordermanagement/v1/orders/{order}/refunds", {"refunded_amount": "1"}),
        ("patch", "/ordermanagement/v1/orders/{order}/authorization", {"order_amount": -5}),
        ("patch", "/ordermanagement/v1/orders/{order}/authorization", {}),
        (
            "patch",
            "/ordermanagement/v1/orders/{order}/merchant-references",
            {"merchant_reference1": HUGE},
        ),
        ("post", "/ordermanagement/v1/orders/{order}/captures/c/shipping-info", {}),
        ("post", "/payments/v1/authorizations/tok/order", {"order_amount": 1}),
        ("post", "/payments/v1/authorizations/tok/customer-token", {"purchase_country": "SE"}),
        (
            "post",
            "/sandbox/v1/sessions/s/authorize",
            {"payment_method_category": "pay_forever", "consumer": {"email": "a@example.com"}},
        ),
        ("post", "/sandbox/v1/sessions/s/authorize", {"payment_method_category": "pay_later"}),
        ("post", "/sandbox/v1/clock/advance", {"days": -1}),
        ("post", "/merchant/v1/credentials", {"label": HUGE}),
    ],
)
def test_other_bad_bodies(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    order_id = place_order(client, merchant["headers"], 100_000)
    before = count_rows(database, *WRITTEN_TABLES)
    answer = client.request(
        method.upper(), path.format(order=order_id), json=body, headers=merchant["headers"]
    )
    assert_error(answer, 400, "BAD_VALUE")
    assert count_rows(database, *WRITTEN_TABLES) == before


@pytest.mark.parametrize(
    "path",
    [
        "/payments/v1/sessions/a%00b",
        "/ordermanagement/v1/orders/a%00b",
        "/customer-token/v1/tokens/a%00b",
        "/ordermanagement/v1/orders/a/captures/a%00b",
        "/ordermanagement/v1/orders/a/refunds/a%00b",
    ],
)
def test_nul_in_a_path_is_not_found(
    client: TestClient, merchant: dict[str, Any], path: str
) -> None:
    assert_error(client.get(path, headers=merchant["headers"]), 404)


def test_nul_in_the_api_username_is_unauthorized(client: TestClient) -> None:
    token = base64.b64encode(b"PL_\x00:secret").decode()
    assert_error(
        client.get("/ordermanagement/v1/orders/x", headers={"Authorization": f"Basic {token}"}),
        401,
        "UNAUTHORIZED",
    )


def test_unknown_routes_and_methods(client: TestClient, merchant: dict[str, Any]) -> None:
    assert_error(client.get("/payments/v2/sessions", headers=merchant["headers"]), 404, "NOT_FOUND")
    assert_error(
        client.put(SESSIONS, json=GOOD, headers=merchant["headers"]), 405, "METHOD_NOT_ALLOWED"
    )


def test_an_over_long_idempotency_key_is_a_bad_value(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    answer = client.post(
        SESSIONS, json=GOOD, headers={**merchant["headers"], "Idempotency-Key": "k" * 256}
    )
    assert_error(answer, 400, "BAD_VALUE")
    longest = client.post(
        SESSIONS, json=GOOD, headers={**merchant["headers"], "Idempotency-Key": "k" * 255}
    )
    assert longest.status_code == 200


def test_nul_in_a_posted_path_is_not_found(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    before = count_rows(database, *WRITTEN_TABLES)
    answer = client.post(
        "/ordermanagement/v1/orders/a%00b/captures",
        json={"captured_amount": 100},
        headers={**merchant["headers"], "Idempotency-Key": "nul"},
    )
    assert_error(answer, 404)
    assert count_rows(database, *WRITTEN_TABLES) == before


# --- random input ----------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
FIELDS = [
    "purchase_country",
    "purchase_currency",
    "locale",
    "order_amount",
    "order_tax_amount",
    "order_lines",
    "merchant_reference1",
    "customer",
    "billing_address",
    "shipping_address",
    "intent",
]


@st.composite
def session_like(draw: st.DrawFn) -> Any:
    """Mostly valid session bodies with a few fields replaced by anything."""
    if draw(st.booleans()):
        return draw(JSON_VALUES)
    body = dict(GOOD)
    for field in draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique=True)):
        body[field] = draw(JSON_VALUES)
    line = dict(GOOD["order_lines"][0])
    for field in draw(st.lists(st.sampled_from(sorted(line)), max_size=2, unique=True)):
        line[field] = draw(JSON_VALUES)
    body["order_lines"] = [line]
    return body


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=session_like())
def test_random_session_bodies_never_fail_the_server(
    client: TestClient, merchant: dict[str, Any], body: Any
) -> None:
    answer = client.post(SESSIONS, json=body, headers=merchant["headers"])
    assert answer.status_code < 500, (body, answer.text)
    if answer.status_code != 200:
        assert_error(answer, answer.status_code)


@pytest.fixture
def capturable(client: TestClient, merchant: dict[str, Any]) -> str:
    return place_order(client, merchant["headers"], 10_000_00, plan="pay_later")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(
        JSON_VALUES,
        st.fixed_dictionaries(
            {"captured_amount": JSON_VALUES},
            optional={
                "description": JSON_VALUES,
                "shipping_info": JSON_VALUES,
                "order_lines": JSON_VALUES,
                "reference": JSON_VALUES,
            },
        ),
        st.fixed_dictionaries({"captured_amount": st.integers(-10, 10**17)}),
    )
)
def test_random_capture_bodies_never_fail_the_server(
    client: TestClient, merchant: dict[str, Any], capturable: str, body: Any
) -> None:
    answer = client.post(
        f"/ordermanagement/v1/orders/{capturable}/captures", json=body, headers=merchant["headers"]
    )
    assert answer.status_code < 500, (body, answer.text)
    if answer.status_code != 201:
        assert_error(answer, answer.status_code)
