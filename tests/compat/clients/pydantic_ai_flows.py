"""Flows of pydantic-ai against an OpenAI-compatible server.

Runs inside the ``pydantic-ai`` peer's own venv (so it imports neither
jupyter_responses nor pytest): ``python pydantic_ai_flows.py FLOW API``, with
``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` in the environment. ``API`` is ``chat``
(``OpenAIChatModel``, Chat Completions) or ``responses`` (``OpenAIResponsesModel``).
Prints one JSON line: what the flow got back, for the test to assert on.
"""

from __future__ import annotations

import os
from typing import Any

import shared
from pydantic_ai import Agent, NativeOutput, PromptedOutput
from pydantic_ai.messages import ModelResponse, ThinkingPart, ToolCallPart
from pydantic_ai.models.openai import (
    OpenAIChatModel,
    OpenAIResponsesModel,
    OpenAIResponsesModelSettings,
)
from pydantic_ai.providers.openai import OpenAIProvider
from shared import City, calls, get_weather


def model(api: str, name: str = "gpt-4.1") -> OpenAIChatModel | OpenAIResponsesModel:
    provider = OpenAIProvider(
        base_url=os.environ["OPENAI_BASE_URL"], api_key=os.environ["OPENAI_API_KEY"]
    )
    kind = OpenAIResponsesModel if api == "responses" else OpenAIChatModel
    return kind(name, provider=provider)


def agent(api: str, name: str = "gpt-4.1", **kwargs: Any) -> Agent[None, Any]:
    return Agent(model(api, name), instructions="Answer briefly.", **kwargs)


def parts(result: Any) -> list[str]:
    """The kinds of the parts of every model response of the run."""
    return [
        part.part_kind
        for message in result.all_messages()
        if isinstance(message, ModelResponse)
        for part in message.parts
    ]


async def text(api: str) -> dict[str, Any]:
    result = await agent(api).run("What is the capital of France?")
    return {"output": result.output, "parts": parts(result)}


async def stream(api: str) -> dict[str, Any]:
    deltas: list[str] = []
    async with agent(api).run_stream("Tell me about streaming.") as result:
        async for delta in result.stream_text(delta=True, debounce_by=None):
            deltas.append(delta)
        output = await result.get_output()
    return {"output": output, "deltas": deltas}


async def tool(api: str) -> dict[str, Any]:
    result = await agent(api, tools=[get_weather]).run(
        "Use get_weather to find the weather in Paris."
    )
    return {"output": result.output, "calls": calls, "parts": parts(result)}


async def structured(api: str) -> dict[str, Any]:
    result = await agent(api, output_type=NativeOutput(City)).run("Describe Paris as a city.")
    return {"type": type(result.output).__name__, "output": result.output.model_dump()}


async def structured_tool(api: str) -> dict[str, Any]:
    # pydantic-ai's default for an output type: a `final_result` tool the model must call
    # (tool_choice "required", as plain text is no answer)
    result = await agent(api, output_type=City).run("Describe Paris as a city.")
    return {"type": type(result.output).__name__, "output": result.output.model_dump()}


async def structured_json_mode(api: str) -> dict[str, Any]:
    # PromptedOutput: the schema in the prompt, JSON mode (json_object) on the request
    result = await agent(api, output_type=PromptedOutput(City)).run("Describe Paris as a city.")
    return {"type": type(result.output).__name__, "output": result.output.model_dump()}


async def multi_turn(api: str) -> dict[str, Any]:
    assistant = agent(api)
    first = await assistant.run("My name is Ada. Remember it.")
    # the history resent by the client
    resent = await assistant.run("What is my name?", message_history=first.all_messages())
    out = {"first": first.output, "resent": resent.output}
    if api == "responses":
        # chained on the server: previous_response_id instead of the earlier messages
        # (only to a response made with this setting, which records what it was made from)
        settings = OpenAIResponsesModelSettings(openai_previous_response_id="auto")
        chaining = agent(api, model_settings=settings)
        start = await chaining.run("My name is Ada. Remember it.")
        chained = await chaining.run("What is my name?", message_history=start.all_messages())
        out["chained"] = chained.output
    return out


async def reasoning_tool(api: str) -> dict[str, Any]:
    settings = OpenAIResponsesModelSettings(
        openai_reasoning_effort="low", openai_reasoning_summary="auto"
    )
    assistant = agent(api, "o4-mini", tools=[get_weather], model_settings=settings)
    result = await assistant.run("Think, then call get_weather for Oslo.")
    thinking = [
        part.content
        for message in result.all_messages()
        if isinstance(message, ModelResponse)
        for part in message.parts
        if isinstance(part, ThinkingPart)
    ]
    tool_calls = [
        part.tool_name
        for message in result.all_messages()
        if isinstance(message, ModelResponse)
        for part in message.parts
        if isinstance(part, ToolCallPart)
    ]
    return {
        "output": result.output,
        "calls": calls,
        "tool_calls": tool_calls,
        "thinking": thinking,
        "parts": parts(result),
    }


FLOWS = {
    f.__name__: f
    for f in (
        text,
        stream,
        tool,
        structured,
        structured_tool,
        structured_json_mode,
        multi_turn,
        reasoning_tool,
    )
}


if __name__ == "__main__":
    shared.main(FLOWS)
