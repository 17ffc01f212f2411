/**
 * The learner's task panel ("Uppgifter") in the left sidebar: every task of the course with its state
 * and one obvious next step, through nbgrader's own routes. Swedish throughout, real buttons, one
 * persistent live status region, and focus kept on the task the learner was working with.
 */
import { CommandRegistry } from '@lumino/commands';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import { INotebookTracker } from '@jupyterlab/notebook';
import { Contents } from '@jupyterlab/services';

import {
  fetchAssignment,
  fetchFeedback,
  fileUrl,
  IAssignment,
  listAssignments,
  listCourses,
  submitAssignment,
  validateNotebook
} from './nbgrader';
import { saveInTurn } from './saving';
import {
  ITask,
  missingFrom,
  parseTimestamp,
  stateText,
  swedishDay,
  swedishTime,
  taskName,
  tasksFrom
} from './tasks';

export const PANEL_ID = 'ensak-uppgifter';

type Action = 'fetch' | 'open' | 'submit' | 'submit-anyway' | 'feedback';

const TRY_AGAIN =
  'Försök igen om en stund. Om det inte hjälper, kontakta kursledaren.';

interface IButtonSpec {
  action: Action;
  label: string;
  primary: boolean;
}

function keyOf(task: ITask): string {
  return `${task.courseId}/${task.id}`;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

export class TaskPanel extends Widget {
  constructor(
    private readonly commands: CommandRegistry,
    private readonly notebooks: INotebookTracker,
    private readonly contents: Contents.IManager
  ) {
    super();
    this.id = PANEL_ID;
    this.addClass('ensak-TaskPanel');
    this.node.lang = 'sv';
    this.node.tabIndex = -1;
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-labelledby', `${PANEL_ID}-rubrik`);

    const heading = element('h2', 'ensak-TaskPanel-heading', 'Uppgifter');
    heading.id = `${PANEL_ID}-rubrik`;
    const intro = element(
      'p',
      'ensak-TaskPanel-intro',
      'Här hämtar du kursens uppgifter, öppnar dem och lämnar in dem när du är klar.'
    );
    this.status = element('div', 'ensak-TaskPanel-status');
    this.status.setAttribute('role', 'status');
    this.status.setAttribute('aria-live', 'polite');
    this.list = element('ul', 'ensak-TaskPanel-list');
    this.list.setAttribute('aria-labelledby', heading.id);
    const refresh = element('button', 'ensak-Button ensak-TaskPanel-refresh', 'Uppdatera listan');
    refresh.type = 'button';
    refresh.addEventListener('click', () => void this.refresh(true));
    this.node.append(heading, intro, this.status, this.list, refresh);
    // Back from another browser tab (an invitation e-mail, say): the coordinator may have released a task.
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  dispose(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    super.dispose();
  }

  private readonly onVisibility = (): void => {
    if (document.visibilityState === 'visible' && this.isVisible) {
      void this.refresh();
    }
  };

  /** Read the tasks again from nbgrader and show them. */
  async refresh(announce = false): Promise<void> {
    if (this.busy) {
      return;
    }
    this.busy = true;
    try {
      if (announce) {
        this.say('Hämtar listan med uppgifter …');
      }
      await this.load();
      if (announce) {
        this.say('Listan med uppgifter är uppdaterad.');
      }
    } catch (error) {
      console.error('ensak-lab: listing the tasks failed', error);
      this.say(`Uppgifterna kunde inte läsas just nu. ${TRY_AGAIN}`, [], 'error');
    } finally {
      this.busy = false;
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.refresh();
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    if (this.isAttached && !this.node.contains(document.activeElement)) {
      this.node.focus({ preventScroll: true });
    }
  }

  private async load(entries?: IAssignment[]): Promise<void> {
    if (entries === undefined) {
      const courses = await listCourses();
      entries = [];
      for (const course of courses) {
        entries.push(...(await listAssignments(course)));
      }
    }
    this.tasks = tasksFrom(entries);
    await this.readTitles();
    this.render();
  }

  /** The first heading of each fetched task, so the list says what the task is about. */
  private async readTitles(): Promise<void> {
    for (const task of this.tasks) {
      const path = task.notebooks[0];
      if (!path || this.titles.has(path)) {
        continue;
      }
      try {
        const model = await this.contents.get(path, { content: true, type: 'notebook' });
        const cells = (model.content?.cells ?? []) as { cell_type: string; source: string | string[] }[];
        const markdown = cells.find(cell => cell.cell_type === 'markdown');
        const source = markdown ? [markdown.source].flat().join('') : '';
        const heading = /^#\s+(.+)$/m.exec(source);
        if (heading) {
          this.titles.set(path, heading[1].trim());
        }
      } catch (error) {
        console.warn('ensak-lab: no title for', path, error);
      }
    }
  }

  private titleOf(task: ITask): string {
    const heading = task.notebooks[0] ? this.titles.get(task.notebooks[0]) : undefined;
    if (!heading) {
      return taskName(task.id);
    }
    return heading.startsWith(taskName(task.id)) ? heading : `${taskName(task.id)} – ${heading}`;
  }

  private buttonsFor(task: ITask): IButtonSpec[] {
    const buttons: IButtonSpec[] = [];
    if (task.folder === null) {
      buttons.push({ action: 'fetch', label: 'Hämta', primary: true });
      return buttons;
    }
    switch (task.state) {
      case 'started':
        buttons.push({ action: 'open', label: 'Öppna', primary: true });
        buttons.push({ action: 'submit', label: 'Lämna in', primary: false });
        break;
      case 'submitted':
        buttons.push({ action: 'submit', label: 'Lämna in igen', primary: true });
        buttons.push({ action: 'open', label: 'Öppna', primary: false });
        break;
      case 'feedback':
        buttons.push({ action: 'feedback', label: 'Läs', primary: true });
        buttons.push({ action: 'open', label: 'Öppna', primary: false });
        break;
      default:
        buttons.push({ action: 'open', label: 'Öppna', primary: true });
    }
    if (this.pendingAnyway.has(keyOf(task))) {
      buttons.push({ action: 'submit-anyway', label: 'Lämna in ändå', primary: false });
    }
    return buttons;
  }

  private render(): void {
    const focused = document.activeElement as HTMLElement | null;
    const keep =
      focused && this.list.contains(focused)
        ? { key: focused.dataset.task, action: focused.dataset.action }
        : null;
    const courses = new Set(this.tasks.map(task => task.courseId));
    this.list.replaceChildren();
    if (this.tasks.length === 0) {
      this.list.append(
        element(
          'li',
          'ensak-TaskPanel-empty',
          'Inga uppgifter är släppta ännu. Kursledaren berättar när nästa uppgift finns här.'
        )
      );
    }
    for (const task of this.tasks) {
      const key = keyOf(task);
      const item = element('li', 'ensak-Task');
      item.dataset.task = key;
      item.dataset.state = task.state;
      const title = element('h3', 'ensak-Task-title', this.titleOf(task));
      title.id = `ensak-uppgift-${key.replace(/[^A-Za-z0-9_-]/g, '-')}`;
      const state = element('p', 'ensak-Task-state', stateText(task));
      if (courses.size > 1) {
        state.textContent = `${state.textContent} · kurs ${task.courseId}`;
      }
      const actions = element('div', 'ensak-Task-actions');
      for (const spec of this.buttonsFor(task)) {
        const button = element(
          'button',
          `ensak-Button${spec.primary ? ' ensak-mod-primary' : ''}`,
          spec.label
        );
        button.type = 'button';
        button.dataset.task = key;
        button.dataset.action = spec.action;
        // The visible word first, then which task: "Hämta – Uppgift 0" (WCAG 2.5.3, label in name).
        button.setAttribute('aria-label', `${spec.label} – ${title.textContent}`);
        button.addEventListener('click', () => void this.act(task, spec.action));
        actions.append(button);
      }
      item.append(title, state, actions);
      this.list.append(item);
    }
    if (keep) {
      const selector = `button[data-task="${CSS.escape(keep.key ?? '')}"]`;
      const again =
        this.list.querySelector<HTMLElement>(`${selector}[data-action="${keep.action}"]`) ??
        this.list.querySelector<HTMLElement>(selector);
      again?.focus();
    }
  }

  /**
   * Replace the status region's content; the region itself stays, so screen readers announce it.
   * `details` become a list under `text`, `next` a closing sentence about what to do.
   */
  private say(
    text: string,
    details: string[] = [],
    kind: 'info' | 'error' | 'done' = 'info',
    next?: string
  ): void {
    const nodes: HTMLElement[] = [element('p', 'ensak-TaskPanel-message', text)];
    if (details.length) {
      const list = element('ul', 'ensak-TaskPanel-missing');
      for (const detail of details) {
        list.append(element('li', '', detail));
      }
      nodes.push(list);
    }
    if (next) {
      nodes.push(element('p', 'ensak-TaskPanel-next', next));
    }
    this.status.dataset.kind = kind;
    this.status.replaceChildren(...nodes);
  }

  private async act(task: ITask, action: Action): Promise<void> {
    if (this.busy) {
      return;
    }
    this.busy = true;
    this.list.setAttribute('aria-busy', 'true');
    this.node.classList.add('ensak-mod-busy');
    try {
      switch (action) {
        case 'fetch':
          await this.fetch(task);
          break;
        case 'open':
          await this.open(task);
          break;
        case 'submit':
          await this.submit(task, false);
          break;
        case 'submit-anyway':
          await this.submit(task, true);
          break;
        case 'feedback':
          await this.feedback(task);
          break;
      }
    } catch (error) {
      console.error(`ensak-lab: ${action} of ${task.id} failed`, error);
      this.say(`Det gick inte just nu. ${TRY_AGAIN}`, [], 'error');
    } finally {
      this.busy = false;
      this.list.removeAttribute('aria-busy');
      this.node.classList.remove('ensak-mod-busy');
    }
  }

  private find(key: string): ITask | undefined {
    return this.tasks.find(task => keyOf(task) === key);
  }

  private async fetch(task: ITask): Promise<void> {
    const name = taskName(task.id);
    this.say(`Hämtar ${name.toLowerCase()} …`);
    await this.load(await fetchAssignment(task.courseId, task.id));
    const fetched = this.find(keyOf(task));
    if (!fetched || fetched.folder === null || fetched.notebooks.length === 0) {
      this.say(`${name} kunde inte hämtas. ${TRY_AGAIN}`, [], 'error');
      return;
    }
    await this.openNotebooks(fetched);
    this.say(`${name} är hämtad och öppnad. Frågorna visas när uppgiften har startat.`, [], 'done');
  }

  private async open(task: ITask): Promise<void> {
    await this.openNotebooks(task);
    this.say(`${taskName(task.id)} är öppnad.`, [], 'done');
  }

  private async openNotebooks(task: ITask): Promise<void> {
    for (const path of task.notebooks) {
      await this.commands.execute('docmanager:open', { path });
    }
  }

  /** Save the task's open notebooks, validate them, say what is missing, then submit. */
  private async submit(task: ITask, anyway: boolean): Promise<void> {
    const key = keyOf(task);
    const name = taskName(task.id);
    this.pendingAnyway.delete(key);
    this.say('Sparar dina svar …');
    const folder = `${task.folder ?? task.id}/`;
    const open: Promise<void>[] = [];
    this.notebooks.forEach(panel => {
      // Saved even when nothing looks changed: that also waits for a save already under way.
      if (panel.context.path.startsWith(folder)) {
        open.push(saveInTurn(panel));
      }
    });
    await Promise.all(open);

    if (!anyway) {
      this.say('Kontrollerar att allt är besvarat. Det tar några sekunder …');
      const missing: string[] = [];
      for (const path of task.notebooks) {
        missing.push(...missingFrom(await validateNotebook(path)));
      }
      if (missing.length) {
        this.pendingAnyway.add(key);
        this.render();
        this.say(
          `${name} är inte inlämnad än. Det här saknas:`,
          missing,
          'error',
          'Svara på det som saknas och tryck sedan på Lämna in en gång till. Vill du hellre lämna in som det är nu, tryck på Lämna in ändå.'
        );
        return;
      }
    }

    this.say(`Lämnar in ${name.toLowerCase()} …`);
    await this.load(await submitAssignment(task.courseId, task.id));
    const submitted = this.find(key)?.lastSubmission;
    const when = submitted ? parseTimestamp(submitted.timestamp) : null;
    const at = when ? ` ${swedishDay(when)} kl. ${swedishTime(when)}` : '';
    this.say(
      `Tack! ${name} är inlämnad${at}. Kursledaren läser den. Du kan lämna in igen om du vill ändra något; då gäller den senaste.`,
      [],
      'done'
    );
  }

  private async feedback(task: ITask): Promise<void> {
    const name = taskName(task.id);
    // Opened now, while the click still counts as the learner's own, so no pop-up blocker stops it.
    const tab = window.open('', '_blank');
    let submission = task.withFeedback;
    if (submission && (!submission.has_local_feedback || submission.feedback_updated)) {
      this.say(`Hämtar återkopplingen på ${name.toLowerCase()} …`);
      await this.load(await fetchFeedback(task.courseId, task.id));
      submission = this.find(keyOf(task))?.withFeedback ?? null;
    }
    const folder = submission?.local_feedback_path;
    const notebook = submission?.notebooks[0]?.notebook_id;
    if (!folder || !notebook) {
      tab?.close();
      this.say(`Återkopplingen på ${name.toLowerCase()} kunde inte hämtas. ${TRY_AGAIN}`, [], 'error');
      return;
    }
    const url = fileUrl(`${folder}/${notebook}.html`);
    if (tab) {
      tab.location.href = url;
    } else {
      window.location.assign(url);
    }
    this.say(`Återkopplingen på ${name.toLowerCase()} öppnades i en ny flik.`, [], 'done');
  }

  private readonly status: HTMLDivElement;
  private readonly list: HTMLUListElement;
  private tasks: ITask[] = [];
  private busy = false;
  private readonly titles = new Map<string, string>();
  private readonly pendingAnyway = new Set<string>();
}
