"""Accounts: staff users and their roles (Django groups with SpineCare permissions)."""
