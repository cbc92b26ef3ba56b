from django.urls import path

from . import views

app_name = "worklist"
urlpatterns = [
    path("", views.my_work, name="my-work"),
    path("count/", views.count, name="count"),
]
