"""The personal data export: the archive (archive.py) and its requests and files (store.py)."""
