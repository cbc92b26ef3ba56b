from django.urls import URLPattern, URLResolver

app_name = "visualizer"
urlpatterns: list[URLPattern | URLResolver] = []
