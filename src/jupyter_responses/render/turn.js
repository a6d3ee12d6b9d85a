// The behaviour of a turn's live view, as an anywidget with no build step.
//
// The kernel sends the turn as HTML (one HTMLMath widget) and this small widget, placed
// under it, does what HTML alone cannot:
// - a status line that shows signs of life: the time spent waiting for the first token,
//   and how long the stream has been quiet once it stalls (the kernel is busy in the
//   request, so the clock runs here);
// - a Stop button that interrupts the kernel, which ends the turn as an interrupt does
//   (a detached turn's asks the kernel by message, which stops that turn alone);
// - a Copy button on every code block, and beside it, where our JupyterLab extension
//   runs, an Insert below button on Python (or unlabelled) blocks: in a cell's output
//   it puts the code in a new cell under that cell; in the chat panel, under the
//   active cell, and then offers to run it;
// - reasoning and tool sections stay as the user left them: open or shut across redraws
//   and when the saved answer replaces the live view at the end.

const STALL_MS = 2000;

function seconds(ms) {
  return `${Math.floor(ms / 1000)} s`;
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.append(area);
    area.select();
    const done = document.execCommand("copy");
    area.remove();
    return done;
  }
}

// The event our JupyterLab extension (labextension/lib/index.js) answers: it inserts
// `detail.code` as a new cell below the cell holding the button ("this-cell") or the
// active cell of the last focused notebook ("active-cell"), then sets `detail.inserted`
// and `detail.run` (a function running that cell through JupyterLab, resolving to
// whether it ran). The code never reaches the kernel any other way.
const INSERT_EVENT = "jupyter-responses:insert";
// Fence labels that mean Python (answer_code.PYTHON_LABELS); "" is an unlabelled block.
const PYTHON = new Set(["", "python", "py", "python3", "ipython", "ipython3"]);
const SHOWN_MS = 1500;

// The extension marks the page when it runs: elsewhere (VS Code, nbviewer) nothing
// would answer, so no Insert button is offered there.
const canInsert = () => document.body?.dataset.jrInsert !== undefined;

function codeOf(pre) {
  return (pre.querySelector("code") ?? pre).textContent ?? "";
}

function toolButton(name, label, title) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = name;
  button.textContent = label;
  button.title = title;
  return button;
}

// Say `text` on `button` for a moment, then its own label again.
function flash(button, text, label) {
  button.textContent = text;
  button.classList.add("jr-done");
  setTimeout(() => {
    button.textContent = label;
    button.classList.remove("jr-done");
  }, SHOWN_MS);
}

function addCopyButton(pre, tools) {
  const button = toolButton("jr-copy", "Copy", "Copy the code");
  tools.append(button);
  button.addEventListener("click", async (event) => {
    event.stopPropagation();
    flash(button, (await copyText(codeOf(pre))) ? "Copied" : "Copy failed", "Copy");
  });
}

// Insert below; in the panel the same button then offers Run for the cell it made.
function addInsertButton(pre, tools) {
  const inPanel = pre.closest(".jr-panel") !== null;
  const label = "Insert below";
  const title = inPanel
    ? "Insert the code as a new cell below the active cell"
    : "Insert the code as a new cell below this one";
  const button = toolButton("jr-insert", label, title);
  tools.prepend(button); // Copy keeps the corner
  let run = null; // the inserted cell's runner, while the button offers Run
  button.addEventListener("click", async (event) => {
    event.stopPropagation();
    if (run) {
      const runner = run;
      run = null;
      button.disabled = true;
      button.textContent = "Running…";
      const ran = await runner().catch(() => false);
      button.disabled = false;
      button.title = title;
      flash(button, ran ? "Ran" : "Not run", label);
      return;
    }
    const code = codeOf(pre).replace(/\n+$/, ""); // a cell's source has no last newline
    const request = { code, below: inPanel ? "active-cell" : "this-cell" };
    button.dispatchEvent(new CustomEvent(INSERT_EVENT, { bubbles: true, detail: request }));
    if (!request.inserted) {
      flash(button, "No notebook", label);
    } else if (inPanel && typeof request.run === "function") {
      run = request.run;
      button.textContent = "▶ Run";
      button.title = "Run the inserted cell";
      button.classList.add("jr-done"); // stays shown while it offers Run
    } else {
      flash(button, "Inserted", label);
    }
  });
}

// The buttons over a code block, in a box of their own that takes no room in the
// answer (no reflow when they come) and that selecting the code leaves out.
function addButtons(pre) {
  let tools = pre.querySelector(":scope > .jr-code-tools");
  if (!tools) {
    tools = document.createElement("span");
    tools.className = "jr-code-tools";
    pre.append(tools);
    addCopyButton(pre, tools);
  }
  const python = PYTHON.has((pre.dataset.jrLang ?? "").toLowerCase());
  if (python && canInsert() && !tools.querySelector(".jr-insert")) addInsertButton(pre, tools);
}

