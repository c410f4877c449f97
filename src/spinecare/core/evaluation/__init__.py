"""The comprehensive evaluation: record → facts → rules → Assessment."""
