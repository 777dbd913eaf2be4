"""Under the hood: the Playground's network opened up — its math, the code that runs it, one
gradient step checked three ways, the leaf-tensor pitfall, its hidden space, and its history.

Everything here reads the session's config and run (ui/session.py); nothing is set up twice.
A learner who lands here first gets the same run the Playground would make. Tabs run lazily
(`on_change="rerun"`): only the open tab's content is computed, so the live hidden-space view
costs nothing while another tab is open. The engine does the work (scratchnet/draw/hidden_space.py,
scratchnet/teach/pitfall.py, scratchnet/teach/gradcheck.py); ui/hood.py turns it into what is shown.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st
import torch

from live.run import FrameState, LiveRun
from scratchnet.config import ACTIVATIONS, KNOBS, REGULARIZATIONS, Config
from scratchnet.draw.figures import boundary_spec, loss_spec
from scratchnet.draw.palette import Style
from scratchnet.draw.plotly_json import figure_json
from scratchnet.draw.surface import decision_surface
from scratchnet.net.model import init_net
from scratchnet.teach.gradcheck import ABS_TOL, REL_TOL
from scratchnet.teach.pitfall import SETUP, leaf_pitfall_demo
from ui import events, hood, keys, live_view, session, theme, toolbar
from ui.into_view import bring_into_view
from ui.live_chart import live_chart

TABS = ["Math & code", "One step, opened up", "Leaf-tensor pitfall", "Hidden space", "History"]
STEP_PICKED = "uth_step_picked"         # the picked entry's values and its tensor's table (a container's key)
BOUNDARY_RESOLUTION = 80
ACTIVATION, REGULARIZATION, REG_RATE = KNOBS["activation"], KNOBS["regularization"], KNOBS["reg_rate"]


def run_toolbar(live: LiveRun) -> None:
    """Play, pause and step here too, so the hidden space and history can be watched as they grow."""
    play, step, status = st.columns([1, 1, 6], vertical_alignment="center")
    toolbar.play_pause(live, play, key="uth", primary=False, help="Train on, as the Playground's Play does.")
    toolbar.step(live, step, key="uth")
    training = toolbar.busy(live)
    status.caption(f"{'Training' if training else 'Paused'}: the Playground's run, trained here as there "
                   "(the network itself is set up on the Playground).")


# --- 1 + 2: the math of this network beside the code that runs it ---------------------------------------
def show_sources(sources: list[hood.Source]) -> None:
    for source in sources:
        st.caption(f"`{source.name}` — {source.where}")
        st.code(source.code, language="python", wrap_lines=True)


def show_code(readable: dict[str, str], fast: dict[str, list[hood.Source]], part: str) -> None:
    """The tutorial-style code of one part, and one click away the engine's fast version of it."""
    if part == "forward":
        with st.expander("The parameters: W1, b1, … as leaf tensors"):
            st.code(readable["parameters"], language="python", wrap_lines=True)
    st.code(readable[part], language="python", wrap_lines=True)
    with st.expander("How it is made fast"):
        st.caption(hood.FAST_NOTES[part] + " The engine's own source, read from disk as the page is drawn:")
        show_sources(fast[part])


