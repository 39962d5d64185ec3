"""Institutions, their members and invitations, on PostgreSQL.

An invitation is redeemed under a row lock (``FOR UPDATE``): two officers using the same single-use
code at the same moment take turns, and the second finds it used.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from storage import rows, rules
from storage.errors import NotFound
from storage.models import Institution, InstitutionKind, Invitation, Member, Role
from storage.postgres.base import Repository

INVITE_CODE_BYTES = 12  # 16 URL-safe characters: fits Telegram's 64-character start parameter


class InstitutionRepository(Repository):
    async def create(self, *, name: str, kind: InstitutionKind | str, region: str | None = None) -> Institution:
        row = await self._one(
            "INSERT INTO institutions (name, kind, region, created_at) VALUES (%s, %s, %s, %s) RETURNING *",
            (rules.clean_name(name, "institution name"), rules.institution_kind(kind).value, region.strip() if region else None,
             self._clock()),
        )
        assert row is not None
        return rows.institution(row)

    async def get(self, institution_id: int) -> Institution | None:
        row = await self._one("SELECT * FROM institutions WHERE id = %s", (institution_id,))
        return rows.institution(row) if row else None

    async def require(self, institution_id: int) -> Institution:
        institution = await self.get(institution_id)
        if institution is None:
            raise NotFound(f"institution {institution_id} does not exist")
        return institution

    async def list(self) -> list[Institution]:
        return [rows.institution(r) for r in await self._all("SELECT * FROM institutions ORDER BY id")]


class MemberRepository(Repository):
    async def add(self, *, institution_id: int, user_id: int, display_name: str, role: Role | str, language: str = "id",
                  username: str | None = None) -> Member:
        """Add a member, or reactivate and update an existing one (same institution and user)."""
        await InstitutionRepository(self._link, self._clock).require(institution_id)
        row = await self._one(
            """INSERT INTO members (institution_id, user_id, display_name, language, role, active, joined_at, username)
               VALUES (%s, %s, %s, %s, %s, TRUE, %s, %s)
               ON CONFLICT (institution_id, user_id) DO UPDATE SET
                   display_name = excluded.display_name, language = excluded.language, role = excluded.role,
                   username = COALESCE(excluded.username, members.username), active = TRUE, removed_at = NULL
               RETURNING *""",
            (institution_id, user_id, rules.clean_name(display_name, "display name"), language, Role(role).value, self._clock(),
             rules.clean_username(username)),
        )
        assert row is not None
        return rows.member(row)

    async def get(self, institution_id: int, user_id: int) -> Member | None:
        row = await self._one("SELECT * FROM members WHERE institution_id = %s AND user_id = %s", (institution_id, user_id))
        return rows.member(row) if row else None

    async def memberships(self, user_id: int) -> list[Member]:
        """Every institution the user belongs to, active ones first."""
        found = await self._all("SELECT * FROM members WHERE user_id = %s ORDER BY active DESC, joined_at", (user_id,))
        return [rows.member(r) for r in found]

    async def list(self, institution_id: int, *, active_only: bool = True) -> list[Member]:
        sql = "SELECT * FROM members WHERE institution_id = %s" + (" AND active" if active_only else "") + " ORDER BY joined_at"
        return [rows.member(r) for r in await self._all(sql, (institution_id,))]

    async def by_username(self, institution_id: int, username: str) -> Member | None:
        """The active member with this Telegram @username (case-insensitive), if any."""
        row = await self._one(
            "SELECT * FROM members WHERE institution_id = %s AND lower(username) = lower(%s) AND active",
            (institution_id, rules.clean_username(username)),
        )
        return rows.member(row) if row else None

    async def set_username(self, user_id: int, username: str | None) -> None:
        """Keep the user's @username current in every institution (Telegram users may change it)."""
        clean = rules.clean_username(username)
        await self._execute("UPDATE members SET username = %s WHERE user_id = %s AND username IS DISTINCT FROM %s", (clean, user_id, clean))

    async def username_current(self, user_id: int, username: str | None) -> bool:
        """Whether :meth:`set_username` would change nothing."""
        stale = await self._value("SELECT 1 FROM members WHERE user_id = %s AND username IS DISTINCT FROM %s LIMIT 1",
                                  (user_id, rules.clean_username(username)))
        return stale is None

    async def set_role(self, institution_id: int, user_id: int, role: Role | str) -> Member:
        return await self._update(institution_id, user_id, "role = %s", (Role(role).value,))

    async def remove(self, institution_id: int, user_id: int) -> Member:
        return await self._update(institution_id, user_id, "active = FALSE, removed_at = %s", (self._clock(),))

    async def _update(self, institution_id: int, user_id: int, assignments: str, values: tuple[object, ...]) -> Member:
        row = await self._one(f"UPDATE members SET {assignments} WHERE institution_id = %s AND user_id = %s RETURNING *",
                              (*values, institution_id, user_id))
        if row is None:
            raise NotFound(f"user {user_id} is not a member of institution {institution_id}")
        return rows.member(row)


class InvitationRepository(Repository):
    async def create(self, *, institution_id: int, role: Role | str, created_by: int, expires_at: datetime,
                     max_uses: int = 1) -> Invitation:
        await InstitutionRepository(self._link, self._clock).require(institution_id)
        rules.check_max_uses(max_uses)
        row = await self._one(
            """INSERT INTO invitations (code, institution_id, role, created_by, created_at, expires_at, max_uses)
               VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING *""",
            (secrets.token_urlsafe(INVITE_CODE_BYTES), institution_id, Role(role).value, created_by, self._clock(), expires_at, max_uses),
        )
        assert row is not None
        return rows.invitation(row)

    async def get(self, code: str) -> Invitation | None:
        row = await self._one("SELECT * FROM invitations WHERE code = %s", (code,))
        return rows.invitation(row) if row else None

    async def redeem(self, code: str, *, user_id: int, display_name: str, language: str = "id", now: datetime | None = None,
                     username: str | None = None) -> Member:
        """Use an invitation: creates or reactivates the member with the invitation's role.

        The invitation's row stays locked until the transaction ends, so concurrent redemptions of
        one code are counted one after another."""
        code = code.strip()
        row = await self._one("SELECT * FROM invitations WHERE code = %s FOR UPDATE", (code,)) if code else None
        invitation = rules.redeemable(rows.invitation(row) if row else None, now or self._clock())
        members = MemberRepository(self._link, self._clock)
        role = rules.role_on_joining(invitation, await members.get(invitation.institution_id, user_id))
        await self._execute("UPDATE invitations SET uses = uses + 1 WHERE code = %s", (code,))
        return await members.add(institution_id=invitation.institution_id, user_id=user_id, display_name=display_name, role=role,
                                 language=language, username=username)
