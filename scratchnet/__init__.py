"""ScratchNet: a feedforward network as plain PyTorch tensors, with hand-written backprop.

    from scratchnet import TUTORIAL_SETUP, Config, Trainer
    trainer = Trainer(Config(**TUTORIAL_SETUP))  # the tutorial's moons and 2-10-2 ReLU net
    for snap in trainer.run(every=50):
        print(snap.epoch, snap.train_loss, snap.train_accuracy)

Nothing here imports Streamlit: the engine works in a notebook, a script or the CLI. The written-out
backward pass is `scratchnet.net.backward.backward` (the package exports the module, not the function, under
that name); `hand_loss_and_grads` runs the forward, the loss and it in one call.
"""

from scratchnet.config import KNOBS, TUTORIAL_SETUP, Config, ConfigError, from_mapping
from scratchnet.data.datasets import DATASETS, Dataset, dataset_for, featurize, make_dataset
from scratchnet.draw.surface import Surface, decision_surface, unit_surfaces
from scratchnet.net.backward import Objective, autograd_loss_and_grads, hand_loss_and_grads
from scratchnet.net.losses import cross_entropy, log_softmax, mse
from scratchnet.net.model import Net, forward, init_net, net_for, predict
from scratchnet.net.optim import SGD, Adam, AdamW, Momentum, Nesterov, RMSProp, make_optimizer
from scratchnet.net.schedule import lr_at
from scratchnet.teach.gradcheck import compare_gradients, full_check
from scratchnet.train.batched import BatchedTrainer, Sweep
from scratchnet.train.restart import needs_restart
from scratchnet.train.trainer import Snapshot, Trainer

__all__ = [
    "DATASETS", "KNOBS", "SGD", "TUTORIAL_SETUP", "Adam", "AdamW", "BatchedTrainer", "Config", "ConfigError",
    "Dataset", "Momentum", "Nesterov", "Net", "Objective", "RMSProp", "Snapshot", "Surface", "Sweep", "Trainer",
    "autograd_loss_and_grads", "compare_gradients", "cross_entropy", "dataset_for", "decision_surface", "featurize",
    "forward", "from_mapping", "full_check", "hand_loss_and_grads", "init_net", "log_softmax", "lr_at",
    "make_dataset", "make_optimizer", "mse", "needs_restart", "net_for", "predict", "unit_surfaces",
]
