"""Domain refusals that services raise and the API renders as JSON errors."""

from dataclasses import dataclass, field


@dataclass
class EventRefused(Exception):
    """An event that the rules do not allow; status is the HTTP status to answer with."""

    status: int
    errors: list[dict[str, str]]
    extra: dict = field(default_factory=dict)

    @classmethod
    def one(cls, http_status: int, field_path: str, message: str, **extra) -> "EventRefused":
        return cls(http_status, [{"field": field_path, "message": message}], extra)
