"""The JWT middleware, strict about the `Authorization` scheme.

Litestar's own takes whatever follows the first space, so `Basic <jwt>` or
`Token <jwt>` authenticated too. Only `Bearer` (case-insensitive, RFC 7235) is ours:
credentials under another scheme are meant for something else (a proxy's Basic auth)
and must not be read as ours, nor would a log scrubber that knows Bearer catch them.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware.authentication import AuthenticationResult
from litestar.security.jwt import JWTAuthenticationMiddleware


class BearerOnlyMiddleware(JWTAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        scheme, _, token = connection.headers.get(self.auth_header, "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorizedException("Send the token as `Authorization: Bearer <token>`")
        return await self.authenticate_token(encoded_token=token, connection=connection)
