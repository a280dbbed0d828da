"""Open Referral HSDS 3.1 interchange: a 211 directory's tables in, Haven agencies and capacity out.

HSDS (the Human Services Data Specification, https://docs.openreferral.org) publishes a
directory as a Tabular Data Package: one CSV per object plus `datapackage.json`. Haven reads
and writes these tables of HSDS 3.1 (the version that added `service_capacity` and `unit`):

    organizations.csv, services.csv, locations.csv, service_at_location.csv,
    service_capacity.csv, units.csv, languages.csv, attributes.csv, taxonomy_terms.csv,
    taxonomies.csv

- `read_hsds(folder, mapping)` turns the tables into Haven's canonical frames
  (`planner.package`): one Haven agency per HSDS location where a mapped service is
  delivered, one capacity row per agency and Haven service. Which HSDS services are which
  Haven service types is said by a mapping file (YAML, docs/hsds.md); services it does not
  map are listed in `HsdsImport.unmapped`, never dropped silently.
- `hsds_to_package(hsds_import, base)` puts those agencies and capacity into a city package
  (districts, demand, funders and eligibility stay the city's) and reads it back with the
  package reader's rules, so the result is importable.
- `write_hsds(package, out_dir)` writes the package's agencies and current capacity as HSDS
  tables. A confidential agency's location goes out without coordinates unless asked
  (`include_confidential_locations=True`): a shelter's address is never published to those
  who may not know it. An export for an audience is made from the package that audience
  may see (`service.exports.write_hsds_for`: confidential agencies already named
  "Confidential location" at their district's point); the writer adds nothing back.

Modules: `schema` (the tables, columns, keys and shared frames), `mapping` (the mapping
file), `read` (HSDS in), `merge` (into a city package), `write` (HSDS out).

Capacity: HSDS `maximum` is Haven's `capacity`, `maximum - available` its `occupied`, and the
date of `updated` its `as_of`. A virtual HSDS location (a hotline, a website) has no place:
its agency is put at the city's representative point and the Haven service it offers should
have no radius (reachable from anywhere); a radius is warned about.
"""

from planner.hsds.mapping import (
    HsdsMapping,
    ServiceRule,
    identity_mapping,
    read_mapping,
    write_mapping,
)
from planner.hsds.merge import hsds_to_package
from planner.hsds.read import HsdsImport, read_hsds
from planner.hsds.schema import (
    AGENCY_ID_TYPE,
    HSDS_COLUMNS,
    HSDS_VERSION,
    KIND_TAXONOMY,
    PRIVACY_TAXONOMY,
    SERVICE_TAXONOMY,
)
from planner.hsds.write import CONFIDENTIAL_NAME, write_hsds

__all__ = [
    "AGENCY_ID_TYPE",
    "CONFIDENTIAL_NAME",
    "HSDS_COLUMNS",
    "HSDS_VERSION",
    "KIND_TAXONOMY",
    "PRIVACY_TAXONOMY",
    "SERVICE_TAXONOMY",
    "HsdsImport",
    "HsdsMapping",
    "ServiceRule",
    "hsds_to_package",
    "identity_mapping",
    "read_hsds",
    "read_mapping",
    "write_hsds",
    "write_mapping",
]
