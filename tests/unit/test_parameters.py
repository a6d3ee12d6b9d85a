"""The request parameter declarations: their options on both magics, their values
checked before anything is sent (one sentence each), their traits, and their choices
the same as the SDK's."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.core.error import UsageError
from traitlets import TraitError

from jupyter_responses import parameters
from jupyter_responses.attachments import FileStore
from jupyter_responses.backends import BACKENDS
from jupyter_responses.config import ResponsesConfig
from jupyter_responses.errors import OptionsError
from jupyter_responses.magics import REASONING_EFFORTS, cell_magic, parse_options
from jupyter_responses.turn_request import TurnOptions, build_request


def get_weather(city: str) -> str:
    """Weather."""
    return city


NAMESPACE = {"get_weather": get_weather}


def build(api: str = "responses", traits: dict[str, Any] | None = None, **options: Any) -> Any:
    settings = dataclasses.replace(ResponsesConfig().settings(), **(traits or {}))
    return build_request(
        TurnOptions(api=api, prompt="Hi", **options), settings, NAMESPACE, FileStore()
    )


def _literal(annotation: Any) -> set[str]:
    """The string values of a (possibly Optional) ``Literal``."""
    values: set[str] = set()
    for arg in typing.get_args(annotation) or (annotation,):
        values |= {a for a in typing.get_args(arg) if isinstance(a, str)}
        if isinstance(arg, str):
            values.add(arg)
    return values


def test_choices_follow_the_sdk() -> None:
    """--reasoning offers every effort the SDK lists (up to its highest); the service
    tiers and verbosities are ones both APIs' request types take."""
    from openai.types.chat import completion_create_params
    from openai.types.responses.response_create_params import ResponseCreateParamsBase
    from openai.types.shared.reasoning_effort import ReasoningEffort

    assert set(REASONING_EFFORTS) == _literal(ReasoningEffort)
    chat = typing.get_type_hints(completion_create_params.CompletionCreateParamsBase)
    responses = typing.get_type_hints(ResponseCreateParamsBase)
    assert set(parameters.SERVICE_TIERS) <= _literal(chat["service_tier"])
    assert set(parameters.SERVICE_TIERS) <= _literal(responses["service_tier"])
    assert set(parameters.VERBOSITIES) == _literal(chat["verbosity"])


@pytest.mark.parametrize("magic", ["respond", "chat"])
def test_both_magics_take_every_option(magic: str) -> None:
    backend = next(b for b in BACKENDS.values() if b.magic == magic)
    func = cell_magic(backend, lambda *args: None)
    line = (
        "--verbosity low --reasoning-summary concise --service-tier flex --tool-choice "
        "get_weather --allowed-tools a,b --allowed-tools c --max-tool-calls 2 "
        "--no-parallel-tools --top-p 0.3 --seed 5 --stop END --stop '##' --logprobs 4 "
        "--metadata team=data --metadata 'note=two words' --reasoning max"
    )
    options = TurnOptions.parsed(backend.api, "Hi", magic, parse_options(func, line))
    assert options.reasoning == "max"
    assert options.parameters == {
        "verbosity": "low",
        "reasoning_summary": "concise",
        "service_tier": "flex",
        "tool_choice": "get_weather",
        "allowed_tools": ["a,b", "c"],
        "max_tool_calls": 2,
        "no_parallel_tools": True,
        "top_p": 0.3,
        "seed": 5,
        "stop": ["END", "##"],
        "logprobs": 4,
        "metadata": ["team=data", "note=two words"],
    }
    left_out = TurnOptions.parsed(backend.api, "Hi", magic, parse_options(func, ""))
    assert left_out.parameters == {"no_parallel_tools": False}
    for bad in ("--verbosity loud", "--service-tier gold", "--logprobs many", "--top-p x"):
        with pytest.raises(UsageError):
            parse_options(func, bad)


def test_every_declaration_names_its_option_as_argparse_does() -> None:
    for name, parameter in parameters.PARAMETERS.items():
        assert parameter.name == name
        if parameter.flags:
            assert parameter.flags[0].removeprefix("--").replace("-", "_") == name
        assert set(parameter.carriers) == set(BACKENDS), name


TOOLS = {"tools": ["get_weather"]}


