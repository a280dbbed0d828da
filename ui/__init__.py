"""Streamlit helpers shared by the pages: cached data access and chart builders."""
