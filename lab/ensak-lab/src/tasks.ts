/**
 * From nbgrader's lists to what a learner reads: each task's state in Swedish, and the validator's
 * English results as Swedish sentences that say what is missing.
 */
import { IAssignment, ISubmission, IValidationResult } from './nbgrader';

/** The placeholder nbgrader leaves in a cleared reflection (c.ClearSolutions.text_stub in nbgrader_config.py). */
export const REFLECTION_PLACEHOLDER = 'SKRIV DITT SVAR HÄR';

export type TaskState = 'new' | 'started' | 'submitted' | 'feedback';

export interface ITask {
  courseId: string;
  id: string;
  state: TaskState;
  /** The fetched folder, relative to the server's root; null until fetched. */
  folder: string | null;
  /** The fetched notebooks, relative to the server's root. */
  notebooks: string[];
  /** The newest submission, if any. */
  lastSubmission: ISubmission | null;
  /** The newest submission that has feedback (fetched or waiting in the exchange). */
  withFeedback: ISubmission | null;
}

export function taskNumber(id: string): number | null {
  const match = /^(\d+)/.exec(id);
  return match ? parseInt(match[1], 10) : null;
}

/** "Uppgift 3" for "03-natverk"; "Kursbloggen" for "kursbloggen" (the course blog is an assignment too). */
export function taskName(id: string): string {
  const number = taskNumber(id);
  return number === null ? id.charAt(0).toUpperCase() + id.slice(1) : `Uppgift ${number}`;
}

/** nbgrader's timestamps ("2027-03-12 09:41:07.123456 UTC") as a Date. */
export function parseTimestamp(timestamp: string): Date | null {
  const iso = timestamp.trim().replace(' UTC', 'Z').replace(' ', 'T');
  const date = new Date(iso);
  return isNaN(date.getTime()) ? null : date;
}

/** "12 mars"; with the year when it is not this year. */
export function swedishDay(date: Date, today: Date = new Date()): string {
  const options: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'long' };
  if (date.getFullYear() !== today.getFullYear()) {
    options.year = 'numeric';
  }
  return new Intl.DateTimeFormat('sv-SE', options).format(date);
}

export function swedishTime(date: Date): string {
  return new Intl.DateTimeFormat('sv-SE', { hour: '2-digit', minute: '2-digit' }).format(date);
}

function hasFeedback(submission: ISubmission): boolean {
  return submission.has_exchange_feedback || submission.has_local_feedback;
}

/** One task per (course, assignment), in the course's order, from GET /assignments entries. */
export function tasksFrom(entries: IAssignment[]): ITask[] {
  const tasks = new Map<string, ITask>();
  const taskFor = (entry: IAssignment): ITask => {
    const key = `${entry.course_id}\u0000${entry.assignment_id}`;
    let task = tasks.get(key);
    if (!task) {
      task = {
        courseId: entry.course_id,
        id: entry.assignment_id,
        state: 'new',
        folder: null,
        notebooks: [],
        lastSubmission: null,
        withFeedback: null
      };
      tasks.set(key, task);
    }
    return task;
  };
  for (const entry of entries) {
    const task = taskFor(entry);
    if (entry.status === 'fetched') {
      task.folder = entry.path ?? entry.assignment_id;
      task.notebooks = (entry.notebooks ?? [])
        .map(notebook => notebook.path ?? '')
        .filter(path => path !== '');
    } else if (entry.status === 'submitted') {
      const submissions = entry.submissions ?? [];
      task.lastSubmission = submissions.length ? submissions[submissions.length - 1] : null;
      task.withFeedback = [...submissions].reverse().find(hasFeedback) ?? null;
    }
  }
  for (const task of tasks.values()) {
    if (task.withFeedback) {
      task.state = 'feedback';
    } else if (task.lastSubmission) {
      task.state = 'submitted';
    } else if (task.folder !== null) {
      task.state = 'started';
    }
  }
  return [...tasks.values()].sort(
    (a, b) =>
      a.courseId.localeCompare(b.courseId) ||
      (taskNumber(a.id) ?? Infinity) - (taskNumber(b.id) ?? Infinity) ||
      a.id.localeCompare(b.id)
  );
}

/** The state as the panel shows it: "Ny", "Påbörjad", "Inlämnad 12 mars", "Återkoppling". */
export function stateText(task: ITask, today: Date = new Date()): string {
  switch (task.state) {
    case 'new':
      return 'Ny';
    case 'started':
      return 'Påbörjad';
    case 'submitted': {
      const date = task.lastSubmission ? parseTimestamp(task.lastSubmission.timestamp) : null;
      return date ? `Inlämnad ${swedishDay(date, today)}` : 'Inlämnad';
    }
    case 'feedback':
      return 'Återkoppling';
  }
}

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** The first sentence of a Swedish message from ensak's checks (the rest tells how to fix it in Jupyter terms). */
function firstSentence(text: string): string {
  const match = /^(.*?[.!?])(\s|$)/.exec(text.trim());
  return match ? match[1] : text.trim();
}

/**
 * What the validator found, as Swedish sentences for the learner. An empty list means nothing is missing.
 *
 * ensak's checks fail while nbgrader validates with a Swedish NotAnsweredError that names the question;
 * an unchanged reflection comes back as nbgrader's "You did not provide a response."
 */
export function missingFrom(result: IValidationResult): string[] {
  const problems: string[] = [];
  if (result.type_changed?.length || result.changed?.length) {
    problems.push(
      'Någon del av uppgiften som inte ska ändras har ändrats. Kontakta kursledaren, så får du en ny kopia.'
    );
  }
  for (const failure of result.failed ?? []) {
    const raw = (failure.raw_error ?? '').replace(ANSI, '');
    const notAnswered = /NotAnsweredError:\s*(.+)/.exec(raw);
    if (notAnswered) {
      problems.push(firstSentence(notAnswered[1]));
    } else if (failure.source.trim() === REFLECTION_PLACEHOLDER || /did not provide a response/.test(raw)) {
      problems.push('Du har inte skrivit något i rutan ”Din reflektion” ännu.');
    } else {
      problems.push('En av uppgiftens kontroller gick inte igenom. Svara på alla frågor och försök igen.');
    }
  }
  return [...new Set(problems)];
}
