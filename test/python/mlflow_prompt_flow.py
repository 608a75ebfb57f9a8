"""Drives a live Trellis with the real MLflow Python client's prompt registry (mlflow.genai):
text and chat prompts registered and versioned, loaded by version, alias and @latest, formatted,
searched, aliased and unaliased, linked to the run that loads them, kept out of the model list,
and bad input refused with MLflow's errors. MLFLOW_TRACKING_URI is set by the Node test."""
import json

import mlflow
from mlflow import MlflowClient

from checks import check, done, error_code

client = MlflowClient()

first = mlflow.genai.register_prompt(
    name="summarize",
    template="Summarize in {{ num_sentences }} sentences: {{ sentence }}",
    commit_message="first draft",
    tags={"team": "nlp"},
)
check(first.name == "summarize" and first.version == 1, "register_prompt makes version 1")
second = mlflow.genai.register_prompt(
    name="summarize",
    template="Summarize briefly, in {{ num_sentences }} sentences: {{ sentence }}",
    commit_message="shorter",
)
check(second.version == 2, "registering the same name again makes version 2")

loaded = mlflow.genai.load_prompt("prompts:/summarize/1")
check(loaded.version == 1 and loaded.template.startswith("Summarize in"), "load_prompt by version reads the template back")
check(loaded.format(num_sentences=2, sentence="Trellis runs ML.") == "Summarize in 2 sentences: Trellis runs ML.", "format fills the variables")
check(loaded.commit_message == "first draft", "the commit message is kept")
check(set(loaded.variables) == {"num_sentences", "sentence"}, "the template's variables are read")
check(mlflow.genai.load_prompt("prompts:/summarize@latest").version == 2, "@latest is the newest version")

mlflow.genai.set_prompt_alias("summarize", alias="production", version=1)
check(mlflow.genai.load_prompt("prompts:/summarize@production").version == 1, "an alias names a version")
mlflow.genai.set_prompt_alias("summarize", alias="production", version=2)
check(mlflow.genai.load_prompt("prompts:/summarize@production").version == 2, "moving the alias moves what it loads")
mlflow.genai.delete_prompt_alias("summarize", alias="production")
check(error_code(lambda: mlflow.genai.load_prompt("prompts:/summarize@production")) is not None, "a deleted alias no longer loads")

chat = mlflow.genai.register_prompt(
    name="qa",
    template=[{"role": "system", "content": "You answer {{ style }}."}, {"role": "user", "content": "{{ question }}"}],
    response_format={"type": "object", "properties": {"answer": {"type": "string"}}},
    model_config={"temperature": 0.2, "max_tokens": 200},
)
chat = mlflow.genai.load_prompt(f"prompts:/qa/{chat.version}")
check(not chat.is_text_prompt, "a list of messages is a chat prompt")
check(
    chat.format(style="briefly", question="Why?") == [
        {"role": "system", "content": "You answer briefly."},
        {"role": "user", "content": "Why?"},
    ],
    "a chat prompt formats each message",
)
check(chat.model_config == {"temperature": 0.2, "max_tokens": 200}, "model_config round-trips")
check(chat.response_format == {"type": "object", "properties": {"answer": {"type": "string"}}}, "response_format round-trips")

check(sorted(p.name for p in mlflow.genai.search_prompts()) == ["qa", "summarize"], "search_prompts lists the prompts")
check([p.name for p in mlflow.genai.search_prompts(filter_string="name = 'qa'")] == ["qa"], "search_prompts filters by name")
check([m.name for m in client.search_registered_models()] == [], "prompts are not registered models in the model list")

with mlflow.start_run() as run:
    mlflow.genai.load_prompt("prompts:/summarize/2")
linked = json.loads(client.get_run(run.info.run_id).data.tags["mlflow.linkedPrompts"])
check(linked == [{"name": "summarize", "version": "2"}], "a prompt loaded in a run is linked to it (mlflow.linkedPrompts)")

check(error_code(lambda: mlflow.genai.load_prompt("prompts:/nope/1")) == "RESOURCE_DOES_NOT_EXIST", "a missing prompt is RESOURCE_DOES_NOT_EXIST")
check(error_code(lambda: mlflow.genai.register_prompt(name="bad name!", template="x")) == "INVALID_PARAMETER_VALUE", "a bad prompt name is refused")

done()
