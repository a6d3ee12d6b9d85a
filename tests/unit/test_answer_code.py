"""``--insert`` takes the answer's Python blocks as the Markdown parser sees them."""

from __future__ import annotations

from jupyter_responses.answer_code import python_code


def test_python_blocks_are_joined_in_order() -> None:
    answer = (
        "First:\n\n```python\nimport pandas as pd\n```\n\nThen run this in a shell:\n\n"
        "```bash\npip install pandas\n```\n\n1. and in a list:\n\n"
        "   ```py\n   df = pd.DataFrame()\n   ```\n"
    )
    assert python_code(answer) == "import pandas as pd\n\ndf = pd.DataFrame()"


def test_unlabelled_blocks_count_only_when_none_is_labelled() -> None:
    assert python_code("```\nx = 1\n```") == "x = 1"
    assert python_code("```\nplain\n```\n\n```python\ny = 2\n```") == "y = 2"


def test_no_code_and_fences_in_fences() -> None:
    assert python_code("No code here, only `inline`.") == ""
    assert python_code("````python\nprint('```')\n````") == "print('```')"
    assert python_code("```json\n{}\n```") == ""
