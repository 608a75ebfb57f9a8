"""The worker process of runtimes mlflow and python-script.

Started by src/serving/worker-instance.ts with the deployment environment's Python, one process
per deployment instance. It speaks the protocol of src/serving/worker-protocol.ts on file
descriptor 3 (a socket pair with the server): length-prefixed frames, little-endian,

    request: u32 length, u32 id, u8 kind,     u8 content-type length, content type, body
    answer:  u32 length, u32 id, u16 status,  u8 content-type length, content type, body

and id 0 for its control frames (200: loaded, 500: cannot load, then exit 1).

runtime mlflow:        mlflow.pyfunc.load_model(model_dir); /score takes Azure ML's and MLflow's
                       input formats; v2 infer and metadata from the model's signature.
runtime python-script: Azure ML's contract: init() once (AZUREML_MODEL_DIR is the model folder),
                       then run(raw_data) per call with the request body as a string.

Pings are answered by the reading thread at once, even while a call runs; calls run one at a
time on the main thread, in the order they came, except that an MLflow model's /score calls that
wait together (up to TRELLIS_MAX_BATCH_SIZE, default 32; 1 turns it off) are predicted in one
predict() call and their answers split back by call (MlflowModel.score_many).
"""

import collections
import csv
import importlib.util
import io
import json
import os
import queue
import socket
import struct
import sys
import threading
import traceback

from trellis_script_logging import log_root_to_stderr

REQUEST = struct.Struct("<IIBB")
ANSWER = struct.Struct("<IIHB")
KIND_SCORE, KIND_V2_INFER, KIND_V2_METADATA, KIND_PING, KIND_MINI_BATCH = 1, 2, 3, 4, 5
CONTROL_ID = 0
JSON_TYPE = "application/json"


class InputError(Exception):
    """The input does not fit the model: answered with 400."""


class Channel:
    def __init__(self, fd):
        self.sock = socket.socket(fileno=fd)
        self.reader = self.sock.makefile("rb", buffering=65536)
        self.lock = threading.Lock()

    def send(self, call_id, status, content_type, body):
        if isinstance(body, str):
            body = body.encode("utf-8")
        kind = content_type.encode("latin-1")
        header = ANSWER.pack(ANSWER.size - 4 + len(kind) + len(body), call_id, status, len(kind)) + kind
        with self.lock:
            self.sock.sendall(header + body if len(body) < 65536 else header)
            if len(body) >= 65536:
                self.sock.sendall(body)

    def frames(self):
        """Yields (id, kind, content type, body) until the server closes its end."""
        while True:
            prefix = self.reader.read(4)
            if len(prefix) < 4:
                return
            (length,) = struct.unpack("<I", prefix)
            rest = self.reader.read(length)
            if len(rest) < length:
                return
            call_id, kind, type_length = struct.unpack_from("<IBB", rest)
            start = 6 + type_length
            yield call_id, kind, rest[6:start].decode("latin-1"), rest[start:]


