"""Static fallbacks: the picture each widget leaves in a saved notebook, how it is displayed and
refreshed, and Colab's widget manager (with a stand-in ``google.colab``)."""

from __future__ import annotations

import base64
import io
import logging
import re
import sys
import types

import ipywidgets
import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from ipywidgets import Widget
from page_messages import from_page
from PIL import Image

from gp_widgets.widgets import FaceEditor, colab
from gp_widgets.widgets.pictures import Panel, Tile, side_by_side, tile_sheet
from gp_widgets.widgets.static import (
    STATIC_CLASS,
    Hider,
    StaticFallback,
    encode_jpeg,
    fallback_html,
    hide_css,
    live_class,
)

MAX_OUTPUT_BYTES = 300 * 1024
VIEW = "application/vnd.jupyter.widget-view+json"


def picture_of(bundle: dict) -> Image.Image:
    """The JPEG embedded in a fallback's ``text/html``."""
    match = re.search(r'src="data:image/jpeg;base64,([^"]+)"', bundle["text/html"])
    assert match, bundle["text/html"][:200]
    return Image.open(io.BytesIO(base64.b64decode(match.group(1)))).convert("RGB")


def spread(image: Image.Image, box: tuple[float, float, float, float] | None = None) -> float:
    """Standard deviation of the grey levels (in a relative box): 0 for a blank area."""
    if box is not None:
        w, h = image.size
        image = image.crop((round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h)))
    return float(np.asarray(image.convert("L"), dtype=float).std())


def test_fallback_html_is_self_contained_and_hideable():
    jpeg = encode_jpeg(Image.new("RGB", (2000, 1000), (200, 10, 10)))
    assert Image.open(io.BytesIO(jpeg)).size == (960, 480)
    markup = fallback_html(jpeg, "abc123", 'a <"grid">')
    assert f'class="{STATIC_CLASS} {STATIC_CLASS}-abc123"' in markup
    assert "http" not in markup and "&lt;&quot;grid&quot;&gt;" in markup
    assert picture_of({"text/html": markup}).size == (960, 480)
    assert hide_css("abc123").startswith(f".{STATIC_CLASS}-abc123{{display:none")


def test_pictures_draw_faces_captions_and_failed_tiles():
    from gp_widgets.api import Face

    photo = Image.new("RGB", (600, 400), (90, 120, 150))
    sheet = side_by_side([Panel(photo, "photo", (Face(0.25, 0.25, 0.5, 0.5),), 0), Panel(None, "no variant yet")],
                         "FaceEditor · 1 face found")
    assert sheet.width > 448 + 300 and spread(sheet, (0, 0.05, 0.6, 0.95)) > 10  # the box is drawn
    placeholder = sheet.crop((sheet.width - 100, 60, sheet.width - 20, 100))
    assert spread(placeholder) == 0  # grey, nothing drawn there
    tiles = [[Tile(encode_jpeg(photo), "1.2 s"), Tile(None, "move_unavailable_offline", failed=True)]]
    grid = tile_sheet(tiles, ["smile"], ["-1", "+1"], "Sweep")
    red = np.asarray(grid)[..., 0].astype(int) - np.asarray(grid)[..., 1]
    assert (red > 100).any()  # the failure code is drawn in red


async def test_editor_fallback_shows_photo_faces_and_variant(client):
    editor = FaceEditor(client=client)
    await editor.ready()
    before = picture_of(editor.static_fallback.bundle())
    await editor.generate("smile", 0.8)
    bundle = editor.static_fallback.bundle()
    after = picture_of(bundle)
    assert len(bundle["text/html"]) <= MAX_OUTPUT_BYTES
    assert "smile +0.80 · face 1: complete" in bundle["text/plain"]
    face = editor.source.faces[0]
    half = after.width / 2
    assert spread(after, (face.x / 2, 0.1 + face.y * 0.8, (face.x + face.w) / 2, 0.1 + (face.y + face.h) * 0.8)) > 15
    assert spread(after, (0.55, 0.2, 0.95, 0.8)) > 15  # the variant, not the placeholder
    assert spread(before, (0.55, 0.2, 0.95, 0.8)) < spread(after, (0.55, 0.2, 0.95, 0.8))
    assert after.width > half
    editor.close()


@pytest.fixture
def shell(monkeypatch):
    """A plain IPython shell, and widgets that display as the widget-view mimetype."""
    monkeypatch.setattr(Widget, "_repr_mimebundle_", lambda self, **kw: {VIEW: {"model_id": self.model_id}})
    return InteractiveShell.instance()


async def test_show_displays_widget_then_fallback_and_refresh_updates_it(shell):
    colours = iter([(200, 0, 0), (0, 0, 200), (0, 200, 0)])
    widget = Widget()
    fallback = StaticFallback(lambda: Image.new("RGB", (64, 64), next(colours)), lambda: "a red square")
    await fallback.refresh()  # not shown yet: nothing to update
    with capture_output() as shown:
        fallback.show(widget)
    view, static = shown.outputs
    assert view.data[VIEW] == {"model_id": widget.model_id} and "needs a running kernel" in view.data["text/plain"]
    assert static.transient == {"display_id": fallback.display_id} and not static.update
    assert picture_of(static.data).getpixel((32, 32))[0] > 150
    with capture_output() as refreshed:
        await fallback.refresh()
    (update,) = refreshed.outputs
    assert update.update and update.transient == {"display_id": fallback.display_id}
    assert picture_of(update.data).getpixel((32, 32))[2] > 150
    assert f".{fallback.display_id}{{display:none" in fallback.hider.css
    with capture_output() as blocking:
        fallback.refresh_now()
    assert [o.update for o in blocking.outputs] == [True]