// Open or shut each section as the user last left it; add the code buttons. Idempotent,
// so it can run after every mutation.
function settle(scope, wanted) {
  for (const section of scope.querySelectorAll("details[data-jr-key]")) {
    const open = wanted.get(section.dataset.jrKey);
    if (open !== undefined && section.open !== open) section.open = open;
  }
  for (const pre of scope.querySelectorAll(".jr-answer pre")) addButtons(pre);
}

// Record a click on a section's title (mouse or keyboard) as the user's choice.
function remember(wanted) {
  return (event) => {
    const summary = event.target.closest?.("summary");
    const section = summary?.parentElement;
    if (section?.matches("details[data-jr-key]")) {
      wanted.set(section.dataset.jrKey, !section.open);
    }
  };
}

// When the live view goes, the saved answer takes its place in the same output area:
// open what the user had open there too, and give its code blocks their buttons.
function handOver(area, turnId, wanted) {
  if (!area || !turnId) return;
  const find = () =>
    [...area.querySelectorAll(".jr-answer")].find(
      (answer) => answer.dataset.jrTurn === turnId && !answer.closest(".jr-turn"),
    );
  const apply = () => {
    const answer = find();
    if (!answer) return false;
    settle(answer, wanted);
    answer.addEventListener("click", remember(wanted), true);
    return true;
  };
  if (apply()) return;
  const watcher = new MutationObserver(() => apply() && watcher.disconnect());
  watcher.observe(area, { childList: true, subtree: true });
  setTimeout(() => watcher.disconnect(), 10000);
}

function render({ model, el }) {
  el.classList.add("jr-chrome");
  const line = document.createElement("div");
  line.className = "jr-live";
  const text = document.createElement("span");
  text.className = "jr-live-text";
  const stop = document.createElement("button");
  stop.type = "button";
  stop.className = "jr-stop";
  stop.textContent = "■ Stop";
  stop.title = "Stop this turn (interrupts the kernel; what arrived is kept)";
  stop.hidden = true; // until paint() knows it may show: the panel has a Stop of its own
  line.append(text, stop);
  el.append(line);

  const began = Date.now();
  let lastChange = began;
  let root = null;
  let area = null;
  let observer = null;
  const wanted = new Map();
  const onClick = remember(wanted);

  const attach = () => {
    root = el.closest(".jr-turn");
    if (!root) return;
    area = root.closest(".jp-OutputArea, .output_area");
    observer = new MutationObserver((mutations) => {
      if (mutations.some((m) => !el.contains(m.target))) {
        lastChange = Date.now();
        settle(root, wanted);
      }
    });
    observer.observe(root, { childList: true, subtree: true, characterData: true });
    root.addEventListener("click", onClick, true);
    settle(root, wanted);
  };

  const kernel = () => model.widget_manager?.kernel ?? null;
  // A detached turn runs on a thread of the kernel while other cells run: an interrupt
  // would land elsewhere, so its Stop asks the kernel by message instead.
  const byMessage = () => model.get("stop_by_message");
  stop.addEventListener("click", async () => {
    if (byMessage()) {
      stop.disabled = true;
      stop.textContent = "Stopping…";
      model.send({ stop: true });
      return;
    }
    const target = kernel();
    if (!target?.interrupt) return;
    stop.disabled = true;
    stop.textContent = "Stopping…";
    try {
      await target.interrupt();
    } catch {
      stop.disabled = false;
      stop.textContent = "■ Stop";
    }
  });

  const paint = () => {
    if (!root) attach();
    const running = model.get("running");
    const status = model.get("status");
    line.hidden = !running;
    stop.hidden = !(running && model.get("stoppable") && (byMessage() || kernel()?.interrupt));
    if (!running) return;
    const now = Date.now();
    if (status) {
      const waited = now - began;
      text.textContent = waited >= 1000 ? `${status} ${seconds(waited)}` : status;
    } else if (now - lastChange >= STALL_MS) {
      text.textContent = `⏳ ${seconds(now - lastChange)} since the last update…`;
    } else {
      text.textContent = "";
    }
  };
  const timer = setInterval(paint, 500);
  model.on("change:status", paint);
  model.on("change:running", paint);
  requestAnimationFrame(paint);

  return () => {
    clearInterval(timer);
    observer?.disconnect();
    root?.removeEventListener("click", onClick, true);
    handOver(area, model.get("turn_id"), wanted);
  };
}

export default { render };
