"""/products: the catalogue."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response  # fastwasm

from shop import deps
from shop.models import Product

router = APIRouter(prefix="/products", tags=["products"])


@router.get("")
async def list_products(database: deps.DatabaseDep) -> list[Product]:
    return list(database.products.values())


@router.get("/{product_id}")
async def get_product(product_id: int, database: deps.DatabaseDep) -> Product:
    if product_id not in database.products:
        raise HTTPException(404, f"no product {product_id}")
    return database.products[product_id]


# fastwasm: begin
@router.get("/{product_id}/photo/blurred", response_class=Response)
async def blurred_photo(product_id: int, radius: int, database: deps.DatabaseDep, image: deps.ImageKernel) -> Response:
    photo = database.photos.get(product_id)
    if photo is None:
        raise HTTPException(404, f"no product {product_id}")
    pixels = await image.acall("blur", photo, 32, 32, radius)
    return Response(pixels, media_type="application/octet-stream")


# fastwasm: end
