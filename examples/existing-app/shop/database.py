"""An in-memory store standing in for the shop's database: opened in the
app's lifespan, reached through a dependency."""

from __future__ import annotations

from dataclasses import dataclass, field

from shop.models import Order, Product


def swatch(seed: int, width: int = 32, height: int = 32) -> bytes:
    """A product photo: RGBA pixels, a gradient that differs per product."""
    return bytes(
        channel
        for y in range(height)
        for x in range(width)
        for channel in ((x * 8 + seed) % 256, (y * 8) % 256, (seed * 40) % 256, 255)
    )


@dataclass
class Database:
    products: dict[int, Product] = field(default_factory=dict)
    photos: dict[int, bytes] = field(default_factory=dict)
    orders: list[Order] = field(default_factory=list)

    @classmethod
    def open(cls) -> Database:
        database = cls()
        for product in (
            Product(id=1, name="Mug", price_cents=900),
            Product(id=2, name="Poster", price_cents=2500),
        ):
            database.products[product.id] = product
            database.photos[product.id] = swatch(product.id)
        return database
