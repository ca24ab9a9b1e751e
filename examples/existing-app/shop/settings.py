"""The shop's settings, from SHOP_* environment variables."""

from __future__ import annotations

from pathlib import Path  # fastwasm

import fastwasm  # fastwasm
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOP_")

    name: str = "shop"
    currency: str = "EUR"
    kernels_dir: Path = Path(fastwasm.__file__).with_name("components")  # fastwasm


settings = Settings()
