"""The teaching app (solara, through Mesa's SolaraViz), served by ``dtsim app``."""
