# Executes one notebook in a Jupyter kernel with Debian's nbclient and keeps the executed copy.
# Called by Uip2p.Notebooks.NotebookExecutor:  python3 run_notebook.py SRC DST KERNEL CELL_TIMEOUT_S
# Prints progress lines "cell I/N" on stderr and one JSON result line on stdout.
import json, os, sys, time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

src, dst, kernel, timeout = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
nb = nbformat.read(src, as_version=4)
state = {"cell": None}
total = len(nb.cells)

def on_start(cell, cell_index, **kwargs):
    state["cell"] = cell_index
    print(f"cell {cell_index + 1}/{total}", file=sys.stderr, flush=True)

client = NotebookClient(
    nb, kernel_name=kernel, timeout=timeout, startup_timeout=300, record_timing=True,
    resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}},
    on_cell_start=on_start)

result = {"ok": True}
started = time.time()
try:
    client.execute()
except CellTimeoutError as e:
    result = {"ok": False, "cell": state["cell"], "ename": "CellTimeoutError", "evalue": f"no answer within {timeout} s"}
except DeadKernelError as e:
    result = {"ok": False, "cell": state["cell"], "ename": "DeadKernelError", "evalue": str(e).strip()[-2000:]}
except CellExecutionError as e:
    result = {"ok": False, "cell": state["cell"], "ename": getattr(e, "ename", "CellExecutionError"),
              "evalue": getattr(e, "evalue", str(e))}
except Exception as e:  # kernel failed to start, bad notebook JSON, ...
    result = {"ok": False, "cell": state["cell"], "ename": type(e).__name__, "evalue": str(e).strip()[-2000:]}
finally:
    nbformat.write(nb, dst)

# An error output the client did not raise for still fails the notebook.
if result["ok"]:
    for index, cell in enumerate(nb.cells):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            result = {"ok": False, "cell": index, "ename": errors[0].get("ename", ""), "evalue": errors[0].get("evalue", "")}
            break

def first_lines(text, n=4):
    # .NET errors carry the whole stack trace; the message is what a reader needs here.
    lines = [l for l in str(text).splitlines() if l.strip() and not l.lstrip().startswith("at ")]
    return "\n".join(lines[:n])

if "evalue" in result:
    result["evalue"] = first_lines(result["evalue"])
    # The C# kernel reports compiler diagnostics on the cell's stderr, not in the error itself.
    if result.get("cell") is not None:
        stderr = "".join(o.get("text", "") for o in nb.cells[result["cell"]].get("outputs", [])
                         if o.get("output_type") == "stream" and o.get("name") == "stderr")
        if stderr.strip():
            result["evalue"] += "\n" + first_lines(stderr, 6)
if result.get("cell") is not None:
    result["cell"] += 1  # 1-based, counting markdown cells, as an editor shows them
result["seconds"] = round(time.time() - started, 1)
print(json.dumps(result), flush=True)
