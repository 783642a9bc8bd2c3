"""The package's version, in one place (the build reads it here; the package and its tables import it)."""

__version__ = "0.1.0"
