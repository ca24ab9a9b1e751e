"""The shop's pydantic models."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Product(BaseModel):
    id: int
    name: str
    price_cents: int = Field(ge=0)


class OrderIn(BaseModel):
    product_id: int
    quantity: int = Field(ge=1, le=100)


class Order(BaseModel):
    id: int
    product_id: int
    quantity: int
    total_cents: int
