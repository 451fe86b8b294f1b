"""The teaching app and the classroom (solara, installed with ``mesa[viz]``), served by
``dtsim app`` and ``dtsim classroom``."""
