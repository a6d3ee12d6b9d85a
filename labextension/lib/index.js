/*
 * The body of a %%respond or %%chat cell is a prompt, not Python: highlight it as
 * Markdown, so "for" and "and" in it are words, not keywords.
 *
 * JupyterLab 4 (and Notebook 7, built from the same packages) gives every code cell of
 * a notebook the kernel's language, ipython, which is plain Python to CodeMirror: it has
 * no per-cell-magic modes and nothing a kernel can set per cell. So the registered
 * ipython language is wrapped: when a cell starts with one of these magics, the
 * Markdown parser JupyterLab already has is mounted over the rest of the cell (the
 * magic line stays Python). Every other cell is parsed exactly as before. Nothing is
 * bundled: CodeMirror, Lezer and the registry are JupyterLab's own shared modules.
 *
 * Source of src/jupyter_responses/labextension/ (prebuilt, shipped in the wheel);
 * rebuild with scripts/build-labextension after changing this file.
 */
import { LanguageSupport } from '@codemirror/language';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
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

const plugin = {
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

export default plugin;
