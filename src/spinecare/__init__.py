"""SpineCare: decision support and care management for back pain specialists."""