def json_default(value):
    """numpy and pandas values as JSON."""
    import numpy as np

    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    try:
        import pandas as pd

        if isinstance(value, pd.DataFrame):
            return value.to_dict(orient="records")
        if isinstance(value, pd.Series):
            return value.tolist()
        if isinstance(value, pd.Timestamp):
            return value.isoformat()
    except ImportError:
        pass
    if isinstance(value, (set, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_json(value):
    return json.dumps(value, default=json_default)


def parse_json(body):
    try:
        return json.loads(body)
    except ValueError as error:
        raise InputError(f"the body is not JSON ({error})") from None


def error_body(message):
    return to_json({"error": message})


def last_line(error):
    lines = "".join(traceback.format_exception_only(type(error), error)).strip().splitlines()
    return lines[-1] if lines else repr(error)


def script_answer(result):
    """A run() result: a str as it is, bytes as bytes, anything else as JSON."""
    if isinstance(result, str):
        try:
            json.loads(result)
            return 200, JSON_TYPE, result
        except ValueError:
            return 200, "text/plain; charset=utf-8", result
    if isinstance(result, (bytes, bytearray)):
        return 200, "application/octet-stream", bytes(result)
    return 200, JSON_TYPE, to_json(result)


def csv_line(values):
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(["" if value is None else value for value in values])
    return out.getvalue()


def mini_batch_rows(result):
    """A batch run(mini_batch) result as output lines (mini-batch-rows.ts): a DataFrame's rows as
    CSV, or a list's elements (a str as it is, a list or tuple as a CSV row, anything else as JSON)."""
    if hasattr(result, "itertuples") and hasattr(result, "columns"):
        return [csv_line(row) for row in result.itertuples(index=False, name=None)]
    if not isinstance(result, (list, tuple)):
        raise TypeError(f"run(mini_batch) returned {type(result).__name__}; return a list or a pandas DataFrame with one element per output row")
    rows = []
    for element in result:
        if isinstance(element, str):
            rows.append(element.replace("\r\n", " ").replace("\n", " "))
        elif isinstance(element, (list, tuple)):
            rows.append(csv_line(element))
        else:
            rows.append(to_json(element))
    return rows


def mini_batch_input(value):
    """What run(mini_batch) is given: the files' paths (a list), or for a tabular input (an MLTable)
    its rows as a pandas DataFrame, as Azure ML gives a parallel job's tabular mini-batch."""
    if not isinstance(value, dict) or "table" not in value:
        return value
    import pandas as pd

    table = value["table"]
    columns = table.get("columns")
    return pd.read_csv(io.StringIO(table["text"]), sep=table.get("delimiter", ","), header=None if columns is not None else 0, names=columns)


FLOAT_TYPES = {"double": "float64", "float": "float32"}

V2_TO_NUMPY = {
    "BOOL": "bool",
    "INT8": "int8",
    "INT16": "int16",
    "INT32": "int32",
    "INT64": "int64",
    "UINT8": "uint8",
    "UINT16": "uint16",
    "UINT32": "uint32",
    "UINT64": "uint64",
    "FP16": "float16",
    "FP32": "float32",
    "FP64": "float64",
    "BYTES": "object",
}


def numpy_to_v2(dtype):
    kind = {"b": "BOOL", "O": "BYTES", "U": "BYTES", "S": "BYTES"}.get(dtype.kind)
    if kind:
        return kind
    name = {"float16": "FP16", "float32": "FP32", "float64": "FP64"}.get(dtype.name)
    return name or dtype.name.upper()


class MlflowModel:
    """An MLflow model folder, loaded with mlflow.pyfunc."""

    def __init__(self, config):
        import mlflow.pyfunc

        self.name = config["modelName"]
        self.version = config["modelVersion"]
        self.model = mlflow.pyfunc.load_model(config["modelDir"])
        self.has_batched = False
        self.signature = self.model.metadata.signature
        inputs = self.signature.inputs if self.signature is not None else None
        self.column_names = None
        self.float_columns = {}
        self.tensor_types = None
        self.outputs = self.describe(self.signature.outputs if self.signature is not None else None, "output")
        if inputs is not None and not inputs.is_tensor_spec():
            names = inputs.input_names()
            self.column_names = names if all(isinstance(name, str) for name in names) else None
            # Columns the signature types as floating point: JSON writes 3.0 as 3, which pandas reads
            # as an integer column that MLflow's schema check refuses; such columns are converted, as
            # MLflow's own scoring server does when it parses the input against the signature.
            self.float_columns = {
                spec.name: FLOAT_TYPES[getattr(spec.type, "name", "")]
                for spec in inputs.inputs
                if isinstance(spec.name, str) and getattr(spec.type, "name", "") in FLOAT_TYPES
            }
        elif inputs is not None:
            self.tensor_types = [spec.type for spec in inputs.inputs]
        self.metadata_body = to_json(
            {
                "name": self.name,
                "versions": [self.version],
                "platform": "mlflow",
                "inputs": self.describe(inputs, "input"),
                "outputs": self.outputs,
            }
        )
        expected = self.describe(inputs, "input")
        self.expected = (
            ", ".join(f"'{item['name']}' {item['datatype']} {item['shape']}" for item in expected)
            if expected
            else "what the model's own predict() takes (the model has no signature)"
        )

    @staticmethod
    def describe(schema, prefix):
        if schema is None:
            return []
        described = []
        for index, spec in enumerate(schema.inputs):
            name = spec.name if spec.name is not None else f"{prefix}-{index}"
            if schema.is_tensor_spec():
                described.append({"name": name, "datatype": numpy_to_v2(spec.type), "shape": [int(size) for size in spec.shape]})
            else:
                kind = getattr(spec.type, "name", str(spec.type))
                datatype = {"double": "FP64", "float": "FP32", "long": "INT64", "integer": "INT32", "boolean": "BOOL"}.get(kind, "BYTES")
                described.append({"name": name, "datatype": datatype, "shape": [-1]})
        return described

    def rows(self, data):
        """A list of rows (or of values) as the model takes it."""
        import numpy as np
        import pandas as pd

        if data and all(isinstance(row, dict) for row in data):
            return pd.DataFrame(data)
        if self.column_names is not None:
            rows = [row if isinstance(row, list) else [row] for row in data]
            return pd.DataFrame(rows, columns=self.column_names)
        if self.tensor_types is not None and len(self.tensor_types) == 1:
            return np.asarray(data, dtype=self.tensor_types[0])
        return np.asarray(data)

    def named(self, data):
        import numpy as np
        import pandas as pd

        if self.column_names is not None or self.tensor_types is None:
            return pd.DataFrame({key: value if isinstance(value, list) else [value] for key, value in data.items()})
        return {key: np.asarray(value) for key, value in data.items()}

    def score_input(self, payload):
        """Azure ML's {"input_data": ...} (pandas split, rows, or named inputs) and MLflow's own formats."""
        import pandas as pd

        params = payload.get("params") if isinstance(payload, dict) else None
        if isinstance(payload, list):
            return self.rows(payload), params
        if not isinstance(payload, dict):
            raise InputError('send {"input_data": {"columns": [...], "index": [...], "data": [[...]]}} or {"input_data": [[...]]}')
        if "dataframe_split" in payload:
            split = payload["dataframe_split"]
            return pd.DataFrame(data=split.get("data"), columns=split.get("columns"), index=split.get("index")), params
        if "dataframe_records" in payload:
            return pd.DataFrame(payload["dataframe_records"]), params
        for key in ("input_data", "inputs", "instances", "data"):
            if key not in payload:
                continue
            data = payload[key]
            if isinstance(data, dict) and "data" in data and ("columns" in data or "index" in data):
                return pd.DataFrame(data=data["data"], columns=data.get("columns"), index=data.get("index")), params
            if isinstance(data, dict):
                return self.named(data), params
            if isinstance(data, list):
                return self.rows(data), params
            raise InputError(f'"{key}" must be rows (a list) or an object')
        raise InputError('the body has none of "input_data", "dataframe_split", "dataframe_records", "inputs", "instances"')

    def predict(self, data, params):
        from mlflow.exceptions import MlflowException

        try:
            return self.model.predict(data, params=params) if params else self.model.predict(data)
        except (MlflowException, ValueError, TypeError, KeyError) as error:
            # Schema enforcement and the model's own input checks: the caller's input does not fit.
            traceback.print_exc()
            raise InputError(last_line(error)) from error

    def read_input(self, body):
        payload = parse_json(body)
        try:
            data, params = self.score_input(payload)
            return self.conform(data), params
        except (ValueError, TypeError, KeyError) as error:
            raise InputError(f"the input cannot be read as the model's input: {last_line(error)}") from None

    def conform(self, data):
        """Integer columns the signature wants as floating point, converted (see float_columns)."""
        import pandas as pd

        if not self.float_columns or not isinstance(data, pd.DataFrame):
            return data
        for name, dtype in self.float_columns.items():
            if name in data.columns and data[name].dtype.kind in "iu":
                data[name] = data[name].astype(dtype)
        return data

    def score(self, body):
        data, params = self.read_input(body)
        return 200, JSON_TYPE, to_json(self.predict(data, params))

    def score_many(self, bodies):
        """
        /score calls that arrived together, answered with one predict() when they can be: each
        call's rows are a DataFrame with the same columns and no params. The rows are concatenated,
        predicted at once (the per-call cost of predict, schema enforcement included, is paid once)
        and the predictions split back by call. A call whose input cannot be read, or a batch that
        predict() refuses, is answered call by call, so an error is only ever the caller's own.
        Returns one answer (status, content type, body) or exception per call.
        """
        import pandas as pd

        answers = [None] * len(bodies)
        frames = []
        for index, body in enumerate(bodies):
            try:
                data, params = self.read_input(body)
            except Exception as error:  # answered on its own below
                answers[index] = error
                continue
            if params is None and isinstance(data, pd.DataFrame) and len(data) > 0:
                frames.append((index, data))
            else:
                answers[index] = self.answer(lambda data=data, params=params: (200, JSON_TYPE, to_json(self.predict(data, params))))
        columns = [list(frame.columns) for _, frame in frames]
        if len(frames) > 1 and all(names == columns[0] for names in columns):
            split = self.predict_together([frame for _, frame in frames])
            if split is not None:
                if not self.has_batched:
                    self.has_batched = True
                    print(f"{len(frames)} /score calls predicted together (the first such batch; at most TRELLIS_MAX_BATCH_SIZE at once)", flush=True)
                for (index, _), result in zip(frames, split):
                    answers[index] = (200, JSON_TYPE, to_json(result))
                return answers
        for index, frame in frames:
            answers[index] = self.answer(lambda frame=frame: (200, JSON_TYPE, to_json(self.predict(frame, None))))
        return answers

    def predict_together(self, frames):
        """Predictions for each frame from one predict() on all their rows; None when that cannot be done."""
        import numpy as np
        import pandas as pd

        try:
            result = self.model.predict(pd.concat(frames, ignore_index=True))
        except Exception:  # the calls are tried one by one, each with its own error
            return None
        sizes = [len(frame) for frame in frames]
        if isinstance(result, (pd.DataFrame, pd.Series)):
            if len(result) != sum(sizes):
                return None
            pieces, start = [], 0
            for size in sizes:
                pieces.append(result.iloc[start : start + size])
                start += size
            return pieces
        if isinstance(result, (np.ndarray, list)) and len(result) == sum(sizes):
            pieces, start = [], 0
            for size in sizes:
                pieces.append(result[start : start + size])
                start += size
            return pieces
        return None

    @staticmethod
    def answer(compute):
        try:
            return compute()
        except Exception as error:
            return error

    def infer_v2(self, body):
        import numpy as np
        import pandas as pd

        request = parse_json(body)
        if not isinstance(request, dict) or not isinstance(request.get("inputs"), list):
            raise InputError('a v2 infer request is {"inputs": [{"name", "shape", "datatype", "data"}]}')
        arrays = {}
        for item in request["inputs"]:
            try:
                dtype = V2_TO_NUMPY[item["datatype"]]
                arrays[item["name"]] = np.asarray(item["data"], dtype=dtype).reshape(item["shape"])
            except (KeyError, TypeError, ValueError) as error:
                raise InputError(f"input {item.get('name') if isinstance(item, dict) else item!r}: {last_line(error)}") from None
        if len(arrays) == 1:
            (array,) = arrays.values()
            if self.column_names is not None and array.ndim == 2 and array.shape[1] == len(self.column_names):
                data = pd.DataFrame(array, columns=self.column_names)
            elif self.column_names is not None:
                data = pd.DataFrame({next(iter(arrays)): array.reshape(-1)})
            else:
                data = array
        elif self.column_names is not None:
            data = pd.DataFrame({name: array.reshape(-1) for name, array in arrays.items()})
        else:
            data = arrays
        result = self.predict(data, request.get("parameters"))
        answer = {"model_name": self.name, "model_version": self.version, "outputs": self.v2_outputs(result)}
        if isinstance(request.get("id"), str):
            answer["id"] = request["id"]
        return 200, JSON_TYPE, to_json(answer)

    def v2_outputs(self, result):
        import numpy as np
        import pandas as pd

        if isinstance(result, pd.DataFrame):
            named = {str(column): result[column].to_numpy() for column in result.columns}
        elif isinstance(result, dict):
            named = {str(key): np.asarray(value) for key, value in result.items()}
        else:
            name = self.outputs[0]["name"] if len(self.outputs) == 1 else "predict"
            named = {name: np.asarray(result.to_numpy() if isinstance(result, pd.Series) else result)}
        described = []
        for name, array in named.items():
            if array.dtype.kind in "OUS":
                array = array.astype(str)
            described.append({"name": name, "shape": list(array.shape), "datatype": numpy_to_v2(array.dtype), "data": array.reshape(-1).tolist()})
        return described

    def metadata(self):
        return 200, JSON_TYPE, self.metadata_body


class ScriptModel:
    """Azure ML's scoring-script contract: init() once, run(raw_data) per call."""

    def __init__(self, config):
        code_dir, script = config.get("codeDir"), config.get("scoringScript")
        if not code_dir or not script:
            raise RuntimeError("runtime python-script needs code_configuration.code and code_configuration.scoring_script")
        sys.path.insert(0, code_dir)
        path = os.path.join(code_dir, script)
        if not os.path.isfile(path):
            raise RuntimeError(f"scoring script {script} is not in the code folder {code_dir}")
        log_root_to_stderr()
        # A parallel step's program_arguments are the script's command line, as Azure ML gives them (argparse in init()).
        if config.get("scriptArguments") is not None:
            sys.argv = [path] + list(config["scriptArguments"])
        spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(script))[0], path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        if not callable(getattr(module, "run", None)):
            raise RuntimeError(f"{script} has no run(raw_data) function; define init() and run(raw_data) as Azure ML scoring scripts do")
        if callable(getattr(module, "init", None)):
            module.init()
        print(f"scoring script {script} initialised", flush=True)
        self.run = module.run
        self.metadata_body = to_json({"name": config["modelName"], "versions": [config["modelVersion"]], "platform": "python-script", "inputs": [], "outputs": []})

    def score(self, body):
        return script_answer(self.run(body.decode("utf-8")))

    def mini_batch(self, body):
        return 200, JSON_TYPE, to_json({"rows": mini_batch_rows(self.run(mini_batch_input(json.loads(body))))})

    def infer_v2(self, body):
        raise InputError("this deployment runs a scoring script (runtime python-script), which speaks /score only; the v2 protocol needs an onnx or mlflow model")

    def metadata(self):
        return 200, JSON_TYPE, self.metadata_body


def serve(channel, model):
    calls = queue.Queue()

    def read():
        for call_id, kind, _content_type, body in channel.frames():
            if kind == KIND_PING:
                channel.send(call_id, 200, "", b"")
            else:
                calls.put((call_id, kind, body))
        calls.put(None)

    threading.Thread(target=read, name="trellis-reader", daemon=True).start()
    expected = getattr(model, "expected", None)
    # /score calls waiting together are predicted together (MlflowModel.score_many), up to this many.
    max_batch = max(1, int(os.environ.get("TRELLIS_MAX_BATCH_SIZE", "32")))
    can_batch = hasattr(model, "score_many") and max_batch > 1
    held = collections.deque()

    def failure(error):
        if isinstance(error, InputError):
            message = f"{error}; the model expects {expected}" if expected else str(error)
            return 400, JSON_TYPE, error_body(message)
        # The model's or the script's own failure: 500, traceback in the log.
        traceback.print_exception(type(error), error, error.__traceback__)
        sys.stderr.flush()
        return 500, JSON_TYPE, error_body(last_line(error))

    while True:
        call = held.popleft() if held else calls.get()
        if call is None:
            return
        call_id, kind, body = call
        if can_batch and kind == KIND_SCORE:
            batch = [call]
            while len(batch) < max_batch:
                try:
                    waiting = calls.get_nowait()
                except queue.Empty:
                    break
                if waiting is not None and waiting[1] == KIND_SCORE:
                    batch.append(waiting)
                else:
                    held.append(waiting)
                    break
            if len(batch) > 1:
                try:
                    answers = model.score_many([item[2] for item in batch])
                except Exception as error:
                    answers = [error] * len(batch)
                for (item_id, _, _), answer in zip(batch, answers):
                    channel.send(item_id, *(failure(answer) if isinstance(answer, BaseException) else answer))
                continue
        try:
            if kind == KIND_SCORE:
                answer = model.score(body)
            elif kind == KIND_V2_INFER:
                answer = model.infer_v2(body)
            elif kind == KIND_V2_METADATA:
                answer = model.metadata()
            elif kind == KIND_MINI_BATCH and hasattr(model, "mini_batch"):
                answer = model.mini_batch(body)
            else:
                answer = 400, JSON_TYPE, error_body(f"unknown call kind {kind}")
        except Exception as error:
            answer = failure(error)
        channel.send(call_id, *answer)


def main():
    config = json.loads(os.environ["TRELLIS_WORKER_CONFIG"])
    channel = Channel(3)
    try:
        model = MlflowModel(config) if config["runtime"] == "mlflow" else ScriptModel(config)
    except BaseException as error:  # SystemExit from a script included: it is still a model that did not load
        traceback.print_exc()
        sys.stderr.flush()
        reason = last_line(error)
        channel.send(CONTROL_ID, 500, "text/plain", reason)
        channel.sock.close()
        sys.exit(1)
    channel.send(CONTROL_ID, 200, JSON_TYPE, to_json({"pid": os.getpid()}))
    serve(channel, model)


if __name__ == "__main__":
    main()
