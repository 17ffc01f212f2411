/**
 * Kursbloggen's unread count for the task panel. The page cannot ask the blog (a hub service) itself:
 * JupyterHub refuses a cookie request without its XSRF token. The learner's own Jupyter server asks
 * it with her hub token (ensak.hub.blog_unread) and answers here.
 */
import { request } from './nbgrader';

export const UNREAD_ROUTE = 'ensak/kursbloggen/unread';

export interface IUnread {
  available: boolean;
  posts?: number;
  replies?: number;
  total?: number;
  since?: string | null;
  /** The blog's start page on the hub ("/services/kursbloggen/"). */
  url?: string;
}

/** The count, or `{available: false}` when there is no blog or it does not answer. */
export async function fetchUnread(): Promise<IUnread> {
  try {
    return await request<IUnread>(UNREAD_ROUTE);
  } catch (error) {
    console.warn('ensak-lab: no unread count from Kursbloggen', error);
    return { available: false };
  }
}

/** "3 nya inlägg och 1 svar till dig", "1 nytt inlägg", "Inget nytt". */
export function unreadText(posts: number, replies: number): string {
  const parts: string[] = [];
  if (posts > 0) {
    parts.push(posts === 1 ? '1 nytt inlägg' : `${posts} nya inlägg`);
  }
  if (replies > 0) {
    parts.push(`${replies} svar`);
  }
  if (parts.length === 0) {
    return 'Inget nytt';
  }
  return replies > 0 ? `${parts.join(' och ')} till dig` : parts[0];
}
