"""JupyterHub configuration for the course on one machine (started by deploy/start_hub.sh: `make hub`).

Every account is a Unix account of this machine; each user's JupyterLab runs as that account
(LocalProcessSpawner), in the course's environment, so file permissions keep students apart:
    students     JupyterLab with nbgrader's Assignment List and Validate button (as in the download),
                 their home folder (made private), trainlab without its reference answers
    instructor   JupyterLab in the course folder with the formgrader; hub admin
Settings come from TRAINLAB_* environment variables: deploy/hub.py's docstring lists them.
"""
import os
import pwd
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hub  # noqa: E402  (deploy/hub.py)

c = get_config()  # noqa: F821  (provided by JupyterHub when it loads this file)
s = hub.settings()

# -- network: the proxy (configurable-http-proxy, from npm) faces the students; the hub stays on loopback
scheme = "https" if s.ssl_cert else "http"
c.JupyterHub.bind_url = f"{scheme}://{s.ip}:{s.port}"
if s.ssl_cert:
    c.JupyterHub.ssl_cert = s.ssl_cert
    c.JupyterHub.ssl_key = s.ssl_key
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{s.internal_port}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{s.api_port}"
c.ConfigurableHTTPProxy.pid_file = str(s.state / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{s.state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(s.state / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True     # stopping the hub stops every user's server

# -- who may log in
c.Authenticator.admin_users = {s.instructor}
if s.users:
    c.Authenticator.allowed_users = set(s.users)
if s.auth == "dummy":
    # tests only: any password; hub.check_settings refuses it unless the hub listens on 127.0.0.1
    c.JupyterHub.authenticator_class = "dummy"
else:
    # the machine's accounts and passwords; students are the members of TRAINLAB_HUB_GROUP
    c.JupyterHub.authenticator_class = "pam"
    c.PAMAuthenticator.allowed_groups = {s.group}
    c.PAMAuthenticator.open_sessions = False

# -- each user's server: a local process as that account, in the course's environment
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [str(s.python), "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 180           # a server's first start imports a lot on a small machine
c.Spawner.http_timeout = 180


def pre_spawn_hook(spawner):
    """Environment and folder per role (students: the student files; the instructor: the course); a private home."""
    name = spawner.user.name
    role = hub.role_of(s, name)
    spawner.environment = dict(spawner.environment, **hub.environment(s, role))
    if role == "instructor":
        spawner.notebook_dir = str(s.course)
    home = pwd.getpwnam(name).pw_dir
    if hub.make_private(home):
        spawner.log.info("made %s private (mode 0700)", home)


c.Spawner.pre_spawn_hook = pre_spawn_hook
