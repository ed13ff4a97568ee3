"""Product pictures drawn with Pillow, so the demo needs no downloads and no image files in the repository."""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 1200, 900
SCALE = 2  # drawn at twice the size, then scaled down: smooth edges without an anti-aliasing pass

Palette = tuple[str, str, str, str]  # background top, background bottom, object, accent


def _hex(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return tuple(int(color[i : i + 2], 16) for i in (0, 2, 4))


def _shade(color: str, factor: float) -> tuple[int, int, int]:
    """Darker (factor < 1) or lighter (factor > 1) version of ``color``."""
    red, green, blue = _hex(color)
    if factor < 1:
        return (int(red * factor), int(green * factor), int(blue * factor))
    return tuple(int(c + (255 - c) * (factor - 1)) for c in (red, green, blue))


def _background(top: str, bottom: str) -> Image.Image:
    first, last = _hex(top), _hex(bottom)
    gradient = Image.new("RGB", (1, 256))
    for y in range(256):
        gradient.putpixel((0, y), tuple(int(a + (b - a) * y / 255) for a, b in zip(first, last, strict=True)))
    return gradient.resize((WIDTH * SCALE, HEIGHT * SCALE))


def _shadow(canvas: Image.Image, box: tuple[int, int, int, int]) -> None:
    layer = Image.new("L", canvas.size, 0)
    ImageDraw.Draw(layer).ellipse([v * SCALE for v in box], fill=90)
    layer = layer.filter(ImageFilter.GaussianBlur(28 * SCALE))
    canvas.paste((40, 40, 40), mask=layer)


def _s(*values: float) -> list[int]:
    return [int(v * SCALE) for v in values]


def mug(canvas: Image.Image, body: str, accent: str) -> None:
    draw = ImageDraw.Draw(canvas)
    draw.ellipse(_s(700, 380, 900, 620), outline=_shade(body, 0.85), width=44 * SCALE)
    draw.rounded_rectangle(_s(400, 300, 780, 720), radius=60 * SCALE, fill=_hex(body))
    draw.rectangle(_s(400, 300, 780, 360), fill=_hex(body))
    draw.ellipse(_s(400, 270, 780, 340), fill=_shade(body, 0.7))
    draw.ellipse(_s(420, 282, 760, 330), fill=_shade(body, 0.45))
    draw.rectangle(_s(400, 520, 780, 560), fill=_hex(accent))
    draw.rounded_rectangle(_s(440, 360, 470, 680), radius=15 * SCALE, fill=_shade(body, 1.25))
    for x in (520, 590, 660):
        draw.arc(_s(x - 20, 120, x + 20, 200), 90, 270, fill=_shade(body, 1.6), width=8 * SCALE)
        draw.arc(_s(x - 20, 190, x + 20, 260), 270, 90, fill=_shade(body, 1.6), width=8 * SCALE)


def tote(canvas: Image.Image, body: str, accent: str) -> None:
    draw = ImageDraw.Draw(canvas)
    for x in (470, 640):
        draw.arc(_s(x, 160, x + 110, 460), 180, 360, fill=_shade(body, 0.75), width=26 * SCALE)
    draw.polygon(_s(380, 330, 840, 330, 890, 760, 330, 760), fill=_hex(body))
    draw.polygon(_s(380, 330, 840, 330, 846, 380, 374, 380), fill=_shade(body, 0.88))
    draw.rounded_rectangle(_s(500, 480, 720, 620), radius=16 * SCALE, fill=_hex(accent))
    draw.line(_s(530, 530, 690, 530), fill=_shade(accent, 1.5), width=10 * SCALE)
    draw.line(_s(530, 570, 650, 570), fill=_shade(accent, 1.5), width=10 * SCALE)


def notebook(canvas: Image.Image, body: str, accent: str) -> None:
    draw = ImageDraw.Draw(canvas)
    draw.rounded_rectangle(_s(410, 190, 810, 740), radius=22 * SCALE, fill=_shade("#ffffff", 0.92))
    draw.rounded_rectangle(_s(395, 175, 795, 725), radius=22 * SCALE, fill=_hex(body))
    draw.rectangle(_s(395, 175, 440, 725), fill=_shade(body, 0.8))
    draw.rectangle(_s(730, 175, 748, 725), fill=_hex(accent))
    draw.rounded_rectangle(_s(500, 300, 690, 380), radius=10 * SCALE, fill=_shade(body, 1.5))
    for row in range(4):
        for column in range(5):
            x, y = 510 + column * 40, 470 + row * 50
            draw.ellipse(_s(x, y, x + 8, y + 8), fill=_shade(body, 1.35))


def socks(canvas: Image.Image, body: str, accent: str) -> None:
    draw = ImageDraw.Draw(canvas)
    for dx, dy, factor in ((110, -30, 0.82), (0, 0, 1.0)):
        color = _shade(body, factor) if factor != 1.0 else _hex(body)
        draw.rounded_rectangle(_s(440 + dx, 180 + dy, 600 + dx, 600 + dy), radius=30 * SCALE, fill=color)
        draw.rounded_rectangle(_s(440 + dx, 470 + dy, 790 + dx, 640 + dy), radius=85 * SCALE, fill=color)
        draw.rectangle(_s(440 + dx, 180 + dy, 600 + dx, 250 + dy), fill=_hex(accent))
        draw.rectangle(_s(440 + dx, 270 + dy, 600 + dx, 290 + dy), fill=_hex(accent))
        draw.pieslice(_s(620 + dx, 470 + dy, 790 + dx, 640 + dy), 270, 90, fill=_hex(accent))
        draw.pieslice(_s(440 + dx, 470 + dy, 560 + dx, 640 + dy), 90, 180, fill=_hex(accent))


def tea(canvas: Image.Image, body: str, accent: str) -> None:
    draw = ImageDraw.Draw(canvas)
    draw.rectangle(_s(430, 280, 770, 720), fill=_hex(body))
    draw.ellipse(_s(430, 680, 770, 760), fill=_hex(body))
    draw.rectangle(_s(420, 250, 780, 330), fill=_shade(body, 0.75))
    draw.ellipse(_s(420, 210, 780, 290), fill=_shade(body, 1.2))
    draw.ellipse(_s(420, 300, 780, 360), fill=_shade(body, 0.75))
    draw.rounded_rectangle(_s(470, 420, 730, 620), radius=18 * SCALE, fill=_shade("#ffffff", 0.96))
    leaf = Image.new("L", _s(120, 200), 0)
    ImageDraw.Draw(leaf).ellipse(_s(10, 0, 110, 200), fill=255)
    leaf = leaf.rotate(-35, expand=True, resample=Image.BICUBIC)
    canvas.paste(_hex(accent), (int(540 * SCALE), int(430 * SCALE)), leaf)


def candle(canvas: Image.Image, body: str, accent: str) -> None:
    draw = ImageDraw.Draw(canvas)
    glow = Image.new("L", canvas.size, 0)
    ImageDraw.Draw(glow).ellipse(_s(540, 120, 660, 300), fill=150)
    glow = glow.filter(ImageFilter.GaussianBlur(40 * SCALE))
    canvas.paste((255, 220, 150), mask=glow)
    draw.rounded_rectangle(_s(420, 330, 780, 740), radius=50 * SCALE, fill=_hex(body))
    draw.ellipse(_s(420, 300, 780, 380), fill=_shade(body, 1.3))
    draw.ellipse(_s(445, 315, 755, 370), fill=_shade("#fff7e8", 1.0))
    draw.rounded_rectangle(_s(470, 470, 730, 610), radius=14 * SCALE, fill=_hex(accent))
    draw.line(_s(600, 340, 600, 290), fill=(60, 50, 40), width=6 * SCALE)
    draw.ellipse(_s(578, 200, 622, 300), fill=(255, 174, 66))
    draw.ellipse(_s(590, 240, 610, 296), fill=(255, 236, 170))


#: Each drawing and where its object stands (the y of its shadow).
DRAWINGS: dict[str, tuple[Callable[[Image.Image, str, str], None], int]] = {
    "mug": (mug, 720),
    "tote": (tote, 760),
    "notebook": (notebook, 735),
    "socks": (socks, 640),
    "tea": (tea, 755),
    "candle": (candle, 740),
}


def product_picture(kind: str, palette: Palette) -> bytes:
    """A 1200×900 JPEG of a ``kind`` of product in ``palette``."""
    top, bottom, body, accent = palette
    canvas = _background(top, bottom)
    draw, ground = DRAWINGS[kind]
    _shadow(canvas, (340, ground - 40, 900, ground + 45))
    draw(canvas, body, accent)
    picture = canvas.resize((WIDTH, HEIGHT), Image.LANCZOS)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=88, optimize=True)
    return buffer.getvalue()
