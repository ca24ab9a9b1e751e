"""The apps under test that are not fastwasm's own: the bare FastAPI ceiling,
a user's app on the kit, the tutorial's server, the pure-Python contenders."""
