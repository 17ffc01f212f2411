/**
 * nbgrader's own server routes, exactly as nbgrader 0.9.6 serves them in a learner's JupyterLab
 * (nbgrader/server_extensions/assignment_list and validate_assignment). Nothing here talks to the
 * exchange directly: fetching, submitting and feedback stay nbgrader's, so `nbgrader` commands and
 * the coordinator's tools see exactly what the learners did.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** A notebook of a released or fetched task; `path` is relative to the server's root once fetched. */
export interface INotebookInfo {
  notebook_id: string;
  path?: string;
  has_exchange_feedback?: boolean;
  has_local_feedback?: boolean;
  feedback_updated?: boolean;
  local_feedback_path?: string | null;
}

/** One submission as nbgrader's cached list describes it. */
export interface ISubmission {
  course_id: string;
  assignment_id: string;
  student_id: string;
  /** "2027-03-12 09:41:07.123456 UTC" */
  timestamp: string;
  status: 'submitted';
  notebooks: INotebookInfo[];
  has_exchange_feedback: boolean;
  has_local_feedback: boolean;
  feedback_updated: boolean;
  /** The folder with the fetched feedback, relative to the server's root (when fetched). */
  local_feedback_path: string | null;
}

/** An entry of GET /assignments: a released or fetched task, or a task's submissions. */
export interface IAssignment {
  course_id: string;
  assignment_id: string;
  status: 'released' | 'fetched' | 'submitted';
  path?: string;
  notebooks?: INotebookInfo[];
  submissions?: ISubmission[];
}

export interface IValidationResult {
  type_changed?: { source: string; old_type: string; new_type: string }[];
  changed?: { source: string }[];
  failed?: { source: string; error: string; raw_error: string }[];
  passed?: { source: string }[];
}

interface IReply<T> {
  success: boolean;
  value: T;
}

/** nbgrader answered, but with `success: false`; `detail` is its (English) traceback, for the log only. */
export class NbgraderError extends Error {
  constructor(readonly detail: string) {
    super('nbgrader reported a failure');
  }
}

async function request<T>(
  route: string,
  init: RequestInit = {},
  query: Record<string, string> = {}
): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const search = new URLSearchParams(query).toString();
  const url = URLExt.join(settings.baseUrl, route) + (search ? `?${search}` : '');
  const response = await ServerConnection.makeRequest(url, init, settings);
  if (!response.ok) {
    throw new ServerConnection.ResponseError(response);
  }
  return (await response.json()) as T;
}

function post<T>(route: string, body: Record<string, string>): Promise<T> {
  // nbgrader's handlers read form arguments first and fall back to a JSON body.
  return request<T>(route, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' }
  });
}

function unwrap<T>(reply: IReply<T>): T {
  if (!reply.success) {
    console.error('ensak-lab: nbgrader:', reply.value);
    throw new NbgraderError(String(reply.value));
  }
  return reply.value;
}

/** The courses with anything released to this learner (GET /courses of the assignment list). */
export async function listCourses(): Promise<string[]> {
  return unwrap(await request<IReply<string[]>>('courses'));
}

export async function listAssignments(courseId: string): Promise<IAssignment[]> {
  return unwrap(
    await request<IReply<IAssignment[]>>('assignments', {}, { course_id: courseId })
  );
}

/**
 * Fetch a task. nbgrader answers with the new list whether or not the fetch worked, so the caller
 * checks the list for the fetched copy.
 */
export async function fetchAssignment(
  courseId: string,
  assignmentId: string
): Promise<IAssignment[]> {
  return unwrap(
    await post<IReply<IAssignment[]>>('assignments/fetch', {
      course_id: courseId,
      assignment_id: assignmentId
    })
  );
}

export async function submitAssignment(
  courseId: string,
  assignmentId: string
): Promise<IAssignment[]> {
  return unwrap(
    await post<IReply<IAssignment[]>>('assignments/submit', {
      course_id: courseId,
      assignment_id: assignmentId
    })
  );
}

export async function fetchFeedback(
  courseId: string,
  assignmentId: string
): Promise<IAssignment[]> {
  return unwrap(
    await post<IReply<IAssignment[]>>('assignments/fetch_feedback', {
      course_id: courseId,
      assignment_id: assignmentId
    })
  );
}

/** nbgrader's validator on a saved notebook (the same one its Validate button calls). */
export async function validateNotebook(path: string): Promise<IValidationResult> {
  const reply = await post<IReply<IValidationResult | string>>('assignments/validate', {
    path
  });
  const value = unwrap(reply);
  return typeof value === 'string' ? (JSON.parse(value) as IValidationResult) : value;
}

/** A URL the browser can open for a file below the server's root. */
export function fileUrl(path: string): string {
  const settings = ServerConnection.makeSettings();
  return URLExt.join(settings.baseUrl, 'files', URLExt.encodeParts(path));
}
