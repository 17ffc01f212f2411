/**
 * Task notebooks come alive when opened: their widget cells run by themselves (the widgets restore
 * the learner's saved answers from svar.json), and the reflection is an always-open, labelled text
 * field that writes into nbgrader's manually graded cell. No learner needs the Run menu, a
 * double-click or Shift+Enter.
 */
import { CodeCell, ICellModel, MarkdownCell } from '@jupyterlab/cells';
import { INotebookModel, NotebookPanel } from '@jupyterlab/notebook';
import { PanelLayout, Widget } from '@lumino/widgets';

import { saveInTurn } from './saving';
import { REFLECTION_PLACEHOLDER, swedishTime } from './tasks';

/** How long the learner may pause typing before the reflection is saved. */
const SAVE_AFTER_MS = 1500;

interface INbgraderCell {
  grade?: boolean;
  solution?: boolean;
  locked?: boolean;
}

function nbgraderOf(cell: ICellModel): INbgraderCell | null {
  const data = cell.getMetadata('nbgrader');
  return data && typeof data === 'object' ? (data as INbgraderCell) : null;
}

/**
 * An ensak task: notebook metadata `"ensak": {"task": ...}` if the course ever adds it, otherwise what
 * every released task already has: nbgrader cell metadata and a code cell that imports ensak.
 */
export function isEnsakTask(model: INotebookModel): boolean {
  const marker = model.getMetadata('ensak');
  if (marker && typeof marker === 'object' && (marker as { task?: unknown }).task) {
    return true;
  }
  let graded = false;
  let usesEnsak = false;
  for (const cell of model.cells) {
    graded = graded || nbgraderOf(cell) !== null;
    usesEnsak =
      usesEnsak ||
      (cell.type === 'code' && /^\s*(from|import)\s+ensak\b/m.test(cell.sharedModel.getSource()));
  }
  return graded && usesEnsak;
}

/**
 * The autograder's test cells are left alone: they belong to validation and grading, and outside
 * grading they would only print notes about questions the learner has not reached yet.
 */
function isTestCell(cell: ICellModel): boolean {
  const nbgrader = nbgraderOf(cell);
  return !!nbgrader && nbgrader.grade === true && nbgrader.solution !== true;
}

/** The manually graded written answer: an nbgrader solution cell in Markdown. */
function isWrittenAnswer(cell: ICellModel): boolean {
  return cell.type === 'markdown' && nbgraderOf(cell)?.solution === true;
}

/** One persistent live region in the notebook's toolbar that says what the task is doing. */
class TaskStatus extends Widget {
  constructor() {
    super({ node: document.createElement('p') });
    this.addClass('ensak-TaskStatus');
    this.node.lang = 'sv';
    this.node.setAttribute('role', 'status');
    this.node.setAttribute('aria-live', 'polite');
  }

  set text(value: string) {
    this.node.textContent = value;
  }

  set kind(value: 'working' | 'ready' | 'error') {
    this.node.dataset.kind = value;
  }
}

/** The reflection as a plain labelled text field, written straight into the graded cell's source. */
class ReflectionField extends Widget {
  constructor(
    cell: MarkdownCell,
    onEdit: () => void,
    onLeave: () => void
  ) {
    super();
    this.addClass('ensak-Reflection');
    this.node.lang = 'sv';
    const id = `ensak-reflektion-${cell.model.id}`;
    const label = document.createElement('label');
    label.className = 'ensak-Reflection-label';
    label.htmlFor = id;
    label.textContent = 'Din reflektion';
    const hint = document.createElement('p');
    hint.className = 'ensak-Reflection-hint';
    hint.id = `${id}-hint`;
    hint.textContent = 'Skriv direkt i rutan. Det du skriver sparas av sig självt och följer med när du lämnar in.';
    this.textarea = document.createElement('textarea');
    this.textarea.className = 'ensak-Reflection-text';
    this.textarea.id = id;
    this.textarea.rows = 8;
    this.textarea.setAttribute('aria-describedby', hint.id);
    this.textarea.placeholder = 'Skriv din reflektion här …';
    const source = cell.model.sharedModel.getSource();
    this.textarea.value = source.trim() === REFLECTION_PLACEHOLDER ? '' : source;
    this.saved = document.createElement('p');
    this.saved.className = 'ensak-Reflection-saved';
    this.saved.setAttribute('role', 'status');
    this.saved.setAttribute('aria-live', 'polite');
    this.node.append(label, hint, this.textarea, this.saved);

    this.textarea.addEventListener('input', () => {
      // An emptied field goes back to nbgrader's placeholder, so validation still calls it unanswered.
      const text = this.textarea.value;
      cell.model.sharedModel.setSource(text.trim() === '' ? REFLECTION_PLACEHOLDER : text);
      this.saved.textContent = '';
      onEdit();
    });
    // The notebook treats a press inside a cell as choosing that cell and would move focus to it;
    // the text field keeps the press for itself.
    this.textarea.addEventListener('mousedown', event => event.stopPropagation());
    this.textarea.addEventListener('blur', () => onLeave());
  }

