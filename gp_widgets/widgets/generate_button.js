// The editor's Generate button (GenerateButton in generate_button.py). A click reads the move, param and
// face from the browser's own models of those controls -- what the page shows at that moment -- and sends
// them with the click: {type: "generate", cause, token, move, param, face} (move and face as dropdown
// indices, param as the slider's value). ipywidgets holds back a model's update while its previous one is
// unanswered, but a custom message leaves at once, so the click must carry the values itself.
// The kernel asks for the same reading on Enter and auto: {type: "snapshot", cause, token}.

const PREFIX = "IPY_MODEL_";

function render({ model, el }) {
  const button = document.createElement("button");
  button.type = "button";
  const icon = document.createElement("i");
  const text = document.createElement("span");
  button.append(icon, text);
  el.appendChild(button);

  const controls = {};  // name -> the control's model in this page, once resolved
  const refs = model.get("controls") || {};
  const resolved = Promise.all(Object.entries(refs).map(async ([name, ref]) => {
    const id = typeof ref === "string" && ref.startsWith(PREFIX) ? ref.slice(PREFIX.length) : ref;
    controls[name] = await model.widget_manager.get_model(id);
  }));

  function reading(cause, token) {
    const index = (name) => {
      const i = controls[name] ? controls[name].get("index") : null;
      return typeof i === "number" && i >= 0 ? i : null;
    };
    return { type: "generate", cause, token, move: index("move"), face: index("face"),
             param: controls.param ? controls.param.get("value") : null };
  }

  function send(cause, token = null) {
    if (Object.keys(controls).length === Object.keys(refs).length) model.send(reading(cause, token));
    else resolved.then(() => model.send(reading(cause, token)));
  }

  function sync() {
    text.textContent = model.get("description");
    button.className = "jupyter-button widget-button mod-primary " + model.get("css");
    icon.className = "fa fa-" + model.get("icon");
    button.title = model.get("tooltip");
    button.disabled = model.get("disabled");
  }

  button.addEventListener("click", () => { if (!button.disabled) send("click"); });
  model.on("change:description", sync);
  model.on("change:disabled", sync);
  model.on("change:tooltip", sync);
  model.on("msg:custom", (msg) => {
    if (msg && msg.type === "snapshot") send(msg.cause, msg.token);
  });
  sync();
  model.send({ type: "ready" });
}

export default { render };
