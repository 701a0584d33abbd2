"""nbgrader settings for students: read by JupyterLab's Validate button and Assignment List and by
`python -m trainlab.validate`. The student download (start JupyterLab in its folder, e.g. with
`make lab`) and the course's JupyterHub (every student's server) use this same file."""
import os

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

# A cell may run this long, as when your submission is graded; a longer one is stopped.
c.Execute.timeout = {timeout}
c.CourseDirectory.course_id = "trainlab"
# Where the Assignment List fetches assignments and feedback, and where Submit hands in your work.
# On the course's JupyterHub the hub sets TRAINLAB_EXCHANGE (the shared exchange). The download has a
# local, empty folder instead, so the panel opens without errors (the assignments come in the zip).
if os.environ.get("TRAINLAB_EXCHANGE"):
    c.Exchange.root = os.environ["TRAINLAB_EXCHANGE"]
else:
    c.Exchange.root = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".nbgrader-exchange")
    os.makedirs(c.Exchange.root, exist_ok=True)
