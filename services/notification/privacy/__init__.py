"""Erasure on the notification side: a waitlist entry (left, or erased by an admin) and an erased
account's address, through the shared/userdata.py registry."""
