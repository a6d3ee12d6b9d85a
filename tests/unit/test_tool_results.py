"""What a tool's return value becomes for the model: a matplotlib figure, a PIL image
or PNG/JPEG bytes an image (with a line of text), anything else text as before."""

from __future__ import annotations

import base64
import io

import pytest

from jupyter_responses import tool_results
from jupyter_responses.emulator import script as s
from jupyter_responses.tool_results import result_of

PNG = base64.b64decode(s.TINY_PNG_B64)
JPEG = base64.b64decode(s.TINY_JPEG_B64)


def test_png_and_jpeg_bytes_are_images_other_bytes_text() -> None:
    png = result_of(PNG)
    assert [(i.mime, i.data) for i in png.images] == [("image/png", PNG)]
    assert png.text == f"An image (image/png, {len(PNG)} bytes), attached."
    assert result_of(bytearray(JPEG)).images[0].mime == "image/jpeg"
    assert result_of(memoryview(PNG)).images[0].data == PNG
    plain = result_of(b"just text")
    assert (plain.text, plain.images) == ("just text", ())


def test_a_matplotlib_figure_is_a_png_and_is_closed_after() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(2, 1))
    axes.plot([1, 2, 3])
    (image,) = result_of(figure).images
    assert image.mime == "image/png" and image.data.startswith(b"\x89PNG\r\n\x1a\n")
    # Shown as the tool's result, so the end of the cell must not draw it again.
    assert not pyplot.fignum_exists(figure.number)
    figure.savefig(io.BytesIO(), format="png")  # the figure itself stays usable


def test_pil_images_are_pngs_or_jpegs_as_they_were_read() -> None:
    from PIL import Image as image_module

    made = image_module.new("RGB", (3, 2), "orange")
    assert result_of(made).images[0].mime == "image/png"
    read = image_module.open(io.BytesIO(JPEG))
    assert result_of(read).images[0].mime == "image/jpeg"
    cmyk = image_module.new("CMYK", (2, 2))  # PNG cannot hold CMYK: converted
    converted = result_of(cmyk).images[0]
    assert image_module.open(io.BytesIO(converted.data)).mode == "RGBA"


def test_an_image_over_the_limit_is_said_not_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tool_results, "MAX_IMAGE_BYTES", 10)
    too_big = result_of(PNG)
    assert too_big.images == () and "too large to send" in too_big.text


def test_a_figure_that_cannot_draw_itself_is_an_error_text() -> None:
    class Broken:
        def savefig(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError("no canvas")

    broken = result_of(Broken())
    assert broken.images == ()
    assert broken.text == "(the image could not be made: RuntimeError: no canvas)"
