"""Interoperability with other evaluation tools' formats (``evalkit export inspect``, ``evalkit import inspect``).

Nothing here imports those tools: the formats are written and read as plain JSON (see each module).
"""
