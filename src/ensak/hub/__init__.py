"""The local JupyterHub for trying the course with colleagues: accounts, the learners' JupyterLab setup,
the demo login and the runner (`ensak hub`). Production hubs use deploy/ instead."""
