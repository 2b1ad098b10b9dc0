"""Who may do what (TRD FR-8 RBAC): roles, the caller's identity, and the one rule table.

sre_admin may do everything. service_owner reads everything and decides SLOs only for
services whose team is one of its teams. viewer only reads. Deciding an SLO needs a
person (an OIDC identity) because the audit trail names who decided.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from slo_engine.domain.errors import Forbidden

END_USER_HEADER = "X-End-User"


class Role(StrEnum):
    SRE_ADMIN = "sre_admin"
    SERVICE_OWNER = "service_owner"
    VIEWER = "viewer"


# Most privileged first: a token carrying several roles acts with the first one found.
ROLE_PRECEDENCE = (Role.SRE_ADMIN, Role.SERVICE_OWNER, Role.VIEWER)


class Action(StrEnum):
    READ = "read"              # every GET, impact analysis (computes, stores nothing)
    INGEST = "ingest"          # submitting the dependency graph
    DECIDE = "decide"          # accept / modify / reject a recommendation
    ADMINISTER = "administer"  # auto-approval rules, cycle alert status


class CredentialKind(StrEnum):
    API_KEY = "api_key"
    USER = "user"  # an OIDC access token of a person


@dataclass(frozen=True)
class Principal:
    subject: str               # the token's subject, or "api-key:<key id>"
    role: Role
    teams: frozenset[str]
    kind: CredentialKind
    acts_for_end_users: bool = False  # a portal key that may name the person it calls for
    end_user: str | None = None       # that person, on this request

    @property
    def bucket(self) -> str:
        """Whose rate-limit bucket a request draws from: the person a portal calls for
        has one of their own, so one page view of a colleague never throttles another."""
        own = f"{self.kind}:{self.subject}"
        return own if self.end_user is None else f"{own}:end-user:{self.end_user}"

    @property
    def actor(self) -> str:
        """Who the audit trail and the logs name."""
        return self.subject if self.end_user is None else f"{self.subject} for {self.end_user}"

    def for_end_user(self, end_user: str) -> Principal:
        """This principal calling for a named person; only a portal key may."""
        if self.kind is not CredentialKind.API_KEY:
            raise Forbidden("A person's token already names who is calling: send no "
                            f"{END_USER_HEADER} header with it.")
        if not self.acts_for_end_users:
            raise Forbidden(f"This API key may not act for end users ({END_USER_HEADER}); "
                            "issue a portal key with `slo-engine apikey create "
                            "--acts-for-end-users`, or drop the header.")
        return replace(self, end_user=end_user)


def strongest_role(claimed: list[str]) -> Role | None:
    names = set(claimed)
    return next((role for role in ROLE_PRECEDENCE if role.value in names), None)


def authorize(principal: Principal, action: Action, service_team: str | None = None) -> None:
    """Raise Forbidden unless the principal may take the action (on a service of that team)."""
    role = principal.role
    if action is Action.READ or (role is Role.SRE_ADMIN and action is not Action.DECIDE):
        return
    if action is Action.DECIDE:
        _authorize_decision(principal, service_team)
        return
    raise Forbidden(f"The {role} role may not {action.value}; this needs sre_admin.")


def _authorize_decision(principal: Principal, service_team: str | None) -> None:
    if principal.kind is not CredentialKind.USER:
        raise Forbidden("Accepting, modifying or rejecting an SLO needs a person's identity "
                        "for the audit trail: send an OIDC access token (Authorization: "
                        "Bearer), not an API key.")
    if principal.role is Role.SRE_ADMIN:
        return
    if principal.role is Role.VIEWER:
        raise Forbidden("The viewer role is read-only; deciding SLOs needs service_owner "
                        "(for your team's services) or sre_admin.")
    if service_team is None or service_team not in principal.teams:
        team = f"team '{service_team}'" if service_team else "no team"
        raise Forbidden(f"This service belongs to {team}, which is not among your teams "
                        f"({', '.join(sorted(principal.teams)) or 'none'}); ask its owners "
                        "or an sre_admin.")
