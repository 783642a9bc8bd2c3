// The sweep grid's cells as one view (CellGrid in cellgrid.py): a header row of column labels, then per row
// its label and its cells, each a thumbnail over a status button. Cells arrive as custom messages:
// {type: "cells", full, cells: [{i, text, style, tooltip, failed, picture?}]}, pictures as binary buffers
// ("picture": a buffer index, null for none, absent to keep the one shown).

function label(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

function render({ model, el }) {
  const rows = model.get("rows"), columns = model.get("columns"), px = model.get("cell_px");
  const root = document.createElement("div");
  root.className = "gp-cellgrid";
  // cells shrink (to half their size) before the grid scrolls sideways
  root.style.gridTemplateColumns = `max-content repeat(${columns.length}, minmax(${Math.round(px / 2)}px, ${px + 6}px))`;
  root.appendChild(label("i", "gp-cellgrid-corner", model.get("corner")));
  for (const text of columns) root.appendChild(label("b", "gp-cellgrid-head", text));
  const cells = [];  // per cell: {box, img, button, url}
  rows.forEach((text, r) => {
    root.appendChild(label("b", "gp-cellgrid-row", text));
    for (let c = 0; c < columns.length; c++) {
      const box = document.createElement("div"), img = document.createElement("img");
      const button = document.createElement("button");
      box.className = "gp-sweep-cell";
      img.style.maxWidth = `${px}px`;
      img.alt = `${text}, ${columns[c]}`;
      button.type = "button";
      button.dataset.index = String(r * columns.length + c);
      box.append(img, button);
      root.appendChild(box);
      cells.push({ box, img, button, url: null });
    }
  });

  // a long error code may wrap after its underscores (<wbr>), never be cut
  function setText(button, text) {
    const parts = text.split(/(?<=_)/);
    button.replaceChildren(...parts.flatMap((part, i) => (i ? [document.createElement("wbr"), part] : [part])));
  }

  function setPicture(cell, buffer) {
    if (cell.url) URL.revokeObjectURL(cell.url);
    cell.url = buffer ? URL.createObjectURL(new Blob([buffer], { type: "image/jpeg" })) : null;
    if (cell.url) cell.img.src = cell.url;
    else cell.img.removeAttribute("src");
  }

  function apply(msg, buffers) {
    if (!msg || msg.type !== "cells" || !Array.isArray(msg.cells)) return;
    for (const state of msg.cells) {
      const cell = cells[state.i];
      if (!cell) continue;
      setText(cell.button, state.text);
      cell.button.title = state.tooltip;
      cell.img.alt = state.tooltip;
      cell.button.className = state.style ? `mod-${state.style}` : "";
      cell.box.classList.toggle("gp-sweep-failed", Boolean(state.failed));
      if ("picture" in state) setPicture(cell, state.picture === null ? null : buffers[state.picture]);
    }
  }

  root.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-index]");
    if (button && root.contains(button)) model.send({ type: "click", index: Number(button.dataset.index) });
  });
  model.on("msg:custom", apply);
  el.appendChild(root);
  model.send({ type: "ready" });
  return () => {
    for (const cell of cells) if (cell.url) URL.revokeObjectURL(cell.url);
  };
}

export default { render };
