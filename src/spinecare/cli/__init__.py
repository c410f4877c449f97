"""The ``spinecare`` command line: thin wiring over the core and the knowledge loader."""
