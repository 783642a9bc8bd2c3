// Theme (theme.py): accessible names ipywidgets does not give, inside the gp widget this view belongs to.
// A slider's handle (role "slider") is named by the slider's tooltip or description; a picture of a class
// in `names` gets that text (an <img> as its alt, a canvas as an image's aria-label). Views render after
// this one and change, so the names follow every change of the widget's DOM.

function name(root, names) {
  for (const handle of root.querySelectorAll(".widget-slider [role=slider]:not([aria-label])")) {
    const slider = handle.closest(".widget-slider");
    const label = slider.querySelector(".widget-label");
    const text = (slider.title || (label && label.textContent) || "").trim();
    if (text) handle.setAttribute("aria-label", text);
  }
  for (const [css, text] of Object.entries(names)) {
    for (const node of root.querySelectorAll(`.${CSS.escape(css)}`)) {
      const pictures = node.matches("img, canvas") ? [node] : node.querySelectorAll("img, canvas");
      for (const picture of pictures) {
        if (picture.tagName === "IMG") {
          if (picture.alt !== text) picture.alt = text;
        } else if (picture.getAttribute("aria-label") !== text) {
          picture.setAttribute("role", "img");
          picture.setAttribute("aria-label", text);
        }
      }
    }
  }
}

function render({ model, el }) {
  let observer = null;
  const start = () => {
    const root = el.closest(".gp-widget");
    if (!root) return false;
    const apply = () => name(root, model.get("names") || {});
    let pending = false;  // at most one pass a frame, and only when elements were added (not on text changes)
    const soon = (mutations) => {
      if (pending || !mutations.some((m) => [...m.addedNodes].some((n) => n.nodeType === Node.ELEMENT_NODE))) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; apply(); });
    };
    apply();
    observer = new MutationObserver(soon);
    observer.observe(root, { childList: true, subtree: true });
    model.on("change:names", apply);
    return true;
  };
  if (!start()) requestAnimationFrame(() => start() || setTimeout(start, 500));
  return () => observer && observer.disconnect();
}

export default { render };
