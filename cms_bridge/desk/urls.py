"""The desk's addresses."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from cms_bridge.desk import views

app_name = "desk"

_desk = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="desk/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="/login/"), name="logout"),
    path("requests/new/", views.new_request, name="new"),
    path("requests/<str:request_id>/", views.detail, name="detail"),
    path("requests/<str:request_id>/files/<str:name>", views.download, name="download"),
    path("requests/<str:request_id>/memo.docx", views.memo, name="memo"),
    path("requests/<str:request_id>/memo.pdf", views.memo_as_pdf, name="memo-pdf"),
    path("requests/<str:request_id>/edit/", views.edit_request, name="edit"),
    path("requests/<str:request_id>/endorse/", views.endorse, name="endorse"),
    path("requests/<str:request_id>/decide/", views.decide, name="decide"),
    path("requests/<str:request_id>/record/", views.record, name="record"),
    path("requests/<str:request_id>/evidence/<int:manual_id>/<str:name>", views.evidence, name="evidence"),
    path("live/", views.live, name="live"),
    path("report/", views.report, name="report"),
    path("report/download.<str:fmt>", views.report_download, name="report_download"),
]

urlpatterns = [path("", include((_desk, "desk")))]
