"""The command line, `python -m planner ...`: a client of the service layer, like the app."""
