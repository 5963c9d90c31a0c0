"""QR codes for passports: error correction M, a four-module quiet zone."""

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def _code(text: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=10)
    code.add_data(text)
    code.make(fit=True)
    return code


def qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    _code(text).make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(text: str) -> bytes:
    buffer = io.BytesIO()
    _code(text).make_image(image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    return buffer.getvalue()
