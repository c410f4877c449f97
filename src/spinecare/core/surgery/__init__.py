"""Surgical referral: the referral decision, the disc replacement label check, the letter."""
