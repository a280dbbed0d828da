"""`python -m planner`: the command line's entry point, kept under the name users know.

A launcher, not part of the domain: nothing imports it, and the layer test allows this one
upward import."""

from cli.main import main

raise SystemExit(main())
