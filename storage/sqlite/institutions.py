"""Institutions, their members and invitations."""

from __future__ import annotations

import secrets
from datetime import datetime

from storage import rows, rules
from storage.errors import NotFound
from storage.models import Institution, InstitutionKind, Invitation, Member, Role
from storage.sqlite.base import Repository

INVITE_CODE_BYTES = 12  # 16 URL-safe characters: fits Telegram's 64-character start parameter


class InstitutionRepository(Repository):
    async def create(self, *, name: str, kind: InstitutionKind | str, region: str | None = None) -> Institution:
        kind = rules.institution_kind(kind)
        institution_id = await self._insert(
            "INSERT INTO institutions (name, kind, region, created_at) VALUES (?, ?, ?, ?)",
            (rules.clean_name(name, "institution name"), kind.value, region.strip() if region else None, self._now()),
        )
        institution = await self.get(institution_id)
        assert institution is not None
        return institution

    async def get(self, institution_id: int) -> Institution | None:
        row = await self._one("SELECT * FROM institutions WHERE id = ?", (institution_id,))
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
        await InstitutionRepository(self._conn, self._clock).require(institution_id)
        role = Role(role)
        await self._execute(
            """INSERT INTO members (institution_id, user_id, display_name, language, role, active, joined_at, username)
               VALUES (?, ?, ?, ?, ?, 1, ?, ?)
               ON CONFLICT (institution_id, user_id) DO UPDATE SET
                   display_name = excluded.display_name, language = excluded.language, role = excluded.role,
                   username = COALESCE(excluded.username, members.username), active = 1, removed_at = NULL""",
            (institution_id, user_id, rules.clean_name(display_name, "display name"), language, role.value, self._now(),
             rules.clean_username(username)),
        )
        member = await self.get(institution_id, user_id)
        assert member is not None
        return member

    async def get(self, institution_id: int, user_id: int) -> Member | None:
        row = await self._one("SELECT * FROM members WHERE institution_id = ? AND user_id = ?", (institution_id, user_id))
        return rows.member(row) if row else None

    async def memberships(self, user_id: int) -> list[Member]:
        """Every institution the user belongs to, active ones first."""
        found = await self._all("SELECT * FROM members WHERE user_id = ? ORDER BY active DESC, joined_at", (user_id,))
        return [rows.member(r) for r in found]

    async def list(self, institution_id: int, *, active_only: bool = True) -> list[Member]:
        sql = "SELECT * FROM members WHERE institution_id = ?" + (" AND active = 1" if active_only else "") + " ORDER BY joined_at"
        return [rows.member(r) for r in await self._all(sql, (institution_id,))]

    async def by_username(self, institution_id: int, username: str) -> Member | None:
        """The active member with this Telegram @username (case-insensitive), if any."""
        row = await self._one(
            "SELECT * FROM members WHERE institution_id = ? AND username = ? COLLATE NOCASE AND active = 1",
            (institution_id, rules.clean_username(username)),
        )
        return rows.member(row) if row else None

    async def set_username(self, user_id: int, username: str | None) -> None:
        """Keep the user's @username current in every institution (Telegram users may change it)."""
        clean = rules.clean_username(username)
        await self._execute("UPDATE members SET username = ? WHERE user_id = ? AND username IS NOT ?", (clean, user_id, clean))

    async def username_current(self, user_id: int, username: str | None) -> bool:
        """Whether :meth:`set_username` would change nothing."""
        row = await self._one("SELECT 1 FROM members WHERE user_id = ? AND username IS NOT ? LIMIT 1",
                              (user_id, rules.clean_username(username)))
        return row is None

    async def set_role(self, institution_id: int, user_id: int, role: Role | str) -> Member:
        await self._require(institution_id, user_id)
        await self._execute(
            "UPDATE members SET role = ? WHERE institution_id = ? AND user_id = ?", (Role(role).value, institution_id, user_id)
        )
        return await self._require(institution_id, user_id)

    async def remove(self, institution_id: int, user_id: int) -> Member:
        await self._require(institution_id, user_id)
        await self._execute(
            "UPDATE members SET active = 0, removed_at = ? WHERE institution_id = ? AND user_id = ?",
            (self._now(), institution_id, user_id),
        )
        return await self._require(institution_id, user_id)

    async def _require(self, institution_id: int, user_id: int) -> Member:
        member = await self.get(institution_id, user_id)
        if member is None:
            raise NotFound(f"user {user_id} is not a member of institution {institution_id}")
        return member


class InvitationRepository(Repository):
    async def create(self, *, institution_id: int, role: Role | str, created_by: int, expires_at: datetime,
                     max_uses: int = 1) -> Invitation:
        await InstitutionRepository(self._conn, self._clock).require(institution_id)
        rules.check_max_uses(max_uses)
        code = secrets.token_urlsafe(INVITE_CODE_BYTES)
        await self._execute(
            """INSERT INTO invitations (code, institution_id, role, created_by, created_at, expires_at, max_uses)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (code, institution_id, Role(role).value, created_by, self._now(), expires_at.isoformat(), max_uses),
        )
        invitation = await self.get(code)
        assert invitation is not None
        return invitation

    async def get(self, code: str) -> Invitation | None:
        row = await self._one("SELECT * FROM invitations WHERE code = ?", (code,))
        return rows.invitation(row) if row else None

    async def redeem(self, code: str, *, user_id: int, display_name: str, language: str = "id", now: datetime | None = None,
                     username: str | None = None) -> Member:
        """Use an invitation: creates or reactivates the member with the invitation's role."""
        code = code.strip()
        invitation = rules.redeemable(await self.get(code) if code else None, now or self._clock())
        existing = await MemberRepository(self._conn, self._clock).get(invitation.institution_id, user_id)
        role = rules.role_on_joining(invitation, existing)
        await self._execute("UPDATE invitations SET uses = uses + 1 WHERE code = ?", (code,))
        return await MemberRepository(self._conn, self._clock).add(
            institution_id=invitation.institution_id, user_id=user_id, display_name=display_name, role=role, language=language,
            username=username,
        )
