"""Your data: export it (a zip, built in the background for large accounts) or erase the account."""
