from celery import shared_task

from connections.models import Connection
from connections.services import ConnectionTestThrottled, connection_test
from connections.signup import signups_expire


@shared_task(name="connections.tasks.connection_test_task")
def connection_test_task(connection_id: int) -> dict:
    connection = Connection.objects.get(pk=connection_id)
    try:
        result = connection_test(connection=connection)
    except ConnectionTestThrottled as throttled:  # the tenant's budget is shared with the web: not retried
        return {"ok": False, "message": str(throttled)}
    return {"ok": result.ok, "message": result.message}


@shared_task(name="connections.tasks.signups_expire_task")
def signups_expire_task() -> int:
    return signups_expire()
