"""Order Management v1 shapes (Klarna field names; amounts in minor units)."""

from __future__ import annotations

from pydantic import Field

from paylater.checkout.schemas import Amount, ApiModel, OrderLine


class ShippingInfo(ApiModel):
    shipping_company: str | None = Field(default=None, max_length=100)
    shipping_method: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=100)
    tracking_uri: str | None = Field(default=None, max_length=1024)
    return_shipping_company: str | None = Field(default=None, max_length=100)
    return_tracking_number: str | None = Field(default=None, max_length=100)
    return_tracking_uri: str | None = Field(default=None, max_length=1024)


class CaptureRequest(ApiModel):
    captured_amount: Amount
    description: str = Field(default="", max_length=255)
    reference: str = Field(default="", max_length=255)
    order_lines: list[OrderLine] = Field(default_factory=list, max_length=1000)
    shipping_info: list[ShippingInfo] = Field(default_factory=list, max_length=500)
    shipping_delay: int | None = Field(default=None, ge=0, le=365)


class ShippingInfoRequest(ApiModel):
    shipping_info: list[ShippingInfo] = Field(min_length=1, max_length=500)


class RefundRequest(ApiModel):
    refunded_amount: Amount
    description: str = Field(default="", max_length=255)
    reference: str = Field(default="", max_length=255)
    order_lines: list[OrderLine] = Field(default_factory=list, max_length=1000)


class UpdateAuthorizationRequest(ApiModel):
    order_amount: Amount
    description: str = Field(default="", max_length=255)
    order_lines: list[OrderLine] | None = Field(default=None, max_length=1000)


class MerchantReferencesRequest(ApiModel):
    merchant_reference1: str | None = Field(default=None, max_length=255)
    merchant_reference2: str | None = Field(default=None, max_length=255)


class CaptureRead(ApiModel):
    capture_id: str
    klarna_reference: str
    captured_amount: int
    captured_at: str
    description: str
    reference: str
    order_lines: list[OrderLine]
    shipping_info: list[ShippingInfo]


class RefundRead(ApiModel):
    refund_id: str
    refunded_amount: int
    refunded_at: str
    description: str
    reference: str
    order_lines: list[OrderLine]


class Instalment(ApiModel):
    capture_id: str
    sequence: int
    due_date: str
    amount: int
    original_amount: int
    paid_amount: int
    status: str


class OrderRead(ApiModel):
    order_id: str
    status: str
    fraud_status: str
    order_amount: int
    original_order_amount: int
    captured_amount: int
    refunded_amount: int
    remaining_authorized_amount: int
    purchase_currency: str
    purchase_country: str
    locale: str
    order_lines: list[OrderLine]
    merchant_reference1: str
    merchant_reference2: str
    klarna_reference: str
    created_at: str
    expires_at: str
    initial_payment_method: dict[str, object]
    captures: list[CaptureRead]
    refunds: list[RefundRead]
    payment_schedule: list[Instalment]
