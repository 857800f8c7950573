"""定考通 server: the API behind the mini-program and the web console."""
