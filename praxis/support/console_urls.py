from .views import console

app_name = "support_console"

urlpatterns = console.urlpatterns
