from django.urls import include, path

from .api import api
from .assemblies import views as assembly_views
from .ledgers import views as ledger_views

urlpatterns = [
    path("", assembly_views.home, name="home"),
    path("assemblies/<slug:slug>/", assembly_views.assembly_page, name="assembly"),
    path("ledgers", ledger_views.ledger_list, name="ledger-list"),
    path("ledgers/", include("confederal.node.ledgers.urls")),
    path("api/", api.urls),
]
