// The rating widget (RatingWidget in rating.py): a rater id, then one trial at a time, answered by key
// (2afc ←/→ or F/J, mos 1–5, same-person Y/N) or by the buttons below the pictures, with a progress bar and
// pause/resume. Trials arrive as {type: "trial", trial, pictures} with the pictures as binary buffers, or
// {type: "done"}; answers go back as {type: "answer", trial, key, rt}. Nothing but pictures is shown.

const KEYS = {
  "2afc": [["ArrowLeft", "← Left (F)"], ["ArrowRight", "Right (J) →"]],
  "mos": [["1", "1 bad"], ["2", "2 poor"], ["3", "3 fair"], ["4", "4 good"], ["5", "5 excellent"]],
  "same-person": [["y", "Yes, same person (Y)"], ["n", "No (N)"]],
};

function node(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function render({ model, el }) {
  const root = node("div", "gp-rating");
  root.tabIndex = 0;
  root.dataset.lmSuppressShortcuts = "true";  // JupyterLab's command-mode keys (F, J, Y, N, 1–5) stay ours
  const head = node("div", "gp-rating-head");
  const label = node("label", "", "Rater id");
  const rater = node("input");
  rater.id = `gp-rating-rater-${Math.random().toString(36).slice(2)}`;
  label.htmlFor = rater.id;
  rater.placeholder = "e.g. r01";
  const start = node("button", "gp-rating-start", "Start");
  start.type = "button";
  start.title = "Start or resume rating as this rater (answers are saved as you give them)";
  const pause = node("button", "gp-rating-pause", "Pause");
  pause.type = "button";
  const bar = node("progress");
  const count = node("span", "gp-rating-count");
  head.append(label, rater, start, pause, bar, count);
  const question = node("p", "gp-rating-question", model.get("question"));
  const pictures = node("div", "gp-rating-pictures");
  const buttons = node("div", "gp-rating-buttons");
  for (const [key, text] of KEYS[model.get("kind")] || []) {
    const b = node("button", "", text);
    b.type = "button";
    b.dataset.key = key;
    b.title = `Answer: ${text}`;
    buttons.appendChild(b);
  }
  const status = node("p", "gp-rating-status");
  root.append(head, question, pictures, buttons, status);
  el.appendChild(root);

  let trial = null, shownAt = 0, urls = [];

  function sync() {
    const total = model.get("total"), answered = model.get("answered"), paused = model.get("paused");
    bar.max = total;
    bar.value = answered;
    bar.title = `${answered} of ${total} answered`;
    count.textContent = `${answered} / ${total}`;
    pause.textContent = paused ? "Resume" : "Pause";
    pause.title = paused ? "Resume rating" : "Pause (the pictures are hidden; nothing is lost)";
    pause.disabled = !model.get("rater") || model.get("done");
    rater.value = rater.value || model.get("rater");
    status.textContent = model.get("status");
    const hidden = paused || trial === null;
    if (hidden) delete root.dataset.trial;
    else root.dataset.trial = String(trial);  // which trial is on screen (its position: no stimulus)
    pictures.hidden = hidden;
    buttons.hidden = hidden;
  }

  function clear() {
    for (const u of urls) URL.revokeObjectURL(u);
    urls = [];
    pictures.replaceChildren();
  }

  function answer(key) {
    if (trial === null || model.get("paused")) return;
    model.send({ type: "answer", trial, key, rt: Math.round(performance.now() - shownAt) });
    trial = null;
    clear();
    sync();
  }

  model.on("msg:custom", (msg, buffers) => {
    if (!msg) return;
    clear();
    trial = null;
    if (msg.type === "trial") {
      for (const buffer of buffers) {
        const url = URL.createObjectURL(new Blob([buffer], { type: "image/jpeg" }));
        urls.push(url);
        const img = node("img");
        img.alt = "";
        img.src = url;
        pictures.appendChild(img);
      }
      trial = msg.trial;
      shownAt = performance.now();
      root.focus();
    }
    sync();
  });
  for (const name of ["total", "answered", "paused", "status", "rater", "done"]) model.on(`change:${name}`, sync);

  function begin() {
    const id = rater.value.trim();
    if (!id) { rater.focus(); return; }
    model.send({ type: "rater", rater: id });
  }
  start.addEventListener("click", begin);
  rater.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.stopPropagation(); begin(); } });
  pause.addEventListener("click", () => { model.set("paused", !model.get("paused")); model.save_changes(); });
  buttons.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-key]");
    if (b) answer(b.dataset.key);
  });
  root.addEventListener("keydown", (e) => {
    if (e.target === rater || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === " " && model.get("rater")) {
      model.set("paused", !model.get("paused"));
      model.save_changes();
    } else if (trial !== null) {
      answer(e.key);
    } else {
      return;
    }
    e.preventDefault();
    e.stopPropagation();
  });
  sync();
  model.send({ type: "ready" });
  return clear;
}

export default { render };
