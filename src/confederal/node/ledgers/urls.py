from django.urls import path

from . import views

app_name = "ledgers"

urlpatterns = [
    path("", views.ledger_list),
    path("<slug:slug>/", views.ledger_page, name="page"),
    path("<slug:slug>/entries/<int:seq>", views.entry_page, name="entry"),
    path("<slug:slug>/checkpoint", views.checkpoint, name="checkpoint"),
    path("<slug:slug>/tile/<path:rest>", views.tile, name="tile"),
]
