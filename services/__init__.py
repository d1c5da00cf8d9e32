"""The platform's processes. Services never import each other; they share only `shared/`."""
