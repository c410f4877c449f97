from __future__ import annotations

from django.urls import path

from spinecare.web.evaluations import views

app_name = "evaluations"

urlpatterns = [
    path("", views.index, name="index"),
    path("start/<int:patient_id>/", views.start, name="start"),
    path("<int:evaluation_id>/", views.edit, name="edit"),
    path("<int:evaluation_id>/step/<slug:step>/", views.step, name="step"),
    path("<int:evaluation_id>/step/<slug:step>/autosave/", views.autosave, name="autosave"),
    path("<int:evaluation_id>/review/", views.review, name="review"),
    path("<int:evaluation_id>/complete/", views.complete, name="complete"),
    path("<int:evaluation_id>/revise/", views.revise, name="revise"),
    path("assessments/<int:assessment_id>/", views.assessment, name="assessment"),
    path(
        "assessments/<int:assessment_id>/acknowledge/",
        views.acknowledge,
        name="acknowledge",
    ),
]
