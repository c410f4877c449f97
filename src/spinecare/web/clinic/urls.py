from __future__ import annotations

from django.urls import path

from spinecare.web.clinic import views

app_name = "clinic"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("kb/", views.knowledge_base, name="kb"),
]
