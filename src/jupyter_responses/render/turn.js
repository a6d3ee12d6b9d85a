// The behaviour of a turn's live view, as an anywidget with no build step.
//
// The kernel sends the turn as HTML (one HTMLMath widget) and this small widget, placed
// under it, does what HTML alone cannot:
// - a status line that shows signs of life: the time spent waiting for the first token,
//   and how long the stream has been quiet once it stalls (the kernel is busy in the
//   request, so the clock runs here);
// - a Stop button that interrupts the kernel, which ends the turn as an interrupt does;
// - a Copy button on every code block;
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

function addCopyButton(pre) {
  if (pre.querySelector(":scope > .jr-copy")) return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "jr-copy";
  button.textContent = "Copy";
  button.title = "Copy the code";
  button.addEventListener("click", async (event) => {
    event.stopPropagation();
    const code = pre.querySelector("code") ?? pre;
    const done = await copyText(code.textContent ?? "");
    button.textContent = done ? "Copied" : "Copy failed";
    button.classList.add("jr-done");
    setTimeout(() => {
      button.textContent = "Copy";
      button.classList.remove("jr-done");
    }, 1500);
  });
  pre.append(button);
}

// Open or shut each section as the user last left it; add Copy buttons. Idempotent, so
// it can run after every mutation.
function settle(scope, wanted) {
  for (const section of scope.querySelectorAll("details[data-jr-key]")) {
    const open = wanted.get(section.dataset.jrKey);
    if (open !== undefined && section.open !== open) section.open = open;
  }
  for (const pre of scope.querySelectorAll(".jr-answer pre")) addCopyButton(pre);
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
// open what the user had open there too, and give its code blocks Copy buttons.
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
  stop.addEventListener("click", async () => {
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
    stop.hidden = !(running && model.get("stoppable") && kernel()?.interrupt);
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
