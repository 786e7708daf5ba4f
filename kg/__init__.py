"""The integration atlas knowledge graph: load, validate, build and query."""

__version__ = "0.1.0"
