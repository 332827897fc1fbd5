"""Who is acting: a staff user in one role profile, or a named system job."""

from __future__ import annotations

from dataclasses import dataclass

from joinedup.accounts.models import RoleProfile, User


@dataclass(frozen=True)
class Actor:
    """The actor every selector and service takes. Never anonymous: a system job has a name."""

    label: str
    user: User | None = None
    role_profile: RoleProfile | None = None
    channel: str = "web"

    @classmethod
    def staff(cls, user: User, role_profile: RoleProfile, *, channel: str = "web") -> Actor:
        return cls(
            label=f"{user.get_full_name() or user.username} ({role_profile})",
            user=user,
            role_profile=role_profile,
            channel=channel,
        )

    @classmethod
    def system(cls, name: str) -> Actor:
        if not name:
            raise ValueError("A system actor needs a name.")
        return cls(label=f"system: {name}", channel="system")

    @property
    def organisation_id(self) -> object | None:
        return self.role_profile.organisation_id if self.role_profile else None

    @property
    def job_role(self) -> str | None:
        return self.role_profile.job_role if self.role_profile else None
