/*
 * jupyter_responses in JupyterLab 4 and Notebook 7: two plugins. Insert below (the
 * code of an answer as a new cell) is described with its plugin further down.
 *
 * Prompt highlighting: the body of a %%respond or %%chat cell is a prompt, not Python:
 * highlight it as Markdown, so "for" and "and" in it are words, not keywords.
 *
 * JupyterLab 4 (and Notebook 7, built from the same packages) gives every code cell of
 * a notebook the kernel's language, ipython, which is plain Python to CodeMirror: it has
 * no per-cell-magic modes and nothing a kernel can set per cell. So the registered
 * ipython language is wrapped: when a cell starts with one of these magics, the
 * Markdown parser JupyterLab already has is mounted over the rest of the cell (the
 * magic line stays Python). Every other cell is parsed exactly as before. Nothing is
 * bundled: CodeMirror, Lezer, the registry and the notebook are JupyterLab's own
 * shared modules.
 *
 * Source of src/jupyter_responses/labextension/ (prebuilt, shipped in the wheel);
 * rebuild with scripts/build-labextension after changing this file.
 */
import { LanguageSupport } from '@codemirror/language';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { parseMixed } from '@lezer/common';

/**
 * The magic line of a cell whose body is a prompt (IPython allows blank lines before
 * it). The names are the backends' magics (jupyter_responses.backends.BACKENDS).
 */
const PROMPT_MAGIC = /^(?:[ \t]*\n)*%%(?:respond|chat)\b[^\n]*(?:\n|$)/;
/** How much of a cell is read to find that line. */
const HEAD = 4096;

/** Python as before, with Markdown mounted over the prompt of a magic's cell. */
function withPrompts(python, markdown) {
  const language = python.language.configure({
    wrap: parseMixed((node, input) => {
      if (!node.type.isTop) {
        return null;
      }
      const line = PROMPT_MAGIC.exec(input.read(0, Math.min(input.length, HEAD)));
      if (!line || line[0].length >= input.length) {
        return null;
      }
      return {
        parser: markdown.language.parser,
        overlay: [{ from: line[0].length, to: input.length }]
      };
    })
  });
  return new LanguageSupport(language, python.support);
}

const highlighting = {
  id: 'jupyter-responses:prompt-highlighting',
  description: 'Highlights the prompt of %%respond and %%chat cells as Markdown.',
  autoStart: true,
  requires: [IEditorLanguageRegistry],
  activate: (app, languages) => {
    // The registry refuses a second "ipython" language, so its entry's loader is
    // wrapped; editors load it when a notebook opens.
    const spec = languages.findByName('ipython');
    if (!spec) {
      return;
    }
    const load = spec.load;
    spec.load = async () => {
      const [python, markdown] = await Promise.all([
        load.call(spec),
        languages.getLanguage('markdown')
      ]);
      return markdown && markdown.support ? withPrompts(python, markdown.support) : python;
    };
    spec.support = undefined; // loaded already (a notebook restored first): load again
  }
};

/*
 * Insert below: the Insert button on an answer's code block (render/turn.js) dispatches
 * this bubbling event with `detail: { code, below }`. The code goes into a new code
 * cell, selected and not run, below the cell whose output holds the button (`below:
 * "this-cell"`) or below the active cell of the last focused notebook (`"active-cell"`:
 * the chat panel, which may sit in a view of its own). The answer goes back in the
 * same `detail`: `inserted`, and `run()`, which runs that cell with JupyterLab's own
 * notebook actions (as Ctrl+Enter does) and resolves to whether it ran.
 */
const INSERT_EVENT = 'jupyter-responses:insert';

/** The notebook panel and the index of the cell whose DOM holds `node`, if any. */
function cellHolding(tracker, node) {
  const panel = tracker.find(candidate => candidate.content.node.contains(node));
  if (!panel) {
    return null;
  }
  const index = panel.content.widgets.findIndex(cell => cell.node.contains(node));
  return index < 0 ? null : { panel, index };
}

/** The last focused notebook and its active cell. */
function activeCell(tracker) {
  const panel = tracker.currentWidget;
  return panel ? { panel, index: panel.content.activeCellIndex } : null;
}

/** A new code cell of `code` below cell `index`, made active; its model. */
function insertBelow(notebook, index, code) {
  if (index >= 0) {
    notebook.activeCellIndex = index;
  }
  NotebookActions.insertBelow(notebook);
  if (notebook.activeCell.model.type !== 'code') {
    NotebookActions.changeCellType(notebook, 'code'); // a notebook set to add Markdown
  }
  notebook.activeCell.model.sharedModel.setSource(code);
  return notebook.activeCell.model;
}

/** Run the cell of `model` in `panel`, if it is still there: it becomes the active
 * cell, as a cell the user runs does. */
async function runCell(panel, model) {
  const notebook = panel.content;
  const index = panel.isDisposed ? -1 : notebook.widgets.findIndex(c => c.model === model);
  if (index < 0) {
    return false;
  }
  notebook.activeCellIndex = index;
  notebook.deselectAll();
  return NotebookActions.run(notebook, panel.sessionContext);
}

const inserting = {
  id: 'jupyter-responses:insert-code',
  description: "Inserts an answer's code block as a new cell, and runs it when asked.",
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app, tracker) => {
    document.addEventListener(INSERT_EVENT, event => {
      const request = event.detail;
      if (!request || typeof request.code !== 'string' || request.inserted) {
        return;
      }
      const place =
        (request.below === 'this-cell' && cellHolding(tracker, event.target)) ||
        activeCell(tracker);
      if (!place || !place.panel.content.model) {
        return;
      }
      const model = insertBelow(place.panel.content, place.index, request.code);
      request.inserted = true;
      request.run = () => runCell(place.panel, model);
    });
    // turn.js offers Insert only where this runs.
    document.body.dataset.jrInsert = '';
  }
};

export default [highlighting, inserting];
