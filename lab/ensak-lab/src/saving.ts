/**
 * One save at a time per notebook. Two overlapping saves make JupyterLab see its own first write as a
 * change on disk and ask "File Changed … Overwrite / Revert" in English, which a learner cannot answer.
 */
import { NotebookPanel } from '@jupyterlab/notebook';

const pending = new WeakMap<NotebookPanel, Promise<void>>();

export function saveInTurn(panel: NotebookPanel): Promise<void> {
  const previous = pending.get(panel) ?? Promise.resolve();
  const next = previous
    .catch(() => undefined)
    .then(() => (panel.isDisposed ? undefined : panel.context.save()));
  pending.set(panel, next);
  return next;
}