  markSaved(): void {
    this.saved.textContent = `Sparat kl. ${swedishTime(new Date())}.`;
  }

  readonly textarea: HTMLTextAreaElement;
  private readonly saved: HTMLParagraphElement;
}

/** Everything that makes one opened task notebook work for a learner. */
class LiveTask {
  constructor(private readonly panel: NotebookPanel) {
    panel.addClass('ensak-TaskNotebook');
    panel.content.node.lang = 'sv';
    this.status = new TaskStatus();
    panel.toolbar.insertItem(0, 'ensak-status', this.status);
    this.say('Uppgiften startar. Frågorna visas om en liten stund …', 'working');
    this.addReflectionFields();
    panel.sessionContext.statusChanged.connect((_, status) => {
      // A kernel that restarts (or dies and is restarted) loses the widgets: bring them back.
      if (status === 'restarting' || status === 'autorestarting') {
        this.restarted = true;
      } else if (status === 'idle' && this.restarted && !this.running) {
        this.restarted = false;
        void this.run();
      }
    });
    panel.disposed.connect(() => window.clearTimeout(this.saveTimer));
  }

  private say(text: string, kind: 'working' | 'ready' | 'error'): void {
    this.status.text = text;
    this.status.kind = kind;
  }

  private addReflectionFields(): void {
    for (const cell of this.panel.content.widgets) {
      if (!(cell instanceof MarkdownCell) || !isWrittenAnswer(cell.model)) {
        continue;
      }
      const field = new ReflectionField(
        cell,
        () => this.scheduleSave(),
        () => this.saveNow()
      );
      cell.addClass('ensak-ReflectionCell');
      (cell.layout as PanelLayout).addWidget(field);
      this.fields.push(field);
    }
  }

  private scheduleSave(): void {
    this.edited = true;
    window.clearTimeout(this.saveTimer);
    this.saveTimer = window.setTimeout(() => void this.save(), SAVE_AFTER_MS);
  }

  private saveNow(): void {
    if (this.edited && this.panel.context.model.dirty) {
      window.clearTimeout(this.saveTimer);
      void this.save();
    }
  }

  private async save(): Promise<void> {
    if (this.panel.isDisposed) {
      return;
    }
    await saveInTurn(this.panel);
    this.fields.forEach(field => field.markSaved());
  }

  /** Run every code cell but the autograder's tests, in order, in the notebook's kernel. */
  async run(): Promise<void> {
    const { sessionContext, content, context } = this.panel;
    this.running = true;
    this.say('Uppgiften startar. Frågorna visas om en liten stund …', 'working');
    const cells = content.widgets.filter(
      (cell): cell is CodeCell => cell instanceof CodeCell && !isTestCell(cell.model)
    );
    const wasDirty = context.model.dirty;
    // Outputs saved earlier are widgets of a kernel that is gone; they would show as errors until replaced.
    cells.forEach(cell => cell.model.outputs.clear());
    try {
      await sessionContext.ready;
      if (!sessionContext.session?.kernel) {
        this.say('Uppgiften kunde inte starta. Stäng fliken och öppna uppgiften igen från panelen Uppgifter.', 'error');
        return;
      }
      let failed = 0;
      for (const cell of cells) {
        if (this.panel.isDisposed) {
          return;
        }
        try {
          const reply = await CodeCell.execute(cell, sessionContext);
          if (reply && reply.content.status !== 'ok') {
            failed += 1;
          }
        } catch (error) {
          failed += 1;
          console.error('ensak-lab: a task cell did not run', error);
        }
      }
      if (failed) {
        this.say(
          'En del av uppgiften kunde inte visas. Stäng fliken och öppna uppgiften igen från panelen Uppgifter; hjälper det inte, kontakta kursledaren.',
          'error'
        );
      } else {
        this.say('Uppgiften är redo. Dina svar sparas medan du arbetar.', 'ready');
      }
      // Running cells only refreshed what the widgets show; nothing of the learner's is unsaved.
      if (!wasDirty && !this.edited) {
        context.model.dirty = false;
      }
    } finally {
      this.running = false;
    }
  }

  private readonly status: TaskStatus;
  private readonly fields: ReflectionField[] = [];
  private saveTimer = 0;
  private edited = false;
  private running = false;
  private restarted = false;
}

/** Wait for the notebook, and if it is an ensak task, make it work by itself. */
export async function bringToLife(panel: NotebookPanel): Promise<void> {
  await panel.context.ready;
  if (panel.isDisposed || !isEnsakTask(panel.context.model)) {
    return;
  }
  await panel.revealed;
  const task = new LiveTask(panel);
  await task.run();
}
