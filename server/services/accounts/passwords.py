"""修改密码 for staff and physicians alike (SPEC §2): the old password (or the initial one) must
match; the new one must be strong, differ from the initial password and from the old one; the
argon2 hash is stored, the move audited, and the other sessions of the account end."""

from __future__ import annotations

from tortoise.models import Model
from tortoise.transactions import in_transaction

from server.errors import ValidationFailed
from server.security import hash_password, password_problem, verify_password
from server.services import audit
from server.services.access import Actor
from server.services.accounts import sessions


async def change_password(*, actor: Actor, model: type[Model], row_id: int, password_hash: str, initial: str,
                          old_password: str, new_password: str, audit_action: str, audit_entity: str,
                          subject: str) -> None:
    """The account ``model`` / ``row_id`` (hash ``password_hash``) changes its password; ``subject``
    names its sessions (sessions.staff_subject / physician_subject)."""
    if not await verify_password(password_hash, old_password or "", initial=initial):
        raise ValidationFailed("原密码错误", code="wrong_old_password",
                               details=[_field("old_password", "wrong", "原密码错误")])
    problem = password_problem(new_password, initial=initial)
    if problem:
        raise ValidationFailed(problem, code="weak_password", details=[_field("new_password", "weak", problem)])
    if new_password == old_password:
        raise ValidationFailed("新密码不能与原密码相同", code="weak_password",
                               details=[_field("new_password", "same_as_old", "新密码不能与原密码相同")])
    new_hash = await hash_password(new_password)
    async with in_transaction() as conn:
        await model.filter(id=row_id).using_db(conn).update(password_hash=new_hash, must_change_password=False)
        await audit.record(actor, audit_action, audit_entity, row_id, using_db=conn)
    await sessions.end_all_sessions(subject, keep=actor.token)
    await sessions.update_session(actor.token, must_change_password=False)


def _field(field: str, problem: str, message: str) -> dict[str, str]:
    """one entry of a 422's details: which field, what kind of problem, the message to show on it"""
    return {"field": field, "problem": problem, "message": message}
