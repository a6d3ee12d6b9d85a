// The version switcher under a regenerated answer: "◀ 2/3 ▶". An arrow asks the kernel
// for another version (model.send); the kernel makes it current, shows its answer in
// the cell and sets `number`, which redraws the count. Nothing changes here on its own:
// what is shown is always what the kernel did.
function render({ model, el }) {
  const bar = document.createElement("div");
  bar.className = "jr-versions";
  bar.setAttribute("role", "group");
  const arrow = (text, step, label) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "jr-versions-arrow";
    button.textContent = text;
    button.setAttribute("aria-label", label);
    button.addEventListener("click", () => {
      const version = model.get("number") + step;
      if (version >= 1 && version <= model.get("count")) model.send({ type: "show", version });
    });
    return button;
  };
  const previous = arrow("◀", -1, "Previous version");
  const count = document.createElement("span");
  count.className = "jr-versions-count";
  const next = arrow("▶", 1, "Next version");
  const note = document.createElement("span");
  note.className = "jr-versions-note";
  bar.append(previous, count, next, note);
  const draw = () => {
    const number = model.get("number");
    const total = model.get("count");
    count.textContent = `${number}/${total}`;
    bar.title = `Version ${number} of ${total} of this answer: each run of the cell made one`;
    bar.setAttribute("aria-label", bar.title);
    previous.disabled = number <= 1;
    next.disabled = number >= total;
    note.textContent = model.get("note");
    note.hidden = !model.get("note");
  };
  draw();
  const events = ["change:number", "change:count", "change:note"];
  for (const event of events) model.on(event, draw);
  el.appendChild(bar);
  return () => {
    for (const event of events) model.off(event, draw);
  };
}
export default { render };
