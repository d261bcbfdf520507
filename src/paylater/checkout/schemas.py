"""API shapes for sessions and authorizations, following Klarna's Payments v1 field names.

Amounts are integers in minor units. Unknown fields are ignored (as existing Klarna clients send
many), but every field we use is validated.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from paylater.plans.schedule import PlanType

Amount = Annotated[int, Field(ge=0, le=10**15, strict=True)]
Country = Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")]
Currency = Annotated[str, Field(pattern=r"^[A-Za-z]{3}$")]
Locale = Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Za-z]{2})?$")]


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        # PostgreSQL text cannot hold NUL (storing one is a server error); no field needs it.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


class OrderLine(ApiModel):
    type: str | None = Field(default=None, max_length=30)
    reference: str | None = Field(default=None, max_length=255)
    name: str = Field(min_length=1, max_length=255)
    quantity: int = Field(ge=1, le=1_000_000, strict=True)
    quantity_unit: str | None = Field(default=None, max_length=10)
    unit_price: int = Field(ge=-(10**15), le=10**15, strict=True)
    tax_rate: int = Field(default=0, ge=0, le=10_000, strict=True)
    total_amount: int = Field(ge=-(10**15), le=10**15, strict=True)
    total_discount_amount: int = Field(default=0, ge=0, strict=True)
    total_tax_amount: int = Field(default=0, ge=-(10**15), le=10**15, strict=True)
    merchant_data: str | None = Field(default=None, max_length=6000)
    product_url: str | None = Field(default=None, max_length=1024)
    image_url: str | None = Field(default=None, max_length=1024)
    # Marketplaces name the seller of each line; reports break down by it.
    seller_id: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _line_total(self) -> OrderLine:
        expected = self.quantity * self.unit_price - self.total_discount_amount
        if self.total_amount != expected:
            raise ValueError(
                f"order line '{self.name}': total_amount {self.total_amount} must equal "
                f"quantity × unit_price − total_discount_amount = {expected}"
            )
        return self


class Address(ApiModel):
    given_name: str | None = Field(default=None, max_length=100)
    family_name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=254)
    street_address: str | None = Field(default=None, max_length=255)
    street_address2: str | None = Field(default=None, max_length=255)
    postal_code: str | None = Field(default=None, max_length=20)
    city: str | None = Field(default=None, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=32)
    country: Country | None = None


class Customer(ApiModel):
    date_of_birth: date | None = None
    type: Literal["person", "organization"] | None = None


class MerchantUrls(ApiModel):
    confirmation: str | None = Field(default=None, max_length=2000)
    notification: str | None = Field(default=None, max_length=2000)
    push: str | None = Field(default=None, max_length=2000)
    authorization: str | None = Field(default=None, max_length=2000)


class OrderData(ApiModel):
    """The order fields shared by sessions, orders and customer-token orders."""

    purchase_country: Country
    purchase_currency: Currency
    locale: Locale = "en-GB"
    order_amount: Amount
    order_tax_amount: Amount = 0
    order_lines: list[OrderLine] = Field(min_length=1, max_length=1000)
    merchant_reference1: str | None = Field(default=None, max_length=255)
    merchant_reference2: str | None = Field(default=None, max_length=255)
    merchant_urls: MerchantUrls | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    customer: Customer | None = None
    merchant_data: str | None = Field(default=None, max_length=6000)

    @model_validator(mode="after")
    def _totals(self) -> OrderData:
        lines_total = sum(line.total_amount for line in self.order_lines)
        if lines_total != self.order_amount:
            raise ValueError(
                f"order_amount {self.order_amount} must equal the sum of order_lines "
                f"total_amount ({lines_total})"
            )
        tax_total = sum(line.total_tax_amount for line in self.order_lines)
        if tax_total != self.order_tax_amount:
            raise ValueError(
                f"order_tax_amount {self.order_tax_amount} must equal the sum of order_lines "
                f"total_tax_amount ({tax_total})"
            )
        if self.order_amount < 1:
            raise ValueError("order_amount must be at least 1")
        self.purchase_country = self.purchase_country.upper()
        self.purchase_currency = self.purchase_currency.upper()
        return self


class SessionRequest(OrderData):
    acquiring_channel: Literal["ECOMMERCE", "IN_STORE", "TELESALES"] = "ECOMMERCE"
    intent: Literal["buy", "tokenize", "buy_and_tokenize"] = "buy"


class SessionUpdate(ApiModel):
    """Any subset of the session's order data; the result is re-validated as a whole."""

    purchase_country: Country | None = None
    purchase_currency: Currency | None = None
    locale: Locale | None = None
    order_amount: Amount | None = None
    order_tax_amount: Amount | None = None
    order_lines: list[OrderLine] | None = Field(default=None, min_length=1, max_length=1000)
    merchant_reference1: str | None = Field(default=None, max_length=255)
    merchant_reference2: str | None = Field(default=None, max_length=255)
    merchant_urls: MerchantUrls | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    customer: Customer | None = None


