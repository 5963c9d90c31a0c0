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

    @classmethod
    def archived(cls, host: str) -> "EventRefused":
        """The refusal for a passport served from another instance's backup archive."""
        return cls.one(
            409,
            "passport",
            f"This passport is a read-only archived copy from {host} (its operator's backup); "
            "its chain is served as signed there and no event can be appended here.",
            archived_from=host,
        )
