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
  // Keys typed here are text, not notebook shortcuts (Shift+Enter would run the cell).
  for (const type of ["keydown", "keypress", "keyup"]) {
    area.addEventListener(type, (event) => event.stopPropagation());
  }
  area.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    if (!area.value.trim() || area.disabled) return;
    model.send({ type: "submit", text: area.value });
    area.value = "";
    model.set("value", "");
    model.save_changes();
  });
  el.appendChild(area);
}
export default { render };
