"""A planning scenario: one immutable, validated, hashable object (../shared/DATA_PACKAGE.md).

Every key but `name` is optional in a scenario file; an unknown key or a value out of range is
an error that names it. Checks that need the city (an unknown service in `weights`, an unknown
funder in `funder_budgets`) are made by `Scenario.validate_for(package)`.

Messages are written in the current language (planner.i18n) when the problem is found;
pydantic's own messages are translated by their error type, the keys named stay as written.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from planner.i18n import N_, get_language, t
from planner.problems import InvalidInput, Problem

if TYPE_CHECKING:
    from planner.package import CityPackage

EquityMode = Literal["soft", "hard"]
SolverName = Literal["highs", "cbc"]
RiskName = Literal["mean", "cvar"]

ROBUST_SCENARIOS = 8
"""K of a robust plan when a scenario asks for one without saying (small: the Plan page waits
for it; ../shared/PERFORMANCE.md)."""
MAX_ROBUST_SCENARIOS = 200
EVALUATION_SAMPLES = 30
"""Fresh demand samples the plan for bad months and the plan are judged on (planner.robust),
unless the caller says: about a second each on the demo city's monthly recourse LP."""
MAX_LATENT_MULTIPLIER = 100.0
WAIT_PROBABILITY = 0.8
"""The share of cases a wait target must be met for, unless the scenario says (MODEL.md)."""

MEAN_WORDS = ("mean", "expected", "")
"""What `demand_quantile` may say for the expected demand, besides null."""

MAX_SCENARIO_BYTES = 1_000_000
"""A scenario file is a few keys; a larger one is refused unread (a wrong path, /dev/zero)."""

