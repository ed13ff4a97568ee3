import pytest

from tests.shop_fixtures import *  # noqa: F403


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Customers' passwords hashed with MD5: sign-in tests check many passwords (never for production)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
