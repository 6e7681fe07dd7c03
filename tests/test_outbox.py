"""The embedded outbox: SMS as JSON lines, one file per e-mail."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from concurrent.futures import ThreadPoolExecutor

from django.core import mail
from django.core.mail import EmailMultiAlternatives

from notifications import outbox
from notifications.backends.sms import ConsoleOutboxSmsBackend


def test_an_sms_is_one_json_line_with_e164_body_and_time(capsys) -> None:
    ConsoleOutboxSmsBackend().send(to="+33612345678", body="Votre code : 123456")
    [line] = outbox.read_sms()
    assert line["to"] == "+33612345678"
    assert line["body"] == "Votre code : 123456"
    assert dt.datetime.fromisoformat(line["sent_at"]).tzinfo is not None
    assert "+33612345678" in capsys.readouterr().out


def test_concurrent_sms_never_interleave() -> None:
    backend = ConsoleOutboxSmsBackend()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: backend.send(to="+33612345678", body=f"n°{n} " * 20), range(200)))
    assert len(outbox.read_sms()) == 200


def test_each_email_becomes_a_file_with_text_and_html(settings) -> None:
    settings.EMAIL_BACKEND = "notifications.backends.email.ConsoleOutboxEmailBackend"
    for n in range(2):
        message = EmailMultiAlternatives(
            f"Sujet {n}", "Texte é", "portail@exemple.fr", ["eleve@exemple.fr"]
        )
        message.attach_alternative("<p>HTML é</p>", "text/html")
        message.send()
    files = outbox.read_mail()
    assert len(files) == 2
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "eleve@exemple.fr"
    assert parsed.get_body(("plain",)).get_content().strip() == "Texte é"
    assert "HTML é" in parsed.get_body(("html",)).get_content()
    assert mail.outbox == []