@pytest.mark.parametrize(
    ("given", "extra", "message"),
    [
        ({"verbosity": "loud"}, {}, "--verbosity takes low, medium, high, not 'loud'"),
        ({"service_tier": "gold"}, {}, "--service-tier takes auto, default, flex"),
        ({"reasoning_summary": "long"}, {}, "--reasoning-summary takes auto, concise"),
        ({"top_p": 1.5}, {}, "--top-p takes a number from 0 to 1"),
        ({"top_p": float("nan")}, {}, "--top-p takes a number from 0 to 1"),
        ({"logprobs": 21}, {}, "--logprobs takes a whole number from 0 to 20"),
        ({"logprobs": -1}, {}, "--logprobs takes a whole number from 0 to 20"),
        ({"seed": 2**63}, {}, "--seed takes a whole number"),
        ({"stop": ["a", "b", "c", "d", "e"]}, {}, "--stop takes 1 to 4 stop sequences, not 5"),
        ({"stop": [""]}, {}, "--stop takes non-empty text"),
        ({"stop": ["\ud800"]}, {}, "--stop holds an unpaired surrogate"),
        ({"metadata": ["team"]}, {}, "--metadata takes KEY=VALUE, not 'team'"),
        ({"metadata": ["=x"]}, {}, "--metadata keys take 1 to 64 characters"),
        ({"metadata": ["k" * 65 + "=x"]}, {}, "--metadata keys take 1 to 64 characters"),
        ({"metadata": ["k=" + "v" * 513]}, {}, "at most 512 characters, not 513"),
        ({"metadata": [f"k{n}=v" for n in range(17)]}, {}, "at most 16 keys, not 17"),
        ({"metadata": ["k=1", "k=2"]}, {}, "--metadata k is given twice"),
        ({"tool_choice": "required"}, {}, "--tool-choice is about the turn's tools"),
        ({"tool_choice": "get_time"}, TOOLS, "'get_time' is not one of this turn's tools"),
        ({"allowed_tools": ["get_time"]}, TOOLS, "--allowed-tools: 'get_time' is not one"),
        ({"allowed_tools": [","]}, TOOLS, "--allowed-tools needs the names"),
        (
            {"allowed_tools": ["get_weather"], "tool_choice": "none"},
            TOOLS,
            "--tool-choice none and --allowed-tools contradict each other",
        ),
        ({"max_tool_calls": 0}, TOOLS, "--max-tool-calls takes a whole number from 1"),
        ({"max_tool_calls": 2}, {}, "--max-tool-calls is about the turn's tools"),
        ({"no_parallel_tools": True}, {}, "--no-parallel-tools is about the turn's tools"),
    ],
)
def test_bad_values_are_one_sentence_before_anything_is_sent(
    given: dict[str, Any], extra: dict[str, Any], message: str
) -> None:
    for api in BACKENDS:
        with pytest.raises(OptionsError, match=message.replace("(", r"\(")) as caught:
            build(api, parameters=given, **extra)
        assert "\n" not in str(caught.value)


def test_the_safety_identifier_trait_is_checked_when_set() -> None:
    config = ResponsesConfig()
    config.safety_identifier = "  a1b2  "
    assert config.safety_identifier == "a1b2"
    with pytest.raises(TraitError, match="at most 64 characters"):
        config.safety_identifier = "x" * 65
    assert "safety_identifier" not in build("chat", {"safety_identifier": ""}).parameters


def test_traits_are_defaults_the_cell_overrides_and_are_not_given() -> None:
    traits = {"verbosity": "high", "service_tier": "flex", "safety_identifier": "h"}
    request = build("chat", traits, parameters={"verbosity": "low"})
    assert request.parameters == {
        "verbosity": "low",
        "service_tier": "flex",
        "safety_identifier": "h",
        "reasoning_summary": "auto",  # the trait's default, sent with --reasoning only
    }
    assert request.parameters_given == {"verbosity"}


def test_the_panel_path_checks_the_same_way() -> None:
    """A front door without argparse (the panel builds ``TurnOptions`` itself) gets the
    same checks: a value is never sent unchecked."""
    with pytest.raises(OptionsError, match="--verbosity takes"):
        build("responses", parameters={"verbosity": "LOUD"})


@settings(max_examples=150, deadline=None, database=None, derandomize=True)
@given(
    st.sampled_from(sorted(parameters.PARAMETERS)),
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=80),
        st.lists(st.text(max_size=80), max_size=20),
        st.dictionaries(st.text(max_size=70), st.text(max_size=600), max_size=20),
    ),
    st.booleans(),
)
def test_any_value_is_sent_checked_or_refused_in_one_sentence(
    name: str, value: Any, with_tools: bool
) -> None:
    """Whatever a front door hands over, the answer is a checked request or our
    one-sentence error, never another exception."""
    tools = {"tools": ["get_weather"]} if with_tools else {}
    for api in BACKENDS:
        try:
            request = build(api, parameters={name: value}, **tools)
            BACKENDS[api].validate(request)
        except OptionsError as error:
            assert str(error).strip() and "\n" not in str(error)
