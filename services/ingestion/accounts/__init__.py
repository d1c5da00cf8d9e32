"""Accounts: invitation acceptance, passwordless sign-in with emailed codes, device tokens, the profile."""
