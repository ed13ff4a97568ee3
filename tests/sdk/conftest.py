"""The SDK tests buy from the test shop: its fixtures."""

from tests.shop_fixtures import *  # noqa: F403
