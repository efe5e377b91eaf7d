"""Sign-ups not confirmed within SIGNUP_VERIFY_HOURS expire: the purge deletes them and their empty company,
and the username and e-mail address can be signed up again (even before the purge has run)."""
from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from connections.models import Membership, Tenant
from connections.signup import signups_expire
from mlconnector.celery import app
from tests.api.test_accounts import signup, token_from
from tests.factories import ConnectionFactory, MembershipFactory

VERIFY = reverse("api:signup-verify")
User = get_user_model()


def age(username: str, hours: int) -> None:
    User.objects.filter(username=username).update(date_joined=timezone.now() - timedelta(hours=hours))


def test_the_purge_deletes_expired_sign_ups_and_their_company_only(client_for, owner):
    anonymous = client_for(None)
    signup(anonymous)
    signup(anonymous, username="fresh", email="fresh@acme.example", company_name="Fresh AS")
    age("ingrid", 49)
    age(owner.username, 24 * 30)  # an active user is never touched, however old
    User.objects.filter(pk=owner.pk).update(is_active=False)  # … nor one who logged in once and was deactivated
    User.objects.filter(pk=owner.pk).update(last_login=timezone.now())

    assert signups_expire() == 1

    assert not User.objects.filter(username="ingrid").exists()
    assert not Tenant.objects.filter(slug="acme-as").exists()
    assert User.objects.filter(username__in=["fresh", owner.username]).count() == 2


def test_after_expiry_the_same_name_and_address_sign_up_again(client_for):
    anonymous = client_for(None)
    signup(anonymous)
    assert signup(anonymous, email="other@acme.example").json()["username"] == ["This username is taken."]
    age("ingrid", 49)

    again = signup(anonymous, company_name="Acme AS")  # before the purge has run

    assert again.status_code == 201, again.content
    assert again.json()["tenant"] == "acme-as"  # the old company went with the old sign-up
    assert User.objects.filter(username="ingrid").count() == 1
    assert anonymous.post(VERIFY, {"token": token_from(mail.outbox[-1])}).status_code == 200


def test_a_sign_up_someone_else_joined_is_kept(client_for, tenant_b):
    anonymous = client_for(None)
    signup(anonymous)
    user = User.objects.get(username="ingrid")
    tenant = Tenant.objects.get(slug="acme-as")
    MembershipFactory(tenant=tenant, role=Membership.Role.ADMIN)
    Membership.objects.create(user=user, tenant=tenant_b, role=Membership.Role.VIEWER)
    ConnectionFactory(tenant=tenant)
    age("ingrid", 49)

    assert signups_expire() == 0
    assert User.objects.filter(pk=user.pk).exists() and Tenant.objects.filter(pk=tenant.pk).exists()


def test_the_purge_is_on_the_beat_schedule(db):
    # A transactional test earlier in the run may have flushed the row the migration wrote: write it again.
    migration = __import__("connections.migrations.0003_h3_signup_expiry_schedule", fromlist=["schedule"])
    migration.schedule(apps, None)
    task = PeriodicTask.objects.get(name=migration.NAME)
    assert task.enabled and task.interval.every == 1 and task.interval.period == "hours"
    app.loader.import_default_modules()
    assert task.task in app.tasks