@pytest.fixture
def stand_in_colab(monkeypatch):
    """A ``google.colab`` package whose ``output.enable_custom_widget_manager`` records calls."""
    calls: list[str] = []
    google, colab_pkg, output = (types.ModuleType(n) for n in ("google", "google.colab", "google.colab.output"))
    output.enable_custom_widget_manager = lambda: calls.append("enabled")
    google.colab, colab_pkg.output = colab_pkg, output
    for name, module in (("google", google), ("google.colab", colab_pkg), ("google.colab.output", output)):
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(colab, "_enabled", False)
    return calls


def test_colab_custom_widget_manager_enabled_once_with_a_log_line(stand_in_colab, caplog):
    with caplog.at_level(logging.INFO, logger="gp_widgets"):
        assert colab.enable_colab_widgets() is True
        assert colab.enable_colab_widgets() is False
    assert stand_in_colab == ["enabled"]
    assert [r.getMessage() for r in caplog.records if "custom widget manager" in r.getMessage()]


def test_displaying_a_widget_in_colab_enables_the_manager(stand_in_colab, shell):
    with capture_output():
        StaticFallback(lambda: Image.new("RGB", (8, 8)), lambda: "x").show(Widget())
    assert "enabled" in stand_in_colab  # by us once (the fallback's hider, an anywidget, may ask too)
    assert colab.enable_colab_widgets() is False  # already on: not asked again


def test_no_colab_no_call(monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", None)  # import fails as outside Colab
    monkeypatch.setattr(colab, "_enabled", False)
    assert colab.enable_colab_widgets() is False


async def test_grid_fallback_shows_thumbnails_labels_and_failures(client):
    from gp_widgets import samples
    from gp_widgets.widgets.grid import sweep

    grid = sweep(samples.portrait(), moves=["smile", "MaleAsian"], params=[-1, 1], client=client)
    pending = picture_of(grid.static_fallback.bundle())
    await grid
    bundle = grid.static_fallback.bundle()
    done = picture_of(bundle)
    assert len(bundle["text/html"]) <= MAX_OUTPUT_BYTES
    assert bundle["text/plain"].startswith("Sweep: 2 moves × 2 params")
    assert spread(done, (0.2, 0.1, 0.95, 0.5)) > 2 * spread(pending, (0.2, 0.1, 0.95, 0.5))  # smile row: faces
    pixels = np.asarray(done).astype(int)
    assert ((pixels[..., 0] - pixels[..., 1]) > 100).any()  # move_unavailable_offline in red
    grid.close()


async def test_study_fallback_shows_the_final_curves(client, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    import gp_widgets as gp
    from gp_widgets import samples

    with ThreadPoolExecutor(1) as executor:
        view = gp.study([samples.portrait()], ["smile"], [-1, 0, 1], metrics=[gp.metrics.mad_face], client=client,
                        executor=executor, cache_dir=tmp_path)
        blank = picture_of(view.static_fallback.bundle())
        await view
    bundle = view.static_fallback.bundle()
    final = picture_of(bundle)
    assert bundle["text/plain"].startswith("Study: 1 photos") and "3 done" in bundle["text/plain"]
    assert len(bundle["text/html"]) <= MAX_OUTPUT_BYTES
    assert np.asarray(blank).std() == 0 and np.asarray(final).std() > 10  # the curves, not a blank sheet
    assert_figure_drawn_once(view)
    comparison = gp.compare(view, view)
    assert picture_of(comparison.static_fallback.bundle()).size[0] > 100
    assert_figure_drawn_once(comparison)
    comparison.close()
    view.close()


def pictures_in_saved_state(widget: Widget) -> list[ipywidgets.Image]:
    """The images among ``widget``'s descendants that a page drawing its saved state alone (nbviewer, an HTML
    export with widget state, no kernel) shows: those with a picture that their layout does not hide."""
    found = []
    if isinstance(widget, ipywidgets.Image) and widget.value and widget.layout.display != "none":
        found.append(widget)
    for child in getattr(widget, "children", ()):
        found += pictures_in_saved_state(child)
    return found


def assert_figure_drawn_once(view) -> None:
    """Issue 25: the figure is in the fallback picture; saved state must not draw it a second time, and
    where a kernel answers, the hider's style shows it again (beating the layout's inline display)."""
    assert pictures_in_saved_state(view) == []
    live = [w for w in _descendants(view) if live_class(view.static_fallback.key) in w._dom_classes]
    assert any(isinstance(w, ipywidgets.Image) and w.value for w in live)
    assert f".{live_class(view.static_fallback.key)}{{display:block!important}}" in view.static_fallback.hider.css


def _descendants(widget: Widget) -> list[Widget]:
    out = [widget]
    for child in getattr(widget, "children", ()):
        out += _descendants(child)
    return out


def test_the_hider_styles_a_view_only_when_the_kernel_answers(monkeypatch) -> None:
    """A view asks; only a kernel answers ``live`` (then the view applies the CSS): a page drawing saved
    widget state alone gets no answer and keeps the saved picture."""
    hider = Hider(hide_css("abc"))
    said: list[object] = []
    monkeypatch.setattr(hider, "send", lambda content, buffers=None: said.append(content))
    from_page(hider, {"type": "click"})
    from_page(hider, "ready")
    assert said == []
    from_page(hider, {"type": "ready"})
    assert said == [{"type": "live"}] and hider.css == hide_css("abc") and hider.layout.display == "none"
