"""Hashes and the run manifest."""
