"""Response shapes for the OpenAPI document (responses are built as dicts, see representation)."""

from rest_framework import serializers


class FieldError(serializers.Serializer):
    field = serializers.CharField(
        help_text="Path of the offending field, e.g. composition[1].mass_kg"
    )
    message = serializers.CharField()


class ErrorResponse(serializers.Serializer):
    errors = FieldError(many=True)


class PassportRead(serializers.Serializer):
    """A passport filtered to the reader's tier; withheld lists what the tier may not see."""

    id = serializers.UUIDField()
    product_type = serializers.CharField()
    identifiers = serializers.DictField()
    manufacturer = serializers.DictField()
    model = serializers.CharField()
    manufactured_at = serializers.DateField()
    manufacturing_place = serializers.DictField()
    mass_kg = serializers.CharField()
    attributes = serializers.DictField()
    carbon_footprint = serializers.DictField()
    critical_raw_materials = serializers.ListField(child=serializers.CharField())
    recycled_content = serializers.ListField(child=serializers.DictField())
    origin = serializers.ListField(child=serializers.DictField())
    documents = serializers.ListField(child=serializers.DictField())
    head_hash = serializers.CharField()
    tier = serializers.CharField()
    withheld = serializers.ListField(child=serializers.CharField())
    batch = serializers.CharField(required=False)
    composition = serializers.ListField(child=serializers.DictField(), required=False)
    status = serializers.CharField(required=False)
    holder = serializers.UUIDField(required=False, allow_null=True)
    placed_on_market = serializers.DictField(required=False, allow_null=True)
    health = serializers.DictField(required=False, help_text="field -> {value, at, seq}")
    predecessor = serializers.UUIDField(required=False, allow_null=True)
    successor = serializers.UUIDField(required=False, allow_null=True)
    qr = serializers.DictField()
    created_at = serializers.DateTimeField()
    registry = serializers.DictField(
        required=False,
        allow_null=True,
        help_text="Owner only: the EU registry upload (status, registration_id, attempts, "
        "last_error); null until the product is placed on the market",
    )


class PassportRegistered(serializers.Serializer):
    id = serializers.UUIDField()
    digital_link = serializers.URLField()
    qr_svg = serializers.CharField()
    qr_png = serializers.CharField()
    head_hash = serializers.CharField()


class BulkRegistered(serializers.Serializer):
    passports = PassportRegistered(many=True)


class JwkRead(serializers.Serializer):
    """A published Ed25519 public key (RFC 8037 OKP JWK) with its owner and validity."""

    kty = serializers.CharField()
    crv = serializers.CharField()
    x = serializers.CharField()
    kid = serializers.CharField(help_text="RFC 7638 thumbprint")
    use = serializers.CharField()
    alg = serializers.CharField()
    owner = serializers.DictField()
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField(allow_null=True)
