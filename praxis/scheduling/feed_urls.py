"""The public calendar feed, outside any workspace: the secret in the address is its authorisation."""

from .views import feed

app_name = "scheduling_feed"

urlpatterns = feed.urlpatterns
