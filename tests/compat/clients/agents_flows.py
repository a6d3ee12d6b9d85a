"""Flows of the OpenAI Agents SDK against an OpenAI-compatible server.

Runs inside the ``openai-agents`` peer's own venv (so it imports neither
jupyter_responses nor pytest): ``python agents_flows.py FLOW [API]``, with
``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` in the environment. ``API`` is ``responses``
(the SDK's default) or ``chat`` (``OpenAIChatCompletionsModel``). Prints one JSON line:
what the flow got back, for the test to assert on.
"""

from __future__ import annotations

from typing import Any

import shared
from agents import (
    Agent,
    ModelSettings,
    OpenAIChatCompletionsModel,
    OpenAIConversationsSession,
    Runner,
    function_tool,
    set_tracing_disabled,
)
from agents.memory.openai_conversations_session import start_openai_conversations_session
from openai import AsyncOpenAI
from openai.types.responses import ResponseTextDeltaEvent
from openai.types.shared import Reasoning

set_tracing_disabled(True)  # traces would go to api.openai.com

MODEL = "gpt-4.1"
get_weather = function_tool(shared.get_weather)
calls = shared.calls
City = shared.City


def agent(api: str, **kwargs: Any) -> Agent[Any]:
    model: Any = kwargs.pop("model", MODEL)
    if api == "chat":
        model = OpenAIChatCompletionsModel(model=model, openai_client=AsyncOpenAI())
    return Agent(name="Assistant", instructions="Answer briefly.", model=model, **kwargs)


def items(result: Any) -> list[str]:
    return [item.type for item in result.new_items]


async def text(api: str) -> dict[str, Any]:
    result = await Runner.run(agent(api), "What is the capital of France?")
    return {"output": result.final_output, "items": items(result)}


async def stream(api: str) -> dict[str, Any]:
    result = Runner.run_streamed(agent(api), "Tell me about streaming.")
    deltas: list[str] = []
    async for event in result.stream_events():
        if event.type == "raw_response_event" and isinstance(event.data, ResponseTextDeltaEvent):
            deltas.append(event.data.delta)
    return {"output": result.final_output, "deltas": deltas, "items": items(result)}


async def tool(api: str) -> dict[str, Any]:
    result = await Runner.run(
        agent(api, tools=[get_weather]), "Use get_weather to find the weather in Paris."
    )
    return {"output": result.final_output, "calls": calls, "items": items(result)}


async def structured(api: str) -> dict[str, Any]:
    result = await Runner.run(agent(api, output_type=City), "Describe Paris as a city.")
    output = result.final_output
    return {"type": type(output).__name__, "output": output.model_dump()}


async def multi_turn(api: str) -> dict[str, Any]:
    assistant = agent(api)
    first = await Runner.run(assistant, "My name is Ada. Remember it.")
    # chained on the server: only the new message, with previous_response_id
    chained = await Runner.run(
        assistant, "What is my name?", previous_response_id=first.last_response_id
    )
    # the history resent by the client: the first run's items, then the new message
    resent = await Runner.run(
        assistant, [*first.to_input_list(), {"role": "user", "content": "What is my name?"}]
    )
    return {
        "first": first.final_output,
        "first_id": first.last_response_id,
        "chained": chained.final_output,
        "resent": resent.final_output,
    }


async def conversation(api: str) -> dict[str, Any]:
    assistant = agent(api)
    # kept by the server: the conversation's id on each request, never its items
    conversation_id = await start_openai_conversations_session()
    await Runner.run(assistant, "My name is Ada. Remember it.", conversation_id=conversation_id)
    by_id = await Runner.run(assistant, "What is my name?", conversation_id=conversation_id)
    # a session stored in a conversation: the SDK lists its items and adds the new ones
    session = OpenAIConversationsSession()
    await Runner.run(assistant, "My name is Ada. Remember it.", session=session)
    by_session = await Runner.run(assistant, "What is my name?", session=session)
    stored = await session.get_items()
    return {
        "conversation_id": conversation_id,
        "by_id": by_id.final_output,
        "by_session": by_session.final_output,
        "session_roles": [item.get("role") for item in stored],
    }


async def reasoning_tool(api: str) -> dict[str, Any]:
    settings = ModelSettings(reasoning=Reasoning(effort="low", summary="auto"))
    result = await Runner.run(
        agent(api, model="o4-mini", tools=[get_weather], model_settings=settings),
        "Think, then call get_weather for Oslo.",
    )
    return {"output": result.final_output, "calls": calls, "items": items(result)}


FLOWS = {
    f.__name__: f
    for f in (text, stream, tool, structured, multi_turn, conversation, reasoning_tool)
}


if __name__ == "__main__":
    shared.main(FLOWS, default_api="responses")
