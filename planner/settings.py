"""Settings from the environment (HAVEN_* variables, and DATABASE_URL)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "var" / "haven.db"
DEMO_PACKAGE = PROJECT_ROOT / "data" / "demo_city"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAVEN_", extra="ignore", frozen=True)

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_DB_PATH}",
        validation_alias=AliasChoices("DATABASE_URL", "HAVEN_DATABASE_URL"),
        description="SQLAlchemy URL of the database; an SQLite file under var/ by default.",
    )
    solver: Literal["highs", "cbc"] = Field(default="highs", description="Default MILP solver.")
    time_limit_s: float = Field(default=60.0, gt=0, description="Default solver time limit.")
    small_count_k: int = Field(default=5, ge=1, description="Counts below k are suppressed.")
    # Access control (service.access, ui.auth, docs/access.md).
    auth: Literal["none", "local"] = Field(
        default="none",
        description='"none": single-user demo, everyone is the analyst "local"; '
        '"local": log in with an account of the database.',
    )
    public_access: bool = Field(
        default=False, description="Without a login, show the capacity map and city totals."
    )
    max_failed_logins: int = Field(
        default=5, ge=1, description="Failed logins in a row that lock an account."
    )
    lockout_minutes: float = Field(default=15.0, gt=0, description="How long a lock lasts.")
    session_idle_minutes: float = Field(
        default=30.0, gt=0, description="A login expires after this long without activity."
    )
    session_max_hours: float = Field(
        default=12.0, gt=0, description="A login expires this long after it began, active or not."
    )
    secret_key: str | None = Field(
        default=None,
        description="Key that signs the login cookie; generated into var/secret_key if unset.",
    )
    # Hostile input (planner.package, planner.tables): limits a city may raise or lower.
    max_package_mb: float = Field(
        default=250.0, gt=0, description="Largest package, in MB, once uncompressed (all files)."
    )
    max_file_mb: float = Field(
        default=100.0, gt=0, description="Largest single file of a package, in MB, uncompressed."
    )
    max_entries: int = Field(
        default=1000, ge=1, description="Most entries a package .zip may hold."
    )
    max_compression_ratio: float = Field(
        default=100.0,
        gt=1,
        description="Most a .zip entry (or the whole .zip) may expand: uncompressed / compressed "
        "size (checked for entries above 1 MB).",
    )
    max_problems_per_file: int = Field(
        default=50, ge=1, description="Problems listed per file; the rest are counted."
    )
    # Robust plans and sweeps (planner.robust, planner.sweep, planner.executor).
    sweep_workers: int = Field(
        default=2, ge=1, description="Processes a sweep's independent solves run on locally."
    )
    dask_scheduler: str | None = Field(
        default=None,
        description="Address of a Dask scheduler (tcp://host:8786): sweeps run on its cluster.",
    )
    robust_scenarios: int = Field(
        default=20, ge=1, description="Demand scenarios K of the two-stage robust plan."
    )
    robust_risk: Literal["mean", "cvar"] = Field(
        default="mean", description="What the robust plan minimises: the mean or a CVaR."
    )
    robust_cvar_alpha: float = Field(
        default=0.9, gt=0, lt=1, description="Level of the CVaR of weighted unmet demand."
    )
    robust_periods: Literal["monthly", "mean"] = Field(
        default="mean",
        description="Scenarios month by month (exact, slow) or as their mean month (fast).",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
