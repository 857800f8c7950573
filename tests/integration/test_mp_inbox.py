"""站内消息 (SPEC §7): a physician pages through their own messages (newest first or unread
first, with the unread count), marks one or all read; someone else's message is 404."""

from __future__ import annotations

from server.models import InboxMessage
from tests.factories import auth, make_physician, make_world, physician_token, token_for
from tests.integration.mp_support import API


async def _messages(physician, n: int, *, read: int = 0) -> list[InboxMessage]:
    from server.services.assessment.transitions import utcnow

    out = []
    for i in range(n):
        out.append(await InboxMessage.create(physician=physician, template="test", title=f"消息{i}", body="内容",
                                             read_at=utcnow() if i < read else None))
    return out


async def test_list_newest_first_with_unread_count(client):
    w = await make_world()
    p = await make_physician(w.hospital)
    other = await make_physician(w.hospital)
    mine = await _messages(p, 5, read=2)
    await _messages(other, 3)
    token = await physician_token(p)
    r = await client.get(f"{API}/messages?page=1&size=3", headers=auth(token))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == 5 and body["unread"] == 3 and body["size"] == 3
    assert [m["id"] for m in body["data"]] == [mine[4].id, mine[3].id, mine[2].id]
    body = (await client.get(f"{API}/messages?page=2&size=3", headers=auth(token))).json()
    assert [m["id"] for m in body["data"]] == [mine[1].id, mine[0].id]


async def test_list_unread_first_pages_across_both_parts(client):
    w = await make_world()
    p = await make_physician(w.hospital)
    mine = await _messages(p, 5, read=2)  # 0, 1 read; 2, 3, 4 unread
    token = await physician_token(p)
    page1 = (await client.get(f"{API}/messages?order=unread&size=2", headers=auth(token))).json()
    page2 = (await client.get(f"{API}/messages?order=unread&size=2&page=2", headers=auth(token))).json()
    page3 = (await client.get(f"{API}/messages?order=unread&size=2&page=3", headers=auth(token))).json()
    ids = [m["id"] for page in (page1, page2, page3) for m in page["data"]]
    assert ids == [mine[4].id, mine[3].id, mine[2].id, mine[1].id, mine[0].id]
    assert [m["read"] for m in page2["data"]] == [False, True]


async def test_list_refuses_bad_query_and_staff(client):
    w = await make_world()
    p = await make_physician(w.hospital)
    token = await physician_token(p)
    r = await client.get(f"{API}/messages?order=oldest", headers=auth(token))
    assert r.status_code == 422 and r.json()["code"] == "invalid_query"
    r = await client.get(f"{API}/messages?size=500", headers=auth(token))
    assert r.status_code == 422 and r.json()["code"] == "invalid_paging"
    r = await client.get(f"{API}/messages?size=51", headers=auth(token))  # the inbox pages by at most 50
    assert r.status_code == 422 and r.json()["code"] == "invalid_paging" and "1-50" in r.json()["message"]
    assert (await client.get(f"{API}/messages?size=50", headers=auth(token))).status_code == 200
    r = await client.get(f"{API}/messages", headers=auth(await token_for(w.hospital)))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"


async def test_mark_read_own_only(client):
    w = await make_world()
    p = await make_physician(w.hospital)
    other = await make_physician(w.hospital)
    (mine,) = await _messages(p, 1)
    (theirs,) = await _messages(other, 1)
    token = await physician_token(p)
    r = await client.post(f"{API}/messages/{theirs.id}/read", headers=auth(token))
    assert r.status_code == 404
    assert (await InboxMessage.get(id=theirs.id)).read_at is None
    r = await client.post(f"{API}/messages/{mine.id}/read", headers=auth(token))
    assert r.status_code == 200 and r.json()["read"] is True and r.json()["unread"] == 0
    first = (await InboxMessage.get(id=mine.id)).read_at
    r = await client.post(f"{API}/messages/{mine.id}/read", headers=auth(token))  # idempotent
    assert r.status_code == 200 and (await InboxMessage.get(id=mine.id)).read_at == first
    r = await client.post(f"{API}/messages/999999/read", headers=auth(token))
    assert r.status_code == 404


async def test_read_all_touches_only_own(client):
    w = await make_world()
    p = await make_physician(w.hospital)
    other = await make_physician(w.hospital)
    await _messages(p, 3, read=1)
    await _messages(other, 2)
    token = await physician_token(p)
    r = await client.post(f"{API}/messages/read-all", headers=auth(token))
    assert r.status_code == 200 and r.json() == {"updated": 2, "unread": 0}
    assert await InboxMessage.filter(physician_id=p.id, read_at__isnull=True).count() == 0
    assert await InboxMessage.filter(physician_id=other.id, read_at__isnull=True).count() == 2
    body = (await client.get(f"{API}/home", headers=auth(token))).json()
    assert body["unread_messages"] == 0
