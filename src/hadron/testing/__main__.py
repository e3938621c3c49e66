"""``python -m hadron.testing --latency 0.2``: run the fault server until interrupted."""

from hadron.testing.fault_server import main

main()
