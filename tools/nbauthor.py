"""Write an nbgrader source notebook from a percent-format script (and back), for authors who prefer an editor.

The .ipynb under solutions/ stays the source of truth; this tool only writes it.

Cell markers (a line of its own):
    # %% [markdown]                 markdown, each line commented with "# " (as jupytext writes it)
    # %% [setup]                    read-only code cell (nbgrader restores it when grading); grade_id "setup"
    # %% [readonly:ID]              another read-only code cell
    # %% [solution:ID]              answer cell (### BEGIN SOLUTION / ### END SOLUTION inside)
    # %% [test:ID:POINTS]           autograded test cell worth POINTS (the points come from autograde/checks/)
    # %% [explain:ID:POINTS]        a written answer graded by hand (markdown; model answer and rubric
                                    between ### BEGIN SOLUTION / ### END SOLUTION)
    # %%                            ordinary code cell (students may edit; not graded)

    python tools/nbauthor.py SRC.py OUT.ipynb      script -> notebook
    python tools/nbauthor.py --back IN.ipynb OUT.py     notebook -> script
"""
import re
import sys

import nbformat

MARK = re.compile(r"^# %%(?: \[(?P<kind>[^\]]*)\])?\s*$")


def _meta(kind):
    if kind is None or kind == "markdown":
        return None
    parts = kind.split(":")
    base = {"schema_version": 3, "task": False}
    if parts[0] == "setup":
        return {**base, "grade": False, "solution": False, "locked": True, "grade_id": "setup"}
    if parts[0] == "readonly":
        return {**base, "grade": False, "solution": False, "locked": True, "grade_id": parts[1]}
    if parts[0] == "solution":
        return {**base, "grade": False, "solution": True, "locked": False, "grade_id": parts[1]}
    if parts[0] == "test":
        return {**base, "grade": True, "solution": False, "locked": True, "grade_id": parts[1],
                "points": float(parts[2]) if "." in parts[2] else int(parts[2])}
    raise ValueError(f"unknown cell marker [{kind}]")


def _uncomment(line):
    if line.startswith("# "):
        return line[2:]
    if line.rstrip() == "#":
        return ""
    raise ValueError(f"markdown line not commented with '# ': {line!r}")


def script_to_notebook(text):
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    chunks, kind, lines = [], None, None
    for line in text.splitlines():
        m = MARK.match(line)
        if m:
            if lines is not None:
                chunks.append((kind, lines))
            kind, lines = m.group("kind"), []
        elif lines is not None:
            lines.append(line)
    if lines is not None:
        chunks.append((kind, lines))
    for i, (kind, lines) in enumerate(chunks):
        source = "\n".join(lines).strip("\n")
        if kind == "markdown" or (kind or "").startswith("explain:"):
            cell = nbformat.v4.new_markdown_cell("\n".join(_uncomment(l) for l in source.splitlines()))
            if kind != "markdown":
                _, gid, pts = kind.split(":")
                cell.metadata["nbgrader"] = {"schema_version": 3, "task": False, "grade": True, "solution": True,
                                             "locked": False, "grade_id": gid, "points": int(pts)}
        else:
            cell = nbformat.v4.new_code_cell(source)
            meta = _meta(kind)
            if meta:
                cell.metadata["nbgrader"] = meta
        cell.id = f"c{i:03d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def notebook_to_script(nb):
    out = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown":
            out.append(f"# %% [explain:{meta['grade_id']}:{meta['points']}]" if meta.get("grade") else "# %% [markdown]")
            out.append("\n".join(("# " + l).rstrip() for l in cell.source.splitlines()))
            out.append("")
            continue
        elif meta.get("grade"):
            out.append(f"# %% [test:{meta['grade_id']}:{meta.get('points', 0)}]")
        elif meta.get("solution"):
            out.append(f"# %% [solution:{meta['grade_id']}]")
        elif meta.get("locked"):
            gid = meta.get("grade_id")
            out.append("# %% [setup]" if gid == "setup" else f"# %% [readonly:{gid}]")
        else:
            out.append("# %%")
        out.append(cell.source)
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    if sys.argv[1] == "--back":
        nb = nbformat.read(sys.argv[2], as_version=4)
        open(sys.argv[3], "w").write(notebook_to_script(nb))
    else:
        nb = script_to_notebook(open(sys.argv[1]).read())
        nbformat.write(nb, sys.argv[2])
