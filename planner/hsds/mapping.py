"""The mapping file (YAML, docs/hsds.md): which HSDS services are which Haven service
types, and which kind of agency each organization is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from planner.i18n import N_, t
from planner.package import CityPackage
from planner.problems import InvalidInput, Problem
from planner.schema import AGENCY_KINDS
from planner.tables import read_text

# --- The mapping file ---------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceRule:
    """Which HSDS services are the Haven service `haven_service_id`.

    A service matches by its id, else by a taxonomy term code linked to it in attributes.csv,
    else by its name (case-insensitive). `units`, when given, are the HSDS unit names or
    identifiers its capacity may be counted in (case-insensitive).
    """

    haven_service_id: str
    service_ids: tuple[str, ...] = ()
    taxonomy_codes: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class HsdsMapping:
    services: tuple[ServiceRule, ...]
    new_services: tuple[dict[str, Any], ...] = ()
    """Haven services to add to the city (the columns of services.csv), for types it lacks."""
    kind_by_organization: Mapping[str, str] = field(default_factory=dict)
    kind_by_taxonomy_code: Mapping[str, str] = field(default_factory=dict)
    default_kind: str = "other"
    source: str = "mapping"
    """The file name the mapping came from, for messages."""


_SERVICE_RULE_KEYS = ("haven", "service_ids", "taxonomy_codes", "names", "units")
_MAPPING_KEYS = ("services", "new_services", "agency_kinds")
_KIND_KEYS = ("default", "organizations", "taxonomy_codes")


def read_mapping(path: str | Path) -> HsdsMapping:
    """Read a mapping file (YAML, docs/hsds.md); raise `InvalidInput` naming every bad entry."""
    file = Path(path).name
    text, problems = read_text(Path(path), file)
    if text is None:
        raise InvalidInput(problems)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or t("cannot be parsed")
        problem = Problem(file, line=line, message=t("is not valid YAML ({reason})", reason=reason))
        raise InvalidInput([problem]) from None
    mapping, problems = _mapping_from_data(data, file)
    if mapping is None or problems:
        raise InvalidInput(problems)
    return mapping


def _mapping_from_data(data: object, file: str) -> tuple[HsdsMapping | None, list[Problem]]:
    if not isinstance(data, dict):
        message = t("must be a YAML mapping with the key 'services'")
        return None, [Problem(file, message=message)]
    problems = _unknown_keys(data, _MAPPING_KEYS, file, None, N_("unknown key (known: {known})"))
    entries = data.get("services")
    if not isinstance(entries, list) or not entries:
        problems.append(Problem(file, column="services", message=t("must be a non-empty list")))
        entries = []
    rules = [
        rule
        for i, entry in enumerate(entries, start=1)
        if (rule := _service_rule(entry, f"services[{i}]", file, problems)) is not None
    ]
    new_services = data.get("new_services") or []
    if not isinstance(new_services, list) or not all(isinstance(s, dict) for s in new_services):
        message = t("must be a list of mappings")
        problems.append(Problem(file, column="new_services", message=message))
        new_services = []
    default, by_org, by_code = _agency_kinds(data.get("agency_kinds") or {}, file, problems)
    mapping = HsdsMapping(
        services=tuple(rules),
        new_services=tuple({str(k): v for k, v in s.items()} for s in new_services),
        kind_by_organization=by_org,
        kind_by_taxonomy_code=by_code,
        default_kind=default,
        source=file,
    )
    return mapping, problems


def _unknown_keys(
    entry: dict[Any, Any], known: tuple[str, ...], file: str, where: str | None, template: str
) -> list[Problem]:
    """A problem per key of `entry` not in `known` (at `where`, else at the key itself)."""
    return [
        Problem(
            file,
            column=where if where is not None else str(key),
            message=t(template, key=repr(key), known=", ".join(known)),
        )
        for key in entry
        if key not in known
    ]


def _service_rule(
    entry: object, where: str, file: str, problems: list[Problem]
) -> ServiceRule | None:
    """One entry of `services`, or None (with its problems) when it names no service."""
    if not isinstance(entry, dict):
        problems.append(Problem(file, column=where, message=t("must be a mapping")))
        return None
    problems.extend(
        _unknown_keys(
            entry, _SERVICE_RULE_KEYS, file, where, N_("unknown key {key} (known: {known})")
        )
    )
    haven = entry.get("haven")
    if not isinstance(haven, str) or not haven.strip():
        problems.append(Problem(file, column=f"{where}.haven", message=t("must name a service")))
        return None
    lists = {
        key: _text_list(entry.get(key), file, f"{where}.{key}", problems)
        for key in _SERVICE_RULE_KEYS[1:]
    }
    if not (lists["service_ids"] or lists["taxonomy_codes"] or lists["names"]):
        message = t("needs at least one of service_ids, taxonomy_codes, names")
        problems.append(Problem(file, column=where, message=message))
    return ServiceRule(
        haven.strip(),
        lists["service_ids"],
        lists["taxonomy_codes"],
        lists["names"],
        lists["units"],
    )


def _agency_kinds(
    kinds: object, file: str, problems: list[Problem]
) -> tuple[str, dict[str, str], dict[str, str]]:
    """`agency_kinds`: the default kind, and the kinds by organization and by taxonomy code."""
    if not isinstance(kinds, dict):
        problems.append(Problem(file, column="agency_kinds", message=t("must be a mapping")))
        kinds = {}
    problems.extend(
        _unknown_keys(
            kinds, _KIND_KEYS, file, "agency_kinds", N_("unknown key {key} (known: {known})")
        )
    )
    default = str(kinds.get("default", "other"))
    if default not in AGENCY_KINDS:
        message = t(
            "{value} is not one of: {allowed}", value=repr(default), allowed=", ".join(AGENCY_KINDS)
        )
        problems.append(Problem(file, column="agency_kinds.default", message=message))
    by_org = _kind_table(kinds.get("organizations"), file, "agency_kinds.organizations", problems)
    by_code = _kind_table(
        kinds.get("taxonomy_codes"), file, "agency_kinds.taxonomy_codes", problems
    )
    return default, by_org, by_code


def _text_list(value: object, file: str, where: str, problems: list[Problem]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in value
    ):
        message = t("must be a text or a list of texts")
        problems.append(Problem(file, column=where, message=message))
        return ()
    return tuple(str(v).strip() for v in value if str(v).strip())


def _kind_table(value: object, file: str, where: str, problems: list[Problem]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(Problem(file, column=where, message=t("must be a mapping of id to kind")))
        return {}
    table: dict[str, str] = {}
    for key, kind in value.items():
        if str(kind) not in AGENCY_KINDS:
            message = t(
                "{value} (for {key}) is not one of: {allowed}",
                value=repr(kind),
                key=repr(key),
                allowed=", ".join(AGENCY_KINDS),
            )
            problems.append(Problem(file, column=where, message=message))
            continue
        table[str(key)] = str(kind)
    return table


def identity_mapping(package: CityPackage) -> HsdsMapping:
    """The mapping that reads `write_hsds(package)` back: Haven's own taxonomy codes."""
    rules = tuple(
        ServiceRule(sid, taxonomy_codes=(sid,), units=(str(unit),))
        for sid, unit in zip(package.services["service_id"], package.services["unit"], strict=True)
    )
    kinds = {kind: kind for kind in AGENCY_KINDS}
    return HsdsMapping(services=rules, kind_by_taxonomy_code=kinds, source="identity mapping")


def write_mapping(mapping: HsdsMapping, path: str | Path) -> Path:
    """Write a mapping as the YAML file `read_mapping` reads."""
    services = []
    for rule in mapping.services:
        entry: dict[str, Any] = {"haven": rule.haven_service_id}
        for key in _SERVICE_RULE_KEYS[1:]:
            values = getattr(rule, key)
            if values:
                entry[key] = list(values)
        services.append(entry)
    data: dict[str, Any] = {"services": services}
    if mapping.new_services:
        data["new_services"] = [dict(s) for s in mapping.new_services]
    data["agency_kinds"] = {
        "default": mapping.default_kind,
        **(
            {"organizations": dict(mapping.kind_by_organization)}
            if mapping.kind_by_organization
            else {}
        ),
        **(
            {"taxonomy_codes": dict(mapping.kind_by_taxonomy_code)}
            if mapping.kind_by_taxonomy_code
            else {}
        ),
    }
    out = Path(path)
    out.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return out
