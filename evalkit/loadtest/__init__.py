"""`evalkit load`: a load test of one vendor's inference service."""
