"""The service layer: the one door between every client (pages, CLI, reports, exports) and
storage. It takes the acting user, checks the role, reads, filters for the audience and
returns typed values.

- `service.access`: roles, `Actor`, `can`/`require`, the audited writes and accounts;
- `service.audience`: what one reader may see (`Audience`, `audience_for`, `narrowed`);
- `service.store`: the engine, sessions, the exact package and the caches built on it;
- `service.published`: ONE suppression of a city's history per audience, and the package
  as an audience may see it;
- `service.city`, `service.plans`, `service.exports`: what pages, downloads and exports
  show, for an actor (docs/access.md, "One door");
- `service.accounts`, `service.edits`: logins, accounts, imports and capacity updates, each
  in its own transaction; `service.errors`: what a client may catch.
"""
