"""The demo shop: a small marketplace that sells through paylater like any merchant would.

Its server talks to paylater only through the public merchant API, over HTTP, with the demo
merchant's credentials (``<data_dir>/demo-credentials.json``, written by ``paylater demo``):
it creates a session for the cart, lets the shopper authorize in the widget (or on the hosted
payment page), creates the order from the authorization token and captures it at once with
tracking details, as a shop that ships the same day would.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from paylater.web.i18n import LANGUAGES
from paylater.web.pages import (
    form_data,
    found,
    language,
    refused,
    render,
    set_cookie,
)

router = APIRouter(include_in_schema=False)
CART_COOKIE = "demo_cart"
COUNTRY, CURRENCY, TAX_RATE = "SE", "SEK", 2500  # 25.00 %
SESSION_LOCALES = {"en": "en-GB", "fr": "fr-FR", "sv": "sv-SE", "de": "de-DE"}


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    name: str
    seller_id: str
    seller: str
    price: int  # minor units of CURRENCY, tax included
    colour: str


PRODUCTS = {
    product.id: product
    for product in (
        Product("sweater", "Wool sweater", "nordic-knit", "Nordic Knitwear", 89_900, "#b5838d"),
        Product("beanie", "Knitted beanie", "nordic-knit", "Nordic Knitwear", 24_900, "#e5989b"),
        Product("lamp", "Desk lamp", "lamp-co", "Lamp & Co", 64_900, "#ffcdb2"),
        Product("pendant", "Paper pendant light", "lamp-co", "Lamp & Co", 129_900, "#f6bd60"),
        Product("backpack", "Trail backpack 28 l", "fjall", "Fjäll Outdoor", 149_900, "#84a59d"),
        Product("thermos", "Thermos 0.75 l", "fjall", "Fjäll Outdoor", 34_900, "#52796f"),
        Product("cookbook", "Nordic cookbook", "bokhandeln", "Bokhandeln", 29_900, "#6d6875"),
    )
}


def parse_cart(text: str | None) -> dict[str, int]:
    cart: dict[str, int] = {}
    for part in (text or "").split(","):
        product_id, _, quantity = part.partition(":")
        if product_id in PRODUCTS and quantity.isdigit() and 0 < int(quantity) <= 20:
            cart[product_id] = int(quantity)
    return cart


def dump_cart(cart: dict[str, int]) -> str:
    return ",".join(f"{product_id}:{quantity}" for product_id, quantity in cart.items())


def order_lines(cart: dict[str, int]) -> list[dict[str, Any]]:
    lines = []
    for product_id, quantity in cart.items():
        product = PRODUCTS[product_id]
        total = product.price * quantity
        lines.append(
            {
                "type": "physical",
                "reference": product.id,
                "name": product.name,
                "quantity": quantity,
                "unit_price": product.price,
                "tax_rate": TAX_RATE,
                "total_amount": total,
                "total_tax_amount": total * TAX_RATE // (10_000 + TAX_RATE),
                "seller_id": product.seller_id,
            }
        )
    return lines


def order_data(cart: dict[str, int], lang: str, reference: str) -> dict[str, Any]:
    lines = order_lines(cart)
    return {
        "purchase_country": COUNTRY,
        "purchase_currency": CURRENCY,
        "locale": SESSION_LOCALES.get(lang, "en-GB"),
        "order_amount": sum(line["total_amount"] for line in lines),
        "order_tax_amount": sum(line["total_tax_amount"] for line in lines),
        "order_lines": lines,
        "merchant_reference1": reference,
    }


def _credentials(request: Request) -> tuple[str, str] | None:
    path = found(request).settings.data_dir / "demo-credentials.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    return str(data["username"]), str(data["secret"])


def _client(request: Request) -> httpx.AsyncClient | None:
    """An HTTP client for the merchant API, authenticated as the demo merchant."""
    credentials = _credentials(request)
    if credentials is None:
        return None
    base = found(request).settings.public_url.rstrip("/")
    # Tests without a listening server hand the app itself as the transport.
    transport = getattr(request.app.state, "demo_shop_transport", None)
    return httpx.AsyncClient(base_url=base, auth=credentials, transport=transport, timeout=30.0)


def _cart(request: Request) -> dict[str, int]:
    return parse_cart(request.cookies.get(CART_COOKIE))


def _total(cart: dict[str, int]) -> int:
    return sum(PRODUCTS[product_id].price * quantity for product_id, quantity in cart.items())


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    cart = _cart(request)
    context = {"cart_count": sum(cart.values()), "currency": CURRENCY, **context}
    return render(request, template, context, status=status)


@router.get("/demo-shop/")
async def shop_home(request: Request) -> Response:
    sellers: dict[str, list[Product]] = {}
    for product in PRODUCTS.values():
        sellers.setdefault(product.seller, []).append(product)
    return _page(
        request, "shop/home.html", {"products": list(PRODUCTS.values()), "sellers": sellers}
    )


@router.post("/demo-shop/cart")
async def add_to_cart(request: Request) -> Response:
    fields = await form_data(request)
    if fields is None:
        return refused(request)
    cart = _cart(request)
    product_id = fields.get("product", "")
    if product_id in PRODUCTS:
        cart[product_id] = min(cart.get(product_id, 0) + 1, 20)
    if fields.get("remove") in PRODUCTS:
        cart.pop(fields["remove"], None)
    response = RedirectResponse("/demo-shop/cart", status_code=303)
    set_cookie(request, response, CART_COOKIE, dump_cart(cart))
    return response


@router.get("/demo-shop/cart")
async def cart_page(request: Request) -> Response:
    cart = _cart(request)
    lines = [(PRODUCTS[product_id], quantity) for product_id, quantity in cart.items()]
    return _page(request, "shop/cart.html", {"lines": lines, "total": _total(cart)})


@router.get("/demo-shop/checkout")
async def checkout_page(request: Request) -> Response:
    cart = _cart(request)
    if not cart:
        return RedirectResponse("/demo-shop/cart", status_code=303)
    client = _client(request)
    if client is None:
        return _page(request, "shop/unavailable.html", {}, status=503)
    lang = language(request)
    reference = "DS-" + secrets.token_hex(4).upper()
    async with client:
        answer = await client.post("/payments/v1/sessions", json=order_data(cart, lang, reference))
    if answer.status_code != 200:
        return _page(request, "shop/unavailable.html", {"detail": answer.text}, status=502)
    session = answer.json()
    base = found(request).settings.public_url.rstrip("/")
    back = str(request.base_url).rstrip("/")
    hosted = f"{base}/checkout/{session['client_token']}?" + urlencode(
        {
            "success_url": f"{back}/demo-shop/return?reference={reference}",
            "cancel_url": f"{back}/demo-shop/cart",
            "failure_url": f"{back}/demo-shop/cart?declined=1",
        }
    )
    return _page(
        request,
        "shop/checkout.html",
        {
            "session": session,
            "categories": session["payment_method_categories"],
            "total": _total(cart),
            "lines": [(PRODUCTS[p], q) for p, q in cart.items()],
            "reference": reference,
            "widget_url": f"{base}/js/paylater.js",
            "hosted_url": hosted,
        },
    )


async def _place_order(
    request: Request, authorization_token: str, reference: str
) -> tuple[str | None, str]:
    """Create the order from the token and ship it; returns (order id, error text)."""
    cart = _cart(request)
    client = _client(request)
    if not cart or client is None or not authorization_token:
        return None, "cart"
    data = order_data(cart, language(request), reference[:40])
    async with client:
        created = await client.post(
            f"/payments/v1/authorizations/{authorization_token}/order",
            json=data,
            headers={"Idempotency-Key": f"order-{authorization_token}"},
        )
        if created.status_code != 200:
            return None, created.text
        order = created.json()
        if order["fraud_status"] == "ACCEPTED":
            await client.post(
                f"/ordermanagement/v1/orders/{order['order_id']}/captures",
                json={
                    "captured_amount": data["order_amount"],
                    "description": "Shipped from the demo shop",
                    "order_lines": data["order_lines"],
                    "shipping_info": [
                        {
                            "shipping_company": "PostNord",
                            "shipping_method": "PickUpPoint",
                            "tracking_number": f"PN{secrets.randbelow(10**10):010d}SE",
                            "tracking_uri": "https://tracking.example/PN",
                        }
                    ],
                },
                headers={"Idempotency-Key": f"capture-{order['order_id']}"},
            )
    return str(order["order_id"]), ""


def _placed(request: Request, order_id: str | None, error: str) -> Response:
    if order_id is None:
        return _page(request, "shop/unavailable.html", {"detail": error}, status=400)
    response = RedirectResponse(f"/demo-shop/orders/{order_id}", status_code=303)
    set_cookie(request, response, CART_COOKIE, "")
    return response


@router.post("/demo-shop/orders")
async def place_order(request: Request) -> Response:
    fields = await form_data(request)
    if fields is None:
        return refused(request)
    order_id, error = await _place_order(
        request, fields.get("authorization_token", ""), fields.get("reference", "")
    )
    return _placed(request, order_id, error)


@router.get("/demo-shop/return")
async def hosted_return(request: Request) -> Response:
    """The hosted payment page sends the shopper back here with the authorization token."""
    params = request.query_params
    if params.get("approved") != "true":
        return RedirectResponse("/demo-shop/cart?declined=1", status_code=303)
    order_id, error = await _place_order(
        request, params.get("authorization_token", ""), params.get("reference", "")
    )
    return _placed(request, order_id, error)


@router.get("/demo-shop/orders/{order_id}")
async def order_page(request: Request, order_id: str) -> Response:
    client = _client(request)
    if client is None:
        return _page(request, "shop/unavailable.html", {}, status=503)
    async with client:
        answer = await client.get(f"/ordermanagement/v1/orders/{order_id}")
    if answer.status_code != 200:
        return _page(request, "shop/unavailable.html", {"detail": answer.text}, status=404)
    return _page(request, "shop/order.html", {"order": answer.json(), "languages": LANGUAGES})
