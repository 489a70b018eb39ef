from django.contrib.auth import views as auth_views
from django.urls import include, path

from .accounts import views as accounts
from .api import api
from .assemblies import views as assemblies
from .books import views as books
from .decisions import views as decisions
from .discussion import views as discussion
from .health import health
from .ledgers import views as ledgers
from .meetings import views as meetings
from .notices import views as notices
from .roles import views as roles
from .testhooks import clock_hook

assembly = [
    path("", assemblies.overview, name="assembly"),
    path("charter", assemblies.charter_page, name="charter"),
    path("charter/amend", decisions.amend, name="amend"),
    path("join", assemblies.join, name="join"),
    path("requests/<int:request_id>", assemblies.decide_request, name="decide-request"),
    path("invite", assemblies.invite, name="invite"),
    path("invitations/<int:invitation_id>", assemblies.invitation_link, name="invitation-link"),
    path("invitations/<int:invitation_id>/revoke", assemblies.revoke_invitation, name="revoke-invitation"),
    path("leave", assemblies.leave, name="leave"),
    path("away", assemblies.away, name="away"),
    path("split", assemblies.split, name="split"),
    path("proposals/", decisions.archive, name="proposals"),
    path("proposals/new", decisions.propose, name="propose"),
    path("proposals/<int:number>/", decisions.proposal_page, name="proposal"),
    path("proposals/<int:number>/status", decisions.vote_status, name="vote-status"),
    path("proposals/<int:number>/vote", decisions.vote, name="vote"),
    path("proposals/<int:number>/withdraw", decisions.withdraw, name="withdraw"),
    path("proposals/<int:number>/amend", decisions.amend_proposal, name="amend-proposal"),
    path("proposals/<int:number>/keep", decisions.keep, name="keep"),
    path("meetings/", meetings.meetings_list, name="meetings"),
    path("meetings/new", meetings.schedule, name="schedule"),
    path("meetings.ics", meetings.assembly_ics, name="assembly-ics"),
    path("meetings/<int:number>/", meetings.meeting_page, name="meeting"),
    path("meetings/<int:number>.ics", meetings.meeting_ics, name="meeting-ics"),
    path("meetings/<int:number>/attend", meetings.attend, name="attend"),
    path("meetings/<int:number>/notes", meetings.notes, name="notes"),
    path("meetings/<int:number>/decisions", meetings.link_decision, name="link-decision"),
    path("meetings/<int:number>/publish", meetings.publish_minutes, name="publish-minutes"),
    path("books/", books.books_page, name="books"),
    path("books.csv", books.books_csv, name="books-csv"),
    path("books/open", books.open_books, name="open-books"),
    path("books/record", books.record, name="record-money"),
    path("books/ask", books.ask, name="ask-spend"),
    path("books/budget", books.propose_budget, name="propose-budget"),
    path("books/spends/<int:number>/approve", books.approve, name="approve-spend"),
    path("books/spends/<int:number>/decline", books.decline, name="decline-spend"),
    path("books/spends/<int:number>/pay", books.pay, name="pay-spend"),
    path("books/<int:number>/", books.transaction_page, name="book-transaction"),
    path("books/<int:number>/reverse", books.reverse_transaction, name="reverse-transaction"),
    path("books/receipts/<str:digest>", books.receipt, name="receipt"),
    path("discussion/<slug:kind>/<int:number>", discussion.thread, name="thread"),
    path("discussion/<slug:kind>/<int:number>/<int:comment>/edit", discussion.edit_comment, name="edit-comment"),
    path("discussion/<slug:kind>/<int:number>/<int:comment>/take-back", discussion.take_back, name="take-back-comment"),
    path("checks/new", discussion.new_sense_check, name="new-sense-check"),
    path("checks/<int:number>/", discussion.sense_check, name="sense-check"),
    path("checks/<int:number>/answer", discussion.answer, name="answer-sense-check"),
    path("roles/", roles.roles_page, name="roles"),
    path("roles/<slug:role>/rotate", roles.rotate, name="rotate"),
    path("roles/<slug:role>/elect", roles.elect, name="elect"),
    path("chores/rotate", roles.rotate_chores, name="rotate-chores"),
    path("draws/<int:term_id>", roles.draw, name="draw"),
    path("lotteries/<int:number>", roles.lottery, name="lottery"),
    path("lotteries/<int:number>/randomness", roles.add_randomness, name="add-randomness"),
]

urlpatterns = [
    path("", assemblies.home, name="home"),
    path("health", health, name="health"),
    path("accounts/sign-up", accounts.sign_up, name="sign-up"),
    path("accounts/", accounts.account, name="account"),
    path("accounts/sign-in", accounts.sign_in, name="sign-in"),
    path("accounts/sign-in/code", accounts.sign_in_code, name="sign-in-code"),
    path("accounts/password", accounts.password, name="password"),
    path("accounts/time-zone", accounts.time_zone, name="time-zone"),
    path("accounts/two-factor", accounts.two_factor, name="two-factor"),
    path("accounts/two-factor/off", accounts.two_factor_off, name="two-factor-off"),
    path("accounts/sign-out", auth_views.LogoutView.as_view(), name="sign-out"),
    path("accounts/tokens", accounts.tokens, name="tokens"),
    path("accounts/tokens/<int:token_id>/revoke", accounts.revoke_token, name="revoke-token"),
    path("accounts/language", accounts.language, name="account-language"),
    path("language", accounts.choose_language, name="set-language"),
    path("accounts/mail", notices.mail_settings, name="mail-settings"),
    path("inbox/", notices.inbox, name="inbox"),
    path("inbox/read", notices.mark_read, name="mark-read"),
    path("mail/unsubscribe/<str:token>", notices.unsubscribe, name="unsubscribe"),
    path("assemblies/new", assemblies.found, name="found"),
    path("assemblies/<slug:slug>/", include(assembly)),
    path("invitations/<str:token>", assemblies.invitation, name="invitation"),
    path("blobs/<str:digest>", ledgers.blob, name="blob"),
    path("ledgers", ledgers.ledger_list, name="ledger-list"),
    path("", include("confederal.node.federation.urls")),
    path("ledgers/", include("confederal.node.ledgers.urls")),
    path("api/", api.urls),
    path("_test/clock", clock_hook, name="test-clock"),  # 404 unless CONFEDERAL_TEST_HOOKS=1
]
