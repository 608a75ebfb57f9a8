"""Drives a live Trellis with the real MLflow Python client's tracing: traced functions
(@mlflow.trace) and a manual span tree (mlflow.start_span) logged, read back and searched; an
error trace; tags, metadata, feedback and expectations; traces under a run; deletion; and the
autologging of an instrumented library (openai, against a fake OpenAI server in this process).
MLFLOW_TRACKING_URI is set by the Node test."""
import json
import os
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

# Each check reads a trace right after making it: export synchronously, or MLflow's background
# export would race the read (a user does the same, or calls get_trace(..., flush=True)).
os.environ["MLFLOW_ENABLE_ASYNC_TRACE_LOGGING"] = "false"

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import SpanStatusCode, SpanType  # noqa: E402

from checks import check, done, error_code  # noqa: E402

client = MlflowClient()
experiment_id = mlflow.set_experiment(f"tracing-flow-{uuid.uuid4().hex[:8]}").experiment_id


@mlflow.trace
def retrieve(question):
    return ["Trellis runs ML on one laptop.", "It speaks MLflow."]


@mlflow.trace(span_type=SpanType.LLM, attributes={"model": "fake-llm"})
def generate(question, documents):
    return f"{question} -> {len(documents)} documents"


@mlflow.trace
def answer(question):
    return generate(question, retrieve(question))


result = answer("what is trellis?")
traced_id = mlflow.get_last_active_trace_id()
trace = mlflow.get_trace(traced_id)
check(trace is not None and trace.info.trace_id == traced_id, "get_trace reads a traced function's trace back")
check(trace.info.experiment_id == experiment_id, "the trace is in the active experiment")
check(trace.info.state.value == "OK" and trace.info.execution_duration is not None, "the trace ended OK with a duration")
spans = {span.name: span for span in trace.data.spans}
check(set(spans) == {"answer", "retrieve", "generate"}, "its three spans are there")
root = spans["answer"]
check(root.parent_id is None, "answer is the root span")
check(spans["retrieve"].parent_id == root.span_id and spans["generate"].parent_id == root.span_id, "retrieve and generate are its children")
check(root.inputs == {"question": "what is trellis?"} and root.outputs == result, "the root's inputs and outputs round-trip")
check(spans["generate"].span_type == SpanType.LLM, "the span type is kept")
check(spans["generate"].attributes.get("model") == "fake-llm", "a span attribute is kept")
check(spans["retrieve"].outputs == ["Trellis runs ML on one laptop.", "It speaks MLflow."], "a list output round-trips")
check(root.start_time_ns <= spans["retrieve"].start_time_ns <= spans["retrieve"].end_time_ns <= root.end_time_ns, "span times nest in nanoseconds")
check("what is trellis?" in (trace.info.request_preview or ""), "the request preview is the root's inputs")

# A manual span tree, three levels deep, with tags and metadata on the trace.
with mlflow.start_span(name="pipeline", span_type=SpanType.CHAIN) as pipeline:
    pipeline.set_inputs({"rows": 3})
    mlflow.update_current_trace(tags={"env": "test", "team": "nlp"}, metadata={"customer": "acme"})
    for step in range(2):
        with mlflow.start_span(name=f"step-{step}", span_type=SpanType.TOOL) as child:
            child.set_attribute("step", step)
            with mlflow.start_span(name=f"leaf-{step}") as leaf:
                leaf.set_outputs({"done": True})
    pipeline.set_outputs({"rows": 6})
manual = mlflow.get_trace(pipeline.trace_id)
check(len(manual.data.spans) == 5, "a manual tree of five spans is stored whole")
by_name = {span.name: span for span in manual.data.spans}
check(by_name["leaf-1"].parent_id == by_name["step-1"].span_id and by_name["step-1"].parent_id == by_name["pipeline"].span_id, "the tree's parents are kept")
check(by_name["step-0"].attributes.get("step") == 0, "an integer attribute stays an integer")
check(manual.info.tags.get("env") == "test" and manual.info.trace_metadata.get("customer") == "acme", "tags and metadata set during the trace are kept")


@mlflow.trace
def fails():
    raise ValueError("the model is down")


try:
    fails()
except ValueError:
    pass
failed = mlflow.get_trace(mlflow.get_last_active_trace_id())
check(failed.info.state.value == "ERROR", "a trace whose root raised is ERROR")
check(failed.data.spans[0].status.status_code == SpanStatusCode.ERROR, "its span's status is ERROR")
check(any(event.name == "exception" for event in failed.data.spans[0].events), "the exception is kept as a span event")

