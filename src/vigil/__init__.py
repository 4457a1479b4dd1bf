"""Vigil: active monitoring of force IT systems for abuse of position for a sexual purpose."""

__version__ = "0.1.0"
