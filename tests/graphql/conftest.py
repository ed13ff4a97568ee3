from tests.shop_fixtures import *  # noqa: F403
