from celery import shared_task

from connections.models import Connection
from connections.services import connection_test
from connections.signup import signups_expire


@shared_task(name="connections.tasks.connection_test_task")
def connection_test_task(connection_id: int) -> dict:
    connection = Connection.objects.get(pk=connection_id)
    result = connection_test(connection=connection)
    return {"ok": result.ok, "message": result.message}


@shared_task(name="connections.tasks.signups_expire_task")
def signups_expire_task() -> int:
    return signups_expire()
