"""Tells drf-spectacular how our two bearer schemes look, so /api/docs/ can send them."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class AgentTokenScheme(OpenApiAuthenticationExtension):
    target_class = "agents.agent_api.authentication.AgentTokenAuthentication"
    name = "agentToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "The agent token from /agent/v1/enroll (mbt_…)."}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.accounts.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token mbu_…`: a personal token from Account → API tokens.",
        }