PYDANTIC_MESSAGES = {
    "string_too_short": N_("String should have at least {min_length} character(s)"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "float_type": N_("Input should be a valid number"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "int_type": N_("Input should be a valid integer"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "bool_type": N_("Input should be a valid boolean"),
    "string_type": N_("Input should be a valid string"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be a valid dictionary"),
    "missing": N_("Field required"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "less_than": N_("Input should be less than {lt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "greater_than": N_("Input should be greater than {gt}"),
    "literal_error": N_("Input should be {expected}"),
    "value_error": N_("Value error, {error}"),
}
"""pydantic's messages by error type, for the table (pydantic writes them in English)."""


def _printable(text: str) -> str:
    """A key as it can be shown on one line: control characters escaped ('\\n')."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def _pydantic_message(error: Any) -> str:
    """pydantic's message in the current language (English: pydantic's own words)."""
    template = PYDANTIC_MESSAGES.get(error["type"])
    if template is None or get_language() == "en":
        return str(error["msg"])
    context = {}
    for key, value in (error.get("ctx") or {}).items():
        if isinstance(value, float):
            value = f"{value:g}".replace(".", ",")
        context[key] = str(value).replace("' or '", "' " + t("or") + " '")
    try:
        return t(template, **context)
    except (KeyError, IndexError):
        return str(error["msg"])


class LatentDemand(BaseModel):
    """`latent_demand`: plan for part of the population a multiple-systems estimate says is
    unseen (planner.hidden: `multiplier` = estimate / observed). Demand is multiplied by
    `factor` = 1 + share (multiplier - 1) wherever a plan's demand is made (planner.demand)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    multiplier: float = Field(
        ge=1, le=MAX_LATENT_MULTIPLIER, description="Estimated population / people observed."
    )
    share: float = Field(
        ge=0, le=1, description="Share of the unseen population the plan provides for."
    )

    @field_validator("multiplier", "share")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError(t("must be a finite number"))
        return value

    @property
    def factor(self) -> float:
        """What demand is multiplied by: 1 + share (multiplier - 1)."""
        return 1.0 + self.share * (self.multiplier - 1.0)


class RobustChoice(BaseModel):
    """`robust`: also plan for bad months, a two-stage plan over `scenarios` demand
    scenarios sampled from the forecast minimising the mean or the CVaR at `alpha` of
    weighted unmet demand (planner.robust), compared with the plan on fresh samples."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scenarios: int = Field(default=ROBUST_SCENARIOS, ge=2, le=MAX_ROBUST_SCENARIOS)
    risk: RiskName = "mean"
    alpha: float = Field(default=0.9, gt=0, lt=1)


class Scenario(BaseModel):
    """The keys of a scenario file, with their defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, description="What this plan is called.")
    budget: float | None = Field(
        default=None, ge=0, description="Total new money; the sum of the funders' budgets if empty."
    )
    funder_budgets: dict[str, float] = Field(
        default_factory=dict, description="Overrides of some funders' budgets."
    )
    horizon_months: int = Field(default=12, ge=1, le=120)
    demand_quantile: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description=(
            'Empty (or "mean"): plan for the expected demand. A quantile q: plan for the '
            "q-quantile of the city's demand per service and month (planner.demand)."
        ),
    )
    equity_floor: float = Field(default=0.0, ge=0, le=1)
    equity_mode: EquityMode = "soft"
    weights: dict[str, float] = Field(
        default_factory=dict, description="Overrides of the services' priority weights."
    )
    radius_km: dict[str, float | None] = Field(
        default_factory=dict,
        description="Overrides of the services' radius; null: reachable from anywhere.",
    )
    distance_weight: float = Field(default=0.001, ge=0)
    cost_weight: float = Field(default=1e-7, ge=0)
    allow_new_services: bool = False
    solver: SolverName = "highs"
    time_limit_s: float = Field(default=60.0, gt=0)
    latent_demand: LatentDemand | None = Field(
        default=None,
        description="Plan for part of the unseen population: demand x (1 + share (m - 1)).",
    )
    robust: RobustChoice | None = Field(
        default=None, description="Also plan for bad months: K scenarios, mean or CVaR."
    )
    group_floors: dict[str, float] = Field(
        default_factory=dict,
        description="Version 2: per population group, the share of its demand served city-wide.",
    )
    population_weights: dict[str, float] = Field(
        default_factory=dict, description="Version 2: overrides of the groups' priority weights."
    )
    closed: list[str] = Field(
        default_factory=list,
        description="Version 2: agencies ('A12') or agency services ('A12:legal_aid') closed.",
    )
    locked: list[str] = Field(
        default_factory=list,
        description="Version 2: agencies or agency services that may not grow ('A12', 'A12:s').",
    )
    wait_target_days: dict[str, float] = Field(
        default_factory=dict, description="Version 2: per service, the longest wait in days."
    )
    wait_probability: float = Field(
        default=WAIT_PROBABILITY,
        gt=0,
        lt=1,
        description="Version 2: the share of cases a wait target must be met for.",
    )

    @property
    def demand_factor(self) -> float:
        """What the plan's demand is multiplied by (1 without `latent_demand`)."""
        return self.latent_demand.factor if self.latent_demand is not None else 1.0

    @field_validator("demand_quantile", mode="before")
    @classmethod
    def _mean_is_empty(cls, value: Any) -> Any:
        """ "mean" (or "expected"), as a scenario file or a link may write it, is empty."""
        if isinstance(value, str) and value.strip().lower() in MEAN_WORDS:
            return None
        return value

    @field_validator("budget", "distance_weight", "cost_weight", "time_limit_s", "wait_probability")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError(t("must be a finite number"))
        return value

    @field_validator("funder_budgets")
    @classmethod
    def _budgets_non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        for key, amount in value.items():
            if not math.isfinite(amount) or amount < 0:
                raise ValueError(
                    t(
                        "budget of {key} must be a finite number >= 0, not {value}",
                        key=repr(key),
                        value=amount,
                    )
                )
        return value

    @field_validator("weights", "population_weights")
    @classmethod
    def _weights_positive(cls, value: dict[str, float]) -> dict[str, float]:
        for key, weight in value.items():
            if not math.isfinite(weight) or weight <= 0:
                raise ValueError(
                    t(
                        "weight of {key} must be a finite number > 0, not {value}",
                        key=repr(key),
                        value=weight,
                    )
                )
        return value

    @field_validator("radius_km")
    @classmethod
    def _radius_non_negative(cls, value: dict[str, float | None]) -> dict[str, float | None]:
        for key, radius in value.items():
            if radius is not None and (not math.isfinite(radius) or radius < 0):
                raise ValueError(
                    t(
                        "radius of {key} must be a number >= 0 or null, not {value}",
                        key=repr(key),
                        value=radius,
                    )
                )
        return value

    @field_validator("group_floors")
    @classmethod
    def _floors_are_shares(cls, value: dict[str, float]) -> dict[str, float]:
        for key, floor in value.items():
            if not math.isfinite(floor) or not 0 <= floor <= 1:
                raise ValueError(
                    t(
                        "floor of {key} must be a share from 0 to 1, not {value}",
                        key=repr(key),
                        value=floor,
                    )
                )
        return value

    @field_validator("wait_target_days")
    @classmethod
    def _wait_targets_positive(cls, value: dict[str, float]) -> dict[str, float]:
        for key, days in value.items():
            if not math.isfinite(days) or days <= 0:
                raise ValueError(
                    t(
                        "wait target of {key} must be a number of days > 0, not {value}",
                        key=repr(key),
                        value=days,
                    )
                )
        return value

    @field_validator("closed", "locked", mode="before")
    @classmethod
    def _agency_ids(cls, value: Any) -> Any:
        """A list of 'A12' or 'A12:legal_aid' (a single text is one id); spaces trimmed."""
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple):
            return value  # pydantic says it is not a list
        cleaned = []
        for item in value:
            if not isinstance(item, str):
                return value  # pydantic names the bad item
            parts = [part.strip() for part in item.split(":")]
            if len(parts) > 2 or not all(parts):
                raise ValueError(
                    t(
                        "{value} is not an agency id or agency_id:service_id",
                        value=repr(item),
                    )
                )
            cleaned.append(":".join(parts))
        return list(dict.fromkeys(cleaned))

    def closed_or_locked(self, key: Literal["closed", "locked"]) -> list[tuple[str, str | None]]:
        """`closed` or `locked` as (agency_id, service_id or None for the whole agency)."""
        pairs: list[tuple[str, str | None]] = []
        for item in getattr(self, key):
            agency_id, _, service_id = item.partition(":")
            pairs.append((agency_id, service_id or None))
        return pairs

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True))

    def to_dict(self) -> dict[str, Any]:
        """The scenario as the keys of a scenario file (JSON-able)."""
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "scenario") -> Scenario:
        """Validate a mapping of scenario keys; every problem is raised at once as InvalidInput."""
        if not isinstance(data, dict):
            message = t("a scenario must be a mapping of keys")
            raise InvalidInput([Problem(source, message=message)])
        if "name" not in data:
            raise InvalidInput([Problem(source, column="name", message=t("is required"))])
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                column = ".".join(_printable(str(part)) for part in error["loc"]) or None
                message = _pydantic_message(error)
                if error["type"] == "extra_forbidden":
                    message = t("is not a scenario key")
                problems.append(Problem(source, column=column, message=message))
            raise InvalidInput(problems) from None

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        """Read a scenario from a JSON or YAML file (by extension; JSON first otherwise)."""
        path = Path(path)
        source = path.name
        try:
            with path.open("rb") as handle:
                data_bytes = handle.read(MAX_SCENARIO_BYTES + 1)
            if len(data_bytes) > MAX_SCENARIO_BYTES:
                message = t(
                    "is larger than {size}; a scenario is a few keys",
                    size=f"{MAX_SCENARIO_BYTES // 1000} kB",
                )
                raise InvalidInput([Problem(source, message=message)])
            text = data_bytes.decode("utf-8-sig")
        except FileNotFoundError:
            raise InvalidInput([Problem(source, message=t("file not found"))]) from None
        except (OSError, UnicodeDecodeError) as exc:
            message = t("cannot be read: {error}", error=exc)
            raise InvalidInput([Problem(source, message=message)]) from None
        kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
        try:
            data = json.loads(text) if kind == "JSON" else yaml.safe_load(text)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            message = t("is not valid {kind}: {error}", kind=kind, error=exc).splitlines()[0]
            raise InvalidInput([Problem(source, message=message)]) from None
        except RecursionError:  # thousands of nested brackets
            message = t("is nested too deeply to be a scenario ({kind})", kind=kind)
            raise InvalidInput([Problem(source, message=message)]) from None
        try:
            return cls.from_dict(data, source=source)
        except RecursionError:  # deep nesting that parsed, under a scenario key
            message = t("is nested too deeply to be a scenario ({kind})", kind=kind)
            raise InvalidInput([Problem(source, message=message)]) from None

    def validate_for(self, package: CityPackage) -> list[str]:
        """Problems of this scenario against one city (unknown services and funders)."""
        services = set(package.services["service_id"].astype(str))
        funders = set(package.funders["funder_id"].astype(str))
        problems = []
        for key in ("weights", "radius_km"):
            for service_id in sorted(getattr(self, key)):
                if service_id not in services:
                    message = t("{value} is not a service of this city", value=repr(service_id))
                    problems.append(f"{key}: {message}")
        for funder_id in sorted(self.funder_budgets):
            if funder_id not in funders:
                message = t("{value} is not a funder of this city", value=repr(funder_id))
                problems.append(f"funder_budgets: {message}")
        problems.extend(self._version_2_problems(package, services))
        return problems

    def _version_2_problems(self, package: CityPackage, services: set[str]) -> list[str]:
        """Unknown groups, agencies and services in the version-2 keys."""
        problems = []
        groups = set(package.population_ids)
        for key in ("group_floors", "population_weights"):
            for population_id in sorted(getattr(self, key)):
                if population_id not in groups:
                    message = t(
                        "{value} is not a population group of this city", value=repr(population_id)
                    )
                    problems.append(f"{key}: {message}")
        for target_service in sorted(self.wait_target_days):
            if target_service not in services:
                message = t("{value} is not a service of this city", value=repr(target_service))
                problems.append(f"wait_target_days: {message}")
        agencies = set(package.agencies["agency_id"].astype(str))
        offered = set(
            zip(
                package.capacity["agency_id"].astype(str),
                package.capacity["service_id"].astype(str),
                strict=True,
            )
        )
        for key in ("closed", "locked"):
            pairs = self.closed_or_locked("closed" if key == "closed" else "locked")
            for agency_id, service_id in pairs:
                if agency_id not in agencies:
                    message = t("{value} is not an agency of this city", value=repr(agency_id))
                    problems.append(f"{key}: {message}")
                elif service_id is not None and service_id not in services:
                    message = t("{value} is not a service of this city", value=repr(service_id))
                    problems.append(f"{key}: {message}")
                elif service_id is not None and (agency_id, service_id) not in offered:
                    message = t(
                        "{agency} does not offer {service}",
                        agency=repr(agency_id),
                        service=repr(service_id),
                    )
                    problems.append(f"{key}: {message}")
        return problems

    def ensure_valid_for(self, package: CityPackage) -> None:
        """Raise InvalidInput naming every problem found by `validate_for`."""
        problems = self.validate_for(package)
        if problems:
            raise InvalidInput(
                [
                    Problem("scenario", column=text.split(":")[0], message=text.split(": ", 1)[1])
                    for text in problems
                ]
            )
