// The editor's scrub strip (ScrubStrip in scrub_strip.py): one tick per stop under the param slider, solid
// once its variant is ready, outlined when shown. It lines itself up with the slider track of its own editor
// and tells the kernel when that slider is let go of ({type: "released"}), while scrub mode is on.

function render({ model, el }) {
  const strip = document.createElement("div");
  strip.className = "gp-scrub-track";
  strip.style.cssText = "position:relative;height:10px;margin:0;";
  el.style.cssText = "width:100%;min-height:10px;";
  el.appendChild(strip);

  function track() {
    const editor = el.closest(".gp-face-editor");
    return editor ? editor.querySelector(".gp-param .noUi-target, .gp-param .slider") : null;
  }

  function layout() {
    const target = track(), box = el.getBoundingClientRect();
    if (target && box.width) {
      const t = target.getBoundingClientRect();
      strip.style.left = `${t.left - box.left}px`;
      strip.style.width = `${t.width}px`;
    } else {
      strip.style.left = "0px";
      strip.style.width = "100%";
    }
  }

  function draw() {
    const lo = model.get("lo"), hi = model.get("hi"), ready = new Set(model.get("ready").map(String));
    const shown = model.get("shown");
    strip.replaceChildren();
    strip.style.display = model.get("active") ? "block" : "none";
    for (const stop of model.get("stops")) {
      const tick = document.createElement("span");
      const at = hi > lo ? (stop - lo) / (hi - lo) : 0.5;
      const isReady = ready.has(String(stop));
      tick.className = "gp-scrub-tick" + (isReady ? " gp-ready" : "");
      tick.dataset.param = String(stop);
      tick.title = `${stop >= 0 ? "+" : "\u2212"}${Math.abs(stop).toFixed(2)}${isReady ? " ready" : " filling…"}`;
      // the theme's colours (JupyterLab's variables), with the Light theme's as fallbacks
      const colour = isReady ? "var(--jp-success-color1, #2e7d32)" : "var(--jp-layout-color3, #bdbdbd)";
      tick.style.cssText = `position:absolute;left:calc(${(100 * at).toFixed(3)}% - 2px);top:1px;width:4px;`
        + `height:8px;border-radius:1px;background:${colour};`
        + (shown !== null && Math.abs(shown - stop) < 1e-9 ? "outline:2px solid var(--jp-warn-color1, #f57c00);" : "");
      strip.appendChild(tick);
    }
    layout();
  }

  let pressed = false;  // a press that began on this editor's slider (the release may land anywhere)
  function inSlider(event) {
    const editor = el.closest(".gp-face-editor");
    const slider = editor && editor.querySelector(".gp-param");
    return Boolean(slider && slider.contains(event.target));
  }
  function pressedDown(event) { if (inSlider(event)) pressed = true; }
  function released(event) {
    const ours = pressed || inSlider(event);
    if (event.type === "pointerup") pressed = false;
    if (ours && model.get("active")) setTimeout(() => model.send({ type: "released" }), 0);
  }

  for (const name of ["change:lo", "change:hi", "change:stops", "change:ready", "change:shown", "change:active"]) {
    model.on(name, draw);
  }
  document.addEventListener("pointerdown", pressedDown, true);
  document.addEventListener("pointerup", released, true);
  document.addEventListener("keyup", released, true);
  const resize = new ResizeObserver(layout);
  resize.observe(el);
  requestAnimationFrame(draw);
  draw();
  return () => {
    document.removeEventListener("pointerdown", pressedDown, true);
    document.removeEventListener("pointerup", released, true);
    document.removeEventListener("keyup", released, true);
    resize.disconnect();
  };
}

export default { render };
