"""The edge that writes for readers: report builders and the words of a plan (reports.words).

Imports nothing here, so `reports.words` loads without the report builders.
"""
