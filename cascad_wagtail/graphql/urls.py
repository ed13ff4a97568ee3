"""The storefront GraphQL API; include it at ``graphql/``:

path("graphql/", include("cascad_wagtail.graphql.urls")),
"""

from django.urls import path

from .views import GraphQLView

app_name = "cascad_graphql"

urlpatterns = [
    path("", GraphQLView.as_view(), name="graphql"),
]
