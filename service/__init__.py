"""The service layer: the one door between every client (pages, CLI, reports, exports) and
storage. It takes the acting user, checks the role, reads, filters for the audience and
returns typed values."""
