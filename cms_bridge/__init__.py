"""cms-bridge: publish an education office's approved disclosure requests to its WordPress site."""

__version__ = "0.1.0"

__all__ = ["__version__"]
