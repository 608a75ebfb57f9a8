"""Runs one benchmark pipeline on Kubeflow Pipelines' local runner (kfp.local, SubprocessRunner).

    python run_pipeline.py chain|fanout STEPS WORK_DIR

Shapes, as bench/pipelines.ts gives them to Trellis:
  chain:  STEPS steps, each a lightweight Python component adding one to its predecessor's output;
  fanout: STEPS independent steps (step i returns i + 1), joined by one step reading all their outputs.
Every step appends "<label> <start> <end>" (its own time.time() at the top and the bottom of its body)
to WORK_DIR/steps.log. The last line printed is JSON: when the pipeline was called and when it returned
(time.time(), the same wall clock as the steps'), and the pipeline's result, checked by the caller.

The components set install_kfp_package=False and the runner use_venv=False: kfp is already in this
interpreter's environment, so no step runs pip (its default is `pip install kfp==<version>` in every step).
"""

import importlib.util
import json
import os
import sys
import time

from kfp import dsl, local

shape, steps, work_dir = sys.argv[1], int(sys.argv[2]), os.path.abspath(sys.argv[3])
log_path = os.path.join(work_dir, 'steps.log')


@dsl.component(base_image='python:3.11', install_kfp_package=False)
def add_one(x: int, log_path: str) -> int:
    import time

    start = time.time()
    result = x + 1
    with open(log_path, 'a') as log:
        log.write(f'step{result} {start} {time.time()}\n')
    return result


def join_component(width: int):
    """A component with one int parameter per fanned-out step (kfp reads a component's source, so it is written to a file)."""
    parameters = ', '.join(f'x{i}: int' for i in range(width))
    total = ' + '.join(f'x{i}' for i in range(width))
    source = f'''
from kfp import dsl


@dsl.component(base_image='python:3.11', install_kfp_package=False)
def join({parameters}, log_path: str) -> int:
    import time

    start = time.time()
    result = {total}
    with open(log_path, 'a') as log:
        log.write(f'join {{start}} {{time.time()}}\\n')
    return result
'''
    path = os.path.join(work_dir, 'join_component.py')
    with open(path, 'w') as file:
        file.write(source)
    spec = importlib.util.spec_from_file_location('join_component', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.join


if shape == 'chain':

    @dsl.pipeline(name='bench-chain')
    def pipeline(log_path: str) -> int:
        task = add_one(x=0, log_path=log_path)
        for _ in range(steps - 1):
            task = add_one(x=task.output, log_path=log_path)
        return task.output

    expected = steps
elif shape == 'fanout':
    join = join_component(steps)

    @dsl.pipeline(name='bench-fanout')
    def pipeline(log_path: str) -> int:
        tasks = [add_one(x=i, log_path=log_path) for i in range(steps)]
        return join(**{f'x{i}': task.output for i, task in enumerate(tasks)}, log_path=log_path).output

    expected = steps * (steps + 1) // 2
else:
    raise SystemExit(f'unknown shape {shape!r}: chain or fanout')

local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=os.path.join(work_dir, 'outputs'))
called = time.time()
# Run locally, a pipeline call returns its task; its output is the pipeline's.
result = pipeline(log_path=log_path).output
returned = time.time()
print(json.dumps({'called': called, 'returned': returned, 'result': result, 'expected': expected}))
