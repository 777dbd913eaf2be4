"""The Lesson page under AppTest: linkable steps, a prediction before every run, the result after it,
and the last step training live."""

from __future__ import annotations

import pytest

from scratchnet.teach.lesson import TUTORIAL
from tests.live_element import live_data


def open_lesson(apps, step: str | None = "1", lesson: str | None = "tutorial", **extra: str):
    query = {k: v for k, v in (("lesson", lesson), ("step", step)) if v is not None} | extra
    return apps.open(query, page="lesson", first=True)


def lock(at, option: str):
    at.radio[0].set_value(option).run()
    at.button(key=[b.key for b in at.button if b.key and b.key.startswith("lesson_lock_")][0]).click().run()
    assert not at.exception
    return at


def outputs(at) -> list[str]:
    """What the step's code printed: plain-text code blocks other than the link to the step."""
    return [c.value for c in at.code if c.language == "plaintext" and not c.value.startswith("http")]


def printed(at) -> str:
    """What the step's own code printed (the first output; a step's `then` lines print below it)."""
    return outputs(at)[0]


def test_the_lesson_is_in_the_menu_and_opens_at_step_1(apps):
    at = open_lesson(apps, step=None, lesson=None)
    assert at.title[0].value == f"Lesson: {TUTORIAL.title}"
    assert at.query_params["lesson"] == "tutorial" and at.query_params["step"] == "1", "the address says where"
    assert at.subheader[0].value.startswith("Step 1 of 4: Parameters as leaf tensors")
    assert at.segmented_control(key="lesson_step").value == 1


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_a_link_opens_its_step_which_asks_before_it_runs(apps, number):
    step = TUTORIAL.step(number)
    at = open_lesson(apps, step=str(number))
    assert at.subheader[0].value == f"Step {number} of 4: {step.title}"
    assert step.code.rstrip("\n") in [c.value for c in at.code], "the step's code is shown"
    radio = at.radio[0]
    assert list(radio.options) == list(step.question.options) and radio.value is None
    lock_button = next(b for b in at.button if b.key == f"lesson_lock_{step.key}")
    assert lock_button.disabled, "nothing to lock in before choosing"
    assert not outputs(at), "nothing has run yet"
    assert not at.info, "nothing to notice before the run"


@pytest.mark.parametrize("number, expected", [
    (1, "W1.grad: None"), (2, "loss: 0.6"), (3, "W1.grad  shape (2, 10)  size 20"), (4, "after one step")])
def test_locking_in_an_answer_runs_the_code_and_says_who_was_right(apps, number, expected):
    step = TUTORIAL.step(number)
    at = open_lesson(apps, step=str(number))
    wrong = next(o for i, o in enumerate(step.question.options) if i != step.question.answer)
    lock(at, wrong)
    assert expected in printed(at)
    feedback = at.warning[0].value
    assert feedback.startswith(f"You predicted **{wrong}**. Not quite") and step.question.why in feedback
    assert at.radio[0].disabled, "an answer, once locked in, stays"
    assert at.info[0].value.startswith("**What to notice.**")
    at.button(key=f"lesson_again_{step.key}").click().run()
    assert at.radio[0].value is None and not outputs(at), "asked again"
    lock(at, step.question.options[step.question.answer])
    assert at.success[0].value.startswith(f"You predicted **{step.question.options[step.question.answer]}**. Right.")


def test_step_1_keeps_why_and_the_fix_until_the_answer_is_locked_in(apps):
    step = TUTORIAL.step(1)
    at = open_lesson(apps, step="1")
    page = " ".join([m.value for m in at.markdown] + [c.value for c in at.code])
    assert "requires_grad_()" not in page and "is_leaf" not in page and "not computed" not in page
    lock(at, "a 2×10 tensor of gradients")
    assert [c.value for c in at.code if c.language == "python"][-1] == step.then.rstrip("\n")
    assert outputs(at)[1].splitlines() == ["W1.is_leaf: False   W1.grad_fn: MulBackward0",
                                           "fixed W1.is_leaf: True   W1.grad.shape: (2, 10)"]


def test_the_last_step_ends_with_where_to_go_next(apps):
    at = open_lesson(apps, step="4")
    assert not [p for p in at.get("page_link") if "Compare" in p.proto.label], "not before the answer"
    lock(at, "down")
    links = {p.proto.label.split(":")[0]: p.proto.page for p in at.get("page_link")}
    assert {"Playground", "Under the hood", "Compare"} <= set(links) and links["Compare"] == "compare", links
    at.button(key="lesson_restart").click().run()
    assert at.query_params["step"] == "1" and at.radio[0].value is None and not outputs(at)


def test_step_1_shows_the_engines_leaf_parameters(apps):
    at = lock(open_lesson(apps, step="1"), "None")
    table = next(d.value for d in at.dataframe if list(d.value.columns)[:2] == ["tensor", "shape"])
    assert list(table["tensor"]) == ["W1", "b1", "W2", "b2"] and table["is_leaf"].all()
    assert any("not a leaf Tensor" in w.value for w in at.warning), "PyTorch's warning, as it printed it"


def test_step_4_trains_the_tutorials_network_live(apps, eventually):
    at = lock(open_lesson(apps, step="4"), "down")
    data = live_data(at)
    assert set(data["charts"]) >= {"boundary", "loss"} and data["kind"] == "playground"
    run = at.session_state["lesson_run"]
    assert run.cfg.init == "small" and run.cfg.layer_sizes == (2, 10, 2)
    assert "run" not in at.session_state or at.session_state["run"] is not run, "the Playground's run is its own"
    at.button(key="lesson_play").click().run()
    eventually(lambda: run.trainer.epoch >= 300 or run.trainer.stopped == "epochs", timeout=30,
               what="the tutorial's 300 epochs")
    assert run.trainer.snapshot().train_loss < 0.1


def test_next_back_and_the_picker_move_and_the_address_follows(apps):
    at = open_lesson(apps, step="2")
    at.button(key="lesson_next").click().run()
    assert at.query_params["step"] == "3" and at.subheader[0].value.startswith("Step 3 of 4")
    at.button(key="lesson_back").click().run()
    assert at.query_params["step"] == "2"
    at.segmented_control(key="lesson_step").set_value(4).run()
    assert at.query_params["step"] == "4" and at.subheader[0].value.startswith("Step 4 of 4")
    assert "lesson_next" not in [b.key for b in at.button], "no next step after the last"


def test_a_link_to_the_front_page_opens_the_lesson(apps):
    at = apps.open({"lesson": "tutorial", "step": "3"}, first=True)
    assert at.subheader[0].value.startswith("Step 3 of 4") and "run" not in at.session_state


def test_a_step_that_is_not_there_says_so_and_shows_step_1(apps):
    at = open_lesson(apps, step="9")
    assert "steps 1 to 4" in at.warning[0].value and at.query_params["step"] == "1"
    at = open_lesson(apps, step="2", lesson="calculus")
    assert "no lesson “calculus”" in at.warning[0].value and at.query_params["lesson"] == "tutorial"


def test_presentation_mode_stays_on_from_step_to_step(apps):
    at = open_lesson(apps, step="1", presentation="1")
    link = next(c.value for c in at.code if c.value.startswith("http"))
    assert link.endswith("/?lesson=tutorial&step=1&presentation=1"), "a short link on the front page"
    at.button(key="lesson_next").click().run()
    assert at.query_params["presentation"] == "1" and at.query_params["step"] == "2"
