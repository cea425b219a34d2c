app_name = "stock"
urlpatterns: list = []
