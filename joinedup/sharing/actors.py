"""Who is acting: a staff user in one role profile, a partner organisation's registered system
client, or a named system job."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from joinedup.accounts.models import ApiClient, RoleProfile, User

# The channel of the region loader (`joinedup import-fhir` without --organisation).
REGION_LOADER_CHANNEL = "import"


@dataclass(frozen=True)
class Actor:
    """The actor every selector and service takes. Never anonymous: a system job has a name, and
    a system client is named with its organisation."""

    label: str
    user: User | None = None
    role_profile: RoleProfile | None = None
    channel: str = "web"
    client: ApiClient | None = None

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

    @classmethod
    def region_loader(cls, name: str) -> Actor:
        """The operators loading a region's records on the server (sharing.policy says what it
        may do). Never the actor of a request."""
        if not name:
            raise ValueError("A system actor needs a name.")
        return cls(label=f"system: {name}", channel=REGION_LOADER_CHANNEL)

    @classmethod
    def system_client(cls, client: ApiClient, *, channel: str) -> Actor:
        """An organisation's own system, connected with one of its tokens."""
        return cls(
            label=f"system: {client.name} ({client.organisation.name})",
            channel=channel,
            client=client,
        )

    @property
    def organisation_id(self) -> uuid.UUID | None:
        if self.client is not None:
            return self.client.organisation_id
        return self.role_profile.organisation_id if self.role_profile else None

    @property
    def job_role(self) -> str | None:
        return self.role_profile.job_role if self.role_profile else None

    def has_scope(self, scope: str) -> bool:
        """For a system client: whether it was registered with this scope. Staff have none."""
        return self.client is not None and self.client.has_scope(scope)
