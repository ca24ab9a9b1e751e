"""/orders: placing and listing orders."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from shop.deps import DatabaseDep
from shop.models import Order, OrderIn

router = APIRouter(prefix="/orders", tags=["orders"])


@router.post("", status_code=201)
async def place_order(order: OrderIn, database: DatabaseDep) -> Order:
    product = database.products.get(order.product_id)
    if product is None:
        raise HTTPException(422, f"no product {order.product_id}")
    placed = Order(
        id=len(database.orders) + 1,
        product_id=product.id,
        quantity=order.quantity,
        total_cents=product.price_cents * order.quantity,
    )
    database.orders.append(placed)
    return placed


@router.get("")
async def list_orders(database: DatabaseDep) -> list[Order]:
    return database.orders
