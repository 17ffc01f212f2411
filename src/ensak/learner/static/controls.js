// The browser half of ensak.learner.controls, loaded by anywidget: a widget's live status line and named
// groups of choices. Each control also gives the ensak widget around it its language and its keys.

const WIDGET_ROOT = ".ensak-widget";
let drawn = 0;

function uniqueId(prefix) {
  drawn += 1;
  return `${prefix}-${drawn}-${Math.random().toString(36).slice(2, 8)}`;
}

// JupyterLab's notebook reads plain keys as commands whenever no text field has focus: the arrow keys and
// J/K select another cell, D D deletes one, Shift+Enter runs one. Inside an ensak widget those keys belong to
// its radio buttons, checkboxes and buttons, so they stop at the widget. Keys with Ctrl, Alt or Cmd still
// reach JupyterLab (Ctrl+S saves), and so do Tab and Escape.
function keepKeys(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.key === "Tab" || event.key === "Escape") {
    return;
  }
  event.stopPropagation();
}

// The widget's root is drawn by ipywidgets, which sets no attributes; once this control is in the page,
// give the root its language and its keys. A view can be drawn before it is attached, hence the wait.
function adoptRoot(el, lang) {
  let frames = 0;
  const look = () => {
    if (!el.isConnected) {
      frames += 1;
      if (frames < 600) {
        requestAnimationFrame(look);
      }
      return;
    }
    const root = el.closest(WIDGET_ROOT);
    if (root && !root.dataset.ensakAdopted) {
      root.dataset.ensakAdopted = "true";
      root.lang = lang;
      root.addEventListener("keydown", keepKeys);
    }
  };
  look();
}

function prepare(model, el) {
  el.lang = model.get("lang");
  el.addEventListener("keydown", keepKeys);
  adoptRoot(el, model.get("lang"));
}

// One persistent live region: the element is there from the first drawing and only its text changes,
// which is what screen readers announce.
function drawStatus(model, el) {
  el.classList.add("ensak-status");
  el.setAttribute("role", model.get("role"));
  el.setAttribute("aria-live", model.get("live"));
  el.setAttribute("aria-atomic", "true");
  const show = () => {
    el.textContent = model.get("value");
    el.classList.toggle("ensak-status-problem", model.get("problem"));
  };
  show();
  model.on("change:value", show);
  model.on("change:problem", show);
  return () => {
    model.off("change:value", show);
    model.off("change:problem", show);
  };
}

function drawChoices(model, el) {
  const id = uniqueId("ensak-val");
  const group = document.createElement("div");
  const name = document.createElement("div");
  const hint = document.createElement("div");
  const options = document.createElement("div");
  name.id = `${id}-namn`;
  name.className = "ensak-choices-name";
  hint.id = `${id}-tips`;
  hint.className = "ensak-choices-hint";
  options.className = "ensak-choices-options";
  group.className = "ensak-choices";
  group.append(name, hint, options);
  el.append(group);
  let inputs = [];

  const choose = () => {
    const selected = inputs.filter(input => input.checked).map(input => Number(input.value));
    model.set("selected", selected);
    model.save_changes();
  };

  const build = () => {
    group.setAttribute("role", model.get("role"));
    group.setAttribute("aria-labelledby", name.id);
    group.classList.toggle("ensak-choices-scale", model.get("appearance") === "scale");
    group.classList.toggle("ensak-choices-list", model.get("appearance") !== "scale");
    name.textContent = model.get("label");
    hint.textContent = model.get("hint");
    hint.hidden = !model.get("hint");
    if (model.get("hint")) {
      group.setAttribute("aria-describedby", hint.id);
    } else {
      group.removeAttribute("aria-describedby");
    }
    options.textContent = "";
    inputs = model.get("options").map((text, position) => {
      const label = document.createElement("label");
      label.className = "ensak-choice";
      const input = document.createElement("input");
      input.type = model.get("multiple") ? "checkbox" : "radio";
      // One name per group: the browser then moves the choice with the arrow keys, inside this group only.
      input.name = id;
      input.value = String(position);
      input.addEventListener("change", choose);
      const mark = document.createElement("span");
      mark.className = "ensak-choice-mark";
      mark.setAttribute("aria-hidden", "true");
      mark.textContent = "✓";
      const words = document.createElement("span");
      words.className = "ensak-choice-text";
      words.textContent = text;
      label.append(input, mark, words);
      options.append(label);
      return input;
    });
    update();
  };

  const update = () => {
    const selected = new Set(model.get("selected"));
    inputs.forEach((input, position) => {
      input.checked = selected.has(position);
      input.disabled = model.get("disabled");
      input.closest(".ensak-choice").classList.toggle("ensak-chosen", input.checked);
    });
  };

  build();
  const rebuilding = ["label", "hint", "options", "multiple", "role", "appearance"].map(trait => `change:${trait}`);
  rebuilding.forEach(event => model.on(event, build));
  model.on("change:selected", update);
  model.on("change:disabled", update);
  return () => {
    rebuilding.forEach(event => model.off(event, build));
    model.off("change:selected", update);
    model.off("change:disabled", update);
  };
}

const DRAWINGS = { status: drawStatus, choices: drawChoices };

export default {
  render({ model, el }) {
    prepare(model, el);
    return DRAWINGS[model.get("control")](model, el);
  },
};
