"""Every scripted kind the emulator can produce, with what a client must see."""

from __future__ import annotations

from dataclasses import dataclass, field

from jupyter_responses.emulator import script as s

INCLUDE = [
    "reasoning.encrypted_content",
    "file_search_call.results",
    "code_interpreter_call.outputs",
    "web_search_call.action.sources",
]


@dataclass
class Case:
    reply: s.Reply
    output_types: list[str]  # Responses output item types, in order
    text: str = ""  # Responses output_text / Chat message content
    status: str = "completed"
    chat: bool = True  # meaningful on Chat Completions too
    chat_tool_calls: list[str] = field(default_factory=list)
    refusal: str | None = None


CITED = "Oslo is cold today. It may snow."
CASES: dict[str, Case] = {
    "text": Case(s.text("Hello, **world**!", deltas=4), ["message"], "Hello, **world**!"),
    "one_call": Case(
        s.tool_calls(s.FunctionCall("get_weather", {"city": "Oslo"})),
        ["function_call"],
        chat_tool_calls=["get_weather"],
    ),
    "parallel_calls": Case(
        s.tool_calls(
            s.FunctionCall("get_weather", {"city": "Oslo"}),
            s.FunctionCall("get_time", {"tz": "UTC"}, deltas=1),
        ),
        ["function_call", "function_call"],
        chat_tool_calls=["get_weather", "get_time"],
    ),
    "reasoning": Case(
        s.Reply(items=[s.Reasoning("Weighing the options.", deltas=3), s.Text("Pick B.")]),
        ["reasoning", "message"],
        "Pick B.",
    ),
    "web_search": Case(
        s.Reply(
            items=[
                s.WebSearch("oslo weather", ["https://yr.no", "https://met.no"]),
                s.Text(
                    CITED,
                    citations=[
                        s.Citation("https://yr.no", "Yr", 0, 19),
                        s.Citation("https://met.no", "MET", 20, len(CITED)),
                    ],
                ),
            ]
        ),
        ["web_search_call", "message"],
        CITED,
        chat=False,
    ),
    "file_search": Case(
        s.Reply(
            items=[
                s.FileSearch(
                    ["revenue 2024"],
                    [s.FileSearchHit("file-abc", "report.pdf", 0.92, "Revenue grew 12%.")],
                ),
                s.Text("Revenue grew 12%."),
            ]
        ),
        ["file_search_call", "message"],
        "Revenue grew 12%.",
        chat=False,
    ),
    "code_interpreter": Case(
        s.Reply(items=[s.CodeInterpreter("print(6 * 7)", "42\n"), s.Text("It is 42.")]),
        ["code_interpreter_call", "message"],
        "It is 42.",
        chat=False,
    ),
    "image_generation": Case(
        s.Reply(items=[s.ImageGeneration(revised_prompt="a red dot"), s.Text("Here it is.")]),
        ["image_generation_call", "message"],
        "Here it is.",
        chat=False,
    ),
    "mcp": Case(
        s.Reply(items=[s.McpCall("docs", "search", '{"q": "x"}', "found x"), s.Text("Found it.")]),
        ["mcp_call", "message"],
        "Found it.",
        chat=False,
    ),
    "refusal": Case(
        s.Reply(items=[s.Refusal("I can't help with that.")]),
        ["message"],
        refusal="I can't help with that.",
    ),
    "json": Case(
        s.json_answer({"total": 12.5, "items": ["a"]}),
        ["message"],
        '{"total": 12.5, "items": ["a"]}',
    ),
    "incomplete": Case(
        s.text("The answer was cut", status="incomplete"),
        ["message"],
        "The answer was cut",
        "incomplete",
    ),
    "fast_stream": Case(s.fast_stream(2000), ["message"], "tok " * 2000),
    # Shapes the real API (or servers for open-weight models) send.
    "reasoning_parts": Case(
        s.Reply(
            items=[
                s.Reasoning(["**Reading**\n\nThe question.", "**Checking**\n\nThe map."]),
                s.Reasoning("**Deciding**\n\nPick B."),
                s.Text("Pick B."),
            ]
        ),
        ["reasoning", "reasoning", "message"],
        "Pick B.",
    ),
    "raw_reasoning": Case(
        s.Reply(
            items=[s.Reasoning("Compare.", raw="First A, then B. B wins."), s.Text("B.")],
            chat_reasoning_field="reasoning_content",
        ),
        ["reasoning", "message"],
        "B.",
    ),
    "phases": Case(
        s.Reply(
            items=[
                s.Text("Let me check the map.", phase="commentary"),
                s.Text("The capital is Oslo.", phase="final_answer"),
            ]
        ),
        ["message", "message"],
        "Let me check the map.The capital is Oslo.",
    ),
    "missing_done": Case(
        s.Reply(
            items=[s.McpListTools("docs", ["search", "fetch"]), s.Text("Ok.")], missing_done=[0]
        ),
        ["mcp_list_tools", "message"],
        "Ok.",
        chat=False,
    ),
    "code_images_and_files": Case(
        s.Reply(
            items=[
                s.CodeInterpreter("plot()", "saved\n", images=[s.TINY_PNG_B64]),
                s.Text(
                    "[chart.csv](sandbox:/mnt/data/chart.csv)",
                    citations=[s.FileCitation("cfile_1", "chart.csv", "cntr_emulator", 0, 39)],
                ),
            ]
        ),
        ["code_interpreter_call", "message"],
        "[chart.csv](sandbox:/mnt/data/chart.csv)",
        chat=False,
    ),
    "file_citation": Case(
        s.Reply(items=[s.Text("See the report.", citations=[s.FileCitation("file-1", "r.pdf")])]),
        ["message"],
        "See the report.",
        chat=False,
    ),
    "web_search_actions": Case(
        s.Reply(
            items=[
                # (api sources, which the real API sends, are in neither the SDK's types
                # nor the spec: tests/kernel/test_real_shapes.py sends them)
                s.WebSearch("oslo weather", ["https://yr.no"]),
                s.WebSearch(action="open_page", url="https://yr.no/oslo"),
                s.WebSearch(action="find_in_page", url="https://yr.no/oslo", pattern="snow"),
                s.Text("Mild."),
            ]
        ),
        ["web_search_call", "web_search_call", "web_search_call", "message"],
        "Mild.",
        chat=False,
    ),
    "image_jpeg": Case(
        s.Reply(items=[s.ImageGeneration(output_format="jpeg"), s.Text("A JPEG.")]),
        ["image_generation_call", "message"],
        "A JPEG.",
        chat=False,
    ),
    "image_webp": Case(
        s.Reply(items=[s.ImageGeneration(output_format="webp"), s.Text("A WebP.")]),
        ["image_generation_call", "message"],
        "A WebP.",
        chat=False,
    ),
    "unknown_fields": Case(s.text("Hi there.", obfuscation=True), ["message"], "Hi there."),
}
