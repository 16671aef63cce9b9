"""Rendering of the HTML report. Nothing here calls an endpoint."""

from .render import render_report

__all__ = ["render_report"]
