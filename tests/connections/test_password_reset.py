"""Password reset by e-mail, from the admin's login page, in the admin's look."""
import re

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from rest_framework.authtoken.models import Token

RESET = reverse("admin_password_reset")
NEW_PASSWORD = "quiet-meadow-orchard-91"


def link_in(message) -> str:
    return re.search(r"^    (\S+/admin/password-reset/\S+/)$", message.body, re.MULTILINE).group(1)


def test_the_login_page_offers_a_styled_reset_page(client):
    assert RESET in client.get(reverse("customer_admin:login")).content.decode()
    page = client.get(RESET).content.decode()
    assert "ml-connector" in page and "admin/css/base.css" in page and 'name="email"' in page


def test_it_mails_a_one_time_link_that_sets_a_new_password(client, owner, settings):
    settings.SITE_URL = "https://connector.example.com"
    settings.ALLOWED_HOSTS = ["*"]  # even a careless deployment does not mail links to a forged Host
    Token.objects.create(user=owner)

    sent = client.post(RESET, {"email": owner.email}, HTTP_HOST="evil.example", follow=True)

    assert sent.redirect_chain[-1][0] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [owner.email]
    assert mail.outbox[0].subject == "Reset your ml-connector password"
    link = link_in(mail.outbox[0])
    assert link.startswith("https://connector.example.com/admin/password-reset/")  # never the Host header
    form = client.get(link.removeprefix(settings.SITE_URL), follow=True)
    set_password = form.redirect_chain[-1][0]
    done = client.post(set_password, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("password_reset_complete")
    assert client.login(username=owner.username, password=NEW_PASSWORD)
    assert not Token.objects.filter(user=owner).exists()  # the API token went with the old password
    reused = client.get(link.removeprefix(settings.SITE_URL), follow=True)
    assert "invalid" in reused.content.decode().lower()


def test_unknown_and_unconfirmed_addresses_get_the_same_answer_and_no_mail(client, owner):
    get_user_model().objects.filter(pk=owner.pk).update(is_active=False)  # e.g. a sign-up not confirmed yet

    for email in (owner.email, "nobody@example.com"):
        response = client.post(RESET, {"email": email})
        assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")

    assert mail.outbox == []


def test_in_development_the_mail_is_written_under_var_mail(client, owner, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path

    client.post(RESET, {"email": owner.email})

    [written] = list(tmp_path.iterdir())
    assert "/admin/password-reset/" in written.read_text()


def test_one_address_gets_at_most_three_mails_an_hour(client, owner):
    for _ in range(5):
        assert client.post(RESET, {"email": owner.email})["Location"] == reverse("password_reset_done")

    assert len(mail.outbox) == 3
