"""Rendering of the HTML report and the CI export. Nothing here calls an endpoint."""

from .junit import write_junit
from .render import render_report

__all__ = ["render_report", "write_junit"]
