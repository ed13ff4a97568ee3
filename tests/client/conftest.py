import pytest

from .fakes import Harness, new_harness


@pytest.fixture
def cascad() -> Harness:
    """A client wired to a scripted fake Cascad; ``cascad.then(...)`` scripts the answers."""
    return new_harness()
