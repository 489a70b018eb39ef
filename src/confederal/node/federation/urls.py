from django.urls import path

from confederal.node.discussion import views as discussion

from . import views

urlpatterns = [
    path("federations/", views.federation_list, name="federations"),
    path("federations/propose", views.propose, name="federation-propose"),
    path("federations/<str:federation_id>/", views.federation_page, name="federation"),
    path("federations/<str:federation_id>/fund/", views.fund_page, name="fund"),
    path("federations/<str:federation_id>/fund/act", views.fund_act, name="fund-act"),
    path("federations/<str:federation_id>/councils/<str:council_id>/", views.council_page, name="council"),
    path(
        "federations/<str:federation_id>/councils/<str:council_id>.json", views.council_archive, name="council-archive"
    ),
    path("federations/<str:federation_id>/councils/<str:council_id>/motion", views.move_motion, name="motion"),
    path("federations/<str:federation_id>/councils/<str:council_id>/vote", views.council_vote, name="council-vote"),
    path("federations/<str:federation_id>/fund/requests/<slug:key>/", discussion.aid_discussion, name="aid-discussion"),
    path(
        "federations/<str:federation_id>/discussion/<slug:kind>/<slug:key>",
        discussion.federation_thread,
        name="federation-thread",
    ),
    path(
        "federations/<str:federation_id>/discussion/<slug:kind>/<slug:key>/<int:comment>/edit",
        discussion.federation_edit,
        name="federation-edit-comment",
    ),
    path(
        "federations/<str:federation_id>/discussion/<slug:kind>/<slug:key>/<int:comment>/take-back",
        discussion.federation_take_back,
        name="federation-take-back-comment",
    ),
    path("federation/peers", views.peers_page, name="federation-peers"),
    path("federation/peers/add", views.add_peer, name="add-peer"),
    path("federation/peers/remove", views.remove_peer, name="remove-peer"),
    path("federation/observed", views.observed, name="observed"),
    path("witness/add-checkpoint", views.add_checkpoint, name="add-checkpoint"),
    path("ledgers/<slug:slug>/cosignatures", views.cosignatures, name="cosignatures"),
]
