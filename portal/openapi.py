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


# Every API error has this body (portal/lib/api_errors.py); `fields` names each invalid field of a 400.
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {}},
    },
    "required": ["detail", "code"],
}
ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
ERROR_DESCRIPTIONS = {400: "Invalid input", 401: "No valid credential", 403: "Not allowed", 404: "Not found"}
BODY_METHODS = {"post", "put", "patch"}


def document_error_responses(result, generator, request, public):
    """Adds the errors every operation can answer and few views declare: 400 for invalid input, 401/403 where a
    credential is required, 404 for an unknown id in the path. Clients (and schemathesis) then know each answer."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation["responses"]
            for code in _error_codes(method, operation, result.get("security")):
                responses.setdefault(str(code), {"description": ERROR_DESCRIPTIONS[code], "content": ERROR_CONTENT})
            for code, response in responses.items():
                if code.startswith("4") and "content" not in response:  # declared with a description only
                    response["content"] = ERROR_CONTENT
    return result


def _error_codes(method: str, operation: dict, default_security) -> list[int]:
    parameters = operation.get("parameters", [])
    codes = []
    if method in BODY_METHODS or any(p["in"] == "query" for p in parameters):
        codes.append(400)
    if any(requirement for requirement in operation.get("security", default_security) or []):
        codes += [401, 403]
    if any(p["in"] == "path" for p in parameters):
        codes.append(404)
    return codes
