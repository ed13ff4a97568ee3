"""The admin tests share the shop fixtures."""

from tests.shop_fixtures import *  # noqa: F403
