"""Errors the emulator answers with, in Cascad's error envelope."""

from __future__ import annotations

ERROR_TYPES = {
    401: "authentication_error",
    403: "authentication_error",
    404: "not_found",
    405: "not_found",
    409: "conflict",
    413: "validation_error",
    422: "validation_error",
    429: "rate_limit",
    500: "server_error",
    503: "server_error",
}


class ApiError(Exception):
    """An error answer: HTTP status plus one entry of ``error_codes``."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field

    @property
    def error_type(self) -> str:
        return ERROR_TYPES.get(self.status, "server_error")

    def envelope(self, request_id: str) -> dict:
        entry = {"code": self.code, "field": self.field, "message": self.message}
        return {"request_id": request_id, "error_type": self.error_type, "error_codes": [entry]}


def invalid(code: str, message: str, field: str | None = None) -> ApiError:
    return ApiError(422, code, message, field)


def conflict(message: str, code: str = "invalid_status") -> ApiError:
    return ApiError(409, code, message)


def not_found(message: str = "No such resource.") -> ApiError:
    return ApiError(404, "not_found", message)
