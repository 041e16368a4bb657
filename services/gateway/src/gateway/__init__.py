"""EduDX gateway: the one public entry in front of every service."""

__version__ = "0.1.0"
