"""Sends spans to a live Trellis with OpenTelemetry's own OTLP/HTTP exporter (protobuf, gzip),
as an application instrumented with the OpenTelemetry SDK and no MLflow does, then reads them
back as an MLflow trace with the MLflow client. MLFLOW_TRACKING_URI is set by the Node test; the
exporter's endpoint is <tracking URI>/v1/traces with the experiment in x-mlflow-experiment-id."""
import os
import uuid

from opentelemetry import trace as otel
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Status, StatusCode

import mlflow
from mlflow import MlflowClient

from checks import check, done

tracking_uri = os.environ["MLFLOW_TRACKING_URI"].rstrip("/")
experiment_id = MlflowClient().create_experiment(f"otel-{uuid.uuid4().hex[:8]}")

exporter = OTLPSpanExporter(
    endpoint=f"{tracking_uri}/v1/traces",
    headers={"x-mlflow-experiment-id": experiment_id, **({"Authorization": os.environ["OTEL_AUTHORIZATION"]} if os.environ.get("OTEL_AUTHORIZATION") else {})},
    compression=Compression.Gzip,
)
provider = TracerProvider(resource=Resource.create({"service.name": "checkout"}))
provider.add_span_processor(BatchSpanProcessor(exporter))
tracer = provider.get_tracer("shop")

with tracer.start_as_current_span("handle-order") as root:
    root.set_attribute("order.id", "A-17")
    root.set_attribute("order.items", 3)
    with tracer.start_as_current_span("charge-card") as charge:
        charge.set_attribute("amount", 12.5)
        charge.add_event("authorized", {"code": "ok"})
    with tracer.start_as_current_span("ship") as ship:
        ship.set_status(Status(StatusCode.ERROR, "no courier"))
otel_trace_id = format(root.get_span_context().trace_id, "032x")
check(provider.force_flush(30_000), "the OTLP exporter flushed its batch")

traces = mlflow.search_traces(locations=[experiment_id], return_type="list")
check(len(traces) == 1, "the spans appear as one trace of the experiment")
trace = traces[0]
check(trace.info.trace_id == f"tr-{otel_trace_id}", "the trace id is tr- and the OpenTelemetry trace id")
spans = {span.name: span for span in trace.data.spans}
check(set(spans) == {"handle-order", "charge-card", "ship"}, "all three spans are there")
check(spans["charge-card"].parent_id == spans["handle-order"].span_id, "the parent links are kept")
check(spans["handle-order"].attributes.get("order.id") == "A-17" and spans["handle-order"].attributes.get("order.items") == 3, "attributes keep their types")
check(spans["charge-card"].events[0].name == "authorized", "span events are kept")
check(spans["ship"].status.status_code.value == "ERROR" and spans["ship"].status.description == "no courier", "an error status and its message are kept")
check(trace.info.state.value == "OK", "the trace's state is its root span's")
check(trace.info.execution_duration is not None and trace.info.execution_duration >= 0, "the trace's duration is its root span's")
found = mlflow.search_traces(locations=[experiment_id], filter_string="span.name = 'charge-card'", return_type="list")
check(len(found) == 1, "a span filter finds the OTLP trace")
done()
