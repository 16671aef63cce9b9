"""The embedded OpenAI-compatible reference endpoint."""

from .answers import build_answer_book
from .server import MODELS, EmbeddedServer, create_app, messages_hash

__all__ = ["MODELS", "EmbeddedServer", "build_answer_book", "create_app", "messages_hash"]
