/**
 * ensak-lab: the learners' JupyterLab for an ensak course.
 *
 * - `ensak-lab:plugin` holds the one setting, `learnerView`, and marks the page for the learner-only
 *   styles. The learners' configuration turns it on; everyone else's JupyterLab stays as it was.
 * - `ensak-lab:tasks` is the "Uppgifter" panel in the left sidebar (fetch, open, submit, feedback
 *   through nbgrader's own routes).
 * - `ensak-lab:live-tasks` runs a task notebook's widget cells when it opens and shows the
 *   reflection as a labelled text field.
 */
import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { LabIcon } from '@jupyterlab/ui-components';

import { bringToLife } from './live';
import { PANEL_ID, TaskPanel } from './panel';

const SETTINGS_ID = 'ensak-lab:plugin';
const LEARNER_CLASS = 'ensak-mod-learner';

// A clipboard with a tick: the course's tasks.
const tasksIcon = new LabIcon({
  name: 'ensak-lab:tasks',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">' +
    '<path class="jp-icon3" fill="#616161" d="M9 2h6a1 1 0 0 1 1 1v1h2a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2h2V3a1 1 0 0 1 1-1zm1 2v2h4V4zM6 6v14h12V6h-2v2H8V6zm4.5 11.2-3.2-3.2 1.4-1.4 1.8 1.8 4.8-4.8 1.4 1.4z"/>' +
    '</svg>'
});

async function learnerView(settings: ISettingRegistry | null): Promise<boolean> {
  if (!settings) {
    return false;
  }
  const loaded = await settings.load(SETTINGS_ID);
  return loaded.get('learnerView').composite === true;
}

const settingsPlugin: JupyterFrontEndPlugin<void> = {
  id: SETTINGS_ID,
  description: 'The learner view setting; marks the page for the learner-only styles.',
  autoStart: true,
  optional: [ISettingRegistry],
  activate: async (app: JupyterFrontEnd, settings: ISettingRegistry | null) => {
    if (await learnerView(settings)) {
      document.body.classList.add(LEARNER_CLASS);
    }
  }
};

const tasksPlugin: JupyterFrontEndPlugin<void> = {
  id: 'ensak-lab:tasks',
  description: 'The Swedish task panel "Uppgifter" over nbgrader\'s assignment routes.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ISettingRegistry, ILabShell],
  activate: async (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    settings: ISettingRegistry | null,
    labShell: ILabShell | null
  ) => {
    if (!labShell || !(await learnerView(settings))) {
      return;
    }
    const panel = new TaskPanel(app.commands, notebooks, app.serviceManager.contents);
    panel.title.icon = tasksIcon;
    panel.title.caption = 'Uppgifter';
    // Before the file browser (rank 100): the first thing in the sidebar.
    labShell.add(panel, 'left', { rank: 50 });
    // Every visit starts at the task list, whatever layout the last visit left behind.
    void app.restored.then(() => labShell.activateById(PANEL_ID));
  }
};

const liveTasksPlugin: JupyterFrontEndPlugin<void> = {
  id: 'ensak-lab:live-tasks',
  description: 'Task notebooks run their widget cells when opened; the reflection is a text field.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ISettingRegistry],
  activate: async (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    settings: ISettingRegistry | null
  ) => {
    if (!(await learnerView(settings))) {
      return;
    }
    const started = new WeakSet<object>();
    const start = (panel: NotebookPanel) => {
      if (started.has(panel)) {
        return;
      }
      started.add(panel);
      bringToLife(panel).catch(error =>
        console.error('ensak-lab: the task did not start', error)
      );
    };
    // Notebooks the layout restored before this plugin was ready, then every one opened later.
    notebooks.forEach(start);
    notebooks.widgetAdded.connect((_, panel) => start(panel));
  }
};

export default [settingsPlugin, tasksPlugin, liveTasksPlugin];
