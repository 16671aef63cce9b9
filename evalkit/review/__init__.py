"""Human review: the hash-chained audit log in the run store, the final human verdict of each item and
vendor, the overrides aggregation applies, the review queues and the local review web application
(``evalkit review RUN_DIR``). See docs/review.md.

Importing this package imports nothing: the aggregation reads ``audit`` and ``overrides`` without
the web application (aiohttp) that ``app`` needs.
"""