# Search: the filter language, order and paging.
everything = mlflow.search_traces(locations=[experiment_id], return_type="list")
check(len(everything) == 3, "search_traces finds the experiment's three traces")
check(everything[0].info.trace_id == failed.info.trace_id, "newest first by default")
check(len(everything[0].data.spans) >= 1, "search_traces returns spans too")
tagged = mlflow.search_traces(locations=[experiment_id], filter_string="tags.env = 'test'", return_type="list")
check([t.info.trace_id for t in tagged] == [manual.info.trace_id], "a tag filter finds the tagged trace")
errors = mlflow.search_traces(locations=[experiment_id], filter_string="trace.status = 'ERROR'", return_type="list")
check([t.info.trace_id for t in errors] == [failed.info.trace_id], "a status filter finds the failed trace")
by_span = mlflow.search_traces(locations=[experiment_id], filter_string="span.name = 'retrieve'", return_type="list")
check([t.info.trace_id for t in by_span] == [traced_id], "a span name filter finds the trace with that span")
oldest = mlflow.search_traces(locations=[experiment_id], order_by=["timestamp_ms ASC"], return_type="list")
check(oldest[0].info.trace_id == traced_id, "order_by timestamp ASC puts the first trace first")
first_page = client.search_traces(locations=[experiment_id], max_results=2)
second_page = client.search_traces(locations=[experiment_id], max_results=2, page_token=first_page.token)
check(len(first_page) == 2 and first_page.token and len(second_page) == 1 and not second_page.token, "max_results pages with a token")
check(
    error_code(lambda: mlflow.search_traces(locations=[experiment_id], filter_string="nonsense.key = 'x'")) == "INVALID_PARAMETER_VALUE",
    "a bad filter is INVALID_PARAMETER_VALUE",
)

# Tags and assessments.
client.set_trace_tag(traced_id, "reviewed", "yes")
check(client.get_trace(traced_id).info.tags.get("reviewed") == "yes", "set_trace_tag sets a tag")
client.delete_trace_tag(traced_id, "reviewed")
check("reviewed" not in client.get_trace(traced_id).info.tags, "delete_trace_tag deletes it")
feedback = mlflow.log_feedback(trace_id=traced_id, name="relevance", value=0.9, rationale="on topic")
mlflow.log_expectation(trace_id=traced_id, name="expected_answer", value="Trellis is an ML platform")
assessments = {a.name: a for a in mlflow.get_trace(traced_id).info.assessments}
check(assessments["relevance"].value == 0.9 and assessments["relevance"].rationale == "on topic", "log_feedback is on the trace")
check(assessments["expected_answer"].value == "Trellis is an ML platform", "log_expectation is on the trace")
check(mlflow.get_assessment(traced_id, feedback.assessment_id).value == 0.9, "get_assessment reads one back")
corrected = mlflow.override_feedback(trace_id=traced_id, assessment_id=feedback.assessment_id, value=0.5, rationale="partly off topic")
by_id = {a.assessment_id: a for a in mlflow.get_trace(traced_id).info.assessments}
check(by_id[corrected.assessment_id].value == 0.5 and by_id[feedback.assessment_id].valid is False, "override_feedback supersedes the old feedback")
mlflow.delete_assessment(trace_id=traced_id, assessment_id=corrected.assessment_id)
check(mlflow.get_assessment(traced_id, feedback.assessment_id).valid is True, "deleting the override makes the old feedback valid again")
mlflow.delete_assessment(trace_id=traced_id, assessment_id=feedback.assessment_id)
check("relevance" not in {a.name for a in mlflow.get_trace(traced_id).info.assessments}, "delete_assessment removes it")

# A trace made inside a run is found by the run.
with mlflow.start_run() as run:
    answer("inside a run")
    in_run = mlflow.get_last_active_trace_id()
check(mlflow.get_trace(in_run).info.trace_metadata.get("mlflow.sourceRun") == run.info.run_id, "a trace in a run records the run")
found = mlflow.search_traces(locations=[experiment_id], run_id=run.info.run_id, return_type="list")
check([t.info.trace_id for t in found] == [in_run], "search_traces(run_id=...) finds the run's trace")


# Autologging of an instrumented library: openai, against a fake server here.
class FakeOpenAI(BaseHTTPRequestHandler):
    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body = json.dumps({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": request["model"],
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Trellis is an ML platform."}}],
            "usage": {"prompt_tokens": 7, "completion_tokens": 6, "total_tokens": 13},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), FakeOpenAI)
threading.Thread(target=server.serve_forever, daemon=True).start()
import openai  # noqa: E402

mlflow.openai.autolog()
openai_client = openai.OpenAI(api_key="not-a-key", base_url=f"http://127.0.0.1:{server.server_port}/v1")
reply = openai_client.chat.completions.create(model="gpt-fake", messages=[{"role": "user", "content": "what is trellis?"}])
check(reply.choices[0].message.content == "Trellis is an ML platform.", "the fake OpenAI server answers")
auto = mlflow.get_trace(mlflow.get_last_active_trace_id())
check(auto is not None and auto.data.spans[0].span_type == SpanType.CHAT_MODEL, "openai autologging logs a CHAT_MODEL span")
check(auto.data.spans[0].inputs["messages"][0]["content"] == "what is trellis?", "the autologged span keeps the request")
server.shutdown()

# Bad input and deletion.
check(error_code(lambda: client.get_trace("tr-00000000000000000000000000000000")) is not None, "an unknown trace is an error")
deleted = client.delete_traces(experiment_id, trace_ids=[failed.info.trace_id])
check(deleted == 1, "delete_traces by id deletes one")
check(error_code(lambda: client.get_trace(failed.info.trace_id)) is not None, "a deleted trace is gone")
remaining = client.delete_traces(experiment_id, max_timestamp_millis=2**62)
check(remaining == 4, "delete_traces by time deletes the other four")
done()
