"""The public catalogues the apps pick symptoms and medications from."""
