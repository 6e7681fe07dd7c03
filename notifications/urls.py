from django.urls import path

from notifications.twilio import webhook

app_name = "notifications"

urlpatterns = [
    path("webhooks/twilio/status/", webhook.twilio_status, name="twilio_status"),
]
