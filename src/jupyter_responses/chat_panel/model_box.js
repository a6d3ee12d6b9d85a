// The panel's model box: free text, with the server's models offered as a list.
let boxes = 0;

function render({ model, el }) {
  const label = document.createElement("label");
  label.className = "jr-model";
  const caption = document.createElement("span");
  caption.textContent = "Model";
  const input = document.createElement("input");
  input.className = "jr-model-input";
  input.type = "text";
  input.spellcheck = false;
  input.autocomplete = "off";
  input.title = "The model the next message goes to: pick one the server lists, or type any name";
  const list = document.createElement("datalist");
  list.id = `jr-models-${++boxes}-${Date.now().toString(36)}`;
  input.setAttribute("list", list.id);

  const fill = () => {
    list.replaceChildren(
      ...model.get("options").map((name) => Object.assign(document.createElement("option"), { value: name })),
    );
  };
  const show = () => {
    input.disabled = model.get("disabled");
    if (document.activeElement !== input) input.value = model.get("value");
  };
  const commit = () => {
    const name = input.value.trim();
    if (name && name !== model.get("value")) {
      model.set("value", name);
      model.save_changes();
    }
    input.value = model.get("value");
  };
  // Focused, the box empties and shows the current model as its placeholder: the
  // browser then offers the whole list, not only the names containing the current one.
  input.addEventListener("focus", () => {
    input.placeholder = model.get("value");
    input.value = "";
    model.send({ type: "models" }); // in case the first fetch failed
  });
  input.addEventListener("blur", () => {
    commit();
    input.placeholder = "";
  });
  // Picked from the list: commit at once. Typed: not yet, or typing "gpt-4o-mini" would
  // commit "gpt-4o" on the way (a pick is no typing InputEvent, or a replacement).
  input.addEventListener("input", (event) => {
    const typed = event instanceof InputEvent && event.inputType !== "insertReplacementText";
    if (!typed && model.get("options").includes(input.value)) commit();
  });
  // Keys typed here are text, not notebook shortcuts.
  for (const type of ["keydown", "keypress", "keyup"]) {
    input.addEventListener(type, (event) => event.stopPropagation());
  }
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") input.blur();
    if (event.key === "Escape") {
      input.value = "";
      input.blur();
    }
  });
  model.on("change:options", fill);
  model.on("change:value", show);
  model.on("change:disabled", show);
  fill();
  show();
  label.append(caption, input, list);
  el.appendChild(label);
  model.send({ type: "models" }); // shown: the kernel fetches the server's list, once
}
export default { render };
