from imports import api
from inventory_site.api.routing import api_path

ID = r"(?P<pk>[0-9]+)"
urlpatterns = [
    api_path("imports", api.ImportListApi.as_view(), "import-list"),
    api_path(rf"imports/{ID}", api.ImportDetailApi.as_view(), "import-detail"),
    api_path(rf"imports/{ID}/rows", api.ImportRowListApi.as_view(), "import-rows"),
    api_path(rf"imports/{ID}/errors\.csv", api.ImportErrorsCsvApi.as_view(), "import-errors"),
    api_path(rf"imports/{ID}/apply", api.ImportApplyApi.as_view(), "import-apply"),
]
