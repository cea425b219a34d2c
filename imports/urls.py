from django.urls import path

from imports import views

app_name = "imports"
urlpatterns = [
    path("imports/", views.import_list, name="list"),
    path("imports/<int:pk>/", views.import_detail, name="detail"),
    path("imports/<int:pk>/apply/", views.import_apply, name="apply"),
    path("imports/<int:pk>/errors.csv", views.import_errors, name="errors"),
]
