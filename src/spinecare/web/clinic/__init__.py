"""Clinic: signing in and out, and the home page."""
