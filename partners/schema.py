"""What the OpenAPI schema says about the partner key (drf-spectacular's extension)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "partners.authentication.ApiKeyAuthentication"
    name = "partnerKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A partner organization's API key, issued by staff: "
                "`Authorization: Bearer <key>` (or `Authorization: Api-Key <key>`, or an "
                "`Api-Key: <key>` header). Never in the address: a request with a key in its "
                "query string is refused."
            ),
        }