def math_and_code(cfg: Config, live: LiveRun) -> None:
    state = live.frame_state()
    n, rows_text = hood.batch_rows(cfg, int(state.data.x_train.shape[0]))
    readable, fast = hood.readable_sections(cfg), hood.code_sections(cfg)
    st.markdown(f"The network on the Playground, **{' → '.join(map(str, cfg.layer_sizes))}** with "
                f"{ACTIVATION.show(cfg.activation)}, for one training step. {rows_text}. "
                "On the left the math; on the right the code that computes it, in the tutorial's style. It really "
                "runs: it computes *One step, opened up*, and the Playground's **Code (.py)** button exports it. "
                "The engine runs the same arithmetic arranged for speed: *How it is made fast* under each part.")
    with st.expander("Every tensor of one step and its shape"):
        st.table(pd.DataFrame(hood.shape_table(cfg, n)).set_index("tensor"))

    st.subheader("Forward pass")
    left, right = st.columns(hood.MATH_CODE)
    with left:
        st.latex(hood.forward_tex(cfg, n))
        st.caption("The output layer has no activation: its values are the "
                   + ("logits, one per class." if cfg.is_classification else "prediction, one number per point.")
                   + (" " + hood.ACTIVATION_NOTES[cfg.activation] if cfg.activation in hood.ACTIVATION_NOTES else ""))
    with right:
        show_code(readable, fast, "forward")

    st.subheader("Loss")
    left, right = st.columns(hood.MATH_CODE)
    with left:
        st.latex(hood.loss_tex(cfg, n))
        notes = ["Y holds the labels one-hot; yᵢ is point i's class. Log-sum-exp subtracts the largest logit mᵢ "
                 "first, so no exponential can overflow." if cfg.is_classification
                 else "Ŷ and Y are columns of one value per point."]
        if cfg.regularization != "none":
            notes.append("The penalty is on the weights only; biases are not penalized.")
        st.caption(" ".join(notes))
    with right:
        show_code(readable, fast, "loss")

    st.subheader("Backward pass (the chain rule, last layer first)")
    left, right = st.columns(hood.MATH_CODE)
    with left:
        st.latex(hood.backward_tex(cfg, n))
        st.caption("⊙ is the elementwise product. Every gradient has the shape of what it differentiates.")
        if cfg.backprop == "autograd":
            st.info("This run computes its gradients with autograd (`loss.backward()`, Backprop = autograd); "
                    "the hand-written backward is the same math, checked in “One step, opened up”.")
    with right:
        show_code(readable, fast, "backward")

    st.subheader(f"Update ({KNOBS['optimizer'].show(cfg.optimizer)})")
    left, right = st.columns(hood.MATH_CODE)
    with left:
        st.latex(hood.update_tex(cfg))
        st.caption("Applied to every parameter θ ∈ {W₁, b₁, W₂, …}, in place, once per step.")
    with right:
        show_code(readable, fast, "update")


