"""The API's own settings (HAVEN_API_* variables); the rest are Haven's (planner.settings)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAVEN_API_", extra="ignore", frozen=True)

    rate_per_minute: int = Field(
        default=120, ge=1, description="Requests a minute per token (bursts up to this many)."
    )
    anonymous_rate_per_minute: int = Field(
        default=60,
        ge=1,
        description="Requests a minute per client address without a valid token.",
    )
    max_body_bytes: int = Field(
        default=65_536, ge=1024, description="Largest request body; larger ones are 413."
    )
    per_page: int = Field(default=50, ge=1, description="HSDS lists: items per page by default.")
    max_per_page: int = Field(default=500, ge=1, description="HSDS lists: most items per page.")
