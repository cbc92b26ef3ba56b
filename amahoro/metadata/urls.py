from django.urls import path

from . import views

app_name = "metadata"
urlpatterns = [
    path("data-elements/", views.element_list, name="elements"),
    path("data-elements/new/", views.element_create, name="element-create"),
    path("data-elements/<str:code>/edit/", views.element_edit, name="element-edit"),
    path("disaggregations/", views.disaggregations, name="disaggregations"),
    path("categories/new/", views.category_create, name="category-create"),
    path("categories/<str:code>/edit/", views.category_edit, name="category-edit"),
    path("category-combos/new/", views.combo_create, name="combo-create"),
    path("category-combos/<str:code>/edit/", views.combo_edit, name="combo-edit"),
]