class PaymentMethodCategory(ApiModel):
    identifier: str
    name: str
    asset_urls: dict[str, str]


class SessionCreated(ApiModel):
    session_id: str
    client_token: str
    payment_method_categories: list[PaymentMethodCategory]


class SessionRead(ApiModel):
    session_id: str
    status: Literal["incomplete", "complete", "expired"]
    client_token: str
    acquiring_channel: str
    intent: str
    purchase_country: str
    purchase_currency: str
    locale: str
    order_amount: int
    order_tax_amount: int
    order_lines: list[OrderLine]
    payment_method_categories: list[PaymentMethodCategory]
    expires_at: str
    authorization_token: str | None = None
    merchant_reference1: str | None = None
    merchant_reference2: str | None = None


class OrderCreated(ApiModel):
    order_id: str
    redirect_url: str | None
    fraud_status: Literal["ACCEPTED", "PENDING", "REJECTED"]
    authorized_payment_method: dict[str, object]


class TestConsumer(ApiModel):
    """A test person for the sandbox; the same fields the hosted checkout asks a shopper."""

    email: str = Field(min_length=3, max_length=254)
    given_name: str = Field(default="Test", max_length=100)
    family_name: str = Field(default="Person", max_length=100)
    date_of_birth: date | None = None
    country: Country | None = None
    phone: str = Field(default="", max_length=32)
    monthly_income: Amount | None = None
    monthly_expenses: Amount | None = None


class SandboxAuthorizeRequest(ApiModel):
    payment_method_category: PlanType
    consumer: TestConsumer
    financing_months: int | None = Field(default=None, ge=1, le=120)
    device_id: str | None = Field(default=None, max_length=100)
    # Whether the consumer accepts terms that include the reminder fee (Sweden asks).
    accept_reminder_fee: bool = True


class AuthorizationResponse(ApiModel):
    approved: bool
    authorization_token: str | None = None
    fraud_status: Literal["ACCEPTED", "PENDING", "REJECTED"]
    reason_codes: list[str]
    decision_id: str
    show_form: bool = True


class CustomerTokenRequest(ApiModel):
    purchase_country: Country
    purchase_currency: Currency
    locale: Locale = "en-GB"
    description: str = Field(default="", max_length=200)
    intended_use: Literal["SUBSCRIPTION", "UNSCHEDULED"] = "SUBSCRIPTION"
    billing_address: Address | None = None
    customer: Customer | None = None


class CustomerTokenCreated(ApiModel):
    token_id: str
    redirect_url: str | None = None
    payment_method_reference: str


class CustomerTokenRead(ApiModel):
    token_id: str
    status: Literal["ACTIVE", "CANCELLED"]
    payment_method_type: str
    description: str
    purchase_country: str
    purchase_currency: str


class CustomerTokenStatus(ApiModel):
    status: Literal["CANCELLED"]