# --- 3: one step, opened up ----------------------------------------------------------------------------
def _frame(values: torch.Tensor, columns: list[str], index: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame(hood.as_array(values), columns=columns, index=index)


def _select_entry() -> None:
    """A click on a line or bias of the step's diagram: its tensor in the table below, its row marked."""
    picked = events.fields(events.payload("select", keys.UTH_STEP_DIAGRAM), "click in the diagram", "name")
    name = events.text(picked["name"], "weight's name")
    if not hood.ENTRY_NAME.fullmatch(name):
        raise events.EventError("The click in the diagram did not name a weight or bias, so nothing changed.")
    st.session_state[keys.UTH_STEP_ENTRY] = name
    st.session_state[keys.UTH_STEP_PARAM] = name.split("[")[0]
    st.session_state[keys.UTH_JUST_PICKED] = True


def gradient_verdict(step: hood.OpenedStep) -> None:
    worst = max(max(r.autograd_abs, r.numeric_abs) for r in step.rows)
    if all(r.ok for r in step.rows):
        st.success(f"All {len(step.rows)} parameter tensors agree. Largest difference {worst:.2e}; a check passes "
                   f"when each difference is within {ABS_TOL:g} absolute or {REL_TOL:g} relative.",
                   icon=":material/check_circle:")
    else:
        st.error(f"Some gradients disagree (largest difference {worst:.2e}, tolerance {ABS_TOL:g}).")


def one_step(cfg: Config, live: LiveRun, style: Style) -> None:
    st.markdown(f"{hood.STEP_POINTS} training points through a float64 copy of the network: every value "
                "of the forward pass, then the gradient of the loss computed three ways — the hand-written "
                "backward, autograd, and central finite differences (L(θ+ε) − L(θ−ε)) / 2ε with ε = 10⁻⁶. "
                "The forward values and the hand-written gradients come from the tutorial-style code of "
                "*Math & code* (open *The code that computed this* below). "
                "Pick another activation or penalty and see the check still hold.")
    pick_act, pick_reg, pick_rate = st.columns([2, 1.4, 2])
    activation = pick_act.selectbox(ACTIVATION.label, ACTIVATIONS, index=ACTIVATIONS.index(cfg.activation),
                                    key="uth_step_act", format_func=ACTIVATION.show)
    regularization = pick_reg.segmented_control(REGULARIZATION.label, REGULARIZATIONS, default=cfg.regularization,
                                                key="uth_step_reg", format_func=REGULARIZATION.show, required=True)
    rate = 0.0
    if regularization != "none":
        rates = sorted({r for r in REG_RATE.grid if r > 0} | ({cfg.reg_rate} if cfg.reg_rate > 0 else set()))
        rate = pick_rate.select_slider("Rate λ", rates, value=cfg.reg_rate if cfg.reg_rate > 0 else 0.01,
                                       key="uth_step_rate", help=REG_RATE.help, format_func=REG_RATE.show)
    state = live.frame_state()
    net, from_run = hood.step_network(cfg, state.net, activation)
    _raw, x, target, labels = hood.step_batch(state.data, cfg)
    step = hood.open_step(hood.step_config(cfg, activation, regularization, rate), net, x, target)
    gradient_verdict(step)                      # under the pickers: what a new pick did, without scrolling
    sizes = "-".join(str(w.shape[0]) for w in net.weights) + f"-{net.weights[-1].shape[1]}"
    if from_run:
        st.caption(f"Network {sizes} with the run's weights at epoch {state.snapshot.epoch:,}, in float64.")
    else:
        st.caption(f"Network {sizes}: a seeded float64 network like the Playground's "
                   f"{'-'.join(map(str, cfg.layer_sizes))}, "
                   f"capped at {hood.STEP_MAX_HIDDEN_LAYERS} hidden layers of {hood.STEP_MAX_UNITS} units (the "
                   f"Playground's has {hood.n_params(cfg.layer_sizes, cfg.norm):,} parameters, and finite differences "
                   "take two forward passes per parameter).")

    st.subheader("Forward")
    index = [f"point {i + 1}" for i in range(x.shape[0])]
    inputs = _frame(x, [KNOBS["features"].show(f) for f in cfg.features], index)
    inputs["label" if cfg.is_classification else "target"] = labels.numpy()
    cols = st.columns(3 if step.z1 is not None else 2)
    with cols[0]:
        st.markdown(f"**X** ({x.shape[0]}×{x.shape[1]}) and the labels")
        st.dataframe(inputs.style.format(precision=3), key="uth_step_x")
    if step.z1 is not None:
        units = [f"u{j + 1}" for j in range(step.z1.shape[1])]
        with cols[1]:
            st.markdown(f"**Z₁ = X W₁ + b₁** ({step.z1.shape[0]}×{step.z1.shape[1]})")
            st.dataframe(_frame(step.z1, units, index).style.format(precision=3), key="uth_step_z1")
        with cols[2]:
            st.markdown(f"**H₁ = {ACTIVATION.show(activation)}(Z₁)**")
            st.dataframe(_frame(step.h1, units, index).style.format(precision=3), key="uth_step_h1")
    outputs = [f"z{k}" for k in range(step.out.shape[1])] if cfg.is_classification else ["ŷ"]
    out_frame = _frame(step.out, outputs, index)
    if step.probs is not None:
        for k in range(step.probs.shape[1]):
            out_frame[f"p{k}"] = step.probs[:, k].numpy()
    out_frame["loss of the point"] = step.point_losses.numpy()
    with cols[1] if step.z1 is None else st.container():
        st.markdown("**Logits, softmax probabilities and each point's loss**" if cfg.is_classification
                    else "**Prediction and each point's squared error**")
        st.dataframe(out_frame.style.format(precision=4), key="uth_step_out")
    loss_cols = st.columns(3)
    loss_cols[0].metric("Data loss (mean over the points)", f"{step.data_loss:.6f}")
    loss_cols[1].metric("Penalty", f"{step.penalty:.6f}")
    loss_cols[2].metric("Loss", f"{step.loss:.6f}")

    st.subheader("Gradients, three ways")
    number = st.column_config.NumberColumn(format="%.2e")
    st.dataframe(pd.DataFrame(hood.gradient_rows(step)), hide_index=True, key="uth_gradcheck",
                 column_config={c: number for c in ("max |hand − autograd|", "relative (autograd)",
                                                    "max |hand − finite diff|", "relative (finite diff)")})
    selected = hood.entry_of(net, st.session_state.get(keys.UTH_STEP_ENTRY))
    chart, numbers = hood.step_diagram(cfg, net, step, state.data.bounds, style, selected)
    live_view.static_diagram(keys.UTH_STEP_DIAGRAM, chart, numbers, style, on_select=_select_entry)
    if st.session_state.get(keys.UTH_STEP_PARAM) not in (None, *step.names):
        st.session_state[keys.UTH_STEP_PARAM] = step.names[0]        # a pick from another network
    with st.container(key=STEP_PICKED):
        name = st.segmented_control("Parameter", step.names, default=step.names[0], key=keys.UTH_STEP_PARAM,
                                    required=True)
        i = step.names.index(name)
        entries = pd.DataFrame(hood.gradient_entries(step, i))
        mark = entries["entry"] == selected
        if mark.any():
            row = entries[mark].iloc[0]
            st.markdown(f"**{selected}** (the marked line, first in the table): hand-written "
                        f"`{row['hand-written']:.8f}`, autograd `{row['autograd']:.8f}`, finite differences "
                        f"`{row['finite differences']:.8f}`")
            # first: a table shows ~10 of its rows, and W1 of a 2-10-2 network has 20
            entries = pd.concat([entries[mark], entries[~mark]], ignore_index=True)
            mark = entries["entry"] == selected
        formats = {"hand-written": "{:.8f}", "autograd": "{:.8f}", "finite differences": "{:.8f}",
                   "hand − autograd": "{:.2e}", "hand − finite diff": "{:.2e}"}
        styled = entries.style.format(formats).apply(
            lambda r: ["background-color: #fef3c7" if mark.iloc[r.name] else ""] * len(r), axis=1)
        st.dataframe(styled, hide_index=True, key="uth_grad_entries")
    if st.session_state.pop(keys.UTH_JUST_PICKED, False):
        bring_into_view(STEP_PICKED, "nearest")
    with st.expander("The code that computed this"):
        st.caption("Run as it is, with the network's float64 tensors as W1, b1, …: `Z, saved = forward(X)`, "
                   "the loss, then `backward(X, Y, Z, saved)` for the hand-written column.")
        st.code(step.code, language="python", wrap_lines=True)
    st.caption("Autograd and the hand-written backward do the same floating-point work in a different order, so "
               "they differ by rounding (about 10⁻¹⁷ in float64). Finite differences carry an error of order ε² "
               "plus rounding/ε, about 10⁻¹⁰: still far inside the tolerance. A wrong derivative would show up as "
               "a difference the size of the gradient itself.")


# --- 4: the leaf-tensor pitfall -----------------------------------------------------------------------------
def pitfall() -> None:
    demo = leaf_pitfall_demo()
    st.markdown("The tutorial creates its weights with `torch.randn(d, h, requires_grad=True) * 0.1`. "
                "It trains nothing: `* 0.1` is an operation, so the `W` it keeps is the *result* of one — not a leaf "
                "of the graph, and `backward()` fills `.grad` only on leaves. Below, each snippet is run as "
                "written (after the setup) and what it printed is shown under it.")
    st.code(SETUP, language="python", wrap_lines=True)
    cols = st.columns(3)
    verdicts = (":red[:material/cancel:]", ":green[:material/check_circle:]", ":green[:material/check_circle:]")
    for col, key, verdict in zip(cols, ("wrong", "right", "engine"), verdicts):
        attempt = demo[key]
        with col:
            st.markdown(f"**{verdict} {attempt.title}**")
            st.code(attempt.code, language="python", wrap_lines=True)
            st.caption("printed:")
            st.code(attempt.output, language=None, wrap_lines=True)
            grad = "None" if attempt.grad is None else f"a tensor of shape {tuple(attempt.grad.shape)}"
            st.markdown(f"- `is_leaf`: **{attempt.is_leaf}**\n- `grad_fn`: **{attempt.grad_fn}**\n"
                        f"- `.grad` after `backward()`: **{grad}**")
            for warning in attempt.warnings:
                st.warning(f"PyTorch warned: {warning}", icon=":material/warning:")
    st.markdown("The gradient was not lost: it went to the tensor *before* `* 0.1`, which has no name, so no "
                "update can reach it; `W -= lr * W.grad` fails with a TypeError. Scaling first and calling "
                "`requires_grad_()` last makes the tensor we keep the leaf. scratchnet's `init_net` does exactly that:")
    show_sources([hood.source_of(init_net)])


# --- 5: hidden space, live ------------------------------------------------------------------------------------
def _unit_picker(column, label: str, key: str, width: int, default: int) -> int:
    if st.session_state.get(key, default) >= width:
        st.session_state[key] = min(default, width - 1)
    return column.selectbox(label, range(width), index=min(default, width - 1), key=key,
                            format_func=lambda j: f"unit {j + 1}")


def hidden_space_panel(live: LiveRun, cfg: Config, style: Style) -> None:
    """The plane as one hidden layer sees it, redrawn live as the run trains."""
    hidden = cfg.hidden
    if not hidden:
        st.info("This network has no hidden layers: it is a linear model of the input features, so there is no "
                "hidden space to look at. Add a layer on the Playground.")
        return
    pick_layer, pick_mode, pick_x, pick_y = st.columns([2, 2.2, 1.2, 1.2])
    layer = pick_layer.selectbox("Layer", range(1, len(hidden) + 1), key="uth_layer",
                                 format_func=lambda lay: f"hidden layer {lay} ({hidden[lay - 1]} units)")
    width = hidden[layer - 1]
    mode = pick_mode.segmented_control("View through", ["two units", "projection (PCA)"],
                                       default="projection (PCA)" if width > 2 else "two units",
                                       key="uth_mode", required=True)
    units = None
    if mode == "two units":
        units = (_unit_picker(pick_x, "x axis", keys.UTH_UNIT_X, width, 0),
                 _unit_picker(pick_y, "y axis", keys.UTH_UNIT_Y, width, 1 if width > 1 else 0))
    live_view.hidden_space_view(live, style, layer, units)
    st.caption("Grey lines run along x₁ (x₂ fixed), brown lines along x₂ (x₁ fixed); each is mapped point by point "
               "through the layers up to this one. "
               + ("Two units show the layer's own coordinates. " if units else
                  "The projection shows the plane in which the data's values in this layer vary most (the axes "
                  "say how much of their variance each direction holds). ")
               + "In the last hidden layer the output is a linear function of these values: that is where the "
                 "classes must become separable by straight lines.")


# --- 6: history ---------------------------------------------------------------------------------------------
def history_panel(style: Style, show_test: bool) -> None:
    live = session.run()
    if live is None:
        return
    checkpoints = dict(live.checkpoint_list())
    epochs = sorted(checkpoints)
    state = live.frame_state()
    if len(epochs) > 1:
        chosen = st.session_state.get(keys.UTH_EPOCH)
        if chosen not in checkpoints or chosen == st.session_state.get(keys.UTH_EPOCH_NEWEST):
            st.session_state[keys.UTH_EPOCH] = epochs[-1] # new, thinned away, or following the newest
        st.session_state[keys.UTH_EPOCH_NEWEST] = epochs[-1]
        epoch = st.select_slider("Epoch", epochs, key=keys.UTH_EPOCH, format_func=lambda e: f"{e:,}",
                                 help="Checkpoints saved as the run trained: every early epoch, then spaced out.")
    else:
        epoch = epochs[0]
        st.info("Only epoch 0 is saved so far: press Play or Step, then come back to scrub through the run.")
    net = checkpoints[epoch]
    measured = hood.checkpoint_metrics(net, state.data, state.cfg)
    cols = st.columns(5)
    cols[0].metric("Showing epoch", f"{epoch:,}")
    cols[1].metric("Train loss", f"{measured.train_loss:.4f}")
    cols[2].metric("Test loss", f"{measured.test_loss:.4f}")
    if measured.train_accuracy is not None:
        cols[3].metric("Train accuracy", f"{measured.train_accuracy:.1%}")
        cols[4].metric("Test accuracy", f"{measured.test_accuracy:.1%}")
    left, right = st.columns([3, 2])
    with left:
        surface = decision_surface(net, state.cfg.features, state.data.bounds, state.cfg.problem, BOUNDARY_RESOLUTION)
        spec = boundary_spec(surface, state.data, show_test=show_test, style=style, height=480,
                             uirevision=f"history-boundary-{state.data.name}")
        live_chart(figure_json(spec), key="uth_history_boundary", height=480)
    with right:
        live_chart(figure_json(history_loss_spec(state, epoch, style)), key="uth_history_loss", height=300)
        st.caption(f"{len(epochs)} checkpoints of this run (of {state.snapshot.epoch:,} epochs trained so far).")


def history_loss_spec(state: FrameState, epoch: int, style: Style) -> dict:
    """The loss curve up to `epoch`, on the axes of the whole run, so scrubbing draws it forward."""
    c = state.curves
    train = [(e, v) for e, v in zip(c.train_epochs, c.train_losses) if e <= epoch]
    test = [(e, v) for e, v in zip(c.test_epochs, c.test_losses) if e <= epoch]
    spec = loss_spec([v for _, v in train], [e for e, _ in test], [v for _, v in test], style=style, height=300,
                     train_epochs=[e for e, _ in train], uirevision=f"history-loss-{state.data.name}")
    finite = [v for v in [*c.train_losses, *c.test_losses] if math.isfinite(v)]
    last = max([*c.train_epochs, 1])
    spec["layout"]["xaxis"]["range"] = [0, last]
    if finite:
        spec["layout"]["yaxis"]["range"] = [0, float(np.max(finite)) * 1.05]
    spec["layout"]["shapes"] = [{"type": "line", "x0": epoch, "x1": epoch, "yref": "paper", "y0": 0, "y1": 1,
                                 "line": {"color": "#6B7280", "width": 1.5, "dash": "dot"}}]
    return spec


# --- the page, top to bottom: the Playground's config and run (made here if the learner came here first)
setup = session.setup()
cfg, view = setup.config, setup.view
run = session.ensure_run(setup)
session.keep(run)                                   # back from idle (the learner was away): train again
session.sync_url(setup)
style = theme.apply(view.presentation)
st.html(hood.CODE_CSS, unsafe_allow_javascript=True)     # our own constant: code that wraps, math that fits

st.title("Under the hood")
st.caption(cfg.describe())
run_toolbar(run)
tabs = st.tabs(TABS, key="uth_tab", on_change="rerun")
with tabs[0]:
    if tabs[0].open:
        math_and_code(cfg, run)
with tabs[1]:
    if tabs[1].open:
        st.fragment(one_step)(cfg, run, style)
with tabs[2]:
    if tabs[2].open:
        pitfall()
with tabs[3]:
    if tabs[3].open:
        hidden_space_panel(run, cfg, style)
with tabs[4]:
    if tabs[4].open:
        st.fragment(history_panel)(style, view.show_test)
