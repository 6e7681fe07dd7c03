"""Lost-identifier pages: one form per channel, then the same "sent" page for everyone."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.channels import Channel
from core.http import client_ip
from core.links import keep_next
from core.ratelimits import consume_or_429
from recovery import errors
from recovery.flows.forgot_identifier import ForgotIdentifierFlow, Step
from recovery.forms.forgot import ForgotIdentifierEmailForm, ForgotIdentifierSmsForm
from recovery.views.common import form_status, public

# One form per channel; the posted ``channel`` says which one was filled in.
FORMS = {Channel.SMS: ForgotIdentifierSmsForm, Channel.EMAIL: ForgotIdentifierEmailForm}


@public
def forgot_identifier(request: HttpRequest) -> HttpResponse:
    keep_next(request)  # the way back to the service the login page was opened for
    posted = request.POST.get("channel", "")
    channel = Channel(posted) if posted in Channel.values else Channel.EMAIL
    forms = {
        key: form_class(data=request.POST if key == channel and posted else None)
        for key, form_class in FORMS.items()
    }
    form = forms[channel]
    if request.method == "POST" and form.is_bound and form.is_valid():
        destination = next(iter(form.cleaned_data.values()))
        if limited := consume_or_429(
            request, action=f"forgot_identifier_{channel.value}", key=destination
        ):
            return limited
        ForgotIdentifierFlow(request.session).initiate(
            channel=channel, destination=destination, ip_address=client_ip(request)
        )
        return redirect("recovery:forgot_identifier_sent")
    context = {
        "sms_form": forms[Channel.SMS],
        "email_form": forms[Channel.EMAIL],
        "channel": posted if posted in Channel.values else "",
    }
    return render(request, "recovery/forgot_identifier.html", context, status=form_status(request))


@public
def forgot_identifier_sent(request: HttpRequest) -> HttpResponse:
    try:
        state = ForgotIdentifierFlow(request.session).resume(Step.SENT)
    except errors.FlowExpired:
        return redirect("recovery:forgot_identifier")
    return render(request, "recovery/identifier_sent.html", {"channel": state["channel"]})
