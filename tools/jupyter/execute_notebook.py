#!/usr/bin/python3
"""Execute one notebook in a Jupyter kernel, the way `jupyter nbconvert --to notebook --execute` does,
but report WHICH cell failed.

Equivalent command (what users can type; it exits 1 on a failed cell but does not print the index):
    JUPYTER_PATH=<repo>/.tools/jupyter jupyter nbconvert --to notebook --execute \
        --ExecutePreprocessor.kernel_name=.net-csharp --ExecutePreprocessor.timeout=600 \
        --output-dir <repo>/artifacts/jupyter notebooks/NN-name.ipynb

Why a helper: nbconvert's CellExecutionError carries the cell's source and error, not its index. Here we
drive nbclient's own cell loop ourselves, so the index is known, and we write the executed notebook
(outputs up to and including the failing cell) even on failure.

Cell numbering: "cell N" is 1-based over ALL cells of the notebook, markdown included (cell 1 is the
first cell in the file), i.e. what you count when scrolling through the notebook.

Run with Debian's /usr/bin/python3 (python3-nbclient). Exit status: 0 ok, 1 a cell failed (the last
stdout line is `FAILED <notebook> cell <N>: <error>`), 2 usage or setup error.
"""
import argparse
import asyncio
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async


def one_line(text, limit=300):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class UpdatingNotebookClient(NotebookClient):
    """nbclient's client, but live displays (progress bars, streamed text) keep their final state.

    The .NET kernel (dotnet-interactive 1.0.712001) sends a display's first display_data with one display_id and
    its update_display_data messages with another, so nbclient, which updates outputs by display_id, keeps the
    first state ("training 0/30"). An update whose display_id is unknown is taken to belong to the latest display
    of the running cell with the same MIME types that no other update id has claimed; later updates with that id
    then replace it as usual.
    """

    running_cell = None      # index of the cell being executed
    _updated_ids = None      # display ids that have had an update

    def _update_display_id(self, display_id, msg):
        if (display_id not in self._display_id_map and self.running_cell is not None
                and msg["header"]["msg_type"] == "update_display_data"):
            updated = {i for key, cells in self._display_id_map.items() if key in (self._updated_ids or set())
                       for i in cells.get(self.running_cell, [])}
            outputs = self.nb.cells[self.running_cell].get("outputs", [])
            mime = set(msg["content"].get("data", {}))
            for index in range(len(outputs) - 1, -1, -1):
                output = outputs[index]
                if (output.get("output_type") == "display_data" and set(output.get("data", {})) == mime
                        and index not in updated):
                    self._display_id_map[display_id] = {self.running_cell: [index]}
                    break
        if msg["header"]["msg_type"] == "update_display_data":
            self._updated_ids = (self._updated_ids or set()) | {display_id}
        super()._update_display_id(display_id, msg)


async def run(client, nb, kernel_log):
    """Returns None on success, else (cell_index_0_based, message)."""
    index = None
    try:
        # The kernel's own chatter (ASP.NET host logs) goes to a log file, not our progress output.
        async with client.async_setup_kernel(stdout=kernel_log, stderr=kernel_log):
            # As nbclient's execute(): ask for kernel_info first, record the kernel's language_info.
            info = await client.async_wait_for_reply(await ensure_async(client.kc.kernel_info()))
            if info is not None and "language_info" in info["content"]:
                nb.metadata["language_info"] = info["content"]["language_info"]
            for index, cell in enumerate(nb.cells):
                client.running_cell = index
                await client.async_execute_cell(
                    cell, index, execution_count=client.code_cells_executed + 1
                )
            client.set_widgets_metadata()
        return None
    except CellExecutionError as e:
        # .NET Interactive reports ename "Error" and puts "Type: message" plus the stack trace in evalue:
        # the FAILED line gets its first line; the first lines of the trace go to stderr.
        lines = (e.evalue or "").strip().splitlines() or [e.ename or "error"]
        if e.ename and e.ename not in ("Error", "<Error>"):
            lines[0] = f"{e.ename}: {lines[0]}"
        # For C# compilation errors evalue is just "compilation error"; the diagnostics (CS0103, ...)
        # arrive as the cell's stderr stream: name the first one.
        stderr = [l.strip() for o in nb.cells[index].get("outputs", [])
                  if o.get("output_type") == "stream" and o.get("name") == "stderr"
                  for l in o.get("text", "").splitlines() if l.strip()]
        if stderr and lines[0].strip().lower() == "compilation error":
            lines = [f"{lines[0]}: {stderr[0]}"] + stderr[1:] + lines[1:]
        print("\n".join("    " + l for l in lines[:12]), file=sys.stderr)
        return index, one_line(lines[0])
    except CellTimeoutError:
        return index, f"timed out after {client.timeout} s (per-cell limit: --timeout / NOTEBOOK_TIMEOUT)"
    except DeadKernelError as e:
        return index, one_line(f"kernel died: {e}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("notebook")
    p.add_argument("--output", required=True, help="path of the executed copy to write")
    p.add_argument("--display-name", help="name of the notebook in the FAILED line (default: the path)")
    p.add_argument("--kernel", default=".net-csharp")
    p.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    p.add_argument("--startup-timeout", type=int, default=120, help="seconds for the kernel to start")
    p.add_argument("--kernel-log", default=os.devnull, help="file for the kernel's stdout/stderr")
    a = p.parse_args()

    name = a.display_name or a.notebook
    nb = nbformat.read(a.notebook, as_version=4)
    started = time.monotonic()
    client = UpdatingNotebookClient(
        nb,
        kernel_name=a.kernel,
        timeout=a.timeout,
        startup_timeout=a.startup_timeout,
        # The kernel's working directory is the notebook's folder, as in nbconvert and Jupyter itself
        # (notebooks use paths like #r "../lib/bin/Workbook.dll").
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(a.notebook))}},
    )
    try:
        with open(a.kernel_log, "wb") as kernel_log:
            failure = asyncio.run(run(client, nb, kernel_log))
    except Exception as e:  # no cell to blame: unknown kernelspec, kernel did not start, ...
        print(f"FAILED {name}: {type(e).__name__}: {one_line(e)}", flush=True)
        return 2

    if failure is None:
        # How long the run took, where the book reads each chapter's runtime (the in-process runner writes the same).
        nb.metadata.setdefault("workbook", {})["execution"] = {
            "seconds": round(time.monotonic() - started, 1),
            "host": "Jupyter (nbclient, .net-csharp kernel)",
            "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "processors": os.cpu_count(),
        }
    os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)
    tmp = a.output + ".tmp"
    nbformat.write(nb, tmp)  # written on failure too: the outputs show what happened
    os.replace(tmp, a.output)

    if failure is None:
        return 0
    index, message = failure
    cell = "?" if index is None else index + 1  # 1-based over all cells
    print(f"FAILED {name} cell {cell}: {message}", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
