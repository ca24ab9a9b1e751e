"""A small shop service: products and orders, as many FastAPI apps are."""
