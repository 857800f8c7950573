"""The background queue (taskiq): the broker object, and nothing that knows a domain.

Embedded default: an in-memory broker that runs tasks inside the API process.
With TASK_BROKER=redis, tasks go through Redis to any number of workers, started by
server/worker.py (which imports every task module listed in server/background.py):

    taskiq worker server.worker:broker

Tasks take plain ids, load what they need, and report progress on their Job row.
Notification delivery (server/services/notify/dispatch.py): `dkt.deliver_outbox` is kicked when a
message is queued, and a periodic sweep runs in the API process (in-memory broker) or in
each worker process (TASK_BROKER=redis).
"""

from __future__ import annotations

from taskiq import InMemoryBroker
from taskiq.abc.broker import AsyncBroker

from server.config import Settings


def _make_broker(settings: Settings) -> AsyncBroker:
    if settings.TASK_BROKER == "redis":
        # The worker waits on BRPOP with no time limit: redis-py's default 5 s socket read
        # timeout would kill every idle worker, so reads are unbounded (connects stay bounded).
        # Imported here: taskiq_redis is needed only with TASK_BROKER=redis.
        from taskiq_redis import ListQueueBroker, RedisAsyncResultBackend

        broker = ListQueueBroker(settings.REDIS_URL, queue_name="dingkaotong:tasks", socket_timeout=None,
                                 socket_connect_timeout=5, socket_keepalive=True)
        # results (face checks awaited by the API) live in Redis for 10 minutes
        return broker.with_result_backend(RedisAsyncResultBackend(settings.REDIS_URL, result_ex_time=600))
    return InMemoryBroker(await_inplace=False)


# Module-level on purpose: @broker.task decorators in the service modules register on it at import.
broker = _make_broker(Settings.from_env())
