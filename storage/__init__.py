"""Persistence: SQLAlchemy 2.x models, repositories and Alembic migrations."""

# The models first, whichever module of the package is imported: storage.models imports
# the feature modules (their tables belong to its metadata), and these import one another;
# entered from one of them (storage.away, as the migrations do, or storage.goals), the
# cycle met a module still half-initialised and the import failed.
from storage import models as _models  # noqa: F401
