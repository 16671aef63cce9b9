"""Importers: suite files written from other tools' data formats (``evalkit import FORMAT FILE``)."""

from .aisev import import_aisev

IMPORTERS = {"aisev": import_aisev}

__all__ = ["IMPORTERS", "import_aisev"]
