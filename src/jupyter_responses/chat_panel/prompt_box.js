function render({ model, el }) {
  const area = document.createElement("textarea");
  area.className = "jr-prompt";
  area.rows = 3;
  area.placeholder = "Ask something. Enter sends, Shift+Enter starts a new line.";
  area.style.cssText = "width:100%;box-sizing:border-box;font:inherit;resize:vertical;";
  area.value = model.get("value");
  const sync = () => { area.disabled = model.get("disabled"); };
  sync();
  model.on("change:disabled", sync);
  model.on("change:value", () => {
    if (area.value !== model.get("value")) area.value = model.get("value");
  });
  area.addEventListener("input", () => {
    model.set("value", area.value);
    model.save_changes();
  });
  // The text goes to the kernel in the same state update that empties the box, never
  // in a message of its own: the widget manager holds back state updates while one is
  // in flight (a busy kernel) but sends messages at once, so a message could overtake
  // the typing before it, and the kernel would see the box emptied after it had put
  // back text it could not send. The counter makes each submission a change, and lets
  // two views of one box answer one Send click once.
  const submit = () => {
    const text = area.value;
    if (!text.trim() || area.disabled) return;
    area.value = "";
    model.set({ value: "", submitted: text, submits: model.get("submits") + 1 });
    model.save_changes();
  };
  model.on("msg:custom", (content) => {
    if (content && content.type === "submit") submit(); // the Send button
  });
  // Keys typed here are text, not notebook shortcuts (Shift+Enter would run the cell).
  for (const type of ["keydown", "keypress", "keyup"]) {
    area.addEventListener(type, (event) => event.stopPropagation());
  }
  area.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    submit();
  });
  el.appendChild(area);
}
export default { render };
