"""Signing in people from the intranet's own identity provider (OpenID Connect).

A user token either comes from an issuer listed in ``ENGAGEMENT_OIDC_ISSUERS`` (Entra ID, Okta,
Keycloak or any OpenID Connect provider), verified with that issuer's published keys, or is the
HS256 token the intranet back end signs with ``ENGAGEMENT_TOKEN_SECRET`` (unless that is ``off``).
``issuers`` reads and checks the setting, ``keys`` fetches and rotates each issuer's keys, and
``tokens`` routes a token to the right check and turns its claims into a ``Principal``.
"""
from engagement.signin.issuers import Issuer, IssuerSettingError, parse_issuers
from engagement.signin.switches import flag, hs256_enabled
from engagement.signin.tokens import SignIn

__all__ = ["Issuer", "IssuerSettingError", "SignIn", "flag", "hs256_enabled", "parse_issuers"]
