# Executes one notebook in a Jupyter kernel with Debian's nbclient and keeps the executed copy.
# Called by Uip2p.Notebooks.NotebookExecutor:  python3 run_notebook.py SRC DST KERNEL CELL_TIMEOUT_S
# Prints progress lines "cell I/N" on stderr and one JSON result line on stdout.
import json, os, sys, time

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_output
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

src, dst, kernel, timeout = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
nb = nbformat.read(src, as_version=4)
state = {"cell": None}
total = len(nb.cells)

def on_start(cell, cell_index, **kwargs):
    state["cell"] = cell_index
    print(f"cell {cell_index + 1}/{total}", file=sys.stderr, flush=True)

class Client(NotebookClient):
    """nbclient that also applies dotnet-interactive's display updates.

    dotnet-interactive 1.0.712001 sends `update_display_data` (DisplayedValue.Update) under a display id other
    than the one of the `display_data` it updates, so plain nbclient drops every update and a live chart is
    saved in its first state. Here an update with an unknown id is bound to the earliest display output of
    the running cell that no update has claimed yet, and replaces it.
    """
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._displays = {}   # cell index -> [output index of each display_data]
        self._bound = {}      # update display id -> (cell index, output index)

    def process_message(self, msg, cell, cell_index):
        kind = msg.get("msg_type")
        if kind == "update_display_data":
            did = msg["content"].get("transient", {}).get("display_id")
            if did and did not in self._display_id_map:
                target = self._bound.get(did)
                if target is None:
                    claimed = {o for c, o in self._bound.values() if c == cell_index}
                    free = [i for i in self._displays.get(cell_index, []) if i not in claimed]
                    if free:
                        target = self._bound[did] = (cell_index, free[0])
                if target is not None and target[0] == cell_index and target[1] < len(cell.outputs):
                    content = msg["content"]
                    updates = cell.outputs[target[1]].get("metadata", {}).get("uip2p", {}).get("updates", 0) + 1
                    metadata = dict(content.get("metadata", {}), uip2p={"updates": updates})  # lets tests see the update arrived
                    cell.outputs[target[1]] = new_output("display_data", data=content.get("data", {}), metadata=metadata)
                    return None
        before = len(cell.outputs)
        result = super().process_message(msg, cell, cell_index)
        if kind == "display_data" and len(cell.outputs) > before:
            self._displays.setdefault(cell_index, []).append(len(cell.outputs) - 1)
        return result

client = Client(
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
