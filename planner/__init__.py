"""Haven's domain: the city data package, demand, the allocation optimiser and scenarios.

Nothing in this package imports Streamlit; the app, the CLI and the tests are its clients.
"""
