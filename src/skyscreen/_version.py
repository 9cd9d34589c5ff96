"""The package version, importable from every layer (the top package imports more)."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
