from django.urls import path

from inventory_site import web

urlpatterns = [path("", web.dashboard, name="dashboard")]
